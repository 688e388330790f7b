"""KeyMetadata of store keys from moto's `Key` and the key store (touches moto).

Touches moto internals: writes the key state and key usage to moto's `Key`, so
moto's own handlers and `to_dict` see what users see.
"""

from __future__ import annotations

from datetime import timezone
from typing import Any

from moto.kms.models import Key

from .context import StoreKeyContext
from .registry import ENABLED, PENDING_DELETION, StoreKey
from .states import key_state

ORIGIN = "AWS_CLOUDHSM"
ENCRYPT_DECRYPT = "ENCRYPT_DECRYPT"

# KeyMetadata fields AWS omits for a single-Region key in a CloudHSM key store:
# CurrentKeyMaterialId is present only for AWS_KMS and EXTERNAL origins, and the
# others belong to multi-Region keys and external key stores (KMS API reference).
_ABSENT_FIELDS = (
    "CurrentKeyMaterialId",
    "XksKeyConfiguration",
    "MultiRegionConfiguration",
    "PendingDeletionWindowInDays",
)


def current_state(context: StoreKeyContext, key: StoreKey) -> str:
    """Return the key's state now and copy it to moto's key."""
    state = key_state(key, context.connection_state(key))
    moto_key: Key = context.moto_key(key)
    moto_key.key_state = state
    moto_key.enabled = state == ENABLED
    moto_key.deletion_date = None
    if key.deletion_date is not None:
        # moto keeps naive UTC datetimes.
        moto_key.deletion_date = key.deletion_date.astimezone(timezone.utc).replace(
            tzinfo=None
        )
    return state


def created_key_metadata(context: StoreKeyContext, key: StoreKey) -> dict[str, Any]:
    """Return the KeyMetadata of a key moto has just created in a store."""
    moto_key: Key = context.moto_key(key)
    # moto leaves KeyUsage unset when the request omits it.
    moto_key.key_usage = ENCRYPT_DECRYPT
    return store_key_metadata(context, key, moto_key.to_dict()["KeyMetadata"])


def store_key_metadata(
    context: StoreKeyContext, key: StoreKey, moto_metadata: dict[str, Any]
) -> dict[str, Any]:
    """Turn moto's KeyMetadata for the key into what AWS returns."""
    state = current_state(context, key)
    store = context.store_of(key)
    metadata = {
        name: value
        for name, value in moto_metadata.items()
        if value is not None and name not in _ABSENT_FIELDS
    }
    metadata["KeyState"] = state
    metadata["Enabled"] = state == ENABLED
    metadata["Origin"] = ORIGIN
    metadata["MultiRegion"] = False
    metadata["CustomKeyStoreId"] = key.custom_key_store_id
    if store is not None:
        # NOTE: whether CloudHsmClusterId follows an UpdateCustomKeyStore cluster
        # change is unconfirmed; the mock reports the store's current cluster.
        metadata["CloudHsmClusterId"] = store.cluster_id
    metadata.pop("DeletionDate", None)
    if state == PENDING_DELETION and key.deletion_date is not None:
        metadata["DeletionDate"] = key.deletion_date.timestamp()
    return metadata
