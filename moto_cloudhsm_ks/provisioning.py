"""Build a ready cluster or key store in one call, through the AWS APIs.

Everything goes through botocore clients and `cloudhsm_cli`, so it works
in-process under `mock_kms` and against a running server (`endpoint_url`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from .certificates import CertificateAuthority, default_certificate_authority
from .cli import CloudHsmCli, _default_account, _default_region, cloudhsm_cli
from .clients import create_client
from .provisioning_options import CONNECTION_STATES, OptionError, check_options

__all__ = [
    "CONNECTION_STATES",
    "OptionError",
    "ProvisionedCluster",
    "ProvisionedKeyStore",
    "create_key_store_on",
    "provision_cluster",
    "provision_key_store",
]

# Describe calls a wait may make before it gives up; each call also counts as one
# tick for moto's manual state transitions.
MAX_WAIT_CALLS = 50
DEFAULT_KMSUSER_PASSWORD = "kmsPswd123"
DEFAULT_ADMIN_PASSWORD = "adminPswd123"
DEFAULT_KEY_STORE_NAME = "ExampleCloudHSMKeyStore"


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


@dataclass(frozen=True)
class _Target:
    """The Region, account and endpoint that every provisioning call goes to."""

    region_name: str
    account_id: str
    endpoint_url: str | None

    def client(self, service: str) -> Any:
        return create_client(
            service, self.region_name, self.endpoint_url, self.account_id
        )

    def cli(self, cluster_id: str) -> CloudHsmCli:
        return cloudhsm_cli(
            cluster_id,
            region_name=self.region_name,
            account_id=self.account_id,
            endpoint_url=self.endpoint_url,
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
    `kmsuser_password=None` no kmsuser is created; with `hsm_count=0` the cluster
    stays UNINITIALIZED. The default certificate authority is shared by the whole
    process, so only the cluster key is new. Raises OptionError (a ValueError)
    for an invalid option.
    """
    options = {
        "hsm_count": hsm_count,
        "availability_zone_count": availability_zone_count,
        "kmsuser_password": kmsuser_password,
        "admin_password": admin_password,
        "region_name": region_name,
        "account_id": account_id,
        "endpoint_url": endpoint_url,
        "certificate_authority": certificate_authority,
    }
    check_options(options, key_store=False)
    target = _Target(
        region_name or _default_region(), account_id or _default_account(), endpoint_url
    )
    authority = certificate_authority or default_certificate_authority()
    vpc_id, subnet_ids, zones = _create_network(
        target.client("ec2"), availability_zone_count
    )

    hsm = target.client("cloudhsmv2")
    cluster_id = hsm.create_cluster(HsmType="hsm2m.medium", SubnetIds=subnet_ids)[
        "Cluster"
    ]["ClusterId"]
    hsm_ids = []
    if hsm_count:
        hsm_ids.append(_add_hsm(hsm, cluster_id, zones[0]))
        _initialize(hsm, cluster_id, authority)
        target.cli(cluster_id).cluster_activate(admin_password)
    hsm_ids += [
        _add_hsm(hsm, cluster_id, zones[index % len(zones)])
        for index in range(1, hsm_count)
    ]
    _wait_for_cluster(hsm, cluster_id, ("ACTIVE",) if hsm_count else ("UNINITIALIZED",))

    if hsm_count:
        _finish_cluster(target.cli(cluster_id), admin_password, kmsuser_password)
    return ProvisionedCluster(
        cluster_id=cluster_id,
        trust_anchor=authority.certificate_pem,
        kmsuser_password=kmsuser_password or "",
        admin_password=admin_password,
        region_name=target.region_name,
        account_id=target.account_id,
        vpc_id=vpc_id,
        subnet_ids=subnet_ids,
        hsm_ids=hsm_ids,
        certificate_authority=authority,
    )


