"""One KMS request that may concern a key in a custom key store (touches moto).

Touches moto internals: resolves key IDs, aliases and ARNs with moto's
`KmsResponse` and `KmsBackend` methods, so missing keys get moto's errors, and
encrypts and decrypts with moto's own keys.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from moto.kms.responses import KmsResponse

from .constraints import require_present
from .context import StoreKeyContext
from .registry import StoreKey


@dataclass
class KeyRequest:
    """The request's parameters, moto's response object and moto's own handler."""

    response: KmsResponse
    params: dict[str, Any]
    call_moto: Callable[[], str]

    @property
    def context(self) -> StoreKeyContext:
        return StoreKeyContext(self.response.current_account, self.response.region)

    def required(self, name: str) -> Any:
        """Return a parameter, raising ValidationException if it is missing."""
        value = self.params.get(name)
        require_present(value, name)
        return value

    def blob(self, name: str) -> bytes:
        """Return a required binary parameter, which JSON carries as base64."""
        return base64.b64decode(self.required(name))

    def encryption_context(self, name: str = "EncryptionContext") -> dict[str, str]:
        return dict(self.params.get(name) or {})

    def resolve_key_id(self, key_id: str, accepts_alias: bool = True) -> str:
        """Return the raw key ID, raising moto's NotFoundException if unknown."""
        if accepts_alias:
            self.response._validate_key_id(key_id)
        else:
            self.response._validate_cmk_id(key_id)
        return str(self.response.kms_backend.any_id_to_key_id(key_id))

    def moto_encrypt(
        self, key_id: str, plaintext: bytes, context_parameter: str
    ) -> tuple[bytes, str]:
        """Encrypt with a key outside custom key stores; return the key ARN too."""
        ciphertext, arn = self.response.kms_backend.encrypt(
            key_id=key_id,
            plaintext=plaintext,
            encryption_context=self.encryption_context(context_parameter),
        )
        return bytes(ciphertext), str(arn)

    def moto_decrypt(
        self, ciphertext: bytes, context_parameter: str
    ) -> tuple[bytes, str]:
        """Decrypt a ciphertext of a key outside custom key stores."""
        plaintext, arn = self.response.kms_backend.decrypt(
            ciphertext_blob=ciphertext,
            encryption_context=self.encryption_context(context_parameter),
        )
        return bytes(plaintext), str(arn)

    def store_key(self, parameter: str, accepts_alias: bool = True) -> StoreKey | None:
        """Return the store key that parameter names, or None for other keys."""
        key_id = self.params.get(parameter)
        if key_id is None:
            return None
        raw_key_id = self.resolve_key_id(key_id, accepts_alias)
        return self.context.registry.find(raw_key_id)


def encode_blob(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
