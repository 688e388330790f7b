"""KMS key management handlers with the rules for keys in a CloudHSM key store.

Each handler gets a `KeyRequest` and calls moto's own handler unchanged when the
request does not concern a key in a custom key store.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from ..cloudhsm.models import Cluster
from ..exceptions import (
    CloudHsmClusterInvalidConfigurationException,
    UnsupportedOperationException,
)
from ..keystores import cluster_checks
from ..keystores.models import CustomKeyStore
from . import creation, material, states
from .cluster_access import require_connected
from .context import StoreKeyContext
from .metadata import (
    ORIGIN,
    created_key_metadata,
    current_state,
    store_key_metadata,
)
from .registry import StoreKey, utc_now
from .request import KeyRequest

KeyHandler = Callable[[KeyRequest], str]


def _require_ready_store(context: StoreKeyContext, store: CustomKeyStore) -> Cluster:
    """Check the store can hold a new key and return its cluster."""
    require_connected(context, store, "create KMS keys in it")
    cluster = context.clusters.find_cluster(store.cluster_id)
    if cluster is None:
        raise CloudHsmClusterInvalidConfigurationException(
            f"CloudHSM cluster {store.cluster_id} of custom key store "
            f"{store.custom_key_store_id} does not exist. Create a cluster from a "
            "backup of it and update the custom key store to use it."
        )
    cluster_checks.require_network_configuration(cluster)
    cluster_checks.require_hsms_in_two_zones(cluster)
    return cluster


def create_key(request: KeyRequest) -> str:
    """CreateKey: with CustomKeyStoreId, the key material is made in the cluster."""
    params = request.params
    origin = creation.requested_origin(params)
    if not creation.is_custom_key_store_request(params, origin):
        return request.call_moto()
    creation.check_store_key_parameters(params, origin)
    context = request.context
    store = context.key_stores.get_store(params["CustomKeyStoreId"])
    cluster = _require_ready_store(context, store)

    result = json.loads(request.call_moto())
    key = StoreKey(
        key_id=result["KeyMetadata"]["KeyId"],
        key_arn=result["KeyMetadata"]["Arn"],
        custom_key_store_id=store.custom_key_store_id,
        key_handle=material.generate_key(cluster),
    )
    context.registry.add(key)
    result["KeyMetadata"] = created_key_metadata(context, key)
    return json.dumps(result)


def describe_key(request: KeyRequest) -> str:
    key = request.store_key("KeyId")
    if key is None:
        return request.call_moto()
    result = json.loads(request.call_moto())
    result["KeyMetadata"] = store_key_metadata(
        request.context, key, result["KeyMetadata"]
    )
    return json.dumps(result)


def _state_change(change: Callable[[StoreKey], None]) -> KeyHandler:
    """Build EnableKey or DisableKey, which work on Unavailable keys too."""

    def handler(request: KeyRequest) -> str:
        key = request.store_key("KeyId", accepts_alias=False)
        if key is None:
            return request.call_moto()
        change(key)
        current_state(request.context, key)
        return "{}"

    return handler


def schedule_key_deletion(request: KeyRequest) -> str:
    key = request.store_key("KeyId", accepts_alias=False)
    if key is None:
        return request.call_moto()
    days = request.params.get("PendingWindowInDays")
    if days is None:
        days = states.DEFAULT_PENDING_WINDOW_IN_DAYS
    states.schedule_deletion(key, int(days), utc_now())
    state = current_state(request.context, key)
    assert key.deletion_date is not None
    return json.dumps(
        {
            "KeyId": key.key_arn,
            "DeletionDate": key.deletion_date.timestamp(),
            "KeyState": state,
            "PendingWindowInDays": days,
        }
    )


def cancel_key_deletion(request: KeyRequest) -> str:
    key = request.store_key("KeyId", accepts_alias=False)
    if key is None:
        return request.call_moto()
    states.cancel_deletion(key)
    current_state(request.context, key)
    return json.dumps({"KeyId": key.key_arn})


def replicate_key(request: KeyRequest) -> str:
    key = request.store_key("KeyId")
    if key is None:
        return request.call_moto()
    raise UnsupportedOperationException(
        f"{key.key_arn} is not a multi-region primary key."
    )


def _reject_origin(accepts_alias: bool) -> KeyHandler:
    """Build a handler for an operation that keys with Origin AWS_CLOUDHSM lack:
    rotation, data key pairs and imported key material."""

    def handler(request: KeyRequest) -> str:
        key = request.store_key("KeyId", accepts_alias)
        if key is None:
            return request.call_moto()
        raise UnsupportedOperationException(
            f"{key.key_arn} origin is {ORIGIN} which is not valid for this operation."
        )

    return handler


MANAGEMENT_HANDLERS: dict[str, KeyHandler] = {
    "create_key": create_key,
    "describe_key": describe_key,
    "enable_key": _state_change(states.enable),
    "disable_key": _state_change(states.disable),
    "schedule_key_deletion": schedule_key_deletion,
    "cancel_key_deletion": cancel_key_deletion,
    "replicate_key": replicate_key,
    "enable_key_rotation": _reject_origin(accepts_alias=False),
    "disable_key_rotation": _reject_origin(accepts_alias=False),
    "get_key_rotation_status": _reject_origin(accepts_alias=False),
    "rotate_key_on_demand": _reject_origin(accepts_alias=True),
    "list_key_rotations": _reject_origin(accepts_alias=True),
    "generate_data_key_pair": _reject_origin(accepts_alias=True),
    "generate_data_key_pair_without_plaintext": _reject_origin(accepts_alias=True),
    "get_parameters_for_import": _reject_origin(accepts_alias=False),
    "import_key_material": _reject_origin(accepts_alias=False),
    "delete_imported_key_material": _reject_origin(accepts_alias=False),
}
