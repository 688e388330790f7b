"""The query parameters of the console's JSON endpoints, checked."""

from __future__ import annotations

import functools
import re
import urllib.parse

import botocore.session

from ..cli import _default_account, _default_region

ACCOUNT_PATTERN = re.compile(r"\d{12}")
# The ClusterId pattern of botocore's cloudhsmv2 service model.
CLUSTER_ID_PATTERN = re.compile(r"cluster-[2-7a-zA-Z]{11,16}")


class ConsoleRequestError(ValueError):
    """An invalid console request, returned as HTTP `status` with the message."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@functools.cache
def kms_regions() -> tuple[str, ...]:
    """Return the KMS Regions of every partition that botocore lists, as moto does."""
    session = botocore.session.get_session()
    regions: list[str] = []
    for partition in session.get_available_partitions():
        regions.extend(session.get_available_regions("kms", partition))
    return tuple(regions)


def parse_query(full_url: str, allowed: tuple[str, ...]) -> dict[str, str]:
    """Parse the query string, rejecting parameters not in `allowed` or repeated."""
    query = urllib.parse.urlsplit(full_url).query
    pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
    parameters: dict[str, str] = {}
    for name, value in pairs:
        if name not in allowed:
            raise ConsoleRequestError(
                f"Unknown query parameter '{name}'. Use only {', '.join(allowed)}."
            )
        if name in parameters:
            raise ConsoleRequestError(
                f"Query parameter '{name}' is given more than once. Give it once."
            )
        parameters[name] = value
    return parameters


def read_account(parameters: dict[str, str]) -> str:
    """Check `account`, which defaults to `MOTO_ACCOUNT_ID` or moto's default."""
    account_id = parameters.get("account") or _default_account()
    if not ACCOUNT_PATTERN.fullmatch(account_id):
        raise ConsoleRequestError(
            f"Invalid account '{account_id}'. An AWS account ID has 12 digits, such "
            "as 123456789012."
        )
    return account_id


def read_region(parameters: dict[str, str], regions_in_use: set[str]) -> str:
    """Check `region`, which defaults to `AWS_DEFAULT_REGION` or us-east-1.

    Regions that already hold state are accepted even when botocore does not
    list them, as moto does with `MOTO_ALLOW_NONEXISTENT_REGION`.
    """
    region_name = parameters.get("region") or _default_region()
    if region_name not in kms_regions() and region_name not in regions_in_use:
        raise ConsoleRequestError(
            f"Invalid region '{region_name}': KMS is not available there. Choose a "
            "Region such as us-east-1."
        )
    return region_name


def read_cluster_id(parameters: dict[str, str]) -> str:
    cluster_id = parameters.get("cluster-id")
    if not cluster_id:
        raise ConsoleRequestError(
            "Missing query parameter 'cluster-id'. Give the ID of a CloudHSM "
            "cluster, such as cluster-igklspoyj5v."
        )
    if not CLUSTER_ID_PATTERN.fullmatch(cluster_id):
        raise ConsoleRequestError(
            f"Invalid cluster-id '{cluster_id}'. A CloudHSM cluster ID looks like "
            "cluster-igklspoyj5v."
        )
    return cluster_id
