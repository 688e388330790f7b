"""Deletion of store keys at the end of their waiting period (touches moto).

Touches moto internals: deletes the key from moto's `KmsBackend`.

KMS deletes the key metadata when the waiting period ends, then makes a best
effort to delete the key material in the cluster. That fails while the store is
disconnected, which leaves the material orphaned in the cluster (KMS Developer
Guide, fix-keystore).
"""

from __future__ import annotations

from datetime import datetime

from ..keystores.models import CONNECTED
from . import material
from .context import StoreKeyContext
from .registry import StoreKey


def delete_keys_past_deletion_date(context: StoreKeyContext, now: datetime) -> None:
    """Delete every store key whose waiting period ended before `now`."""
    for key in context.registry.past_deletion_date(now):
        _delete(context, key)


def _delete(context: StoreKeyContext, key: StoreKey) -> None:
    # NOTE: the mock checks the store's connection when the next KMS request
    # arrives after the deletion date, not at the deletion date itself.
    if context.connection_state(key) == CONNECTED:
        cluster = context.cluster_of(key)
        if cluster is not None:
            material.delete_key(cluster, key.key_handle)
    context.kms.delete_key(key.key_id)
    context.registry.remove(key.key_id)
