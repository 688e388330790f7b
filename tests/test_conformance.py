"""Every response the mock builds fits botocore's model of its operation.

A scenario drives each operation the plugin answers, with successes and failures.
An `after-call` hook checks each parsed response against the operation's output
shape, and each error code against the operation's modelled errors.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.validate import ParamValidator

from moto_cloudhsm_ks import cloudhsm_cli, mock_kms
from moto_cloudhsm_ks.certificates import default_certificate_authority

# Errors AWS returns for every JSON operation without listing them in the model.
COMMON_ERRORS = {"ValidationException", "SerializationException"}

KMS_OPERATIONS = {
    "CreateCustomKeyStore",
    "DescribeCustomKeyStores",
    "ConnectCustomKeyStore",
    "DisconnectCustomKeyStore",
    "UpdateCustomKeyStore",
    "DeleteCustomKeyStore",
}
CLOUDHSM_OPERATIONS = {
    "CreateCluster",
    "DescribeClusters",
    "DeleteCluster",
    "CreateHsm",
    "DeleteHsm",
    "InitializeCluster",
    "ModifyCluster",
    "DescribeBackups",
    "DeleteBackup",
    "RestoreBackup",
    "ModifyBackupAttributes",
    "CopyBackupToRegion",
    "PutResourcePolicy",
    "GetResourcePolicy",
    "DeleteResourcePolicy",
    "TagResource",
    "UntagResource",
    "ListTags",
}


class ResponseChecker:
    """Collects model violations of every response seen by registered clients."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.succeeded: set[str] = set()
        self.failed: set[str] = set()

    def watch(self, client: Any) -> Any:
        client.meta.events.register("after-call", self._check)
        return client

    def _check(self, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        if "Error" in parsed:
            self._check_error(parsed["Error"].get("Code", ""), model)
            return
        self.succeeded.add(model.name)
        body = {
            key: value for key, value in parsed.items() if key != "ResponseMetadata"
        }
        if model.output_shape is None:
            if body:
                self.problems.append(f"{model.name}: unexpected output {sorted(body)}")
            return
        report = ParamValidator().validate(body, model.output_shape)
        if report.has_errors():
            self.problems.append(f"{model.name}: {report.generate_report()}")

    def _check_error(self, code: str, model: Any) -> None:
        self.failed.add(model.name)
        modelled = {shape.name for shape in model.error_shapes}
        if code not in modelled | COMMON_ERRORS:
            self.problems.append(f"{model.name}: error {code} is not modelled")


@pytest.fixture
def checker() -> Iterator[ResponseChecker]:
    with mock_kms():
        yield ResponseChecker()


def _expect_error(call: Any, **params: Any) -> str:
    with pytest.raises(ClientError) as info:
        call(**params)
    return str(info.value.response["Error"]["Code"])


def _network(ec2: Any) -> list[str]:
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    return [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=z)[
            "Subnet"
        ]["SubnetId"]
        for i, z in enumerate(("us-east-1a", "us-east-1b"))
    ]


def _cluster_lifecycle(hsm: Any, subnets: list[str]) -> tuple[str, list[str]]:
    _expect_error(hsm.create_cluster, HsmType="hsm1.medium", SubnetIds=subnets)
    cluster_id = hsm.create_cluster(HsmType="hsm2m.medium", SubnetIds=subnets)[
        "Cluster"
    ]["ClusterId"]
    _expect_error(hsm.create_hsm, ClusterId="cluster-aaaaaaaaaaa", AvailabilityZone="x")
    first = hsm.create_hsm(ClusterId=cluster_id, AvailabilityZone="us-east-1a")
    csr = hsm.describe_clusters()["Clusters"][0]["Certificates"]["ClusterCsr"]
    authority = default_certificate_authority()
    _expect_error(
        hsm.initialize_cluster,
        ClusterId=cluster_id,
        SignedCert=authority.certificate_pem,
        TrustAnchor=authority.certificate_pem,
    )
    hsm.initialize_cluster(
        ClusterId=cluster_id,
        SignedCert=authority.sign_csr(csr),
        TrustAnchor=authority.certificate_pem,
    )
    cli = cloudhsm_cli(cluster_id)
    cli.cluster_activate("adminPswd1")
    second = hsm.create_hsm(ClusterId=cluster_id, AvailabilityZone="us-east-1b")
    cli.login("admin", "admin", "adminPswd1")
    cli.user_create("kmsuser", "crypto-user", "kmsPswd123")
    cli.logout()
    return cluster_id, [first["Hsm"]["HsmId"], second["Hsm"]["HsmId"]]


