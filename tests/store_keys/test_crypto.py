"""Cryptographic operations and GenerateRandom with keys in a CloudHSM key store."""

from __future__ import annotations

import struct
from typing import Any

import pytest
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from moto_cloudhsm_ks.provisioning import ProvisionedKeyStore, provision_key_store

from .helpers import (
    ACCOUNT,
    REGION,
    cluster_of,
    connect,
    disconnect,
    error_of,
    wait_for_state,
)

CONTEXT = {"purpose": "test"}
# moto's ciphertext: a 36-byte key ID, a 12-byte IV and a 16-byte GCM tag, then
# the encrypted bytes.
HEADER = struct.Struct(">36s12s16s")
INCORRECT_KEY = (
    "IncorrectKeyException",
    "The key ID in the request does not identify a CMK that can perform this "
    "operation.",
)


# Encrypt and Decrypt


def test_encrypt_response(kms: Any, key: dict[str, Any]) -> None:
    response = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"secret")
    assert response["KeyId"] == key["Arn"]
    assert response["EncryptionAlgorithm"] == "SYMMETRIC_DEFAULT"
    assert response["CiphertextBlob"] != b"secret"


def test_decrypt_without_key_id(kms: Any, key: dict[str, Any]) -> None:
    blob = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"secret")["CiphertextBlob"]
    response = kms.decrypt(CiphertextBlob=blob)
    assert response["Plaintext"] == b"secret"
    assert response["KeyId"] == key["Arn"]
    assert response["EncryptionAlgorithm"] == "SYMMETRIC_DEFAULT"


@pytest.mark.parametrize("name", ["KeyId", "Arn", "alias"])
def test_decrypt_with_key_identifier(kms: Any, key: dict[str, Any], name: str) -> None:
    kms.create_alias(AliasName="alias/hsm", TargetKeyId=key["KeyId"])
    identifier = "alias/hsm" if name == "alias" else key[name]
    blob = kms.encrypt(KeyId=identifier, Plaintext=b"secret")["CiphertextBlob"]
    response = kms.decrypt(CiphertextBlob=blob, KeyId=identifier)
    assert response["Plaintext"] == b"secret"


def test_encryption_context_must_match(kms: Any, key: dict[str, Any]) -> None:
    blob = kms.encrypt(
        KeyId=key["KeyId"], Plaintext=b"secret", EncryptionContext=CONTEXT
    )["CiphertextBlob"]
    plaintext = kms.decrypt(CiphertextBlob=blob, EncryptionContext=CONTEXT)
    assert plaintext["Plaintext"] == b"secret"
    with pytest.raises(ClientError) as info:
        kms.decrypt(CiphertextBlob=blob)
    assert error_of(info) == ("InvalidCiphertextException", "")


def test_ciphertext_uses_cluster_material(
    kms: Any, store: ProvisionedKeyStore, key: dict[str, Any]
) -> None:
    before = dict(cluster_of(store).key_material)
    blob = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"secret")["CiphertextBlob"]
    key_id, iv, tag = HEADER.unpack(blob[: HEADER.size])
    handles = [
        handle
        for handle, material in cluster_of(store).key_material.items()
        if _opens(material, iv, blob[HEADER.size :] + tag)
    ]
    assert key_id.decode() == key["KeyId"]
    assert len(handles) == 1
    assert handles[0] in before


def _opens(material: bytes, iv: bytes, data: bytes) -> bool:
    try:
        return AESGCM(material).decrypt(iv, data, b"") == b"secret"
    except Exception:  # cryptography raises InvalidTag for other keys
        return False


def test_decrypt_with_other_key_id(kms: Any, key: dict[str, Any]) -> None:
    other = kms.create_key()["KeyMetadata"]["KeyId"]
    blob = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"secret")["CiphertextBlob"]
    with pytest.raises(ClientError) as info:
        kms.decrypt(CiphertextBlob=blob, KeyId=other)
    assert error_of(info) == INCORRECT_KEY


def test_decrypt_other_ciphertext_with_store_key(kms: Any, key: dict[str, Any]) -> None:
    other = kms.create_key()["KeyMetadata"]["KeyId"]
    blob = kms.encrypt(KeyId=other, Plaintext=b"secret")["CiphertextBlob"]
    with pytest.raises(ClientError) as info:
        kms.decrypt(CiphertextBlob=blob, KeyId=key["KeyId"])
    assert error_of(info) == INCORRECT_KEY


