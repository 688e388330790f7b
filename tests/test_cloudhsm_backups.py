"""cloudhsmv2 backups, restores from backup and related clusters in KMS."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from moto_cloudhsm_ks import cloudhsm_cli
from moto_cloudhsm_ks.provisioning import ProvisionedCluster, provision_cluster


def _error(info: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = info.value.response["Error"]
    return error["Code"], error["Message"]


@pytest.fixture
def cluster(aws: None) -> ProvisionedCluster:
    return provision_cluster()


def _latest_backup(cloudhsm: Any, cluster_id: str) -> dict[str, Any]:
    backups = cloudhsm.describe_backups(Filters={"clusterIds": [cluster_id]})["Backups"]
    return dict(backups[0])


def _restore(cloudhsm: Any, ec2: Any, backup_id: str, zones: int = 2) -> str:
    """Create a cluster from a backup in new subnets and give it HSMs in each AZ."""
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    names = ["us-east-1a", "us-east-1b", "us-east-1c"][:zones]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{i}.0/24", AvailabilityZone=z)[
            "Subnet"
        ]["SubnetId"]
        for i, z in enumerate(names)
    ]
    cluster = cloudhsm.create_cluster(
        HsmType="hsm2m.medium", SubnetIds=subnets, SourceBackupId=backup_id
    )["Cluster"]
    for zone in names:
        cloudhsm.create_hsm(ClusterId=cluster["ClusterId"], AvailabilityZone=zone)
    return str(cluster["ClusterId"])


def test_hsm_changes_take_backups(cloudhsm: Any, cluster: ProvisionedCluster) -> None:
    # One backup when the second HSM was added, one daily backup at the end.
    backups = cloudhsm.describe_backups(Filters={"clusterIds": [cluster.cluster_id]})
    assert len(backups["Backups"]) == 2
    backup = backups["Backups"][0]
    assert backup["BackupState"] == "READY"
    assert backup["BackupId"].startswith("backup-")
    assert backup["BackupArn"] == (
        f"arn:aws:cloudhsm:us-east-1:123456789012:backup/{backup['BackupId']}"
    )
    cloudhsm.delete_hsm(ClusterId=cluster.cluster_id, HsmId=cluster.hsm_ids[1])
    backups = cloudhsm.describe_backups(Filters={"clusterIds": [cluster.cluster_id]})
    assert len(backups["Backups"]) == 3


def test_restored_cluster_is_active_with_certificate(
    cloudhsm: Any, ec2: Any, cluster: ProvisionedCluster
) -> None:
    source = cloudhsm.describe_clusters(Filters={"clusterIds": [cluster.cluster_id]})[
        "Clusters"
    ][0]
    backup_id = _latest_backup(cloudhsm, cluster.cluster_id)["BackupId"]
    restored_id = _restore(cloudhsm, ec2, backup_id)
    restored = cloudhsm.describe_clusters(Filters={"clusterIds": [restored_id]})[
        "Clusters"
    ][0]
    assert restored["State"] == "ACTIVE"
    assert restored["SourceBackupId"] == backup_id
    assert (
        restored["Certificates"]["ClusterCertificate"]
        == source["Certificates"]["ClusterCertificate"]
    )
    users = {user["username"] for user in cloudhsm_cli(restored_id).user_list()}
    assert users == {"admin", "kmsuser"}


def test_update_store_to_restored_cluster(
    kms: Any, cloudhsm: Any, ec2: Any, cluster: ProvisionedCluster
) -> None:
    store_id = kms.create_custom_key_store(
        CustomKeyStoreName="ks",
        CloudHsmClusterId=cluster.cluster_id,
        TrustAnchorCertificate=cluster.trust_anchor,
        KeyStorePassword=cluster.kmsuser_password,
    )["CustomKeyStoreId"]
    backup_id = _latest_backup(cloudhsm, cluster.cluster_id)["BackupId"]
    restored_id = _restore(cloudhsm, ec2, backup_id)
    kms.update_custom_key_store(
        CustomKeyStoreId=store_id, CloudHsmClusterId=restored_id
    )
    kms.connect_custom_key_store(CustomKeyStoreId=store_id)
    store = kms.describe_custom_key_stores(CustomKeyStoreId=store_id)[
        "CustomKeyStores"
    ][0]
    assert store["CloudHsmClusterId"] == restored_id
    assert store["TrustAnchorCertificate"] == cluster.trust_anchor
    assert store["ConnectionState"] == "CONNECTED"


def test_update_to_restored_cluster_with_one_hsm_rejected(
    kms: Any, cloudhsm: Any, ec2: Any, cluster: ProvisionedCluster
) -> None:
    store_id = kms.create_custom_key_store(
        CustomKeyStoreName="ks",
        CloudHsmClusterId=cluster.cluster_id,
        TrustAnchorCertificate=cluster.trust_anchor,
        KeyStorePassword=cluster.kmsuser_password,
    )["CustomKeyStoreId"]
    backup_id = _latest_backup(cloudhsm, cluster.cluster_id)["BackupId"]
    restored_id = _restore(cloudhsm, ec2, backup_id, zones=1)
    with pytest.raises(ClientError) as info:
        kms.update_custom_key_store(
            CustomKeyStoreId=store_id, CloudHsmClusterId=restored_id
        )
    assert _error(info)[0] == "CloudHsmClusterInvalidConfigurationException"


def test_restored_cluster_is_in_use_for_create(
    kms: Any, cloudhsm: Any, ec2: Any, cluster: ProvisionedCluster
) -> None:
    store_id = kms.create_custom_key_store(
        CustomKeyStoreName="ks",
        CloudHsmClusterId=cluster.cluster_id,
        TrustAnchorCertificate=cluster.trust_anchor,
        KeyStorePassword=cluster.kmsuser_password,
    )["CustomKeyStoreId"]
    backup_id = _latest_backup(cloudhsm, cluster.cluster_id)["BackupId"]
    restored_id = _restore(cloudhsm, ec2, backup_id)
    with pytest.raises(ClientError) as info:
        kms.create_custom_key_store(
            CustomKeyStoreName="ks2",
            CloudHsmClusterId=restored_id,
            TrustAnchorCertificate=cluster.trust_anchor,
            KeyStorePassword=cluster.kmsuser_password,
        )
    assert _error(info) == (
        "CloudHsmClusterInUseException",
        f"CloudHSM cluster {restored_id} is already associated with custom key store "
        f"{store_id}, or shares a backup history with cluster {cluster.cluster_id} "
        "that is. Use a different cluster.",
    )


def test_stale_backup_has_old_kmsuser_password(
    kms: Any, cloudhsm: Any, ec2: Any, cluster: ProvisionedCluster
) -> None:
    store_id = kms.create_custom_key_store(
        CustomKeyStoreName="ks",
        CloudHsmClusterId=cluster.cluster_id,
        TrustAnchorCertificate=cluster.trust_anchor,
        KeyStorePassword=cluster.kmsuser_password,
    )["CustomKeyStoreId"]
    backup_id = _latest_backup(cloudhsm, cluster.cluster_id)["BackupId"]
    # Connecting rotates the kmsuser password after the backup was taken.
    kms.connect_custom_key_store(CustomKeyStoreId=store_id)
    kms.disconnect_custom_key_store(CustomKeyStoreId=store_id)
    restored_id = _restore(cloudhsm, ec2, backup_id)
    kms.update_custom_key_store(
        CustomKeyStoreId=store_id, CloudHsmClusterId=restored_id
    )
    kms.connect_custom_key_store(CustomKeyStoreId=store_id)
    store = kms.describe_custom_key_stores(CustomKeyStoreId=store_id)[
        "CustomKeyStores"
    ][0]
    assert store["ConnectionState"] == "FAILED"
    assert store["ConnectionErrorCode"] == "INVALID_CREDENTIALS"


def test_backup_copied_to_other_region_is_not_related(
    kms: Any, cloudhsm: Any, cluster: ProvisionedCluster
) -> None:
    backup_id = _latest_backup(cloudhsm, cluster.cluster_id)["BackupId"]
    copy = cloudhsm.copy_backup_to_region(
        DestinationRegion="us-west-2", BackupId=backup_id
    )
    assert copy["DestinationBackup"]["SourceBackup"] == backup_id
    assert copy["DestinationBackup"]["SourceRegion"] == "us-east-1"
    west = boto3.client("cloudhsmv2", region_name="us-west-2")
    copies = west.describe_backups()["Backups"]
    assert [b["SourceBackup"] for b in copies] == [backup_id]


def test_delete_and_restore_backup(cloudhsm: Any, cluster: ProvisionedCluster) -> None:
    backup_id = _latest_backup(cloudhsm, cluster.cluster_id)["BackupId"]
    deleted = cloudhsm.delete_backup(BackupId=backup_id)["Backup"]
    assert deleted["BackupState"] == "PENDING_DELETION"
    assert "DeleteTimestamp" in deleted
    with pytest.raises(ClientError) as info:
        cloudhsm.create_cluster(
            HsmType="hsm2m.medium",
            SubnetIds=cluster.subnet_ids,
            SourceBackupId=backup_id,
        )
    assert _error(info) == (
        "CloudHsmInvalidRequestException",
        f"Backup '{backup_id}' is PENDING_DELETION. A cluster can be created only from "
        "a READY backup; restore the backup first.",
    )
    restored = cloudhsm.restore_backup(BackupId=backup_id)["Backup"]
    assert restored["BackupState"] == "READY"
    assert "DeleteTimestamp" not in restored


def test_unknown_backup_is_not_found(cloudhsm: Any) -> None:
    with pytest.raises(ClientError) as info:
        cloudhsm.delete_backup(BackupId="backup-aaaaaaaaaaa")
    assert _error(info) == (
        "CloudHsmResourceNotFoundException",
        "Backup 'backup-aaaaaaaaaaa' does not exist in us-east-1.",
    )


def test_modify_backup_attributes(cloudhsm: Any, cluster: ProvisionedCluster) -> None:
    backup_id = _latest_backup(cloudhsm, cluster.cluster_id)["BackupId"]
    backup = cloudhsm.modify_backup_attributes(BackupId=backup_id, NeverExpires=True)
    assert backup["Backup"]["NeverExpires"] is True
    found = cloudhsm.describe_backups(Filters={"neverExpires": ["true"]})["Backups"]
    assert [b["BackupId"] for b in found] == [backup_id]


def test_modify_cluster_retention(cloudhsm: Any, cluster: ProvisionedCluster) -> None:
    policy = {"Type": "DAYS", "Value": "30"}
    response = cloudhsm.modify_cluster(
        ClusterId=cluster.cluster_id, BackupRetentionPolicy=policy
    )
    assert response["Cluster"]["BackupRetentionPolicy"] == policy
    with pytest.raises(ClientError) as info:
        cloudhsm.modify_cluster(
            ClusterId=cluster.cluster_id,
            BackupRetentionPolicy={"Type": "DAYS", "Value": "3"},
        )
    assert _error(info) == (
        "CloudHsmInvalidRequestException",
        "BackupRetentionPolicy Type 'DAYS' and Value '3' are not valid. Use Type DAYS "
        "and a Value from 7 to 379.",
    )


def test_backup_resource_policy(cloudhsm: Any, cluster: ProvisionedCluster) -> None:
    backup = _latest_backup(cloudhsm, cluster.cluster_id)
    policy = '{"Version":"2012-10-17","Statement":[]}'
    put = cloudhsm.put_resource_policy(ResourceArn=backup["BackupArn"], Policy=policy)
    assert put["Policy"] == policy
    assert (
        cloudhsm.get_resource_policy(ResourceArn=backup["BackupArn"])["Policy"]
        == policy
    )
    cloudhsm.delete_resource_policy(ResourceArn=backup["BackupArn"])
    assert "Policy" not in cloudhsm.get_resource_policy(ResourceArn=backup["BackupArn"])


def test_backup_tags(cloudhsm: Any, cluster: ProvisionedCluster) -> None:
    backup_id = _latest_backup(cloudhsm, cluster.cluster_id)["BackupId"]
    cloudhsm.tag_resource(ResourceId=backup_id, TagList=[{"Key": "k", "Value": "v"}])
    assert cloudhsm.list_tags(ResourceId=backup_id)["TagList"] == [
        {"Key": "k", "Value": "v"}
    ]
