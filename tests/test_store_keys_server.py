"""Store keys through the real AWS CLI and `moto-cloudhsm-ks server`."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from moto_cloudhsm_ks.provisioning import ProvisionedKeyStore, provision_key_store

from .server_process import ServerProcess, start_server
from .test_server_aws_cli import REGION, aws


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    process = start_server(tmp_path_factory.mktemp("server") / "server.log")
    yield process
    process.stop()


@pytest.fixture
def endpoint(server: ServerProcess) -> Iterator[str]:
    server.reset()
    yield server.url
    server.reset()


@pytest.fixture
def store(endpoint: str) -> ProvisionedKeyStore:
    return provision_key_store(endpoint_url=endpoint)


def _create_key(endpoint: str, store: ProvisionedKeyStore) -> dict[str, object]:
    output = aws(
        endpoint,
        "kms",
        "create-key",
        "--custom-key-store-id",
        store.custom_key_store_id,
        "--origin",
        "AWS_CLOUDHSM",
        "--description",
        "Key in custom key store",
    )
    return dict(output["KeyMetadata"])


def test_cli_create_key(endpoint: str, store: ProvisionedKeyStore) -> None:
    metadata = _create_key(endpoint, store)
    described = aws(endpoint, "kms", "describe-key", "--key-id", str(metadata["KeyId"]))
    assert metadata["CustomKeyStoreId"] == store.custom_key_store_id
    assert metadata["CloudHsmClusterId"] == store.cluster_id
    assert metadata["Origin"] == "AWS_CLOUDHSM"
    assert metadata["KeyState"] == "Enabled"
    assert metadata["MultiRegion"] is False
    assert "CurrentKeyMaterialId" not in metadata
    assert "XksKeyConfiguration" not in metadata
    assert described["KeyMetadata"] == metadata


def test_cli_encrypt_decrypt(
    endpoint: str, store: ProvisionedKeyStore, tmp_path: Path
) -> None:
    metadata = _create_key(endpoint, store)
    plaintext_file = tmp_path / "plaintext"
    plaintext_file.write_bytes(b"secret message")
    encrypted = aws(
        endpoint,
        "kms",
        "encrypt",
        "--key-id",
        str(metadata["KeyId"]),
        "--plaintext",
        f"fileb://{plaintext_file}",
    )
    ciphertext_file = tmp_path / "ciphertext"
    ciphertext_file.write_bytes(base64.b64decode(encrypted["CiphertextBlob"]))
    decrypted = aws(
        endpoint,
        "kms",
        "decrypt",
        "--ciphertext-blob",
        f"fileb://{ciphertext_file}",
    )
    assert encrypted["KeyId"] == metadata["Arn"]
    assert decrypted["KeyId"] == metadata["Arn"]
    assert base64.b64decode(decrypted["Plaintext"]) == b"secret message"


def test_cli_encrypt_disconnected_store(
    endpoint: str, store: ProvisionedKeyStore, tmp_path: Path
) -> None:
    metadata = _create_key(endpoint, store)
    plaintext_file = tmp_path / "plaintext"
    plaintext_file.write_bytes(b"secret message")
    aws(
        endpoint,
        "kms",
        "disconnect-custom-key-store",
        "--custom-key-store-id",
        store.custom_key_store_id,
    )
    result = aws(
        endpoint,
        "kms",
        "encrypt",
        "--key-id",
        str(metadata["KeyId"]),
        "--plaintext",
        f"fileb://{plaintext_file}",
        check=False,
    )
    kms = boto3.client("kms", region_name=REGION, endpoint_url=endpoint)
    state = kms.describe_key(KeyId=str(metadata["KeyId"]))["KeyMetadata"]["KeyState"]
    assert result.returncode == 255  # AWS CLI v1 exit code for a service error
    assert "(KMSInvalidStateException)" in result.stderr
    assert f"{metadata['Arn']} is unavailable." in result.stderr
    assert state == "Unavailable"


def test_cli_create_key_rejected(endpoint: str, store: ProvisionedKeyStore) -> None:
    result = aws(endpoint, "kms", "create-key", "--origin", "AWS_CLOUDHSM", check=False)
    keys = aws(endpoint, "kms", "list-keys")["Keys"]
    assert result.returncode == 255
    assert "(ValidationException)" in result.stderr
    assert "CustomKeyStoreId is required when Origin is AWS_CLOUDHSM" in result.stderr
    assert keys == []


def test_cli_generate_random(endpoint: str, store: ProvisionedKeyStore) -> None:
    output = aws(
        endpoint,
        "kms",
        "generate-random",
        "--number-of-bytes",
        "24",
        "--custom-key-store-id",
        store.custom_key_store_id,
    )
    assert len(base64.b64decode(output["Plaintext"])) == 24


def test_raw_encrypt_without_plaintext(
    endpoint: str, store: ProvisionedKeyStore
) -> None:
    metadata = _create_key(endpoint, store)
    request = urllib.request.Request(
        endpoint,
        data=json.dumps({"KeyId": metadata["KeyId"]}).encode(),
        headers={
            "X-Amz-Target": "TrentService.Encrypt",
            "Content-Type": "application/x-amz-json-1.1",
            # moto routes by the credential scope and does not check signatures.
            "Authorization": (
                "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/kms/"
                "aws4_request, SignedHeaders=host, Signature=0"
            ),
        },
        method="POST",
    )
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(request, timeout=10)
    body = json.loads(info.value.read())
    assert info.value.code == 400
    assert body["__type"] == "ValidationException"
    assert body["message"] == (
        "1 validation error detected: Value null at 'plaintext' failed to satisfy "
        "constraint: Member must not be null"
    )
