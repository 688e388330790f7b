"""Installing the store key handlers into moto's KmsResponse."""

from __future__ import annotations

from typing import Any

from moto.kms.responses import KmsResponse

from moto_cloudhsm_ks import install
from moto_cloudhsm_ks.keys.install import install_key_handlers

WRAPPED_ACTIONS = ("call_action", "create_key", "describe_key", "encrypt", "decrypt")


def test_install_again_keeps_handlers(kms: Any) -> None:
    before = {action: getattr(KmsResponse, action) for action in WRAPPED_ACTIONS}
    install_key_handlers()
    install()
    after = {action: getattr(KmsResponse, action) for action in WRAPPED_ACTIONS}
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    blob = kms.encrypt(KeyId=key_id, Plaintext=b"x")["CiphertextBlob"]
    assert after == before
    assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"x"
