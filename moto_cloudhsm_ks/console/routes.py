"""The console's page, its assets and its JSON endpoints, as `/moto-api/` routes.

Each handler takes moto's `(request, full_url, headers)` and returns
`(status, headers, body)`, as the other routes in `control.py` do.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from importlib import resources
from typing import Any

from ..handlers import state_lock
from . import snapshot
from .parameters import (
    ConsoleRequestError,
    kms_regions,
    parse_query,
    read_account,
    read_cluster_id,
    read_region,
)

logger = logging.getLogger("moto_cloudhsm_ks.console")

Reply = tuple[int, dict[str, str], str]
Handler = Callable[[Any, str, Any], Reply]

CONSOLE_PATH = "/moto-api/cloudhsm-ks/console/"
KEY_STORES_PATH = CONSOLE_PATH + "key-stores.json"
CLUSTER_HSMS_PATH = CONSOLE_PATH + "cluster-hsms.json"

_NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
_JSON_HEADERS = {"Content-Type": "application/json", **_NO_STORE}
# The page loads its script, style sheet and data from this server only.
_CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
_PAGE_HEADERS = {
    "Content-Type": "text/html; charset=utf-8",
    "Content-Security-Policy": _CONTENT_SECURITY_POLICY,
    **_NO_STORE,
}
_ASSET_TYPES = {
    "console.css": "text/css; charset=utf-8",
    "console.js": "text/javascript; charset=utf-8",
}


class _MethodNotAllowed(ConsoleRequestError):
    def __init__(self, method: str) -> None:
        super().__init__(
            f"Method {method} is not allowed on the console. Use GET.", status=405
        )


@functools.cache
def _static_text(name: str) -> str:
    return (resources.files(__package__) / "static" / name).read_text("utf-8")


def _json_reply(status: int, payload: dict[str, Any]) -> Reply:
    return status, dict(_JSON_HEADERS), json.dumps(payload)


def _require_read(request: Any) -> None:
    method = str(getattr(request, "method", "GET") or "GET").upper()
    if method not in ("GET", "HEAD"):
        raise _MethodNotAllowed(method)


def _answer_errors(handler: Handler) -> Handler:
    """Turn a ConsoleRequestError into a JSON `{"error": message}` reply."""

    @functools.wraps(handler)
    def answer(request: Any, full_url: str, headers: Any) -> Reply:
        try:
            _require_read(request)
            return handler(request, full_url, headers)
        except ConsoleRequestError as error:
            logger.info("Console request rejected with %d: %s", error.status, error)
            return _json_reply(error.status, {"error": str(error)})

    return answer


@_answer_errors
def page(request: Any, full_url: str, headers: Any) -> Reply:
    """Serve the console page. Its script reads the query string itself."""
    return 200, dict(_PAGE_HEADERS), _static_text("index.html")


def _asset(name: str) -> Handler:
    @_answer_errors
    def serve(request: Any, full_url: str, headers: Any) -> Reply:
        headers_out = {"Content-Type": _ASSET_TYPES[name], **_NO_STORE}
        return 200, headers_out, _static_text(name)

    serve.__name__ = "console_" + name.replace(".", "_")
    return serve


def _region_entries(counts: dict[str, int]) -> list[dict[str, Any]]:
    names = sorted(set(kms_regions()) | set(counts))
    return [
        {"RegionName": name, "KeyStoreCount": counts.get(name, 0)} for name in names
    ]


@_answer_errors
def key_stores(request: Any, full_url: str, headers: Any) -> Reply:
    """List the key stores of `account` in `region`, and the accounts and Regions."""
    parameters = parse_query(full_url, ("account", "region"))
    account_id = read_account(parameters)
    with state_lock:
        region_name = read_region(parameters, snapshot.regions_in_use(account_id))
        counts = snapshot.count_key_stores_by_region(account_id)
        payload = {
            "Account": account_id,
            "Region": region_name,
            "Accounts": sorted(snapshot.accounts_in_use() | {account_id}),
            "Regions": _region_entries(counts),
            "CustomKeyStores": snapshot.list_key_stores(account_id, region_name),
        }
    return _json_reply(200, payload)


@_answer_errors
def cluster_hsms(request: Any, full_url: str, headers: Any) -> Reply:
    """Describe the HSMs of `cluster-id` in `account` and `region`."""
    parameters = parse_query(full_url, ("account", "region", "cluster-id"))
    account_id = read_account(parameters)
    cluster_id = read_cluster_id(parameters)
    with state_lock:
        region_name = read_region(parameters, snapshot.regions_in_use(account_id))
        cluster = snapshot.describe_cluster_hsms(account_id, region_name, cluster_id)
    if cluster is None:
        raise ConsoleRequestError(
            f"Cluster '{cluster_id}' does not exist in account {account_id} in "
            f"{region_name}. Check the cluster ID, account and region.",
            status=404,
        )
    payload = {"Account": account_id, "Region": region_name, **cluster}
    return _json_reply(200, payload)


ROUTES: dict[str, Handler] = {
    "{0}" + CONSOLE_PATH + "$": page,
    "{0}" + CONSOLE_PATH + "console.css": _asset("console.css"),
    "{0}" + CONSOLE_PATH + "console.js": _asset("console.js"),
    "{0}" + KEY_STORES_PATH: key_stores,
    "{0}" + CLUSTER_HSMS_PATH: cluster_hsms,
}
