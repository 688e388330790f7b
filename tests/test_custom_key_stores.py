"""The six KMS custom key store operations for AWS_CLOUDHSM stores, through boto3."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError

from moto_cloudhsm_ks import cloudhsm_cli
from moto_cloudhsm_ks.certificates import create_certificate_authority
from moto_cloudhsm_ks.provisioning import ProvisionedCluster, provision_cluster

PASSWORD = "kmsPswd123"


def _error(info: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = info.value.response["Error"]
    return error["Code"], error["Message"]


def _create(
    kms: Any, cluster: ProvisionedCluster, name: str = "ks1", **extra: Any
) -> str:
    params = {
        "CustomKeyStoreName": name,
        "CloudHsmClusterId": cluster.cluster_id,
        "TrustAnchorCertificate": cluster.trust_anchor,
        "KeyStorePassword": cluster.kmsuser_password,
    }
    params.update(extra)
    return str(kms.create_custom_key_store(**params)["CustomKeyStoreId"])


def _describe(kms: Any, store_id: str) -> dict[str, Any]:
    stores = kms.describe_custom_key_stores(CustomKeyStoreId=store_id)
    assert len(stores["CustomKeyStores"]) == 1
    return dict(stores["CustomKeyStores"][0])


def _connect(kms: Any, store_id: str) -> dict[str, Any]:
    kms.connect_custom_key_store(CustomKeyStoreId=store_id)
    return _describe(kms, store_id)


@pytest.fixture
def cluster(aws: None) -> ProvisionedCluster:
    return provision_cluster()


# CreateCustomKeyStore


def test_create_returns_only_the_id(kms: Any, cluster: ProvisionedCluster) -> None:
    response = kms.create_custom_key_store(
        CustomKeyStoreName="ks1",
        CloudHsmClusterId=cluster.cluster_id,
        TrustAnchorCertificate=cluster.trust_anchor,
        KeyStorePassword=PASSWORD,
    )
    assert set(response) == {"CustomKeyStoreId", "ResponseMetadata"}
    assert response["CustomKeyStoreId"].startswith("cks-")
    assert len(response["CustomKeyStoreId"]) == 21
    int(response["CustomKeyStoreId"][4:], 16)


def test_create_starts_disconnected(kms: Any, cluster: ProvisionedCluster) -> None:
    store_id = _create(kms, cluster)
    store = _describe(kms, store_id)
    assert store == {
        "CustomKeyStoreId": store_id,
        "CustomKeyStoreName": "ks1",
        "CloudHsmClusterId": cluster.cluster_id,
        "TrustAnchorCertificate": cluster.trust_anchor,
        "ConnectionState": "DISCONNECTED",
        "CreationDate": store["CreationDate"],
        "CustomKeyStoreType": "AWS_CLOUDHSM",
    }
    assert isinstance(store["CreationDate"], datetime)


def test_create_duplicate_name_is_rejected(
    kms: Any, cluster: ProvisionedCluster
) -> None:
    first = _create(kms, cluster)
    other = provision_cluster()
    with pytest.raises(ClientError) as info:
        _create(kms, other)
    assert _error(info) == (
        "CustomKeyStoreNameInUseException",
        f"The custom key store name 'ks1' is already used by custom key store {first}. "
        "Use a name that is unique in the account and Region.",
    )
    assert len(kms.describe_custom_key_stores()["CustomKeyStores"]) == 1


def test_create_same_name_other_region_succeeds(
    kms: Any, cluster: ProvisionedCluster
) -> None:
    import boto3

    _create(kms, cluster)
    west = provision_cluster(region_name="us-west-2")
    kms_west = boto3.client("kms", region_name="us-west-2")
    store_id = _create(kms_west, west)
    assert _describe(kms_west, store_id)["CustomKeyStoreName"] == "ks1"


def test_create_identical_retry_returns_same_id(
    kms: Any, cluster: ProvisionedCluster
) -> None:
    first = _create(kms, cluster)
    assert _create(kms, cluster) == first
    assert len(kms.describe_custom_key_stores()["CustomKeyStores"]) == 1


def test_create_unknown_cluster_is_rejected(
    kms: Any, cluster: ProvisionedCluster
) -> None:
    with pytest.raises(ClientError) as info:
        kms.create_custom_key_store(
            CustomKeyStoreName="ks1",
            CloudHsmClusterId="cluster-aaaaaaaaaaa",
            TrustAnchorCertificate=cluster.trust_anchor,
            KeyStorePassword=PASSWORD,
        )
    assert _error(info) == (
        "CloudHsmClusterNotFoundException",
        "AWS KMS cannot find the CloudHSM cluster cluster-aaaaaaaaaaa in account "
        "123456789012 in us-east-1. Check the cluster ID.",
    )


def test_create_cluster_in_other_region_is_not_found(kms: Any, aws: None) -> None:
    west = provision_cluster(region_name="us-west-2")
    with pytest.raises(ClientError) as info:
        _create(kms, west)
    assert _error(info)[0] == "CloudHsmClusterNotFoundException"


def test_create_cluster_in_use_is_rejected(
    kms: Any, cluster: ProvisionedCluster
) -> None:
    first = _create(kms, cluster)
    with pytest.raises(ClientError) as info:
        _create(kms, cluster, name="ks2")
    assert _error(info) == (
        "CloudHsmClusterInUseException",
        f"CloudHSM cluster {cluster.cluster_id} is already associated with custom "
        f"key store {first}, or shares a backup history with cluster "
        f"{cluster.cluster_id} that is. Use a different cluster.",
    )


def test_create_wrong_trust_anchor_is_rejected(
    kms: Any, cluster: ProvisionedCluster
) -> None:
    other_ca = create_certificate_authority("other CA")
    with pytest.raises(ClientError) as info:
        _create(kms, cluster, TrustAnchorCertificate=other_ca.certificate_pem)
    assert _error(info) == (
        "IncorrectTrustAnchorException",
        "The TrustAnchorCertificate is not the trust anchor certificate of CloudHSM "
        f"cluster {cluster.cluster_id}. Pass the content of the customerCA.crt file "
        "you used to initialize the cluster.",
    )
    assert kms.describe_custom_key_stores()["CustomKeyStores"] == []


def test_create_trust_anchor_with_other_line_breaks_is_accepted(
    kms: Any, cluster: ProvisionedCluster
) -> None:
    reformatted = cluster.trust_anchor.replace("\n", "\r\n")
    store_id = _create(kms, cluster, TrustAnchorCertificate=reformatted)
    assert _describe(kms, store_id)["ConnectionState"] == "DISCONNECTED"


def test_create_on_uninitialized_cluster_is_not_active(
    kms: Any, cloudhsm: Any, ec2: Any
) -> None:
    vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.1.{i}.0/24", AvailabilityZone=zone)[
            "Subnet"
        ]["SubnetId"]
        for i, zone in enumerate(("us-east-1a", "us-east-1b"))
    ]
    cluster_id = cloudhsm.create_cluster(HsmType="hsm2m.medium", SubnetIds=subnets)[
        "Cluster"
    ]["ClusterId"]
    ca = create_certificate_authority()
    with pytest.raises(ClientError) as info:
        kms.create_custom_key_store(
            CustomKeyStoreName="ks1",
            CloudHsmClusterId=cluster_id,
            TrustAnchorCertificate=ca.certificate_pem,
            KeyStorePassword=PASSWORD,
        )
    assert _error(info) == (
        "CloudHsmClusterNotActiveException",
        f"CloudHSM cluster {cluster_id} is UNINITIALIZED, not ACTIVE. Initialize and "
        "activate the cluster and try the request again.",
    )


def test_create_with_one_hsm_is_invalid_configuration(kms: Any, aws: None) -> None:
    cluster = provision_cluster(hsm_count=1)
    with pytest.raises(ClientError) as info:
        _create(kms, cluster)
    assert _error(info) == (
        "CloudHsmClusterInvalidConfigurationException",
        f"CloudHSM cluster {cluster.cluster_id} has 1 ACTIVE HSM(s) in 1 Availability "
        "Zone(s). It must contain at least two active HSMs, each in a different "
        "Availability Zone.",
    )


def test_create_with_two_hsms_in_one_zone_is_invalid(kms: Any, aws: None) -> None:
    cluster = provision_cluster(hsm_count=2, availability_zone_count=1)
    with pytest.raises(ClientError) as info:
        _create(kms, cluster)
    code, message = _error(info)
    assert code == "CloudHsmClusterInvalidConfigurationException"
    assert "at least two different Availability Zones" in message


def test_create_without_cluster_parameters_is_rejected(kms: Any, aws: None) -> None:
    with pytest.raises(ClientError) as info:
        kms.create_custom_key_store(CustomKeyStoreName="only-a-name")
    assert _error(info) == (
        "ValidationException",
        "CloudHsmClusterId is required for a custom key store of type AWS_CLOUDHSM.",
    )
    assert kms.describe_custom_key_stores()["CustomKeyStores"] == []


def test_create_quota_of_ten_stores(kms: Any, aws: None) -> None:
    clusters = [provision_cluster(hsm_count=2) for _ in range(11)]
    store_ids = [_create(kms, c, name=f"ks{i}") for i, c in enumerate(clusters[:10])]
    with pytest.raises(ClientError) as info:
        _create(kms, clusters[10], name="ks10")
    assert _error(info) == (
        "LimitExceededException",
        "Account 123456789012 already has 10 custom key stores in us-east-1, the "
        "limit of 10. Delete a custom key store and try again.",
    )
    kms.delete_custom_key_store(CustomKeyStoreId=store_ids[0])
    assert _create(kms, clusters[10], name="ks10").startswith("cks-")


# DescribeCustomKeyStores


def test_describe_without_stores_is_empty(kms: Any) -> None:
    response = kms.describe_custom_key_stores()
    assert response["CustomKeyStores"] == []
    assert response["Truncated"] is False
    assert "NextMarker" not in response


def test_describe_unknown_name_is_not_found(kms: Any) -> None:
    with pytest.raises(ClientError) as info:
        kms.describe_custom_key_stores(CustomKeyStoreName="nope")
    assert _error(info) == (
        "CustomKeyStoreNotFoundException",
        "Custom key store with name 'nope' does not exist in account 123456789012 in "
        "us-east-1.",
    )


def test_describe_unknown_id_is_not_found(kms: Any) -> None:
    with pytest.raises(ClientError) as info:
        kms.describe_custom_key_stores(CustomKeyStoreId="cks-1234567890abcdef0")
    assert _error(info) == (
        "CustomKeyStoreNotFoundException",
        "Custom key store 'cks-1234567890abcdef0' does not exist in account "
        "123456789012 in us-east-1.",
    )


def test_describe_by_name_finds_one(kms: Any, cluster: ProvisionedCluster) -> None:
    store_id = _create(kms, cluster, name="ExampleCloudHSMKeyStore")
    stores = kms.describe_custom_key_stores(
        CustomKeyStoreName="ExampleCloudHSMKeyStore"
    )
    assert [s["CustomKeyStoreId"] for s in stores["CustomKeyStores"]] == [store_id]


def test_describe_with_id_and_name_is_rejected(
    kms: Any, cluster: ProvisionedCluster
) -> None:
    store_id = _create(kms, cluster)
    with pytest.raises(ClientError) as info:
        kms.describe_custom_key_stores(
            CustomKeyStoreId=store_id, CustomKeyStoreName="ks1"
        )
    assert _error(info) == (
        "ValidationException",
        "Specify either CustomKeyStoreId or CustomKeyStoreName, not both.",
    )


def test_describe_pages_in_creation_order(kms: Any, aws: None) -> None:
    ids = [_create(kms, provision_cluster(), name=f"ks{i}") for i in range(5)]
    first = kms.describe_custom_key_stores(Limit=2)
    assert first["Truncated"] is True
    assert [s["CustomKeyStoreId"] for s in first["CustomKeyStores"]] == ids[:2]
    seen = [s["CustomKeyStoreId"] for s in first["CustomKeyStores"]]
    marker = first["NextMarker"]
    while True:
        page = kms.describe_custom_key_stores(Limit=2, Marker=marker)
        seen += [s["CustomKeyStoreId"] for s in page["CustomKeyStores"]]
        if not page["Truncated"]:
            assert "NextMarker" not in page
            break
        marker = page["NextMarker"]
    assert seen == ids
    paginator = kms.get_paginator("describe_custom_key_stores")
    result = paginator.paginate(PaginationConfig={"PageSize": 2}).build_full_result()
    assert [s["CustomKeyStoreId"] for s in result["CustomKeyStores"]] == ids


def test_describe_foreign_marker_is_rejected(kms: Any) -> None:
    with pytest.raises(ClientError) as info:
        kms.describe_custom_key_stores(Marker="garbage")
    assert _error(info) == (
        "InvalidMarkerException",
        "The marker 'garbage' is not valid. Pass the NextMarker from the previous "
        "DescribeCustomKeyStores response, or omit Marker to start from the first "
        "page.",
    )


# ConnectCustomKeyStore and DisconnectCustomKeyStore


def test_connect_reaches_connected(kms: Any, cluster: ProvisionedCluster) -> None:
    store_id = _create(kms, cluster)
    response = kms.connect_custom_key_store(CustomKeyStoreId=store_id)
    assert set(response) == {"ResponseMetadata"}
    store = _describe(kms, store_id)
    assert store["ConnectionState"] == "CONNECTED"
    assert "ConnectionErrorCode" not in store


def test_connect_rotates_kmsuser_password(
    kms: Any, cluster: ProvisionedCluster
) -> None:
    store_id = _create(kms, cluster)
    _connect(kms, store_id)
    kms.disconnect_custom_key_store(CustomKeyStoreId=store_id)
    cli = cloudhsm_cli(cluster.cluster_id)
    with pytest.raises(Exception, match="incorrect password"):
        cli.login("kmsuser", "crypto-user", cluster.kmsuser_password)
    # KMS remembers the rotated password, so a reconnect works without an update.
    assert _connect(kms, store_id)["ConnectionState"] == "CONNECTED"


def test_connect_is_noop_when_connected(kms: Any, cluster: ProvisionedCluster) -> None:
    store_id = _create(kms, cluster)
    _connect(kms, store_id)
    assert _connect(kms, store_id)["ConnectionState"] == "CONNECTED"


def test_connect_wrong_password_fails_invalid_credentials(
    kms: Any, cluster: ProvisionedCluster
) -> None:
    store_id = _create(kms, cluster, KeyStorePassword="wrongPassword1")
    store = _connect(kms, store_id)
    assert store["ConnectionState"] == "FAILED"
    assert store["ConnectionErrorCode"] == "INVALID_CREDENTIALS"


def test_connect_failed_store_is_rejected(
    kms: Any, cluster: ProvisionedCluster
) -> None:
    store_id = _create(kms, cluster, KeyStorePassword="wrongPassword1")
    _connect(kms, store_id)
    with pytest.raises(ClientError) as info:
        kms.connect_custom_key_store(CustomKeyStoreId=store_id)
    assert _error(info) == (
        "CustomKeyStoreInvalidStateException",
        f"Custom key store {store_id} is FAILED. A FAILED custom key store cannot be "
        "connected; disconnect it with DisconnectCustomKeyStore, fix the cause and "
        "connect again.",
    )


def test_failed_store_recovers_after_update(
    kms: Any, cluster: ProvisionedCluster
) -> None:
    store_id = _create(kms, cluster, KeyStorePassword="wrongPassword1")
    _connect(kms, store_id)
    kms.disconnect_custom_key_store(CustomKeyStoreId=store_id)
    store = _describe(kms, store_id)
    assert store["ConnectionState"] == "DISCONNECTED"
    assert "ConnectionErrorCode" not in store
    kms.update_custom_key_store(
        CustomKeyStoreId=store_id, KeyStorePassword=cluster.kmsuser_password
    )
    assert _connect(kms, store_id)["ConnectionState"] == "CONNECTED"


def test_connect_without_kmsuser_fails_user_not_found(kms: Any, aws: None) -> None:
    cluster = provision_cluster(kmsuser_password=None)
    store_id = _create(kms, cluster, KeyStorePassword=PASSWORD)
    store = _connect(kms, store_id)
    assert (store["ConnectionState"], store["ConnectionErrorCode"]) == (
        "FAILED",
        "USER_NOT_FOUND",
    )


def test_connect_five_failures_lock_kmsuser(
    kms: Any, cluster: ProvisionedCluster
) -> None:
    store_id = _create(kms, cluster, KeyStorePassword="wrongPassword1")
    codes = []
    for _ in range(6):
        codes.append(_connect(kms, store_id)["ConnectionErrorCode"])
        kms.disconnect_custom_key_store(CustomKeyStoreId=store_id)
    assert codes == ["INVALID_CREDENTIALS"] * 5 + ["USER_LOCKED_OUT"]
    kms.update_custom_key_store(
        CustomKeyStoreId=store_id, KeyStorePassword=cluster.kmsuser_password
    )
    assert _connect(kms, store_id)["ConnectionErrorCode"] == "USER_LOCKED_OUT"
    kms.disconnect_custom_key_store(CustomKeyStoreId=store_id)
    cli = cloudhsm_cli(cluster.cluster_id)
    cli.login("admin", "admin", cluster.admin_password)
    cli.user_change_password("kmsuser", "crypto-user", "newPassword7")
    cli.logout()
    kms.update_custom_key_store(
        CustomKeyStoreId=store_id, KeyStorePassword="newPassword7"
    )
    assert _connect(kms, store_id)["ConnectionState"] == "CONNECTED"


def test_connect_while_kmsuser_logged_in_fails(
    kms: Any, cluster: ProvisionedCluster
) -> None:
    store_id = _create(kms, cluster)
    cli = cloudhsm_cli(cluster.cluster_id)
    cli.login("kmsuser", "crypto-user", cluster.kmsuser_password)
    assert _connect(kms, store_id)["ConnectionErrorCode"] == "USER_LOGGED_IN"
    kms.disconnect_custom_key_store(CustomKeyStoreId=store_id)
    cli.logout()
    assert _connect(kms, store_id)["ConnectionState"] == "CONNECTED"


def test_connect_deleted_cluster_fails_not_found(
    kms: Any, cloudhsm: Any, cluster: ProvisionedCluster
) -> None:
    store_id = _create(kms, cluster)
    for hsm_id in cluster.hsm_ids:
        cloudhsm.delete_hsm(ClusterId=cluster.cluster_id, HsmId=hsm_id)
    cloudhsm.delete_cluster(ClusterId=cluster.cluster_id)
    store = _connect(kms, store_id)
    assert (store["ConnectionState"], store["ConnectionErrorCode"]) == (
        "FAILED",
        "CLUSTER_NOT_FOUND",
    )


def test_connect_without_active_hsm_is_rejected(
    kms: Any, cloudhsm: Any, cluster: ProvisionedCluster
) -> None:
    store_id = _create(kms, cluster)
    for hsm_id in cluster.hsm_ids:
        cloudhsm.delete_hsm(ClusterId=cluster.cluster_id, HsmId=hsm_id)
    with pytest.raises(ClientError) as info:
        kms.connect_custom_key_store(CustomKeyStoreId=store_id)
    assert _error(info) == (
        "CloudHsmClusterInvalidConfigurationException",
        f"CloudHSM cluster {cluster.cluster_id} has no ACTIVE HSM. To connect a "
        "custom key store, the cluster must contain at least one active HSM.",
    )
    assert _describe(kms, store_id)["ConnectionState"] == "DISCONNECTED"


def test_connect_with_one_hsm_succeeds(
    kms: Any, cloudhsm: Any, cluster: ProvisionedCluster
) -> None:
    store_id = _create(kms, cluster)
    cloudhsm.delete_hsm(ClusterId=cluster.cluster_id, HsmId=cluster.hsm_ids[0])
    assert _connect(kms, store_id)["ConnectionState"] == "CONNECTED"


def test_connect_creates_kms_network_resources(
    kms: Any, ec2: Any, cluster: ProvisionedCluster
) -> None:
    store_id = _create(kms, cluster)
    _connect(kms, store_id)
    groups = ec2.describe_security_groups(
        Filters=[{"Name": "group-name", "Values": [f"kms-{store_id}"]}]
    )["SecurityGroups"]
    assert len(groups) == 1
    description = f"KMS managed ENI for cluster {cluster.cluster_id}"
    enis = ec2.describe_network_interfaces(
        Filters=[{"Name": "description", "Values": [description]}]
    )["NetworkInterfaces"]
    assert sorted(eni["SubnetId"] for eni in enis) == sorted(cluster.subnet_ids)
    kms.disconnect_custom_key_store(CustomKeyStoreId=store_id)
    assert (
        ec2.describe_security_groups(
            Filters=[{"Name": "group-name", "Values": [f"kms-{store_id}"]}]
        )["SecurityGroups"]
        == []
    )
    assert (
        ec2.describe_network_interfaces(
            Filters=[{"Name": "description", "Values": [description]}]
        )["NetworkInterfaces"]
        == []
    )


def test_disconnect_new_store_is_rejected(
    kms: Any, cluster: ProvisionedCluster
) -> None:
    store_id = _create(kms, cluster)
    with pytest.raises(ClientError) as info:
        kms.disconnect_custom_key_store(CustomKeyStoreId=store_id)
    assert _error(info) == (
        "CustomKeyStoreInvalidStateException",
        f"Custom key store {store_id} is already DISCONNECTED.",
    )


def test_disconnect_unknown_store_is_not_found(kms: Any) -> None:
    with pytest.raises(ClientError) as info:
        kms.disconnect_custom_key_store(CustomKeyStoreId="cks-00000000000000000")
    assert _error(info)[0] == "CustomKeyStoreNotFoundException"


# UpdateCustomKeyStore


def test_update_name_while_connected(kms: Any, cluster: ProvisionedCluster) -> None:
    store_id = _create(kms, cluster)
    _connect(kms, store_id)
    kms.update_custom_key_store(
        CustomKeyStoreId=store_id, NewCustomKeyStoreName="renamed"
    )
    store = _describe(kms, store_id)
    assert store["CustomKeyStoreName"] == "renamed"
    assert store["ConnectionState"] == "CONNECTED"


@pytest.mark.parametrize(
    "change",
    [
        {"KeyStorePassword": PASSWORD},
        {"CloudHsmClusterId": "same"},
        {"NewCustomKeyStoreName": "r2", "CloudHsmClusterId": "same"},
    ],
)
def test_update_while_connected_is_rejected(
    kms: Any, cluster: ProvisionedCluster, change: dict[str, str]
) -> None:
    store_id = _create(kms, cluster)
    _connect(kms, store_id)
    if change.get("CloudHsmClusterId") == "same":
        change = {**change, "CloudHsmClusterId": cluster.cluster_id}
    with pytest.raises(ClientError) as info:
        kms.update_custom_key_store(CustomKeyStoreId=store_id, **change)
    assert _error(info) == (
        "CustomKeyStoreInvalidStateException",
        f"Custom key store {store_id} is CONNECTED. To change its KeyStorePassword or "
        "CloudHsmClusterId, disconnect it first; while it is CONNECTED you can change "
        "only its name.",
    )
    assert _describe(kms, store_id)["CustomKeyStoreName"] == "ks1"


def test_update_to_unrelated_cluster_is_rejected(
    kms: Any, cluster: ProvisionedCluster
) -> None:
    store_id = _create(kms, cluster)
    other = provision_cluster()
    with pytest.raises(ClientError) as info:
        kms.update_custom_key_store(
            CustomKeyStoreId=store_id, CloudHsmClusterId=other.cluster_id
        )
    assert _error(info)[0] == "CloudHsmClusterNotRelatedException"
    assert _describe(kms, store_id)["CloudHsmClusterId"] == cluster.cluster_id


def test_update_name_in_use_is_rejected(kms: Any, cluster: ProvisionedCluster) -> None:
    _create(kms, cluster, name="first")
    second = _create(kms, provision_cluster(), name="second")
    with pytest.raises(ClientError) as info:
        kms.update_custom_key_store(
            CustomKeyStoreId=second, NewCustomKeyStoreName="first"
        )
    assert _error(info)[0] == "CustomKeyStoreNameInUseException"


def test_update_unknown_cluster_is_not_found(
    kms: Any, cluster: ProvisionedCluster
) -> None:
    store_id = _create(kms, cluster)
    with pytest.raises(ClientError) as info:
        kms.update_custom_key_store(
            CustomKeyStoreId=store_id, CloudHsmClusterId="cluster-bbbbbbbbbbb"
        )
    assert _error(info)[0] == "CloudHsmClusterNotFoundException"


# DeleteCustomKeyStore


def test_delete_connected_store_is_rejected(
    kms: Any, cluster: ProvisionedCluster
) -> None:
    store_id = _create(kms, cluster)
    _connect(kms, store_id)
    with pytest.raises(ClientError) as info:
        kms.delete_custom_key_store(CustomKeyStoreId=store_id)
    assert _error(info) == (
        "CustomKeyStoreInvalidStateException",
        f"Custom key store {store_id} is CONNECTED. Disconnect it with "
        "DisconnectCustomKeyStore before you delete it.",
    )
    assert _describe(kms, store_id)["ConnectionState"] == "CONNECTED"


def test_delete_failed_store_is_rejected(kms: Any, cluster: ProvisionedCluster) -> None:
    store_id = _create(kms, cluster, KeyStorePassword="wrongPassword1")
    _connect(kms, store_id)
    with pytest.raises(ClientError) as info:
        kms.delete_custom_key_store(CustomKeyStoreId=store_id)
    assert _error(info)[0] == "CustomKeyStoreInvalidStateException"


def test_delete_disconnected_store(kms: Any, cluster: ProvisionedCluster) -> None:
    store_id = _create(kms, cluster)
    _connect(kms, store_id)
    kms.disconnect_custom_key_store(CustomKeyStoreId=store_id)
    response = kms.delete_custom_key_store(CustomKeyStoreId=store_id)
    assert set(response) == {"ResponseMetadata"}
    with pytest.raises(ClientError) as info:
        kms.describe_custom_key_stores(CustomKeyStoreId=store_id)
    assert _error(info)[0] == "CustomKeyStoreNotFoundException"
    # The cluster keeps its users: the store's kmsuser is still there.
    usernames = [u["username"] for u in cloudhsm_cli(cluster.cluster_id).user_list()]
    assert "kmsuser" in usernames


def test_responses_never_contain_password(
    kms: Any, cluster: ProvisionedCluster
) -> None:
    store_id = _create(kms, cluster)
    _connect(kms, store_id)
    body = str(kms.describe_custom_key_stores())
    assert cluster.kmsuser_password not in body
    assert "KeyStorePassword" not in body


def test_kmsuser_login_blocked_while_connected(
    kms: Any, cluster: ProvisionedCluster
) -> None:
    from moto_cloudhsm_ks import CloudHsmCliError

    store_id = _create(kms, cluster)
    _connect(kms, store_id)
    cli = cloudhsm_cli(cluster.cluster_id)
    with pytest.raises(CloudHsmCliError) as info:
        cli.login("kmsuser", "crypto-user", cluster.kmsuser_password)
    assert str(info.value) == (
        "User 'kmsuser' is logged in by AWS KMS for a connected custom key store. "
        "Disconnect the key store before you log in as this user."
    )
    cli.login("admin", "admin", cluster.admin_password)
    with pytest.raises(CloudHsmCliError) as info:
        cli.user_change_password("kmsuser", "crypto-user", "newPassword7")
    assert "is logged in to the cluster in another session" in str(info.value)
    with pytest.raises(CloudHsmCliError) as info:
        cli.user_delete("kmsuser", "crypto-user")
    assert "is logged in to the cluster" in str(info.value)
