"""Installation of the store key handlers into moto's `KmsResponse` (touches moto).

Touches moto internals: replaces `KmsResponse` methods with wrappers that call
the original method for keys outside custom key stores, and wraps
`KmsResponse.call_action` so every KMS request first deletes the store keys
whose waiting period has ended.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import botocore.session
from botocore import xform_name
from moto.core.common_types import TYPE_RESPONSE
from moto.kms.responses import KmsResponse

from ..handlers import decode_body, state_lock
from ..validation import validate_request
from .context import StoreKeyContext
from .crypto_responses import CRYPTO_HANDLERS
from .deletion import delete_keys_past_deletion_date
from .registry import utc_now
from .request import KeyRequest
from .responses import MANAGEMENT_HANDLERS, KeyHandler

_WRAPPED = "_moto_cloudhsm_ks_wrapped"

MotoMethod = Callable[[KmsResponse], object]


def _call_moto(original: MotoMethod | None, action: str, response: KmsResponse) -> str:
    if original is None:
        # moto's own message for an action it does not implement.
        raise NotImplementedError(f"The {action} action has not been implemented")
    return str(original(response))


@functools.cache
def _operation_names() -> dict[str, str]:
    """Map moto's action method names to KMS operation names."""
    model = botocore.session.get_session().get_service_model("kms")
    return {xform_name(name): name for name in model.operation_names}


def _valid_params(action: str, response: KmsResponse) -> dict[str, Any]:
    """Decode the request and check it against the model, as AWS does first.

    moto's own handlers crash on some requests the model rejects, such as a
    missing KeyId, so the check runs for keys outside custom key stores too.
    """
    params = decode_body("kms", response)
    validate_request("kms", _operation_names()[action], params)
    if not response.body:
        response.body = "{}"  # moto's handlers parse the body again
    return params


def _wrap_handler(action: str, handler: KeyHandler) -> None:
    original: MotoMethod | None = getattr(KmsResponse, action, None)
    if getattr(original, _WRAPPED, False):
        return

    def method(response: KmsResponse) -> str:
        params = _valid_params(action, response)
        with state_lock:
            request = KeyRequest(
                response, params, lambda: _call_moto(original, action, response)
            )
            return handler(request)

    method.__name__ = action
    method.__doc__ = handler.__doc__
    setattr(method, _WRAPPED, True)
    setattr(KmsResponse, action, method)


def _wrap_call_action() -> None:
    original = KmsResponse.call_action
    if getattr(original, _WRAPPED, False):
        return

    def call_action(response: KmsResponse) -> TYPE_RESPONSE:
        with state_lock:
            context = StoreKeyContext(response.current_account, response.region)
            delete_keys_past_deletion_date(context, utc_now())
        return original(response)

    setattr(call_action, _WRAPPED, True)
    KmsResponse.call_action = call_action  # type: ignore[method-assign,assignment]


def install_key_handlers() -> None:
    """Wrap moto's KMS handlers with the store key rules; safe to call again."""
    for action, handler in {**MANAGEMENT_HANDLERS, **CRYPTO_HANDLERS}.items():
        _wrap_handler(action, handler)
    _wrap_call_action()