def test_decrypt_with_second_store_key(
    kms: Any, store: ProvisionedKeyStore, key: dict[str, Any]
) -> None:
    second = kms.create_key(
        Origin="AWS_CLOUDHSM", CustomKeyStoreId=store.custom_key_store_id
    )["KeyMetadata"]["KeyId"]
    blob = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"secret")["CiphertextBlob"]
    with pytest.raises(ClientError) as info:
        kms.decrypt(CiphertextBlob=blob, KeyId=second)
    assert error_of(info) == INCORRECT_KEY


def test_decrypt_tampered_ciphertext(kms: Any, key: dict[str, Any]) -> None:
    blob = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"secret")["CiphertextBlob"]
    tampered = blob[:-1] + bytes([blob[-1] ^ 1])
    with pytest.raises(ClientError) as info:
        kms.decrypt(CiphertextBlob=tampered)
    assert error_of(info) == ("InvalidCiphertextException", "")


def test_decrypt_garbage_with_store_key(kms: Any, key: dict[str, Any]) -> None:
    with pytest.raises(ClientError) as info:
        kms.decrypt(CiphertextBlob=b"short", KeyId=key["KeyId"])
    assert error_of(info) == ("InvalidCiphertextException", "")


def test_normal_keys_unchanged(kms: Any, key: dict[str, Any]) -> None:
    other = kms.create_key()["KeyMetadata"]
    blob = kms.encrypt(KeyId=other["KeyId"], Plaintext=b"plain")["CiphertextBlob"]
    response = kms.decrypt(CiphertextBlob=blob)
    assert response["Plaintext"] == b"plain"
    assert response["KeyId"] == other["Arn"]


def test_encrypt_plaintext_too_long(kms: Any, key: dict[str, Any]) -> None:
    with pytest.raises(ClientError) as info:
        kms.encrypt(KeyId=key["KeyId"], Plaintext=b"x" * 4097)
    assert error_of(info) == (
        "ValidationException",
        "1 validation error detected: Value at 'plaintext' failed to satisfy "
        "constraint: Member must have length less than or equal to 4096",
    )


# GenerateDataKey and GenerateDataKeyWithoutPlaintext


@pytest.mark.parametrize(
    ("extra", "length"),
    [
        ({"KeySpec": "AES_256"}, 32),
        ({"KeySpec": "AES_128"}, 16),
        ({"NumberOfBytes": 64}, 64),
    ],
)
def test_generate_data_key_lengths(
    kms: Any, key: dict[str, Any], extra: dict[str, Any], length: int
) -> None:
    response = kms.generate_data_key(KeyId=key["KeyId"], **extra)
    decrypted = kms.decrypt(CiphertextBlob=response["CiphertextBlob"])
    assert len(response["Plaintext"]) == length
    assert response["KeyId"] == key["Arn"]
    assert decrypted["Plaintext"] == response["Plaintext"]


def test_generate_data_key_without_plaintext(kms: Any, key: dict[str, Any]) -> None:
    response = kms.generate_data_key_without_plaintext(
        KeyId=key["KeyId"], KeySpec="AES_256", EncryptionContext=CONTEXT
    )
    decrypted = kms.decrypt(
        CiphertextBlob=response["CiphertextBlob"], EncryptionContext=CONTEXT
    )
    assert "Plaintext" not in response
    assert response["KeyId"] == key["Arn"]
    assert len(decrypted["Plaintext"]) == 32


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({}, "Please specify either number of bytes or key spec."),
        (
            {"KeySpec": "AES_256", "NumberOfBytes": 32},
            "Please specify either number of bytes or key spec.",
        ),
        (
            {"NumberOfBytes": 1025},
            "1 validation error detected: Value '1025' at 'numberOfBytes' failed to "
            "satisfy constraint: Member must have value less than or equal to 1024",
        ),
        (
            {"KeySpec": "AES_512"},
            "1 validation error detected: Value 'AES_512' at 'keySpec' failed to "
            "satisfy constraint: Member must satisfy enum value set: [AES_256, "
            "AES_128]",
        ),
    ],
)
def test_generate_data_key_invalid(
    kms: Any, key: dict[str, Any], extra: dict[str, Any], message: str
) -> None:
    with pytest.raises(ClientError) as info:
        kms.generate_data_key(KeyId=key["KeyId"], **extra)
    assert error_of(info) == ("ValidationException", message)


# ReEncrypt


