"""KMS keys in a CloudHSM key store: CreateKey, DescribeKey and key states."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from moto_cloudhsm_ks.provisioning import ProvisionedKeyStore, provision_key_store

from .helpers import (
    ACCOUNT,
    REGION,
    cluster_of,
    connect,
    create_store_key,
    disconnect,
    error_of,
    key_ids,
    wait_for_state,
)

METADATA_FIELDS = {
    "AWSAccountId",
    "Arn",
    "CloudHsmClusterId",
    "CreationDate",
    "CustomerMasterKeySpec",
    "CustomKeyStoreId",
    "Description",
    "Enabled",
    "EncryptionAlgorithms",
    "KeyId",
    "KeyManager",
    "KeySpec",
    "KeyState",
    "KeyUsage",
    "MultiRegion",
    "Origin",
}


def _state(kms: Any, key_id: str) -> tuple[str, bool]:
    metadata = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    return metadata["KeyState"], metadata["Enabled"]


# CreateKey


def test_create_key_metadata(kms: Any, store: ProvisionedKeyStore) -> None:
    metadata = create_store_key(kms, store, Description="Key in custom key store")
    key_id = metadata["KeyId"]
    assert set(metadata) == METADATA_FIELDS
    assert metadata["AWSAccountId"] == ACCOUNT
    assert metadata["Arn"] == f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{key_id}"
    assert metadata["CloudHsmClusterId"] == store.cluster_id
    assert isinstance(metadata["CreationDate"], datetime)
    assert metadata["CustomerMasterKeySpec"] == "SYMMETRIC_DEFAULT"
    assert metadata["CustomKeyStoreId"] == store.custom_key_store_id
    assert metadata["Description"] == "Key in custom key store"
    assert metadata["Enabled"] is True
    assert metadata["EncryptionAlgorithms"] == ["SYMMETRIC_DEFAULT"]
    assert metadata["KeyManager"] == "CUSTOMER"
    assert metadata["KeySpec"] == "SYMMETRIC_DEFAULT"
    assert metadata["KeyState"] == "Enabled"
    assert metadata["KeyUsage"] == "ENCRYPT_DECRYPT"
    assert metadata["MultiRegion"] is False
    assert metadata["Origin"] == "AWS_CLOUDHSM"


def test_describe_key_matches_create(kms: Any, store: ProvisionedKeyStore) -> None:
    created = create_store_key(kms, store)
    by_id = kms.describe_key(KeyId=created["KeyId"])["KeyMetadata"]
    by_arn = kms.describe_key(KeyId=created["Arn"])["KeyMetadata"]
    assert by_id == created
    assert by_arn == created


def test_describe_key_through_alias(kms: Any, store: ProvisionedKeyStore) -> None:
    created = create_store_key(kms, store)
    kms.create_alias(AliasName="alias/hsm-key", TargetKeyId=created["KeyId"])
    metadata = kms.describe_key(KeyId="alias/hsm-key")["KeyMetadata"]
    assert metadata["CustomKeyStoreId"] == store.custom_key_store_id
    assert metadata["Origin"] == "AWS_CLOUDHSM"


def test_create_key_explicit_defaults(kms: Any, store: ProvisionedKeyStore) -> None:
    metadata = create_store_key(
        kms,
        store,
        KeySpec="SYMMETRIC_DEFAULT",
        KeyUsage="ENCRYPT_DECRYPT",
        MultiRegion=False,
        Tags=[{"TagKey": "team", "TagValue": "crypto"}],
    )
    tags = kms.list_resource_tags(KeyId=metadata["KeyId"])["Tags"]
    assert metadata["KeyState"] == "Enabled"
    assert tags == [{"TagKey": "team", "TagValue": "crypto"}]


def test_create_key_listed(kms: Any, store: ProvisionedKeyStore) -> None:
    metadata = create_store_key(kms, store)
    keys = kms.list_keys()["Keys"]
    assert {"KeyId": metadata["KeyId"], "KeyArn": metadata["Arn"]} in keys


def test_create_key_puts_material_in_cluster(
    kms: Any, store: ProvisionedKeyStore
) -> None:
    cluster = cluster_of(store)
    before = dict(cluster.key_material)
    create_store_key(kms, store)
    create_store_key(kms, store)
    added = set(cluster.key_material) - set(before)
    assert len(added) == 2
    for handle in added:
        assert len(cluster.key_material[handle]) == 32


def test_normal_create_key_unchanged(kms: Any, store: ProvisionedKeyStore) -> None:
    metadata = kms.create_key(Description="plain")["KeyMetadata"]
    assert metadata["Origin"] == "AWS_KMS"
    assert "CustomKeyStoreId" not in metadata
    assert "CloudHsmClusterId" not in metadata


@pytest.mark.parametrize(
    ("extra", "code", "message"),
    [
        (
            {"KeySpec": "RSA_2048", "KeyUsage": "SIGN_VERIFY"},
            "UnsupportedOperationException",
            "KeySpec RSA_2048 is not supported in a custom key store. KMS keys in a "
            "CloudHSM key store must have KeySpec SYMMETRIC_DEFAULT.",
        ),
        (
            {"KeySpec": "HMAC_256", "KeyUsage": "GENERATE_VERIFY_MAC"},
            "UnsupportedOperationException",
            "KeySpec HMAC_256 is not supported in a custom key store. KMS keys in a "
            "CloudHSM key store must have KeySpec SYMMETRIC_DEFAULT.",
        ),
        (
            {"CustomerMasterKeySpec": "ECC_NIST_P256"},
            "UnsupportedOperationException",
            "KeySpec ECC_NIST_P256 is not supported in a custom key store. KMS keys "
            "in a CloudHSM key store must have KeySpec SYMMETRIC_DEFAULT.",
        ),
        (
            {"KeyUsage": "SIGN_VERIFY"},
            "UnsupportedOperationException",
            "KeyUsage SIGN_VERIFY is not supported in a custom key store. KMS keys in "
            "a CloudHSM key store must have KeyUsage ENCRYPT_DECRYPT.",
        ),
        (
            {"MultiRegion": True},
            "UnsupportedOperationException",
            "You cannot create a multi-Region key in a custom key store. Omit "
            "MultiRegion or set it to false.",
        ),
        (
            {"KeySpec": "AES_999"},
            "ValidationException",
            "1 validation error detected: Value 'AES_999' at 'keySpec' failed to "
            "satisfy constraint: Member must satisfy enum value set: [RSA_2048, "
            "RSA_3072, RSA_4096, ECC_NIST_P256, ECC_NIST_P384, ECC_NIST_P521, "
            "ECC_SECG_P256K1, SYMMETRIC_DEFAULT, HMAC_224, HMAC_256, HMAC_384, "
            "HMAC_512, SM2, ML_DSA_44, ML_DSA_65, ML_DSA_87, ECC_NIST_EDWARDS25519, "
            "ML_KEM_512, ML_KEM_768, ML_KEM_1024]",
        ),
        (
            {"KeyUsage": "RANDOM"},
            "ValidationException",
            "1 validation error detected: Value 'RANDOM' at 'keyUsage' failed to "
            "satisfy constraint: Member must satisfy enum value set: [SIGN_VERIFY, "
            "ENCRYPT_DECRYPT, GENERATE_VERIFY_MAC, KEY_AGREEMENT, "
            "ENCAPSULATE_DECAPSULATE]",
        ),
        (
            {"XksKeyId": "external-key-1"},
            "ValidationException",
            "XksKeyId is valid only for Origin EXTERNAL_KEY_STORE. Omit it for a KMS "
            "key in a CloudHSM key store.",
        ),
    ],
)
def test_create_key_unsupported_parameters(
    kms: Any,
    store: ProvisionedKeyStore,
    extra: dict[str, Any],
    code: str,
    message: str,
) -> None:
    before = key_ids(kms)
    with pytest.raises(ClientError) as info:
        create_store_key(kms, store, **extra)
    assert error_of(info) == (code, message)
    assert key_ids(kms) == before


@pytest.mark.parametrize("origin", ["AWS_KMS", "EXTERNAL", "EXTERNAL_KEY_STORE"])
def test_create_key_store_with_other_origin(
    kms: Any, store: ProvisionedKeyStore, origin: str
) -> None:
    store_id = store.custom_key_store_id
    before = key_ids(kms)
    with pytest.raises(ClientError) as info:
        kms.create_key(Origin=origin, CustomKeyStoreId=store_id)
    assert error_of(info) == (
        "ValidationException",
        f"Origin {origin} is not valid with CustomKeyStoreId {store_id}. To create a "
        "KMS key in a CloudHSM key store, set Origin to AWS_CLOUDHSM.",
    )
    assert key_ids(kms) == before


def test_create_key_store_without_origin(kms: Any, store: ProvisionedKeyStore) -> None:
    store_id = store.custom_key_store_id
    before = key_ids(kms)
    with pytest.raises(ClientError) as info:
        kms.create_key(CustomKeyStoreId=store_id)
    assert error_of(info) == (
        "ValidationException",
        f"Origin AWS_KMS is not valid with CustomKeyStoreId {store_id}. To create a "
        "KMS key in a CloudHSM key store, set Origin to AWS_CLOUDHSM.",
    )
    assert key_ids(kms) == before


@pytest.mark.parametrize("origin", ["AWS_CLOUDHSM", "EXTERNAL_KEY_STORE"])
def test_create_key_origin_without_store(
    kms: Any, store: ProvisionedKeyStore, origin: str
) -> None:
    before = key_ids(kms)
    with pytest.raises(ClientError) as info:
        kms.create_key(Origin=origin)
    assert error_of(info) == (
        "ValidationException",
        f"CustomKeyStoreId is required when Origin is {origin}. Specify the custom "
        "key store to create the KMS key in.",
    )
    assert key_ids(kms) == before


def test_create_key_unknown_origin(kms: Any, store: ProvisionedKeyStore) -> None:
    before = key_ids(kms)
    with pytest.raises(ClientError) as info:
        kms.create_key(Origin="CLOUDHSM")
    assert error_of(info) == (
        "ValidationException",
        "1 validation error detected: Value 'CLOUDHSM' at 'origin' failed to satisfy "
        "constraint: Member must satisfy enum value set: [AWS_KMS, EXTERNAL, "
        "AWS_CLOUDHSM, EXTERNAL_KEY_STORE]",
    )
    assert key_ids(kms) == before


def test_create_key_unknown_store(kms: Any, store: ProvisionedKeyStore) -> None:
    before = key_ids(kms)
    with pytest.raises(ClientError) as info:
        kms.create_key(Origin="AWS_CLOUDHSM", CustomKeyStoreId="cks-0000000000000000a")
    assert error_of(info) == (
        "CustomKeyStoreNotFoundException",
        f"Custom key store 'cks-0000000000000000a' does not exist in account "
        f"{ACCOUNT} in {REGION}.",
    )
    assert key_ids(kms) == before


@pytest.mark.parametrize("connection_state", ["DISCONNECTED", "FAILED"])
def test_create_key_store_not_connected(kms: Any, connection_state: str) -> None:
    store = provision_key_store(connection_state=connection_state)
    store_id = store.custom_key_store_id
    before = key_ids(kms)
    with pytest.raises(ClientError) as info:
        create_store_key(kms, store)
    assert error_of(info) == (
        "CustomKeyStoreInvalidStateException",
        f"Custom key store {store_id} is {connection_state}. Connect it with "
        "ConnectCustomKeyStore and wait until it is CONNECTED before you create KMS "
        "keys in it.",
    )
    assert key_ids(kms) == before


def test_create_key_needs_two_hsms(
    kms: Any, cloudhsm: Any, store: ProvisionedKeyStore
) -> None:
    cloudhsm.delete_hsm(ClusterId=store.cluster_id, HsmId=store.hsm_ids[1])
    before = key_ids(kms)
    with pytest.raises(ClientError) as info:
        create_store_key(kms, store)
    assert error_of(info) == (
        "CloudHsmClusterInvalidConfigurationException",
        f"CloudHSM cluster {store.cluster_id} has 1 ACTIVE HSM(s) in 1 Availability "
        "Zone(s). It must contain at least two active HSMs, each in a different "
        "Availability Zone.",
    )
    assert key_ids(kms) == before


def test_create_key_two_hsms_one_zone(kms: Any) -> None:
    store = provision_key_store(hsm_count=3, availability_zone_count=2)
    cloudhsm = boto3.client("cloudhsmv2", region_name=REGION)
    cloudhsm.delete_hsm(ClusterId=store.cluster_id, HsmId=store.hsm_ids[1])
    with pytest.raises(ClientError) as info:
        create_store_key(kms, store)
    assert error_of(info) == (
        "CloudHsmClusterInvalidConfigurationException",
        f"CloudHSM cluster {store.cluster_id} has 2 ACTIVE HSM(s) in 1 Availability "
        "Zone(s). It must contain at least two active HSMs, each in a different "
        "Availability Zone.",
    )


# Key states while the store is disconnected


def test_disconnect_makes_keys_unavailable(
    kms: Any, store: ProvisionedKeyStore
) -> None:
    key_id = create_store_key(kms, store)["KeyId"]
    disconnect(kms, store)
    assert _state(kms, key_id) == ("Unavailable", False)


def test_reconnect_restores_enabled(kms: Any, store: ProvisionedKeyStore) -> None:
    key_id = create_store_key(kms, store)["KeyId"]
    disconnect(kms, store)
    connect(kms, store)
    assert _state(kms, key_id) == ("Enabled", True)


def test_reconnect_restores_disabled(kms: Any, store: ProvisionedKeyStore) -> None:
    key_id = create_store_key(kms, store)["KeyId"]
    kms.disable_key(KeyId=key_id)
    disconnect(kms, store)
    assert _state(kms, key_id) == ("Unavailable", False)
    connect(kms, store)
    assert _state(kms, key_id) == ("Disabled", False)


def test_enable_unavailable_key_on_reconnect(
    kms: Any, store: ProvisionedKeyStore
) -> None:
    key_id = create_store_key(kms, store)["KeyId"]
    kms.disable_key(KeyId=key_id)
    disconnect(kms, store)
    kms.enable_key(KeyId=key_id)
    assert _state(kms, key_id) == ("Unavailable", False)
    connect(kms, store)
    assert _state(kms, key_id) == ("Enabled", True)


def test_disable_unavailable_key_on_reconnect(
    kms: Any, store: ProvisionedKeyStore
) -> None:
    key_id = create_store_key(kms, store)["KeyId"]
    disconnect(kms, store)
    kms.disable_key(KeyId=key_id)
    assert _state(kms, key_id) == ("Unavailable", False)
    connect(kms, store)
    assert _state(kms, key_id) == ("Disabled", False)


def test_failed_store_keys_unavailable(kms: Any, store: ProvisionedKeyStore) -> None:
    key_id = create_store_key(kms, store)["KeyId"]
    store_id = store.custom_key_store_id
    disconnect(kms, store)
    kms.update_custom_key_store(
        CustomKeyStoreId=store_id, KeyStorePassword="wrong12345"
    )
    kms.connect_custom_key_store(CustomKeyStoreId=store_id)
    wait_for_state(kms, store_id, "FAILED")
    assert _state(kms, key_id) == ("Unavailable", False)


def test_connecting_store_keys_unavailable(
    kms: Any, store: ProvisionedKeyStore
) -> None:
    from moto.moto_api import state_manager

    key_id = create_store_key(kms, store)["KeyId"]
    disconnect(kms, store)
    state_manager.set_transition(
        "kms::customkeystore", {"progression": "manual", "times": 3}
    )
    try:
        kms.connect_custom_key_store(CustomKeyStoreId=store.custom_key_store_id)
        assert _state(kms, key_id) == ("Unavailable", False)
        wait_for_state(kms, store.custom_key_store_id, "CONNECTED")
        assert _state(kms, key_id) == ("Enabled", True)
    finally:
        state_manager.unset_transition("kms::customkeystore")


def test_enable_key_through_alias_rejected(
    kms: Any, store: ProvisionedKeyStore
) -> None:
    key_id = create_store_key(kms, store)["KeyId"]
    kms.create_alias(AliasName="alias/hsm-key", TargetKeyId=key_id)
    with pytest.raises(ClientError) as info:
        kms.enable_key(KeyId="alias/hsm-key")
    assert error_of(info) == ("NotFoundException", "Invalid keyId alias/hsm-key")


def test_unknown_key_gets_moto_error(kms: Any, store: ProvisionedKeyStore) -> None:
    missing = "11111111-2222-3333-4444-555555555555"
    with pytest.raises(ClientError) as info:
        kms.describe_key(KeyId=missing)
    assert error_of(info) == (
        "NotFoundException",
        f"Key 'arn:aws:kms:{REGION}:{ACCOUNT}:key/{missing}' does not exist",
    )


# Operations keys in a CloudHSM key store do not support


@pytest.mark.parametrize(
    ("operation", "extra"),
    [
        ("enable_key_rotation", {}),
        ("disable_key_rotation", {}),
        ("get_key_rotation_status", {}),
        ("rotate_key_on_demand", {}),
        ("list_key_rotations", {}),
        ("generate_data_key_pair", {"KeyPairSpec": "RSA_2048"}),
        ("generate_data_key_pair_without_plaintext", {"KeyPairSpec": "RSA_2048"}),
        (
            "get_parameters_for_import",
            {"WrappingAlgorithm": "RSAES_OAEP_SHA_256", "WrappingKeySpec": "RSA_2048"},
        ),
        (
            "import_key_material",
            {"ImportToken": b"token", "EncryptedKeyMaterial": b"material"},
        ),
        ("delete_imported_key_material", {}),
    ],
)
def test_origin_not_valid_for_operation(
    kms: Any, store: ProvisionedKeyStore, operation: str, extra: dict[str, Any]
) -> None:
    metadata = create_store_key(kms, store)
    with pytest.raises(ClientError) as info:
        getattr(kms, operation)(KeyId=metadata["KeyId"], **extra)
    assert error_of(info) == (
        "UnsupportedOperationException",
        f"{metadata['Arn']} origin is AWS_CLOUDHSM which is not valid for this "
        "operation.",
    )


def test_rotation_status_while_unavailable(
    kms: Any, store: ProvisionedKeyStore
) -> None:
    metadata = create_store_key(kms, store)
    disconnect(kms, store)
    with pytest.raises(ClientError) as info:
        kms.get_key_rotation_status(KeyId=metadata["KeyId"])
    assert error_of(info) == (
        "UnsupportedOperationException",
        f"{metadata['Arn']} origin is AWS_CLOUDHSM which is not valid for this "
        "operation.",
    )


def test_rotation_of_normal_key_unchanged(kms: Any, store: ProvisionedKeyStore) -> None:
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.enable_key_rotation(KeyId=key_id)
    assert kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"] is True


def test_replicate_key_rejected(kms: Any, store: ProvisionedKeyStore) -> None:
    metadata = create_store_key(kms, store)
    with pytest.raises(ClientError) as info:
        kms.replicate_key(KeyId=metadata["KeyId"], ReplicaRegion="us-west-2")
    assert error_of(info) == (
        "UnsupportedOperationException",
        f"{metadata['Arn']} is not a multi-region primary key.",
    )
    west = boto3.client("kms", region_name="us-west-2")
    assert west.list_keys()["Keys"] == []


def test_raw_metadata_fields_in_model(kms: Any, store: ProvisionedKeyStore) -> None:
    bodies: list[dict[str, Any]] = []

    def keep_body(http_response: Any, **_: Any) -> None:
        bodies.append(json.loads(http_response.content))

    kms.meta.events.register("after-call.kms.CreateKey", keep_body)
    kms.meta.events.register("after-call.kms.DescribeKey", keep_body)
    kms.meta.events.register("after-call.kms.ScheduleKeyDeletion", keep_body)
    key_id = create_store_key(kms, store)["KeyId"]
    kms.describe_key(KeyId=key_id)
    kms.schedule_key_deletion(KeyId=key_id)
    kms.describe_key(KeyId=key_id)
    model = kms.meta.service_model
    metadata_fields = set(model.shape_for("KeyMetadata").members)
    deletion_fields = set(
        model.operation_model("ScheduleKeyDeletion").output_shape.members
    )
    for body in (bodies[0], bodies[1], bodies[3]):
        assert set(body["KeyMetadata"]) <= metadata_fields
        assert None not in body["KeyMetadata"].values()
    assert set(bodies[2]) == deletion_fields
    assert "DeletionDate" in bodies[3]["KeyMetadata"]
