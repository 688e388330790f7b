"""AES-256 key material that KMS generates inside a CloudHSM cluster.

The material lives in `Cluster.key_material` (key handle -> 32 bytes), so cluster
backups and clusters restored from them carry it, and KMS holds only the handle.
"""

from __future__ import annotations

import os
import secrets

from ..cloudhsm.models import Cluster

AES_256_KEY_BYTES = 32


def _new_key_handle(cluster: Cluster) -> str:
    # Key references as the CloudHSM CLI prints them, such as 0x00000000002c0001.
    while True:
        handle = f"0x{secrets.randbits(64):016x}"
        if handle not in cluster.key_material:
            return handle


def generate_key(cluster: Cluster) -> str:
    """Generate a persistent AES-256 key in the cluster and return its handle."""
    handle = _new_key_handle(cluster)
    cluster.key_material[handle] = os.urandom(AES_256_KEY_BYTES)
    return handle


def find_key(cluster: Cluster, key_handle: str) -> bytes | None:
    return cluster.key_material.get(key_handle)


def delete_key(cluster: Cluster, key_handle: str) -> None:
    cluster.key_material.pop(key_handle, None)