def test_re_encrypt_store_to_normal(kms: Any, key: dict[str, Any]) -> None:
    other = kms.create_key()["KeyMetadata"]
    blob = kms.encrypt(
        KeyId=key["KeyId"], Plaintext=b"secret", EncryptionContext=CONTEXT
    )["CiphertextBlob"]
    response = kms.re_encrypt(
        CiphertextBlob=blob,
        SourceEncryptionContext=CONTEXT,
        DestinationKeyId=other["KeyId"],
    )
    decrypted = kms.decrypt(CiphertextBlob=response["CiphertextBlob"])
    assert response["SourceKeyId"] == key["Arn"]
    assert response["KeyId"] == other["Arn"]
    assert response["SourceEncryptionAlgorithm"] == "SYMMETRIC_DEFAULT"
    assert response["DestinationEncryptionAlgorithm"] == "SYMMETRIC_DEFAULT"
    assert decrypted["Plaintext"] == b"secret"
    assert decrypted["KeyId"] == other["Arn"]


def test_re_encrypt_normal_to_store(kms: Any, key: dict[str, Any]) -> None:
    other = kms.create_key()["KeyMetadata"]
    blob = kms.encrypt(KeyId=other["KeyId"], Plaintext=b"secret")["CiphertextBlob"]
    response = kms.re_encrypt(
        CiphertextBlob=blob,
        SourceKeyId=other["KeyId"],
        DestinationKeyId=key["KeyId"],
        DestinationEncryptionContext=CONTEXT,
    )
    decrypted = kms.decrypt(
        CiphertextBlob=response["CiphertextBlob"], EncryptionContext=CONTEXT
    )
    assert response["SourceKeyId"] == other["Arn"]
    assert response["KeyId"] == key["Arn"]
    assert decrypted["Plaintext"] == b"secret"
    assert decrypted["KeyId"] == key["Arn"]


def test_re_encrypt_wrong_source_key(kms: Any, key: dict[str, Any]) -> None:
    other = kms.create_key()["KeyMetadata"]["KeyId"]
    blob = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"secret")["CiphertextBlob"]
    with pytest.raises(ClientError) as info:
        kms.re_encrypt(CiphertextBlob=blob, SourceKeyId=other, DestinationKeyId=other)
    assert error_of(info) == INCORRECT_KEY


# Keys that cannot be used


def _crypto_calls(kms: Any, key_id: str, blob: bytes) -> dict[str, Any]:
    other = kms.create_key()["KeyMetadata"]["KeyId"]
    return {
        "Encrypt": lambda: kms.encrypt(KeyId=key_id, Plaintext=b"x"),
        "Decrypt": lambda: kms.decrypt(CiphertextBlob=blob),
        "ReEncrypt": lambda: kms.re_encrypt(
            CiphertextBlob=blob, DestinationKeyId=other
        ),
        "GenerateDataKey": lambda: kms.generate_data_key(
            KeyId=key_id, KeySpec="AES_256"
        ),
        "GenerateDataKeyWithoutPlaintext": (
            lambda: kms.generate_data_key_without_plaintext(
                KeyId=key_id, NumberOfBytes=16
            )
        ),
    }


def _assert_all_fail(calls: dict[str, Any], expected: tuple[str, str]) -> None:
    for operation, call in calls.items():
        with pytest.raises(ClientError) as info:
            call()
        assert error_of(info) == expected, operation


def test_unavailable_key_crypto_fails(
    kms: Any, store: ProvisionedKeyStore, key: dict[str, Any]
) -> None:
    blob = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"x")["CiphertextBlob"]
    kms.disconnect_custom_key_store(CustomKeyStoreId=store.custom_key_store_id)
    wait_for_state(kms, store.custom_key_store_id, "DISCONNECTED")
    expected = ("KMSInvalidStateException", f"{key['Arn']} is unavailable.")
    _assert_all_fail(_crypto_calls(kms, key["KeyId"], blob), expected)


def test_disabled_key_crypto_fails(kms: Any, key: dict[str, Any]) -> None:
    blob = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"x")["CiphertextBlob"]
    kms.disable_key(KeyId=key["KeyId"])
    expected = ("DisabledException", f"{key['Arn']} is disabled.")
    _assert_all_fail(_crypto_calls(kms, key["KeyId"], blob), expected)


def test_pending_deletion_crypto_fails(kms: Any, key: dict[str, Any]) -> None:
    blob = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"x")["CiphertextBlob"]
    kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)
    expected = ("KMSInvalidStateException", f"{key['Arn']} is pending deletion.")
    _assert_all_fail(_crypto_calls(kms, key["KeyId"], blob), expected)


