"""Helpers shared by the tests of KMS keys in CloudHSM key stores."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from moto_cloudhsm_ks.cloudhsm.backend import cloudhsm_backends
from moto_cloudhsm_ks.cloudhsm.models import Cluster
from moto_cloudhsm_ks.provisioning import ProvisionedKeyStore

REGION = "us-east-1"
ACCOUNT = "123456789012"
# DescribeCustomKeyStores calls a wait makes; each one advances manual transitions.
MAX_WAIT_CALLS = 10


def error_of(info: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = info.value.response["Error"]
    return error["Code"], error["Message"]


def create_store_key(
    kms: Any, store: ProvisionedKeyStore, **extra: Any
) -> dict[str, Any]:
    response = kms.create_key(
        Origin="AWS_CLOUDHSM", CustomKeyStoreId=store.custom_key_store_id, **extra
    )
    return dict(response["KeyMetadata"])


def key_ids(kms: Any) -> list[str]:
    return [key["KeyId"] for key in kms.list_keys()["Keys"]]


def wait_for_state(kms: Any, store_id: str, state: str) -> None:
    for _ in range(MAX_WAIT_CALLS):
        stores = kms.describe_custom_key_stores(CustomKeyStoreId=store_id)
        if stores["CustomKeyStores"][0]["ConnectionState"] == state:
            return
    raise AssertionError(
        f"Custom key store {store_id} did not reach {state} after {MAX_WAIT_CALLS} "
        "DescribeCustomKeyStores calls."
    )


def disconnect(kms: Any, store: ProvisionedKeyStore) -> None:
    kms.disconnect_custom_key_store(CustomKeyStoreId=store.custom_key_store_id)
    wait_for_state(kms, store.custom_key_store_id, "DISCONNECTED")


def connect(kms: Any, store: ProvisionedKeyStore) -> None:
    kms.connect_custom_key_store(CustomKeyStoreId=store.custom_key_store_id)
    wait_for_state(kms, store.custom_key_store_id, "CONNECTED")


def cluster_of(store: ProvisionedKeyStore) -> Cluster:
    """Return the mocked cluster object, to inspect its key material."""
    cluster: Cluster = cloudhsm_backends[store.account_id][store.region_name].clusters[
        store.cluster_id
    ]
    return cluster
