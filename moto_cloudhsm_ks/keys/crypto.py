"""Encryption with cluster key material in moto's ciphertext format (touches moto).

Touches moto internals: uses the helpers of `moto.kms.utils`. Their ciphertext
embeds the key ID, so Decrypt without a KeyId finds the key, for store keys and
moto's own keys alike.
"""

from __future__ import annotations

import struct

from moto.kms import utils as moto_kms_utils
from moto.kms.exceptions import InvalidCiphertextException

__all__ = ["InvalidCiphertextException", "ciphertext_key_id", "decrypt", "encrypt"]


class _ClusterKey:
    """A master key as moto's helpers read it: only its key material."""

    def __init__(self, key_material: bytes) -> None:
        self.key_material = key_material


def encrypt(
    key_id: str, key_material: bytes, plaintext: bytes, context: dict[str, str]
) -> bytes:
    """Encrypt with AES-256-GCM, the encryption context as additional data."""
    master_keys = {key_id: _ClusterKey(key_material)}
    ciphertext: bytes = moto_kms_utils.encrypt(master_keys, key_id, plaintext, context)
    return ciphertext


def decrypt(
    key_id: str, key_material: bytes, ciphertext: bytes, context: dict[str, str]
) -> bytes:
    """Decrypt a ciphertext of `key_id`; raise InvalidCiphertextException if it
    or the encryption context does not match."""
    master_keys = {key_id: _ClusterKey(key_material)}
    plaintext, _ = moto_kms_utils.decrypt(master_keys, ciphertext, context)
    return bytes(plaintext)


def ciphertext_key_id(ciphertext: bytes) -> str | None:
    """Return the key ID a ciphertext names, or None if it is not one of moto's."""
    try:
        header = moto_kms_utils._deserialize_ciphertext_blob(ciphertext)
    except (struct.error, UnicodeDecodeError):
        return None
    return str(header.key_id)
