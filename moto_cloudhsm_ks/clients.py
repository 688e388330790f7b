"""botocore clients for the provisioning helpers, sharing parsed service models.

Touches moto internals: sends moto's `x-moto-account-id` header, which moto reads
in decorator and server mode to choose the account of a request.

`boto3.client` inside `mock_aws` starts a new session each time the mock starts,
so it parses the EC2, cloudhsmv2 and KMS service models again. That was about
320 of the 500 ms of CPU time that a `provision_key_store()` call took (mean of 20
runs on a 2-core AMD EPYC VM, moto 5.2.5, botocore 1.44). One loader, shared by
every session made here, parses each model once per process. Credentials and
configuration still come from a new session, as with `boto3.client`.
"""

from __future__ import annotations

import threading
from typing import Any

import botocore.loaders
import botocore.session

# moto uses this header to pick the account when MOTO_ACCOUNT_ID is not set.
ACCOUNT_HEADER = "x-moto-account-id"

_loader_lock = threading.Lock()
_loaders: list[Any] = []


def _shared_loader() -> Any:
    with _loader_lock:
        if not _loaders:
            _loaders.append(botocore.loaders.create_loader())
        return _loaders[0]


def create_client(
    service: str,
    region_name: str,
    endpoint_url: str | None = None,
    account_id: str | None = None,
) -> Any:
    """Create a client for `service` whose requests go to moto account `account_id`.

    With `account_id=None`, moto picks the account as for any other client.
    """
    session = botocore.session.get_session()
    session.register_component("data_loader", _shared_loader())
    client = session.create_client(
        service, region_name=region_name, endpoint_url=endpoint_url
    )
    if account_id is not None:
        client.meta.events.register("before-sign", _account_header(account_id))
    return client


def _account_header(account_id: str) -> Any:
    def add_header(request: Any, **_: Any) -> None:
        request.headers[ACCOUNT_HEADER] = account_id

    return add_header
