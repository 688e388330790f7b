"""Access to the key material of a store key during a cryptographic operation.

The operation needs the key to be usable, its store CONNECTED, an ACTIVE HSM in
the store's cluster and the key material in that cluster. A store stays
CONNECTED when its cluster loses HSMs or key material, as on AWS; the operation
fails instead.
"""

from __future__ import annotations

from ..exceptions import CustomKeyStoreInvalidStateException, KMSInvalidStateException
from ..keystores.models import CONNECTED, CustomKeyStore
from . import material, states
from .context import StoreKeyContext
from .registry import StoreKey


def _cannot_communicate(
    cluster_id: str, reason: str, fix: str
) -> KMSInvalidStateException:
    # NOTE: AWS documents only the start of this message, "KMS cannot communicate
    # with your CloudHSM cluster"; the reason and the fix are the mock's.
    return KMSInvalidStateException(
        f"KMS cannot communicate with your CloudHSM cluster {cluster_id}: {reason}. "
        f"{fix}"
    )


def require_connected(
    context: StoreKeyContext, store: CustomKeyStore, purpose: str
) -> None:
    """Raise CustomKeyStoreInvalidStateException unless the store is CONNECTED."""
    state = context.key_stores.connection_state(store)
    if state != CONNECTED:
        raise CustomKeyStoreInvalidStateException(
            f"Custom key store {store.custom_key_store_id} is {state}. Connect it "
            "with ConnectCustomKeyStore and wait until it is CONNECTED before you "
            f"{purpose}."
        )


def usable_key_material(context: StoreKeyContext, key: StoreKey) -> bytes:
    """Return the AES-256 key material, or raise the error KMS returns."""
    states.require_usable(key, states.key_state(key, context.connection_state(key)))
    store = context.store_of(key)
    assert store is not None  # a CONNECTED store exists
    cluster = context.cluster_of(key)
    if cluster is None:
        raise _cannot_communicate(
            store.cluster_id,
            "the cluster does not exist",
            "Create a cluster from a backup of it, then disconnect custom key store "
            f"{store.custom_key_store_id}, update its CloudHsmClusterId and connect "
            "it again.",
        )
    if not cluster.active_hsms():
        raise _cannot_communicate(
            cluster.cluster_id,
            "the cluster has no ACTIVE HSM",
            "Create an HSM in the cluster and try again.",
        )
    key_material = material.find_key(cluster, key.key_handle)
    if key_material is None:
        raise _cannot_communicate(
            cluster.cluster_id,
            f"the key material of {key.key_arn} (key handle {key.key_handle}) is not "
            "in the cluster",
            "Restore the key material from a cluster backup that contains it.",
        )
    return key_material
