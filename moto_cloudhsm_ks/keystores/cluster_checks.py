"""Checks of the CloudHSM cluster requirements KMS enforces, with its errors."""

from __future__ import annotations

from .. import ec2_network
from ..cloudhsm.models import ACTIVE, Cluster
from ..exceptions import (
    CloudHsmClusterInvalidConfigurationException,
    CloudHsmClusterNotActiveException,
)


def require_active(cluster: Cluster) -> None:
    if cluster.state != ACTIVE:
        raise CloudHsmClusterNotActiveException(
            f"CloudHSM cluster {cluster.cluster_id} is {cluster.state}, not ACTIVE. "
            "Initialize and activate the cluster and try the request again."
        )


def require_network_configuration(cluster: Cluster) -> None:
    """Check the subnets span two AZs and the security group has its rules."""
    zones = sorted(cluster.subnet_mapping)
    if len(zones) < 2:
        raise CloudHsmClusterInvalidConfigurationException(
            f"CloudHSM cluster {cluster.cluster_id} has private subnets in "
            f"{len(zones)} Availability Zone(s) ({', '.join(zones)}). It must be "
            "configured with private subnets in at least two different "
            "Availability Zones in the Region."
        )
    if not ec2_network.security_group_allows_hsm_traffic(
        cluster.account_id, cluster.region_name, cluster.security_group
    ):
        raise CloudHsmClusterInvalidConfigurationException(
            f"The security group {cluster.security_group} of CloudHSM cluster "
            f"{cluster.cluster_id} must include inbound and outbound rules that "
            "allow TCP traffic on ports 2223-2225 to and from the security group "
            "itself. Restore these rules and try the request again."
        )


def require_hsms_in_two_zones(cluster: Cluster) -> None:
    """Check for two ACTIVE HSMs in different AZs, as key store creation needs."""
    active = cluster.active_hsms()
    zones = cluster.active_availability_zones()
    if len(zones) < 2:
        raise CloudHsmClusterInvalidConfigurationException(
            f"CloudHSM cluster {cluster.cluster_id} has {len(active)} ACTIVE HSM(s) "
            f"in {len(zones)} Availability Zone(s). It must contain at least two "
            "active HSMs, each in a different Availability Zone."
        )


def require_active_hsm(cluster: Cluster) -> None:
    if not cluster.active_hsms():
        raise CloudHsmClusterInvalidConfigurationException(
            f"CloudHSM cluster {cluster.cluster_id} has no ACTIVE HSM. To connect "
            "a custom key store, the cluster must contain at least one active HSM."
        )


def require_key_store_cluster(cluster: Cluster) -> None:
    """Run the checks CreateCustomKeyStore and UpdateCustomKeyStore make."""
    require_active(cluster)
    require_network_configuration(cluster)
    require_hsms_in_two_zones(cluster)
