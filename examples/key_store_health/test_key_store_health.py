"""The health checker against moto-cloudhsm-ks: no AWS account, no real cluster."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from key_store_health import (
    KeyStoreHealthChecker,
    KeyStoreUnavailableError,
    PasswordRotator,
    StoreStatus,
)
from moto.moto_api import state_manager

from moto_cloudhsm_ks import cloudhsm_cli, inject_connection_error
from moto_cloudhsm_ks.provisioning import ProvisionedKeyStore

if TYPE_CHECKING:
    from mypy_boto3_kms.client import KMSClient

KEY_STORE_MODEL = "kms::customkeystore"


def checker(
    kms: KMSClient,
    sleeps: list[float],
    rotate_password: PasswordRotator | None = None,
    max_polls: int = 60,
) -> KeyStoreHealthChecker:
    return KeyStoreHealthChecker(
        kms,
        rotate_password=rotate_password,
        poll_interval=5.0,
        max_polls=max_polls,
        sleep=sleeps.append,
    )


def rotator(store: ProvisionedKeyStore, calls: list[StoreStatus]) -> PasswordRotator:
    """Return a rotator that sets a new kmsuser password, as an operator would."""

    def rotate(status: StoreStatus) -> str:
        calls.append(status)
        cli = cloudhsm_cli(store.cluster_id)
        cli.login("admin", "admin", store.admin_password)
        cli.user_change_password("kmsuser", "crypto-user", "rotatedPswd1")
        cli.logout()
        return "rotatedPswd1"

    return rotate


def test_connected_store_is_left_alone(
    kms: KMSClient, cloudhsm_key_store: ProvisionedKeyStore, sleeps: list[float]
) -> None:
    store_id = cloudhsm_key_store.custom_key_store_id
    status = checker(kms, sleeps).ensure_connected(store_id)
    assert status == StoreStatus(store_id, "CONNECTED")
    assert sleeps == []


@pytest.mark.cloudhsm(connection_state="DISCONNECTED")
def test_disconnected_store_is_connected(
    kms: KMSClient, cloudhsm_key_store: ProvisionedKeyStore, sleeps: list[float]
) -> None:
    store_id = cloudhsm_key_store.custom_key_store_id
    status = checker(kms, sleeps).ensure_connected(store_id)
    assert status == StoreStatus(store_id, "CONNECTED")
    assert sleeps == []


@pytest.mark.usefixtures("slow_connections")
@pytest.mark.cloudhsm(connection_state="DISCONNECTED")
def test_polls_while_connecting(
    kms: KMSClient, cloudhsm_key_store: ProvisionedKeyStore, sleeps: list[float]
) -> None:
    # The store stays CONNECTING until the fourth DescribeCustomKeyStores call.
    state_manager.set_transition(KEY_STORE_MODEL, {"progression": "manual", "times": 4})
    store_id = cloudhsm_key_store.custom_key_store_id
    status = checker(kms, sleeps).ensure_connected(store_id)
    assert status == StoreStatus(store_id, "CONNECTED")
    assert sleeps == [5.0, 5.0, 5.0]


@pytest.mark.usefixtures("slow_connections")
@pytest.mark.cloudhsm(connection_state="DISCONNECTED")
def test_gives_up_after_max_polls(
    kms: KMSClient, cloudhsm_key_store: ProvisionedKeyStore, sleeps: list[float]
) -> None:
    # The store stays CONNECTING until the transition is unset.
    state_manager.set_transition(
        KEY_STORE_MODEL, {"progression": "manual", "times": 1_000}
    )
    store_id = cloudhsm_key_store.custom_key_store_id
    with pytest.raises(TimeoutError) as info:
        checker(kms, sleeps, max_polls=3).ensure_connected(store_id)
    assert str(info.value) == (
        f"Custom key store {store_id} was still CONNECTING after 3 polls 5.0 s apart."
    )
    assert sleeps == [5.0, 5.0, 5.0]


@pytest.mark.cloudhsm(connection_state="FAILED")
def test_failed_store_gets_new_password(
    kms: KMSClient, cloudhsm_key_store: ProvisionedKeyStore, sleeps: list[float]
) -> None:
    calls: list[StoreStatus] = []
    health = checker(kms, sleeps, rotator(cloudhsm_key_store, calls))
    store_id = cloudhsm_key_store.custom_key_store_id
    status = health.ensure_connected(store_id)
    assert status == StoreStatus(store_id, "CONNECTED")
    assert calls == [StoreStatus(store_id, "FAILED", "INVALID_CREDENTIALS")]


def test_locked_out_kmsuser_gets_new_password(
    kms: KMSClient, cloudhsm_key_store: ProvisionedKeyStore, sleeps: list[float]
) -> None:
    store_id = cloudhsm_key_store.custom_key_store_id
    kms.disconnect_custom_key_store(CustomKeyStoreId=store_id)
    kms.update_custom_key_store(CustomKeyStoreId=store_id, KeyStorePassword="wrong12")
    # Five failed connection attempts lock kmsuser out.
    for _ in range(5):
        kms.connect_custom_key_store(CustomKeyStoreId=store_id)
        kms.describe_custom_key_stores(CustomKeyStoreId=store_id)
        kms.disconnect_custom_key_store(CustomKeyStoreId=store_id)
    kms.connect_custom_key_store(CustomKeyStoreId=store_id)
    calls: list[StoreStatus] = []
    health = checker(kms, sleeps, rotator(cloudhsm_key_store, calls))
    status = health.ensure_connected(store_id)
    assert status == StoreStatus(store_id, "CONNECTED")
    assert calls == [StoreStatus(store_id, "FAILED", "USER_LOCKED_OUT")]


@pytest.mark.cloudhsm(connection_state="FAILED")
def test_failed_store_without_rotator_is_unavailable(
    kms: KMSClient, cloudhsm_key_store: ProvisionedKeyStore, sleeps: list[float]
) -> None:
    store_id = cloudhsm_key_store.custom_key_store_id
    with pytest.raises(KeyStoreUnavailableError) as info:
        checker(kms, sleeps).ensure_connected(store_id)
    assert str(info.value) == (
        f"Custom key store {store_id} is FAILED with ConnectionErrorCode "
        "INVALID_CREDENTIALS, which this checker cannot fix. See 'Troubleshooting "
        "a custom key store' in the KMS Developer Guide."
    )


def test_network_errors_are_retried_once(
    kms: KMSClient, cloudhsm_key_store: ProvisionedKeyStore, sleeps: list[float]
) -> None:
    store_id = cloudhsm_key_store.custom_key_store_id
    kms.disconnect_custom_key_store(CustomKeyStoreId=store_id)
    inject_connection_error(store_id, "NETWORK_ERRORS")
    kms.connect_custom_key_store(CustomKeyStoreId=store_id)
    with pytest.raises(KeyStoreUnavailableError) as info:
        checker(kms, sleeps).ensure_connected(store_id)
    assert info.value.status == StoreStatus(store_id, "FAILED", "NETWORK_ERRORS")
    inject_connection_error(store_id, None)
    status = checker(kms, sleeps).ensure_connected(store_id)
    assert status == StoreStatus(store_id, "CONNECTED")
