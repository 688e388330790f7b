"""Replay the AWS page "Viewing an AWS CloudHSM key store" against the mock.

Builds everything the page assumes (VPC, cluster, HSMs, certificates, kmsuser),
then prints what `aws kms describe-custom-key-stores` prints for a CONNECTED
store and for a FAILED one whose kmsuser password is wrong.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, TextIO

import boto3

from .certificates import create_certificate_authority
from .cli import cloudhsm_cli
from .mock import mock_kms

REGION = "us-east-1"
STORE_NAME = "ExampleCloudHSMKeyStore"
KMSUSER_PASSWORD = "kmsPswd123"
ADMIN_PASSWORD = "adminPswd123"


def _cli_json(value: Any) -> str:
    """Format a response as the AWS CLI does: sorted keys, ISO 8601 timestamps."""

    def default(item: Any) -> str:
        if isinstance(item, datetime):
            return item.isoformat()
        raise TypeError(f"cannot format {type(item).__name__}")

    return json.dumps(value, indent=4, sort_keys=True, default=default)


def _strip_metadata(response: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in response.items() if key != "ResponseMetadata"}


def _build_cluster(out: TextIO) -> tuple[str, str]:
    ec2 = boto3.client("ec2", region_name=REGION)
    hsm = boto3.client("cloudhsmv2", region_name=REGION)
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet_ids = [
        ec2.create_subnet(
            VpcId=vpc_id, CidrBlock=f"10.0.{index}.0/24", AvailabilityZone=zone
        )["Subnet"]["SubnetId"]
        for index, zone in enumerate(("us-east-1a", "us-east-1b"))
    ]
    out.write(f"# VPC {vpc_id} with subnets {', '.join(subnet_ids)}\n")
    cluster_id = hsm.create_cluster(HsmType="hsm2m.medium", SubnetIds=subnet_ids)[
        "Cluster"
    ]["ClusterId"]
    hsm.create_hsm(ClusterId=cluster_id, AvailabilityZone="us-east-1a")
    csr = hsm.describe_clusters(Filters={"clusterIds": [cluster_id]})["Clusters"][0][
        "Certificates"
    ]["ClusterCsr"]
    authority = create_certificate_authority("ExampleCorp customer CA")
    hsm.initialize_cluster(
        ClusterId=cluster_id,
        SignedCert=authority.sign_csr(csr),
        TrustAnchor=authority.certificate_pem,
    )
    out.write(f"# Cluster {cluster_id}: CSR signed by a new CA, cluster initialized\n")
    cli = cloudhsm_cli(cluster_id, region_name=REGION)
    cli.cluster_activate(ADMIN_PASSWORD)
    hsm.create_hsm(ClusterId=cluster_id, AvailabilityZone="us-east-1b")
    cli.login("admin", "admin", ADMIN_PASSWORD)
    cli.user_create("kmsuser", "crypto-user", KMSUSER_PASSWORD)
    cli.logout()
    out.write("# Cluster activated, second HSM added, crypto user kmsuser created\n")
    return cluster_id, authority.certificate_pem


def _describe(kms: Any, out: TextIO, **selector: str) -> None:
    option, value = next(iter(selector.items()))
    flag = (
        "--custom-key-store-name"
        if option == "CustomKeyStoreName"
        else ("--custom-key-store-id")
    )
    out.write(f"$ aws kms describe-custom-key-stores {flag} {value}\n")
    response = kms.describe_custom_key_stores(**selector)
    out.write(_cli_json(_strip_metadata(response)) + "\n")


def run(out: TextIO) -> None:
    """Run the walkthrough and write the narration and CLI output to `out`."""
    with mock_kms():
        cluster_id, trust_anchor = _build_cluster(out)
        kms = boto3.client("kms", region_name=REGION)
        store_id = kms.create_custom_key_store(
            CustomKeyStoreName=STORE_NAME,
            CloudHsmClusterId=cluster_id,
            TrustAnchorCertificate=trust_anchor,
            KeyStorePassword=KMSUSER_PASSWORD,
        )["CustomKeyStoreId"]
        kms.connect_custom_key_store(CustomKeyStoreId=store_id)
        out.write(f"# Key store {store_id} created and connected\n\n")
        _describe(kms, out, CustomKeyStoreName=STORE_NAME)

        out.write(
            "\n# Disconnect, record a wrong kmsuser password in KMS and reconnect\n\n"
        )
        kms.disconnect_custom_key_store(CustomKeyStoreId=store_id)
        kms.update_custom_key_store(
            CustomKeyStoreId=store_id, KeyStorePassword="wrongPassword1"
        )
        kms.connect_custom_key_store(CustomKeyStoreId=store_id)
        _describe(kms, out, CustomKeyStoreId=store_id)