def test_re_encrypt_to_unavailable_key(
    kms: Any, store: ProvisionedKeyStore, key: dict[str, Any]
) -> None:
    other = kms.create_key()["KeyMetadata"]["KeyId"]
    blob = kms.encrypt(KeyId=other, Plaintext=b"x")["CiphertextBlob"]
    kms.disconnect_custom_key_store(CustomKeyStoreId=store.custom_key_store_id)
    with pytest.raises(ClientError) as info:
        kms.re_encrypt(CiphertextBlob=blob, DestinationKeyId=key["KeyId"])
    assert error_of(info) == (
        "KMSInvalidStateException",
        f"{key['Arn']} is unavailable.",
    )


def test_cluster_without_hsms_crypto_fails(
    kms: Any, cloudhsm: Any, store: ProvisionedKeyStore, key: dict[str, Any]
) -> None:
    blob = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"x")["CiphertextBlob"]
    for hsm_id in store.hsm_ids:
        cloudhsm.delete_hsm(ClusterId=store.cluster_id, HsmId=hsm_id)
    expected = (
        "KMSInvalidStateException",
        f"KMS cannot communicate with your CloudHSM cluster {store.cluster_id}: the "
        "cluster has no ACTIVE HSM. Create an HSM in the cluster and try again.",
    )
    _assert_all_fail(_crypto_calls(kms, key["KeyId"], blob), expected)
    wait_for_state(kms, store.custom_key_store_id, "CONNECTED")
    assert kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"] == "Enabled"


def test_crypto_with_one_hsm_left(
    kms: Any, cloudhsm: Any, store: ProvisionedKeyStore, key: dict[str, Any]
) -> None:
    cloudhsm.delete_hsm(ClusterId=store.cluster_id, HsmId=store.hsm_ids[0])
    blob = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"x")["CiphertextBlob"]
    assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"x"


def test_lost_key_material_crypto_fails(
    kms: Any, store: ProvisionedKeyStore, key: dict[str, Any]
) -> None:
    blob = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"x")["CiphertextBlob"]
    cluster = cluster_of(store)
    (handle,) = cluster.key_material
    del cluster.key_material[handle]
    expected = (
        "KMSInvalidStateException",
        f"KMS cannot communicate with your CloudHSM cluster {store.cluster_id}: the "
        f"key material of {key['Arn']} (key handle {handle}) is not in the cluster. "
        "Restore the key material from a cluster backup that contains it.",
    )
    _assert_all_fail(_crypto_calls(kms, key["KeyId"], blob), expected)
    wait_for_state(kms, store.custom_key_store_id, "CONNECTED")


# GenerateRandom


def test_generate_random_in_store(kms: Any, store: ProvisionedKeyStore) -> None:
    response = kms.generate_random(
        NumberOfBytes=32, CustomKeyStoreId=store.custom_key_store_id
    )
    other = kms.generate_random(
        NumberOfBytes=32, CustomKeyStoreId=store.custom_key_store_id
    )
    assert len(response["Plaintext"]) == 32
    assert response["Plaintext"] != other["Plaintext"]


def test_generate_random_disconnected_store(kms: Any) -> None:
    store = provision_key_store(connection_state="DISCONNECTED")
    store_id = store.custom_key_store_id
    with pytest.raises(ClientError) as info:
        kms.generate_random(NumberOfBytes=32, CustomKeyStoreId=store_id)
    assert error_of(info) == (
        "CustomKeyStoreInvalidStateException",
        f"Custom key store {store_id} is DISCONNECTED. Connect it with "
        "ConnectCustomKeyStore and wait until it is CONNECTED before you generate "
        "random bytes in its cluster.",
    )


def test_generate_random_unknown_store(kms: Any, store: ProvisionedKeyStore) -> None:
    with pytest.raises(ClientError) as info:
        kms.generate_random(NumberOfBytes=32, CustomKeyStoreId="cks-0000000000000000a")
    assert error_of(info) == (
        "CustomKeyStoreNotFoundException",
        f"Custom key store 'cks-0000000000000000a' does not exist in account "
        f"{ACCOUNT} in {REGION}.",
    )


