"""CreateKey's requirements for a KMS key in a CloudHSM key store.

"No other key type is supported in a custom key store" than single-Region
SYMMETRIC_DEFAULT keys for ENCRYPT_DECRYPT, with Origin AWS_CLOUDHSM (KMS
Developer Guide, create-cmk-keystore).
"""

from __future__ import annotations

import functools
from typing import Any

import botocore.session

from ..exceptions import UnsupportedOperationException, ValidationException
from .constraints import field_name, require_enum_value

DEFAULT_ORIGIN = "AWS_KMS"
CLOUDHSM_ORIGIN = "AWS_CLOUDHSM"
# Origins whose keys live in a custom key store and so need CustomKeyStoreId.
CUSTOM_KEY_STORE_ORIGINS = (CLOUDHSM_ORIGIN, "EXTERNAL_KEY_STORE")
SYMMETRIC_DEFAULT = "SYMMETRIC_DEFAULT"
ENCRYPT_DECRYPT = "ENCRYPT_DECRYPT"


@functools.cache
def _enum_values(parameter: str) -> tuple[str, ...]:
    model = botocore.session.get_session().get_service_model("kms")
    shape = model.operation_model("CreateKey").input_shape.members[parameter]
    return tuple(shape.enum)


def _require_enum_value(params: dict[str, Any], parameter: str) -> None:
    value = params.get(parameter)
    if value is not None:
        require_enum_value(value, field_name(parameter), _enum_values(parameter))


def requested_origin(params: dict[str, Any]) -> str:
    """Return the request's Origin, rejecting values outside the model's enum."""
    _require_enum_value(params, "Origin")
    return str(params.get("Origin") or DEFAULT_ORIGIN)


def is_custom_key_store_request(params: dict[str, Any], origin: str) -> bool:
    return (
        params.get("CustomKeyStoreId") is not None or origin in CUSTOM_KEY_STORE_ORIGINS
    )


def check_store_key_parameters(params: dict[str, Any], origin: str) -> None:
    """Reject the parameters a key in a CloudHSM key store cannot have."""
    _check_origin(params, origin)
    for parameter in ("KeySpec", "CustomerMasterKeySpec", "KeyUsage"):
        _require_enum_value(params, parameter)
    key_spec = params.get("KeySpec") or params.get("CustomerMasterKeySpec")
    if key_spec is not None and key_spec != SYMMETRIC_DEFAULT:
        # NOTE: the exception for an unsupported KeySpec, KeyUsage or MultiRegion
        # in a custom key store is unconfirmed; UnsupportedOperationException is
        # the modelled error that describes it.
        raise UnsupportedOperationException(
            f"KeySpec {key_spec} is not supported in a custom key store. KMS keys "
            f"in a CloudHSM key store must have KeySpec {SYMMETRIC_DEFAULT}."
        )
    key_usage = params.get("KeyUsage")
    if key_usage is not None and key_usage != ENCRYPT_DECRYPT:
        raise UnsupportedOperationException(
            f"KeyUsage {key_usage} is not supported in a custom key store. KMS keys "
            f"in a CloudHSM key store must have KeyUsage {ENCRYPT_DECRYPT}."
        )
    if params.get("MultiRegion"):
        raise UnsupportedOperationException(
            "You cannot create a multi-Region key in a custom key store. Omit "
            "MultiRegion or set it to false."
        )


def _check_origin(params: dict[str, Any], origin: str) -> None:
    # NOTE: AWS's errors for an Origin that does not match CustomKeyStoreId are
    # unconfirmed; the mock rejects them as invalid parameters.
    store_id = params.get("CustomKeyStoreId")
    if store_id is None:
        raise ValidationException(
            f"CustomKeyStoreId is required when Origin is {origin}. Specify the "
            "custom key store to create the KMS key in."
        )
    if origin != CLOUDHSM_ORIGIN:
        raise ValidationException(
            f"Origin {origin} is not valid with CustomKeyStoreId {store_id}. To "
            f"create a KMS key in a CloudHSM key store, set Origin to "
            f"{CLOUDHSM_ORIGIN}."
        )
    if params.get("XksKeyId") is not None:
        raise ValidationException(
            "XksKeyId is valid only for Origin EXTERNAL_KEY_STORE. Omit it for a "
            "KMS key in a CloudHSM key store."
        )
