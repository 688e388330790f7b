"""Connection failures caused by the cluster's network, and injected ones."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from moto_cloudhsm_ks import inject_connection_error
from moto_cloudhsm_ks.provisioning import ProvisionedCluster, provision_cluster


def _error(info: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = info.value.response["Error"]
    return error["Code"], error["Message"]


def _create_store(kms: Any, cluster: ProvisionedCluster, name: str = "ks") -> str:
    return str(
        kms.create_custom_key_store(
            CustomKeyStoreName=name,
            CloudHsmClusterId=cluster.cluster_id,
            TrustAnchorCertificate=cluster.trust_anchor,
            KeyStorePassword=cluster.kmsuser_password,
        )["CustomKeyStoreId"]
    )


def _connect(kms: Any, store_id: str) -> dict[str, Any]:
    kms.connect_custom_key_store(CustomKeyStoreId=store_id)
    stores = kms.describe_custom_key_stores(CustomKeyStoreId=store_id)
    return dict(stores["CustomKeyStores"][0])


@pytest.fixture
def cluster(aws: None) -> ProvisionedCluster:
    return provision_cluster()


@pytest.mark.parametrize("code", ["NETWORK_ERRORS", "INTERNAL_ERROR"])
def test_injected_error_fails_connect(
    kms: Any, cluster: ProvisionedCluster, code: str
) -> None:
    store_id = _create_store(kms, cluster)
    inject_connection_error(store_id, code)
    store = _connect(kms, store_id)
    assert (store["ConnectionState"], store["ConnectionErrorCode"]) == ("FAILED", code)
    kms.disconnect_custom_key_store(CustomKeyStoreId=store_id)
    inject_connection_error(store_id, None)
    assert _connect(kms, store_id)["ConnectionState"] == "CONNECTED"


def test_inject_other_code_is_rejected(kms: Any, cluster: ProvisionedCluster) -> None:
    store_id = _create_store(kms, cluster)
    with pytest.raises(ValueError) as info:
        inject_connection_error(store_id, "USER_NOT_FOUND")
    assert str(info.value) == (
        "Cannot inject ConnectionErrorCode 'USER_NOT_FOUND'. Use one of "
        "NETWORK_ERRORS, INTERNAL_ERROR, or None to clear the fault; the other codes "
        "follow from the cluster's state."
    )


def test_deleted_subnet_fails_subnet_not_found(kms: Any, ec2: Any, aws: None) -> None:
    # Three subnets, HSMs in two: the third subnet has no ENI and can be deleted.
    cluster = provision_cluster(availability_zone_count=3, hsm_count=2)
    store_id = _create_store(kms, cluster)
    ec2.delete_subnet(SubnetId=cluster.subnet_ids[2])
    store = _connect(kms, store_id)
    assert (store["ConnectionState"], store["ConnectionErrorCode"]) == (
        "FAILED",
        "SUBNET_NOT_FOUND",
    )


def test_full_subnet_fails_insufficient_addresses(
    kms: Any, ec2: Any, cluster: ProvisionedCluster
) -> None:
    store_id = _create_store(kms, cluster)
    subnet_id = cluster.subnet_ids[0]
    free = ec2.describe_subnets(SubnetIds=[subnet_id])["Subnets"][0][
        "AvailableIpAddressCount"
    ]
    for index in range(free):
        ec2.create_network_interface(
            SubnetId=subnet_id, PrivateIpAddress=f"10.0.0.{index + 100}"
        )
    left = ec2.describe_subnets(SubnetIds=[subnet_id])["Subnets"][0][
        "AvailableIpAddressCount"
    ]
    assert left == 0
    store = _connect(kms, store_id)
    assert store["ConnectionErrorCode"] == "INSUFFICIENT_FREE_ADDRESSES_IN_SUBNET"


def test_removed_security_group_rules_are_rejected(
    kms: Any, ec2: Any, cloudhsm: Any, cluster: ProvisionedCluster
) -> None:
    store_id = _create_store(kms, cluster)
    group_id = cloudhsm.describe_clusters(Filters={"clusterIds": [cluster.cluster_id]})[
        "Clusters"
    ][0]["SecurityGroup"]
    rules = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]
    ec2.revoke_security_group_ingress(
        GroupId=group_id, IpPermissions=rules["IpPermissions"]
    )
    with pytest.raises(ClientError) as info:
        kms.connect_custom_key_store(CustomKeyStoreId=store_id)
    assert _error(info) == (
        "CloudHsmClusterInvalidConfigurationException",
        f"The security group {group_id} of CloudHSM cluster {cluster.cluster_id} must "
        "include inbound and outbound rules that allow TCP traffic on ports 2223-2225 "
        "to and from the security group itself. Restore these rules and try the "
        "request again.",
    )
    state = kms.describe_custom_key_stores(CustomKeyStoreId=store_id)["CustomKeyStores"]
    assert state[0]["ConnectionState"] == "DISCONNECTED"


def test_create_without_security_group_rules_is_rejected(
    kms: Any, ec2: Any, cloudhsm: Any, cluster: ProvisionedCluster
) -> None:
    group_id = cloudhsm.describe_clusters(Filters={"clusterIds": [cluster.cluster_id]})[
        "Clusters"
    ][0]["SecurityGroup"]
    rules = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]
    ec2.revoke_security_group_egress(
        GroupId=group_id, IpPermissions=rules["IpPermissionsEgress"]
    )
    with pytest.raises(ClientError) as info:
        _create_store(kms, cluster)
    assert _error(info)[0] == "CloudHsmClusterInvalidConfigurationException"
    assert kms.describe_custom_key_stores()["CustomKeyStores"] == []


def test_hsms_lost_while_connecting_fail(
    kms: Any, cloudhsm: Any, cluster: ProvisionedCluster
) -> None:
    from moto.moto_api import state_manager

    store_id = _create_store(kms, cluster)
    state_manager.set_transition(
        "kms::customkeystore", {"progression": "manual", "times": 2}
    )
    try:
        kms.connect_custom_key_store(CustomKeyStoreId=store_id)
        first = kms.describe_custom_key_stores(CustomKeyStoreId=store_id)
        for hsm_id in cluster.hsm_ids:
            cloudhsm.delete_hsm(ClusterId=cluster.cluster_id, HsmId=hsm_id)
        second = kms.describe_custom_key_stores(CustomKeyStoreId=store_id)
    finally:
        state_manager.unset_transition("kms::customkeystore")
    assert first["CustomKeyStores"][0]["ConnectionState"] == "CONNECTING"
    assert second["CustomKeyStores"][0]["ConnectionState"] == "FAILED"
    assert (
        second["CustomKeyStores"][0]["ConnectionErrorCode"]
        == "INSUFFICIENT_CLOUDHSM_HSMS"
    )


def test_quota_raised_by_environment(
    kms: Any, aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MOTO_CLOUDHSM_KS_CUSTOM_KEY_STORE_QUOTA", "1")
    _create_store(kms, provision_cluster(), name="first")
    with pytest.raises(ClientError) as info:
        _create_store(kms, provision_cluster(), name="second")
    assert _error(info)[0] == "LimitExceededException"
    monkeypatch.setenv("MOTO_CLOUDHSM_KS_CUSTOM_KEY_STORE_QUOTA", "2")
    assert _create_store(kms, provision_cluster(), name="second").startswith("cks-")


def test_accounts_are_isolated(
    kms: Any, cluster: ProvisionedCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    store_id = _create_store(kms, cluster)
    monkeypatch.setenv("MOTO_ACCOUNT_ID", "111122223333")
    other_kms = boto3.client("kms", region_name="us-east-1")
    assert other_kms.describe_custom_key_stores()["CustomKeyStores"] == []
    with pytest.raises(ClientError) as info:
        other_kms.describe_custom_key_stores(CustomKeyStoreId=store_id)
    assert _error(info)[0] == "CustomKeyStoreNotFoundException"
    with pytest.raises(ClientError) as info:
        _create_store(other_kms, cluster)
    assert _error(info)[0] == "CloudHsmClusterNotFoundException"
    other_cluster = provision_cluster(account_id="111122223333")
    other_id = _create_store(other_kms, other_cluster)
    monkeypatch.delenv("MOTO_ACCOUNT_ID")
    ids = [
        s["CustomKeyStoreId"]
        for s in kms.describe_custom_key_stores()["CustomKeyStores"]
    ]
    assert ids == [store_id]
    assert other_id != store_id


def test_regions_are_isolated(kms: Any, cluster: ProvisionedCluster) -> None:
    _create_store(kms, cluster)
    west = boto3.client("kms", region_name="us-west-2")
    assert west.describe_custom_key_stores()["CustomKeyStores"] == []
