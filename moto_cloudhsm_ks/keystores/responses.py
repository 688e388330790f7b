"""The six KMS custom key store API handlers."""

from __future__ import annotations

from typing import Any

from moto.core.responses import BaseResponse

from ..exceptions import ValidationException
from ..handlers import json_handler
from .backend import KeyStoreBackend, key_store_backends

_CLOUDHSM_PARAMETERS = (
    "CloudHsmClusterId",
    "TrustAnchorCertificate",
    "KeyStorePassword",
)
_XKS_PARAMETERS = (
    "XksProxyUriEndpoint",
    "XksProxyUriPath",
    "XksProxyVpcEndpointServiceName",
    "XksProxyVpcEndpointServiceOwner",
    "XksProxyAuthenticationCredential",
    "XksProxyConnectivity",
)


def _backend(response: BaseResponse) -> KeyStoreBackend:
    backend: KeyStoreBackend = key_store_backends[response.current_account][
        response.region
    ]
    return backend


def _reject_external_key_store(params: dict[str, Any], operation: str) -> None:
    if params.get("CustomKeyStoreType") == "EXTERNAL_KEY_STORE":
        raise NotImplementedError(
            f"moto-cloudhsm-ks does not support {operation} for "
            "EXTERNAL_KEY_STORE custom key stores yet."
        )


def _reject_xks_parameters(params: dict[str, Any]) -> None:
    for name in _XKS_PARAMETERS:
        if name in params:
            raise ValidationException(
                f"{name} is not valid for a custom key store of type AWS_CLOUDHSM. "
                "Use it only with CustomKeyStoreType EXTERNAL_KEY_STORE."
            )


@json_handler("kms", "CreateCustomKeyStore")
def create_custom_key_store(
    response: BaseResponse, params: dict[str, Any]
) -> dict[str, Any]:
    _reject_external_key_store(params, "CreateCustomKeyStore")
    _reject_xks_parameters(params)
    for name in _CLOUDHSM_PARAMETERS:
        if params.get(name) is None:
            raise ValidationException(
                f"{name} is required for a custom key store of type AWS_CLOUDHSM."
            )
    store = _backend(response).create_custom_key_store(
        name=params["CustomKeyStoreName"],
        cluster_id=params["CloudHsmClusterId"],
        trust_anchor=params["TrustAnchorCertificate"],
        password=params["KeyStorePassword"],
    )
    return {"CustomKeyStoreId": store.custom_key_store_id}


@json_handler("kms", "DescribeCustomKeyStores")
def describe_custom_key_stores(
    response: BaseResponse, params: dict[str, Any]
) -> dict[str, Any]:
    store_id = params.get("CustomKeyStoreId")
    name = params.get("CustomKeyStoreName")
    if store_id is not None and name is not None:
        raise ValidationException(
            "Specify either CustomKeyStoreId or CustomKeyStoreName, not both."
        )
    entries, next_marker = _backend(response).describe_custom_key_stores(
        store_id, name, params.get("Limit"), params.get("Marker")
    )
    result: dict[str, Any] = {
        "CustomKeyStores": [store.to_dict(state) for store, state in entries],
        "Truncated": next_marker is not None,
    }
    if next_marker is not None:
        result["NextMarker"] = next_marker
    return result


@json_handler("kms", "ConnectCustomKeyStore")
def connect_custom_key_store(
    response: BaseResponse, params: dict[str, Any]
) -> dict[str, Any]:
    _backend(response).connect_custom_key_store(params["CustomKeyStoreId"])
    return {}


@json_handler("kms", "DisconnectCustomKeyStore")
def disconnect_custom_key_store(
    response: BaseResponse, params: dict[str, Any]
) -> dict[str, Any]:
    _backend(response).disconnect_custom_key_store(params["CustomKeyStoreId"])
    return {}


@json_handler("kms", "UpdateCustomKeyStore")
def update_custom_key_store(
    response: BaseResponse, params: dict[str, Any]
) -> dict[str, Any]:
    _reject_xks_parameters(params)
    _backend(response).update_custom_key_store(
        params["CustomKeyStoreId"],
        new_name=params.get("NewCustomKeyStoreName"),
        password=params.get("KeyStorePassword"),
        cluster_id=params.get("CloudHsmClusterId"),
    )
    return {}


@json_handler("kms", "DeleteCustomKeyStore")
def delete_custom_key_store(
    response: BaseResponse, params: dict[str, Any]
) -> dict[str, Any]:
    _backend(response).delete_custom_key_store(params["CustomKeyStoreId"])
    return {}


NEW_HANDLERS = {
    "create_custom_key_store": create_custom_key_store,
    "describe_custom_key_stores": describe_custom_key_stores,
    "connect_custom_key_store": connect_custom_key_store,
    "disconnect_custom_key_store": disconnect_custom_key_store,
    "update_custom_key_store": update_custom_key_store,
    "delete_custom_key_store": delete_custom_key_store,
}
