"""The shape shared by every request handler the plugin adds to moto.

Touches moto internals: handlers become methods of moto's `BaseResponse`
subclasses and read `body`, `current_account` and `region` from them.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

from moto.core.responses import BaseResponse

from .validation import serialization_error, validate_request

# One lock for every change to the plugin's state, so concurrent server requests
# see each operation whole. Re-entrant because handlers call each other's models.
state_lock = threading.RLock()

Handler = Callable[[BaseResponse, dict[str, Any]], dict[str, Any]]
ResponseMethod = Callable[[BaseResponse], str]


def decode_body(service_name: str, response: BaseResponse) -> dict[str, Any]:
    """Return the request's JSON object; an empty body counts as `{}`.

    Raises the service's SerializationException for any other body.
    """
    body = response.body
    try:
        if isinstance(body, bytes):
            body = body.decode("utf-8")
        params = json.loads(body) if body else {}
    except (UnicodeDecodeError, ValueError):
        params = None
    if not isinstance(params, dict):
        raise serialization_error(
            service_name, "The request body is not a JSON object."
        )
    return params


def json_handler(
    service_name: str, operation_name: str
) -> Callable[[Handler], ResponseMethod]:
    """Turn `handler(response, params) -> dict` into a moto response method.

    The method validates the request against botocore's model of the operation,
    runs the handler under the state lock and returns the result as JSON.
    """

    def decorate(handler: Handler) -> ResponseMethod:
        def method(response: BaseResponse) -> str:
            params = decode_body(service_name, response)
            validate_request(service_name, operation_name, params)
            with state_lock:
                result = handler(response, params)
            return json.dumps(result)

        method.__name__ = handler.__name__
        method.__doc__ = handler.__doc__
        method.operation_name = operation_name  # type: ignore[attr-defined]
        return method

    return decorate