def _create_network(ec2: Any, zone_count: int) -> tuple[str, list[str], list[str]]:
    zones = [
        zone["ZoneName"]
        for zone in ec2.describe_availability_zones()["AvailabilityZones"]
    ][:zone_count]
    if len(zones) < zone_count:
        raise OptionError(
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


def _add_hsm(hsm: Any, cluster_id: str, zone: str) -> str:
    created = hsm.create_hsm(ClusterId=cluster_id, AvailabilityZone=zone)
    return str(created["Hsm"]["HsmId"])


def _initialize(hsm: Any, cluster_id: str, authority: CertificateAuthority) -> None:
    """Sign the cluster CSR with `authority` and wait for INITIALIZED."""
    cluster = _wait_for_cluster(hsm, cluster_id, ("UNINITIALIZED",))
    signed_cert = authority.sign_csr(cluster["Certificates"]["ClusterCsr"])
    hsm.initialize_cluster(
        ClusterId=cluster_id,
        SignedCert=signed_cert,
        TrustAnchor=authority.certificate_pem,
    )
    _wait_for_cluster(hsm, cluster_id, ("INITIALIZED",))


def _finish_cluster(
    cli: CloudHsmCli, admin_password: str, kmsuser_password: str | None
) -> None:
    """Create kmsuser, then take the backup that AWS would take on the first day."""
    if kmsuser_password is not None:
        cli.login("admin", "admin", admin_password)
        cli.user_create("kmsuser", "crypto-user", kmsuser_password)
        cli.logout()
    cli.daily_backup()


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
    INVALID_CREDENTIALS, or USER_NOT_FOUND with `kmsuser_password=None`). A store
    needs at least two HSMs in two Availability Zones. Raises OptionError (a
    ValueError) for an invalid option, and RuntimeError if the store does not end
    in `connection_state`.
    """
    check_options(
        {
            "custom_key_store_name": custom_key_store_name,
            "connection_state": connection_state,
            "hsm_count": hsm_count,
            "availability_zone_count": availability_zone_count,
            "kmsuser_password": kmsuser_password,
        },
        key_store=True,
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
    return create_key_store_on(
        cluster,
        custom_key_store_name=custom_key_store_name,
        connection_state=connection_state,
        endpoint_url=endpoint_url,
    )


def create_key_store_on(
    cluster: ProvisionedCluster,
    *,
    custom_key_store_name: str = DEFAULT_KEY_STORE_NAME,
    connection_state: str = "CONNECTED",
    endpoint_url: str | None = None,
) -> ProvisionedKeyStore:
    """Create a CloudHSM key store on a provisioned cluster, as provision_key_store.

    Raises OptionError for an invalid option and RuntimeError if the store does
    not end in `connection_state`.
    """
    check_options(
        {
            "custom_key_store_name": custom_key_store_name,
            "connection_state": connection_state,
            "endpoint_url": endpoint_url,
        },
        key_store=True,
    )
    target = _Target(cluster.region_name, cluster.account_id, endpoint_url)
    kms = target.client("kms")
    store_id = kms.create_custom_key_store(
        CustomKeyStoreName=custom_key_store_name,
        CloudHsmClusterId=cluster.cluster_id,
        TrustAnchorCertificate=cluster.trust_anchor,
        KeyStorePassword=_store_password(cluster, connection_state),
    )["CustomKeyStoreId"]
    if connection_state != "DISCONNECTED":
        kms.connect_custom_key_store(CustomKeyStoreId=store_id)
        _wait_for_store(kms, store_id, connection_state)
    return ProvisionedKeyStore(
        **vars(cluster),
        custom_key_store_id=store_id,
        custom_key_store_name=custom_key_store_name,
    )


def _store_password(cluster: ProvisionedCluster, connection_state: str) -> str:
    if connection_state == "FAILED":
        return "wrong-" + os.urandom(4).hex()
    return cluster.kmsuser_password or DEFAULT_KMSUSER_PASSWORD


def _wait_for_store(kms: Any, store_id: str, expected_state: str) -> None:
    for _ in range(MAX_WAIT_CALLS):
        store = kms.describe_custom_key_stores(CustomKeyStoreId=store_id)[
            "CustomKeyStores"
        ][0]
        state = store["ConnectionState"]
        if state in ("CONNECTING", "DISCONNECTING"):
            continue
        if state != expected_state:
            raise RuntimeError(
                f"Custom key store {store_id} ended {state} (ConnectionErrorCode "
                f"{store.get('ConnectionErrorCode', '-')}), not {expected_state}. "
                "Check the kmsuser_password and the cluster's HSMs."
            )
        return
    raise TimeoutError(
        f"Custom key store {store_id} was still connecting after {MAX_WAIT_CALLS} "
        "DescribeCustomKeyStores calls. Check moto's state manager transition for "
        "kms::customkeystore."
    )