def _backups(hsm: Any, cluster_id: str) -> None:
    backup = hsm.describe_backups(SortAscending=True)["Backups"][0]
    hsm.modify_backup_attributes(BackupId=backup["BackupId"], NeverExpires=True)
    hsm.put_resource_policy(ResourceArn=backup["BackupArn"], Policy="{}")
    hsm.get_resource_policy(ResourceArn=backup["BackupArn"])
    hsm.delete_resource_policy(ResourceArn=backup["BackupArn"])
    _expect_error(hsm.get_resource_policy, ResourceArn="arn:aws:cloudhsm:x")
    hsm.copy_backup_to_region(
        DestinationRegion="us-west-2", BackupId=backup["BackupId"]
    )
    hsm.delete_backup(BackupId=backup["BackupId"])
    _expect_error(hsm.delete_backup, BackupId=backup["BackupId"])
    hsm.restore_backup(BackupId=backup["BackupId"])
    _expect_error(hsm.restore_backup, BackupId=backup["BackupId"])
    hsm.modify_cluster(
        ClusterId=cluster_id, BackupRetentionPolicy={"Type": "DAYS", "Value": "30"}
    )
    _expect_error(
        hsm.modify_cluster,
        ClusterId=cluster_id,
        BackupRetentionPolicy={"Type": "DAYS", "Value": "1"},
    )
    hsm.tag_resource(ResourceId=cluster_id, TagList=[{"Key": "k", "Value": "v"}])
    hsm.list_tags(ResourceId=cluster_id)
    hsm.untag_resource(ResourceId=cluster_id, TagKeyList=["k"])
    _expect_error(hsm.list_tags, ResourceId="cluster-aaaaaaaaaaa")
    _expect_error(
        hsm.tag_resource,
        ResourceId="cluster-aaaaaaaaaaa",
        TagList=[{"Key": "k", "Value": "v"}],
    )
    _expect_error(hsm.untag_resource, ResourceId="backup-aaaaaaaaaaa", TagKeyList=["k"])
    _expect_error(hsm.describe_clusters, NextToken="nope")
    _expect_error(hsm.describe_backups, NextToken="nope")
    _expect_error(
        hsm.copy_backup_to_region,
        DestinationRegion="us-east-1",
        BackupId=backup["BackupId"],
    )
    _expect_error(
        hsm.modify_backup_attributes, BackupId="backup-aaaaaaaaaaa", NeverExpires=True
    )
    _expect_error(
        hsm.put_resource_policy, ResourceArn="arn:aws:cloudhsm:x", Policy="{}"
    )
    _expect_error(hsm.delete_resource_policy, ResourceArn="arn:aws:cloudhsm:x")


def _key_store_lifecycle(kms: Any, cluster_id: str) -> str:
    authority = default_certificate_authority()
    create = {
        "CloudHsmClusterId": cluster_id,
        "TrustAnchorCertificate": authority.certificate_pem,
        "KeyStorePassword": "kmsPswd123",
    }
    _expect_error(kms.create_custom_key_store, CustomKeyStoreName="x")
    store_id = kms.create_custom_key_store(CustomKeyStoreName="ks", **create)[
        "CustomKeyStoreId"
    ]
    _expect_error(kms.create_custom_key_store, CustomKeyStoreName="ks2", **create)
    _expect_error(kms.disconnect_custom_key_store, CustomKeyStoreId=store_id)
    kms.connect_custom_key_store(CustomKeyStoreId=store_id)
    kms.describe_custom_key_stores()
    kms.describe_custom_key_stores(Limit=1)
    _expect_error(kms.describe_custom_key_stores, Marker="nope")
    _expect_error(kms.delete_custom_key_store, CustomKeyStoreId=store_id)
    kms.update_custom_key_store(CustomKeyStoreId=store_id, NewCustomKeyStoreName="r")
    _expect_error(
        kms.update_custom_key_store,
        CustomKeyStoreId=store_id,
        KeyStorePassword="pw12345",
    )
    kms.disconnect_custom_key_store(CustomKeyStoreId=store_id)
    kms.update_custom_key_store(CustomKeyStoreId=store_id, KeyStorePassword="wrong12")
    kms.connect_custom_key_store(CustomKeyStoreId=store_id)
    _expect_error(kms.connect_custom_key_store, CustomKeyStoreId=store_id)
    kms.describe_custom_key_stores(CustomKeyStoreId=store_id)
    kms.disconnect_custom_key_store(CustomKeyStoreId=store_id)
    return str(store_id)


def test_every_response_fits_the_model(checker: ResponseChecker) -> None:
    kms = checker.watch(boto3.client("kms", region_name="us-east-1"))
    hsm = checker.watch(boto3.client("cloudhsmv2", region_name="us-east-1"))
    ec2 = boto3.client("ec2", region_name="us-east-1")

    cluster_id, hsm_ids = _cluster_lifecycle(hsm, _network(ec2))
    _backups(hsm, cluster_id)
    store_id = _key_store_lifecycle(kms, cluster_id)
    kms.delete_custom_key_store(CustomKeyStoreId=store_id)
    _expect_error(kms.describe_custom_key_stores, CustomKeyStoreId=store_id)
    _expect_error(kms.connect_custom_key_store, CustomKeyStoreId=store_id)
    _expect_error(kms.update_custom_key_store, CustomKeyStoreId=store_id)
    _expect_error(kms.delete_custom_key_store, CustomKeyStoreId=store_id)
    _expect_error(hsm.delete_cluster, ClusterId=cluster_id)
    _expect_error(hsm.delete_hsm, ClusterId=cluster_id, HsmId="hsm-aaaaaaaaaaa")
    for hsm_id in hsm_ids:
        hsm.delete_hsm(ClusterId=cluster_id, HsmId=hsm_id)
    hsm.delete_cluster(ClusterId=cluster_id)

    assert checker.problems == []
    assert checker.succeeded >= KMS_OPERATIONS
    assert checker.failed >= KMS_OPERATIONS
    assert checker.succeeded >= CLOUDHSM_OPERATIONS
    assert checker.failed >= CLOUDHSM_OPERATIONS
