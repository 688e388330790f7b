"""ScheduleKeyDeletion, CancelKeyDeletion and the end of the waiting period."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import time_machine
from botocore.exceptions import ClientError

from moto_cloudhsm_ks.provisioning import ProvisionedKeyStore

from .helpers import (
    cluster_of,
    connect,
    disconnect,
    error_of,
    key_ids,
)


def _state(kms: Any, key_id: str) -> str:
    return str(kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"])


def _material_handles(store: ProvisionedKeyStore) -> set[str]:
    return set(cluster_of(store).key_material)


# Scheduling and cancelling


def test_schedule_deletion_response(kms: Any, key: dict[str, Any]) -> None:
    before = datetime.now(timezone.utc)
    response = kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)
    metadata = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
    assert response["KeyId"] == key["Arn"]
    assert response["KeyState"] == "PendingDeletion"
    assert response["PendingWindowInDays"] == 7
    assert before + timedelta(days=7) <= response["DeletionDate"]
    assert response["DeletionDate"] <= datetime.now(timezone.utc) + timedelta(days=7)
    assert metadata["KeyState"] == "PendingDeletion"
    assert metadata["Enabled"] is False
    assert metadata["DeletionDate"] == response["DeletionDate"]


def test_schedule_deletion_default_window(kms: Any, key: dict[str, Any]) -> None:
    response = kms.schedule_key_deletion(KeyId=key["KeyId"])
    assert response["PendingWindowInDays"] == 30


@pytest.mark.parametrize(
    ("days", "constraint"),
    [
        (6, "greater than or equal to 7"),
        (31, "less than or equal to 30"),
    ],
)
def test_schedule_deletion_invalid_window(
    kms: Any, key: dict[str, Any], days: int, constraint: str
) -> None:
    with pytest.raises(ClientError) as info:
        kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=days)
    assert error_of(info) == (
        "ValidationException",
        f"1 validation error detected: Value '{days}' at 'pendingWindowInDays' "
        f"failed to satisfy constraint: Member must have value {constraint}",
    )
    assert _state(kms, key["KeyId"]) == "Enabled"


def test_schedule_deletion_twice(kms: Any, key: dict[str, Any]) -> None:
    kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)
    with pytest.raises(ClientError) as info:
        kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=8)
    assert error_of(info) == (
        "KMSInvalidStateException",
        f"{key['Arn']} is pending deletion.",
    )


def test_cancel_deletion_leaves_key_disabled(kms: Any, key: dict[str, Any]) -> None:
    kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)
    response = kms.cancel_key_deletion(KeyId=key["KeyId"])
    metadata = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
    assert response["KeyId"] == key["Arn"]
    assert metadata["KeyState"] == "Disabled"
    assert "DeletionDate" not in metadata


def test_cancel_deletion_not_pending(kms: Any, key: dict[str, Any]) -> None:
    with pytest.raises(ClientError) as info:
        kms.cancel_key_deletion(KeyId=key["KeyId"])
    assert error_of(info) == (
        "KMSInvalidStateException",
        f"{key['Arn']} is not pending deletion.",
    )


@pytest.mark.parametrize("operation", ["enable_key", "disable_key"])
def test_enable_disable_pending_deletion(
    kms: Any, key: dict[str, Any], operation: str
) -> None:
    kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)
    with pytest.raises(ClientError) as info:
        getattr(kms, operation)(KeyId=key["KeyId"])
    assert error_of(info) == (
        "KMSInvalidStateException",
        f"{key['Arn']} is pending deletion.",
    )
    assert _state(kms, key["KeyId"]) == "PendingDeletion"


def test_schedule_and_cancel_while_disconnected(
    kms: Any, store: ProvisionedKeyStore, key: dict[str, Any]
) -> None:
    disconnect(kms, store)
    kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)
    assert _state(kms, key["KeyId"]) == "PendingDeletion"
    kms.cancel_key_deletion(KeyId=key["KeyId"])
    assert _state(kms, key["KeyId"]) == "Unavailable"
    connect(kms, store)
    assert _state(kms, key["KeyId"]) == "Disabled"


def test_pending_deletion_survives_disconnect(
    kms: Any, store: ProvisionedKeyStore, key: dict[str, Any]
) -> None:
    kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)
    disconnect(kms, store)
    assert _state(kms, key["KeyId"]) == "PendingDeletion"
    connect(kms, store)
    assert _state(kms, key["KeyId"]) == "PendingDeletion"


# DeleteCustomKeyStore and the end of the waiting period


def test_store_with_key_not_deleted(
    kms: Any, store: ProvisionedKeyStore, key: dict[str, Any]
) -> None:
    store_id = store.custom_key_store_id
    disconnect(kms, store)
    with pytest.raises(ClientError) as info:
        kms.delete_custom_key_store(CustomKeyStoreId=store_id)
    assert error_of(info) == (
        "CustomKeyStoreHasCMKsException",
        f"Custom key store {store_id} contains 1 KMS key(s), including keys pending "
        "deletion. Delete all KMS keys in the store before you delete it.",
    )
    stores = kms.describe_custom_key_stores(CustomKeyStoreId=store_id)
    assert len(stores["CustomKeyStores"]) == 1


def test_pending_key_blocks_store_deletion(
    kms: Any, store: ProvisionedKeyStore, key: dict[str, Any]
) -> None:
    store_id = store.custom_key_store_id
    kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)
    disconnect(kms, store)
    six_days_later = datetime.now(timezone.utc) + timedelta(days=6)
    with time_machine.travel(six_days_later), pytest.raises(ClientError) as info:
        kms.delete_custom_key_store(CustomKeyStoreId=store_id)
    assert error_of(info)[0] == "CustomKeyStoreHasCMKsException"
    assert key["KeyId"] in key_ids(kms)


def test_window_end_while_disconnected(
    kms: Any, store: ProvisionedKeyStore, key: dict[str, Any]
) -> None:
    store_id = store.custom_key_store_id
    handles = _material_handles(store)
    kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)
    disconnect(kms, store)
    with time_machine.travel(datetime.now(timezone.utc) + timedelta(days=8)):
        assert key["KeyId"] not in key_ids(kms)
        kms.delete_custom_key_store(CustomKeyStoreId=store_id)
    assert _material_handles(store) == handles
    with pytest.raises(ClientError) as info:
        kms.describe_custom_key_stores(CustomKeyStoreId=store_id)
    assert error_of(info)[0] == "CustomKeyStoreNotFoundException"


def test_window_end_while_connected(
    kms: Any, store: ProvisionedKeyStore, key: dict[str, Any]
) -> None:
    other = kms.create_key(
        Origin="AWS_CLOUDHSM", CustomKeyStoreId=store.custom_key_store_id
    )["KeyMetadata"]["KeyId"]
    handles = _material_handles(store)
    kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)
    with time_machine.travel(datetime.now(timezone.utc) + timedelta(days=8)):
        with pytest.raises(ClientError) as info:
            kms.describe_key(KeyId=key["KeyId"])
        remaining = _material_handles(store)
        plaintext = kms.decrypt(
            CiphertextBlob=kms.encrypt(KeyId=other, Plaintext=b"x")["CiphertextBlob"]
        )["Plaintext"]
    assert error_of(info) == (
        "NotFoundException",
        f"Key '{key['Arn']}' does not exist",
    )
    assert len(remaining) == len(handles) - 1
    assert remaining < handles
    assert plaintext == b"x"


def test_window_end_deletes_aliases(
    kms: Any, store: ProvisionedKeyStore, key: dict[str, Any]
) -> None:
    kms.create_alias(AliasName="alias/doomed", TargetKeyId=key["KeyId"])
    kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)
    with time_machine.travel(datetime.now(timezone.utc) + timedelta(days=8)):
        aliases = kms.list_aliases()["Aliases"]
    assert "alias/doomed" not in [alias["AliasName"] for alias in aliases]


def test_cancelled_key_not_deleted(
    kms: Any, store: ProvisionedKeyStore, key: dict[str, Any]
) -> None:
    kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)
    kms.cancel_key_deletion(KeyId=key["KeyId"])
    with time_machine.travel(datetime.now(timezone.utc) + timedelta(days=8)):
        state = _state(kms, key["KeyId"])
    assert state == "Disabled"
