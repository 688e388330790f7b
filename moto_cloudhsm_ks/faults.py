"""Connection failures that no state of the mocked cluster causes, on request.

KMS reports NETWORK_ERRORS and INTERNAL_ERROR for problems outside the cluster.
A test makes a store's connection attempts end that way until it clears the fault.
"""

from __future__ import annotations

from .cli import _default_account, _default_region
from .control_client import ControlRequestError, post_control
from .handlers import state_lock
from .keystores.backend import key_store_backends
from .keystores.connection import INJECTABLE_ERROR_CODES

CONNECTION_ERROR_ROUTE = "/moto-api/cloudhsm-ks/connection-error"


def set_connection_error(
    account_id: str, region_name: str, custom_key_store_id: str, error_code: str | None
) -> None:
    """Record the fault in the registry; raise ValueError for a bad store or code."""
    if error_code is not None and error_code not in INJECTABLE_ERROR_CODES:
        raise ValueError(
            f"Cannot inject ConnectionErrorCode '{error_code}'. Use one of "
            f"{', '.join(INJECTABLE_ERROR_CODES)}, or None to clear the fault; the "
            "other codes follow from the cluster's state."
        )
    with state_lock:
        backend = key_store_backends[account_id][region_name]
        store = backend.stores.get(custom_key_store_id)
        if store is None:
            raise ValueError(
                f"Custom key store '{custom_key_store_id}' does not exist in account "
                f"{account_id} in {region_name}."
            )
        store.injected_error_code = error_code


def inject_connection_error(
    custom_key_store_id: str,
    error_code: str | None,
    *,
    region_name: str | None = None,
    account_id: str | None = None,
    endpoint_url: str | None = None,
) -> None:
    """Make every connection attempt of the store end FAILED with `error_code`.

    `error_code` is NETWORK_ERRORS or INTERNAL_ERROR; None clears the fault. With
    `endpoint_url`, the fault is set in a running `moto-cloudhsm-ks server`.
    """
    region_name = region_name or _default_region()
    account_id = account_id or _default_account()
    if endpoint_url is None:
        set_connection_error(account_id, region_name, custom_key_store_id, error_code)
        return
    payload = {
        "account_id": account_id,
        "region_name": region_name,
        "custom_key_store_id": custom_key_store_id,
        "error_code": error_code,
    }
    try:
        post_control(endpoint_url, CONNECTION_ERROR_ROUTE, payload)
    except ControlRequestError as error:
        raise ValueError(str(error)) from None
