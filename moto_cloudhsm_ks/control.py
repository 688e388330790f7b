"""Routes under `/moto-api/cloudhsm-ks/` that let clients drive the mock's cluster.

Touches moto internals: adds handlers to moto's `/moto-api/` URL map, which the
server reads when it builds its app and decorator mode reads at every request.
"""

from __future__ import annotations

import json
from typing import Any

from moto.moto_api._internal import urls as moto_api_urls

from .cli import CLI_ROUTE
from .cloudhsm.cli_dispatch import run_command
from .console.routes import ROUTES as CONSOLE_ROUTES
from .exceptions import CloudHsmCliError
from .faults import CONNECTION_ERROR_ROUTE, set_connection_error

Reply = tuple[int, dict[str, str], str]

_JSON_HEADERS = {"Content-Type": "application/json"}


def _read_json(request: Any, headers: Any) -> dict[str, Any]:
    body = getattr(request, "body", None)
    if body is None:
        size = int(headers.get("Content-Length") or 0)
        body = request.environ["wsgi.input"].read(size)
    if isinstance(body, bytes):
        body = body.decode("utf-8")
    payload = json.loads(body or "{}")
    if not isinstance(payload, dict):
        raise ValueError("the request body must be a JSON object")
    return payload


def _error(status: int, message: str) -> Reply:
    return status, _JSON_HEADERS, json.dumps({"error": message})


def cli_command(request: Any, full_url: str, headers: Any) -> Reply:
    """Run one CloudHSM CLI command sent by `cloudhsm_cli(endpoint_url=...)`."""
    try:
        payload = _read_json(request, headers)
        result = run_command(
            str(payload["account_id"]),
            str(payload["region_name"]),
            str(payload["cluster_id"]),
            str(payload["session_id"]),
            str(payload["command"]),
            dict(payload.get("arguments") or {}),
        )
    except CloudHsmCliError as error:
        return _error(400, str(error))
    except (ValueError, KeyError, TypeError) as error:
        return _error(400, f"Invalid CloudHSM CLI request: {error}.")
    return 200, _JSON_HEADERS, json.dumps({"result": result})


def connection_error(request: Any, full_url: str, headers: Any) -> Reply:
    """Set or clear an injected connection failure, for `inject_connection_error`."""
    try:
        payload = _read_json(request, headers)
        error_code = payload.get("error_code")
        set_connection_error(
            str(payload["account_id"]),
            str(payload["region_name"]),
            str(payload["custom_key_store_id"]),
            None if error_code is None else str(error_code),
        )
    except (ValueError, KeyError, TypeError) as error:
        return _error(400, f"Invalid connection-error request: {error}")
    return 200, _JSON_HEADERS, json.dumps({"result": None})


ROUTES = {
    "{0}" + CLI_ROUTE: cli_command,
    "{0}" + CONNECTION_ERROR_ROUTE: connection_error,
    **CONSOLE_ROUTES,
}


def register_routes() -> None:
    moto_api_urls.url_paths.update(ROUTES)
