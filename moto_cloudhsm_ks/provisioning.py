"""Build a ready cluster or key store in one call, through the AWS APIs.

Everything goes through boto3 and `cloudhsm_cli`, so it works in-process under
`mock_kms` and against a running server (`endpoint_url`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import boto3

from .certificates import CertificateAuthority, default_certificate_authority
from .cli import _default_account, _default_region, cloudhsm_cli

# Describe calls a wait may make before it gives up; each call also counts as one
# tick for moto's manual state transitions.
MAX_WAIT_CALLS = 50
DEFAULT_KMSUSER_PASSWORD = "kmsPswd123"
DEFAULT_ADMIN_PASSWORD = "adminPswd123"
DEFAULT_KEY_STORE_NAME = "ExampleCloudHSMKeyStore"
CONNECTION_STATES = ("CONNECTED", "DISCONNECTED", "FAILED")


@dataclass
class ProvisionedCluster:
    """An ACTIVE, initialized cluster and what was used to build it."""

    cluster_id: str
    trust_anchor: str
    kmsuser_password: str = field(repr=False)
    admin_password: str = field(repr=False)
    region_name: str
    account_id: str
    vpc_id: str
    subnet_ids: list[str]
    hsm_ids: list[str]
    certificate_authority: CertificateAuthority = field(repr=False)


@dataclass
class ProvisionedKeyStore(ProvisionedCluster):
    """A CloudHSM key store on a provisioned cluster."""

    custom_key_store_id: str = ""
    custom_key_store_name: str = ""


def _client(service: str, region_name: str, endpoint_url: str | None) -> Any:
    return boto3.client(service, region_name=region_name, endpoint_url=endpoint_url)


def _check_counts(hsm_count: int, availability_zone_count: int) -> None:
    if availability_zone_count < 1:
        raise ValueError(
            "availability_zone_count must be at least 1, not "
            f"{availability_zone_count}."
        )
    if hsm_count < 0:
        raise ValueError(f"hsm_count must be 0 or more, not {hsm_count}.")


def _create_network(ec2: Any, zone_count: int) -> tuple[str, list[str], list[str]]:
    zones = [
        zone["ZoneName"]
        for zone in ec2.describe_availability_zones()["AvailabilityZones"]
    ][:zone_count]
    if len(zones) < zone_count:
        raise ValueError(
            f"The Region has {len(zones)} Availability Zones, fewer than the "
            f"{zone_count} requested."
        )
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet_ids = [
        ec2.create_subnet(
            VpcId=vpc_id, CidrBlock=f"10.0.{index}.0/24", AvailabilityZone=zone
        )["Subnet"]["SubnetId"]
        for index, zone in enumerate(zones)
    ]
    return vpc_id, subnet_ids, zones


def _wait_for_cluster(hsm: Any, cluster_id: str, states: tuple[str, ...]) -> Any:
    for _ in range(MAX_WAIT_CALLS):
        cluster = hsm.describe_clusters(Filters={"clusterIds": [cluster_id]})[
            "Clusters"
        ][0]
        pending = [h for h in cluster["Hsms"] if h["State"] != "ACTIVE"]
        if cluster["State"] in states and not pending:
            return cluster
    raise TimeoutError(
        f"Cluster {cluster_id} did not reach {' or '.join(states)} with all HSMs "
        f"ACTIVE after {MAX_WAIT_CALLS} DescribeClusters calls. Check moto's state "
        "manager transitions for cloudhsmv2::cluster and cloudhsmv2::hsm."
    )


def provision_cluster(
    *,
    hsm_count: int = 2,
    availability_zone_count: int = 2,
    kmsuser_password: str | None = DEFAULT_KMSUSER_PASSWORD,
    admin_password: str = DEFAULT_ADMIN_PASSWORD,
    region_name: str | None = None,
    account_id: str | None = None,
    endpoint_url: str | None = None,
    certificate_authority: CertificateAuthority | None = None,
) -> ProvisionedCluster:
    """Create a VPC, subnets and an ACTIVE cluster with HSMs and a `kmsuser`.

    HSMs go round-robin over `availability_zone_count` zones. With
    `kmsuser_password=None` no kmsuser is created. The default certificate
    authority is shared by the whole process, so only the cluster key is new.
    """
    _check_counts(hsm_count, availability_zone_count)
    region_name = region_name or _default_region()
    account_id = account_id or _default_account()
    authority = certificate_authority or default_certificate_authority()
    ec2 = _client("ec2", region_name, endpoint_url)
    hsm = _client("cloudhsmv2", region_name, endpoint_url)
    vpc_id, subnet_ids, zones = _create_network(ec2, availability_zone_count)

    cluster_id = hsm.create_cluster(HsmType="hsm2m.medium", SubnetIds=subnet_ids)[
        "Cluster"
    ]["ClusterId"]
    hsm_ids = []
    if hsm_count:
        hsm_ids.append(_add_hsm(hsm, cluster_id, zones[0]))
    cluster = _wait_for_cluster(hsm, cluster_id, ("UNINITIALIZED",))
    if hsm_count:
        _initialize_and_activate(
            hsm,
            cluster,
            authority,
            admin_password,
            region_name,
            account_id,
            endpoint_url,
        )
    for index in range(1, hsm_count):
        hsm_ids.append(_add_hsm(hsm, cluster_id, zones[index % len(zones)]))
    _wait_for_cluster(hsm, cluster_id, ("ACTIVE",) if hsm_count else ("UNINITIALIZED",))

    if hsm_count and kmsuser_password is not None:
        cli = cloudhsm_cli(
            cluster_id,
            region_name=region_name,
            account_id=account_id,
            endpoint_url=endpoint_url,
        )
        cli.login("admin", "admin", admin_password)
        cli.user_create("kmsuser", "crypto-user", kmsuser_password)
        cli.logout()
    if hsm_count:
        # A backup of the finished cluster, as its first daily backup would be.
        cloudhsm_cli(
            cluster_id,
            region_name=region_name,
            account_id=account_id,
            endpoint_url=endpoint_url,
        ).daily_backup()
    return ProvisionedCluster(
        cluster_id=cluster_id,
        trust_anchor=authority.certificate_pem,
        kmsuser_password=kmsuser_password or "",
        admin_password=admin_password,
        region_name=region_name,
        account_id=account_id,
        vpc_id=vpc_id,
        subnet_ids=subnet_ids,
        hsm_ids=hsm_ids,
        certificate_authority=authority,
    )


def _add_hsm(hsm: Any, cluster_id: str, zone: str) -> str:
    created = hsm.create_hsm(ClusterId=cluster_id, AvailabilityZone=zone)
    return str(created["Hsm"]["HsmId"])


def _initialize_and_activate(
    hsm: Any,
    cluster: dict[str, Any],
    authority: CertificateAuthority,
    admin_password: str,
    region_name: str,
    account_id: str,
    endpoint_url: str | None,
) -> None:
    cluster_id = cluster["ClusterId"]
    signed_cert = authority.sign_csr(cluster["Certificates"]["ClusterCsr"])
    hsm.initialize_cluster(
        ClusterId=cluster_id,
        SignedCert=signed_cert,
        TrustAnchor=authority.certificate_pem,
    )
    _wait_for_cluster(hsm, cluster_id, ("INITIALIZED",))
    cloudhsm_cli(
        cluster_id,
        region_name=region_name,
        account_id=account_id,
        endpoint_url=endpoint_url,
    ).cluster_activate(admin_password)


def provision_key_store(
    *,
    custom_key_store_name: str = DEFAULT_KEY_STORE_NAME,
    connection_state: str = "CONNECTED",
    hsm_count: int = 2,
    availability_zone_count: int = 2,
    kmsuser_password: str | None = DEFAULT_KMSUSER_PASSWORD,
    admin_password: str = DEFAULT_ADMIN_PASSWORD,
    region_name: str | None = None,
    account_id: str | None = None,
    endpoint_url: str | None = None,
    certificate_authority: CertificateAuthority | None = None,
) -> ProvisionedKeyStore:
    """Provision a cluster and create a CloudHSM key store on it.

    `connection_state` is where the store ends: CONNECTED, DISCONNECTED, or FAILED
    (connected with a wrong kmsuser password, so ConnectionErrorCode is
    INVALID_CREDENTIALS).
    """
    if connection_state not in CONNECTION_STATES:
        raise ValueError(
            f"connection_state must be one of {', '.join(CONNECTION_STATES)}, not "
            f"{connection_state!r}."
        )
    cluster = provision_cluster(
        hsm_count=hsm_count,
        availability_zone_count=availability_zone_count,
        kmsuser_password=kmsuser_password,
        admin_password=admin_password,
        region_name=region_name,
        account_id=account_id,
        endpoint_url=endpoint_url,
        certificate_authority=certificate_authority,
    )
    kms = _client("kms", cluster.region_name, endpoint_url)
    store_password = cluster.kmsuser_password or DEFAULT_KMSUSER_PASSWORD
    if connection_state == "FAILED":
        store_password = "wrong-" + os.urandom(4).hex()
    store_id = kms.create_custom_key_store(
        CustomKeyStoreName=custom_key_store_name,
        CloudHsmClusterId=cluster.cluster_id,
        TrustAnchorCertificate=cluster.trust_anchor,
        KeyStorePassword=store_password,
    )["CustomKeyStoreId"]
    if connection_state != "DISCONNECTED":
        kms.connect_custom_key_store(CustomKeyStoreId=store_id)
        _wait_for_store(kms, store_id)
    return ProvisionedKeyStore(
        **vars(cluster),
        custom_key_store_id=store_id,
        custom_key_store_name=custom_key_store_name,
    )


def _wait_for_store(kms: Any, store_id: str) -> str:
    for _ in range(MAX_WAIT_CALLS):
        store = kms.describe_custom_key_stores(CustomKeyStoreId=store_id)[
            "CustomKeyStores"
        ][0]
        if store["ConnectionState"] not in ("CONNECTING", "DISCONNECTING"):
            return str(store["ConnectionState"])
    raise TimeoutError(
        f"Custom key store {store_id} was still connecting after {MAX_WAIT_CALLS} "
        "DescribeCustomKeyStores calls. Check moto's state manager transition for "
        "kms::customkeystore."
    )
