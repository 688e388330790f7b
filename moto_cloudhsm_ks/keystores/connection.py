"""Connection attempts of a key store to its cluster, and their failure codes.

The result of a connection attempt comes from the cluster as it is when the
attempt ends: that is when KMS logs in as kmsuser on AWS.
"""

from __future__ import annotations

import secrets
import string

from .. import ec2_network
from ..cloudhsm.backend import CloudHsmBackend
from ..cloudhsm.models import Cluster
from .models import CustomKeyStore

KMS_USERNAME = "kmsuser"

# ConnectionErrorCode values a test may inject because no cluster state causes
# them in the mock.
INJECTABLE_ERROR_CODES = ("NETWORK_ERRORS", "INTERNAL_ERROR")

_PASSWORD_ALPHABET = string.ascii_letters + string.digits


def _missing_subnet(cluster: Cluster) -> bool:
    return any(
        ec2_network.find_subnet(cluster.account_id, cluster.region_name, subnet_id)
        is None
        for subnet_id in cluster.subnet_mapping.values()
    )


def _subnet_without_free_address(cluster: Cluster) -> bool:
    for subnet_id in cluster.subnet_mapping.values():
        subnet = ec2_network.find_subnet(
            cluster.account_id, cluster.region_name, subnet_id
        )
        if subnet is not None and ec2_network.free_address_count(subnet) < 1:
            return True
    return False


def find_connection_error(store: CustomKeyStore, cluster: Cluster | None) -> str | None:
    """Return the ConnectionErrorCode this attempt ends with, or None on success.

    A wrong password counts as one failed kmsuser login toward the lockout.
    """
    if store.injected_error_code is not None:
        return store.injected_error_code
    if cluster is None:
        return "CLUSTER_NOT_FOUND"
    if _missing_subnet(cluster):
        return "SUBNET_NOT_FOUND"
    if not cluster.active_hsms():
        return "INSUFFICIENT_CLOUDHSM_HSMS"
    if _subnet_without_free_address(cluster):
        return "INSUFFICIENT_FREE_ADDRESSES_IN_SUBNET"
    kmsuser = cluster.users.find(KMS_USERNAME, "crypto-user")
    if kmsuser is None:
        return "USER_NOT_FOUND"
    if kmsuser.locked:
        return "USER_LOCKED_OUT"
    if cluster.users.is_logged_in(KMS_USERNAME):
        return "USER_LOGGED_IN"
    if not kmsuser.password_matches(store.password):
        kmsuser.failed_logins += 1
        return "INVALID_CREDENTIALS"
    return None


def establish(store: CustomKeyStore, cluster: Cluster) -> None:
    """Log in as kmsuser, rotate its password and create KMS's ENIs, as AWS does."""
    kmsuser = cluster.users.find(KMS_USERNAME, "crypto-user")
    assert kmsuser is not None
    new_password = "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(32))
    kmsuser.set_password(new_password)
    store.password = new_password
    cluster.users.sessions[store.session_id] = KMS_USERNAME
    _create_network_resources(store, cluster)


def _create_network_resources(store: CustomKeyStore, cluster: Cluster) -> None:
    store.security_group_id = ec2_network.create_cluster_security_group(
        cluster.account_id,
        cluster.region_name,
        f"kms-{store.custom_key_store_id}",
        cluster.vpc_id,
        f"KMS security group for custom key store {store.custom_key_store_id}",
    )
    for subnet_id in cluster.subnet_mapping.values():
        subnet = ec2_network.find_subnet(
            cluster.account_id, cluster.region_name, subnet_id
        )
        eni_id, _ = ec2_network.create_interface(
            cluster.account_id,
            cluster.region_name,
            subnet,
            f"KMS managed ENI for cluster {cluster.cluster_id}",
            [store.security_group_id, cluster.security_group],
        )
        store.eni_ids.append(eni_id)


def release(store: CustomKeyStore, clusters: CloudHsmBackend) -> None:
    """Log KMS out of the cluster and remove the ENIs and security group it made."""
    cluster = clusters.find_cluster(store.cluster_id)
    if cluster is not None:
        cluster.users.sessions.pop(store.session_id, None)
    account_id, region_name = clusters.account_id, clusters.region_name
    for eni_id in store.eni_ids:
        ec2_network.delete_interface(account_id, region_name, eni_id)
    store.eni_ids = []
    if store.security_group_id is not None:
        ec2_network.delete_security_group(
            account_id, region_name, store.security_group_id
        )
        store.security_group_id = None
