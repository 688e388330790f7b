"""Client side of the `/moto-api/cloudhsm-ks/` control routes of a running server."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

# Seconds to wait for the server's reply to one control request.
TIMEOUT = 30


class ControlRequestError(Exception):
    """The server rejected a control request; str(error) is the server's message."""


def post_control(endpoint_url: str, route: str, payload: dict[str, Any]) -> Any:
    """POST `payload` as JSON to a control route and return the reply's `result`."""
    request = urllib.request.Request(
        endpoint_url.rstrip("/") + route,
        data=json.dumps(payload).encode("utf-8"),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as reply:
            return json.loads(reply.read())["result"]
    except urllib.error.HTTPError as error:
        try:
            message = json.loads(error.read())["error"]
        except (ValueError, KeyError, TypeError):
            message = (
                f"The server at {endpoint_url} returned HTTP {error.code} for "
                f"{route}. Check that it is a moto-cloudhsm-ks server."
            )
        raise ControlRequestError(message) from None