def test_generate_random_without_hsms(
    kms: Any, cloudhsm: Any, store: ProvisionedKeyStore
) -> None:
    store_id = store.custom_key_store_id
    for hsm_id in store.hsm_ids:
        cloudhsm.delete_hsm(ClusterId=store.cluster_id, HsmId=hsm_id)
    with pytest.raises(ClientError) as info:
        kms.generate_random(NumberOfBytes=32, CustomKeyStoreId=store_id)
    assert error_of(info) == (
        "CustomKeyStoreInvalidStateException",
        f"KMS cannot communicate with your CloudHSM cluster {store.cluster_id} of "
        f"custom key store {store_id}: the cluster has no ACTIVE HSM. Create an HSM "
        "in the cluster and try again.",
    )


@pytest.mark.parametrize("with_store", [True, False])
def test_generate_random_without_size(
    kms: Any, store: ProvisionedKeyStore, with_store: bool
) -> None:
    extra = {"CustomKeyStoreId": store.custom_key_store_id} if with_store else {}
    with pytest.raises(ClientError) as info:
        kms.generate_random(**extra)
    assert error_of(info) == ("ValidationException", "NumberOfBytes is required.")


def test_generate_random_too_many_bytes(kms: Any, store: ProvisionedKeyStore) -> None:
    with pytest.raises(ClientError) as info:
        kms.generate_random(
            NumberOfBytes=1025, CustomKeyStoreId=store.custom_key_store_id
        )
    assert error_of(info) == (
        "ValidationException",
        "1 validation error detected: Value '1025' at 'numberOfBytes' failed to "
        "satisfy constraint: Member must have value less than or equal to 1024",
    )


def test_generate_random_without_store(kms: Any) -> None:
    assert len(kms.generate_random(NumberOfBytes=12)["Plaintext"]) == 12


def test_key_material_follows_backup(
    kms: Any, cloudhsm: Any, store: ProvisionedKeyStore, key: dict[str, Any]
) -> None:
    blob = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"x")["CiphertextBlob"]
    zones = sorted(cluster_of(store).subnet_mapping)
    # CloudHSM backs a cluster up when an HSM is added, key material included.
    cloudhsm.create_hsm(ClusterId=store.cluster_id, AvailabilityZone=zones[0])
    backups = cloudhsm.describe_backups(Filters={"clusterIds": [store.cluster_id]})[
        "Backups"
    ]
    latest = max(backups, key=lambda backup: backup["CreateTimestamp"])
    restored = cloudhsm.create_cluster(
        HsmType="hsm2m.medium",
        SubnetIds=store.subnet_ids,
        SourceBackupId=latest["BackupId"],
    )["Cluster"]["ClusterId"]
    for zone in zones:
        cloudhsm.create_hsm(ClusterId=restored, AvailabilityZone=zone)
    cloudhsm.describe_clusters(Filters={"clusterIds": [restored]})
    disconnect(kms, store)
    kms.update_custom_key_store(
        CustomKeyStoreId=store.custom_key_store_id, CloudHsmClusterId=restored
    )
    connect(kms, store)
    decrypted = kms.decrypt(CiphertextBlob=blob)
    metadata = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
    assert decrypted["Plaintext"] == b"x"
    assert metadata["CloudHsmClusterId"] == restored


def test_symmetric_default_algorithm_accepted(kms: Any, key: dict[str, Any]) -> None:
    blob = kms.encrypt(
        KeyId=key["KeyId"], Plaintext=b"x", EncryptionAlgorithm="SYMMETRIC_DEFAULT"
    )["CiphertextBlob"]
    response = kms.decrypt(CiphertextBlob=blob, EncryptionAlgorithm="SYMMETRIC_DEFAULT")
    assert response["Plaintext"] == b"x"


def test_asymmetric_algorithm_rejected(kms: Any, key: dict[str, Any]) -> None:
    blob = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"x")["CiphertextBlob"]
    algorithm = "RSAES_OAEP_SHA_256"
    calls = {
        "Encrypt": lambda: kms.encrypt(
            KeyId=key["KeyId"], Plaintext=b"x", EncryptionAlgorithm=algorithm
        ),
        "Decrypt": lambda: kms.decrypt(
            CiphertextBlob=blob, EncryptionAlgorithm=algorithm
        ),
        "ReEncrypt": lambda: kms.re_encrypt(
            CiphertextBlob=blob,
            DestinationKeyId=key["KeyId"],
            DestinationEncryptionAlgorithm=algorithm,
        ),
    }
    expected = (
        "InvalidKeyUsageException",
        "Algorithm RSAES_OAEP_SHA_256 is incompatible with key spec SYMMETRIC_DEFAULT.",
    )
    _assert_all_fail(calls, expected)
