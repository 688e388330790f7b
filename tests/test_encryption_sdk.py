"""The AWS Encryption SDK for Python with a KMS key in a mocked CloudHSM key store."""

from __future__ import annotations

from typing import Any

import aws_encryption_sdk
import botocore.session
import pytest
from aws_encryption_sdk import CommitmentPolicy, StrictAwsKmsMasterKeyProvider
from aws_encryption_sdk.exceptions import DecryptKeyError, GenerateKeyError
from botocore.exceptions import ClientError

from moto_cloudhsm_ks.provisioning import ProvisionedKeyStore, provision_key_store

from .store_keys.helpers import create_store_key, disconnect

CONTEXT = {"purpose": "encryption-sdk-test"}
MESSAGE = b"a message protected by a key in a CloudHSM key store"


@pytest.fixture
def store(aws: None) -> ProvisionedKeyStore:
    return provision_key_store()


@pytest.fixture
def key_arn(kms: Any, store: ProvisionedKeyStore) -> str:
    return str(create_store_key(kms, store)["Arn"])


def _client() -> aws_encryption_sdk.EncryptionSDKClient:
    return aws_encryption_sdk.EncryptionSDKClient(
        commitment_policy=CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT
    )


def _provider(key_arn: str) -> StrictAwsKmsMasterKeyProvider:
    return StrictAwsKmsMasterKeyProvider(
        key_ids=[key_arn], botocore_session=botocore.session.Session()
    )


def _client_error_code(error: BaseException | None) -> str | None:
    """Return the AWS error code of the ClientError behind an SDK error, if any."""
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, ClientError):
            return str(cause.response["Error"]["Code"])
        cause = cause.__cause__ or cause.__context__
    return None


def test_sdk_round_trip(key_arn: str) -> None:
    client = _client()
    ciphertext, encrypt_header = client.encrypt(
        source=MESSAGE, key_provider=_provider(key_arn), encryption_context=CONTEXT
    )
    plaintext, decrypt_header = client.decrypt(
        source=ciphertext, key_provider=_provider(key_arn)
    )
    data_key_ids = [
        key.key_provider.key_info for key in decrypt_header.encrypted_data_keys
    ]
    assert plaintext == MESSAGE
    assert ciphertext != MESSAGE
    assert data_key_ids == [key_arn.encode()]
    assert decrypt_header.encryption_context["purpose"] == "encryption-sdk-test"
    assert encrypt_header.encryption_context == decrypt_header.encryption_context


def test_sdk_encrypt_fails_disconnected(
    kms: Any, store: ProvisionedKeyStore, key_arn: str
) -> None:
    disconnect(kms, store)
    with pytest.raises(GenerateKeyError) as info:
        _client().encrypt(source=MESSAGE, key_provider=_provider(key_arn))
    assert str(info.value) == f"Master Key {key_arn} unable to generate data key"
    assert _client_error_code(info.value) == "KMSInvalidStateException"


def test_sdk_decrypt_fails_disconnected(
    kms: Any,
    store: ProvisionedKeyStore,
    key_arn: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    ciphertext, _ = _client().encrypt(source=MESSAGE, key_provider=_provider(key_arn))
    disconnect(kms, store)
    with pytest.raises(DecryptKeyError) as info:
        _client().decrypt(source=ciphertext, key_provider=_provider(key_arn))
    # The provider swallows each key's error and logs it before raising its own.
    logged = [
        record
        for record in caplog.records
        if record.getMessage() == f"Master Key {key_arn} unable to decrypt data key"
    ]
    assert str(info.value) == "Unable to decrypt any data key"
    assert len(logged) == 1
    assert logged[0].exc_info is not None
    assert _client_error_code(logged[0].exc_info[1]) == "KMSInvalidStateException"
