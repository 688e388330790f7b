"""The cloudhsmv2 operations on the mocked clusters, per account and Region."""

from __future__ import annotations

from typing import Any

from moto.core.base_backend import BackendDict, BaseBackend
from moto.settings import allow_unknown_region

from .. import ec2_network
from ..certificates import (
    CertificateError,
    create_hsm_identity,
    verify_cluster_certificates,
)
from ..exceptions import (
    CloudHsmInvalidRequestException,
    CloudHsmResourceNotFoundException,
    CloudHsmTagException,
)
from .backups import READY, Backup, BackupOperations
from .models import ACTIVE, DELETED, INITIALIZED, UNINITIALIZED, Cluster, Hsm

# hsm1.medium can no longer be created: CreateCluster returns "Provided HsmType is
# not supported." (measured in us-east-1 in 2026).
SUPPORTED_HSM_TYPES = ("hsm2m.medium",)
MAX_HSMS_PER_CLUSTER = 28
DEFAULT_BACKUP_RETENTION = {"Type": "DAYS", "Value": "90"}
MAX_TAGS = 50


class CloudHsmBackend(BackupOperations, BaseBackend):
    """The clusters and backups of one account and Region."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.clusters: dict[str, Cluster] = {}
        self.backups: dict[str, Backup] = {}

    # Clusters

    def create_cluster(
        self,
        hsm_type: str,
        subnet_ids: list[str],
        mode: str | None,
        network_type: str | None,
        backup_retention_policy: dict[str, str] | None,
        tags: list[dict[str, str]] | None,
        source_backup_id: str | None = None,
    ) -> Cluster:
        if hsm_type not in SUPPORTED_HSM_TYPES:
            raise CloudHsmInvalidRequestException("Provided HsmType is not supported.")
        backup = (
            None if source_backup_id is None else self._usable_backup(source_backup_id)
        )
        subnet_mapping, vpc_id = self._map_subnets(subnet_ids)
        cluster = Cluster(
            self.account_id,
            self.region_name,
            hsm_type,
            subnet_mapping,
            vpc_id,
            mode or (backup.mode if backup else "FIPS"),
            network_type or "IPV4",
            backup_retention_policy or dict(DEFAULT_BACKUP_RETENTION),
            list(tags or []),
            restored=backup is not None,
        )
        if backup is not None:
            _restore_into(cluster, backup)
        cluster.security_group = ec2_network.create_cluster_security_group(
            self.account_id,
            self.region_name,
            f"cloudhsm-cluster-{cluster.cluster_id}-sg",
            vpc_id,
            f"Security group for CloudHSM cluster {cluster.cluster_id}",
        )
        self.clusters[cluster.cluster_id] = cluster
        return cluster

    def _usable_backup(self, backup_id: str) -> Backup:
        backup = self.get_backup(backup_id)
        if backup.state != READY:
            raise CloudHsmInvalidRequestException(
                f"Backup '{backup_id}' is {backup.state}. A cluster can be created "
                "only from a READY backup; restore the backup first."
            )
        return backup

    def modify_cluster(
        self, cluster_id: str, backup_retention_policy: dict[str, str]
    ) -> Cluster:
        cluster = self.get_cluster(cluster_id)
        cluster.backup_retention_policy = dict(backup_retention_policy)
        return cluster

    def copy_backup_to_region(
        self, destination_region: str, backup_id: str, tags: list[dict[str, str]]
    ) -> Backup:
        backup = self.get_backup(backup_id)
        if destination_region == self.region_name:
            raise CloudHsmInvalidRequestException(
                f"Backup '{backup_id}' is already in {destination_region}. Choose "
                "another destination Region."
            )
        if (
            destination_region not in cloudhsm_backends[self.account_id].regions
            and not allow_unknown_region()
        ):
            raise CloudHsmInvalidRequestException(
                f"DestinationRegion '{destination_region}' is not a Region where "
                "CloudHSM is available. Choose a Region such as us-west-2."
            )
        destination: CloudHsmBackend = cloudhsm_backends[self.account_id][
            destination_region
        ]
        copy = backup.copy_to(destination_region)
        copy.tags = list(tags)
        destination.backups[copy.backup_id] = copy
        return copy

    def _map_subnets(self, subnet_ids: list[str]) -> tuple[dict[str, str], str]:
        """Map each subnet's Availability Zone to it and return the common VPC."""
        subnet_mapping: dict[str, str] = {}
        vpc_ids: set[str] = set()
        for subnet_id in subnet_ids:
            subnet = ec2_network.find_subnet(
                self.account_id, self.region_name, subnet_id
            )
            if subnet is None:
                raise CloudHsmInvalidRequestException(
                    f"Subnet '{subnet_id}' does not exist in {self.region_name}."
                )
            zone = subnet.availability_zone
            if zone in subnet_mapping:
                raise CloudHsmInvalidRequestException(
                    f"Subnets '{subnet_mapping[zone]}' and '{subnet_id}' are both in "
                    f"{zone}. Specify only one subnet per Availability Zone."
                )
            subnet_mapping[zone] = subnet_id
            vpc_ids.add(subnet.vpc_id)
        if len(vpc_ids) > 1:
            raise CloudHsmInvalidRequestException(
                f"The subnets are in different VPCs ({', '.join(sorted(vpc_ids))}). "
                "All subnets must be in the same VPC."
            )
        return subnet_mapping, vpc_ids.pop()

    def get_cluster(self, cluster_id: str) -> Cluster:
        cluster = self.find_cluster(cluster_id)
        if cluster is None:
            raise CloudHsmResourceNotFoundException(
                f"Cluster '{cluster_id}' does not exist in {self.region_name}."
            )
        return cluster

    def find_cluster(self, cluster_id: str) -> Cluster | None:
        """Return the cluster, or None if it does not exist or its deletion ended."""
        cluster = self.clusters.get(cluster_id)
        if cluster is not None and cluster.state == DELETED:
            del self.clusters[cluster_id]
            return None
        return cluster

    def describe_clusters(self, filters: dict[str, list[str]]) -> list[Cluster]:
        """Return the clusters that match every filter, in creation order."""
        matches = []
        for cluster_id in list(self.clusters):
            cluster = self.find_cluster(cluster_id)
            if cluster is None:
                continue
            cluster.advance_all()
            if _cluster_matches(cluster, filters):
                matches.append(cluster)
        return matches

    def delete_cluster(self, cluster_id: str) -> Cluster:
        cluster = self.get_cluster(cluster_id)
        if cluster.live_hsms():
            raise CloudHsmInvalidRequestException(
                f"Cluster '{cluster_id}' contains {len(cluster.hsms)} HSM(s). "
                "Delete all HSMs before you delete the cluster."
            )
        if cluster.state == "DELETE_IN_PROGRESS":
            raise CloudHsmInvalidRequestException(
                f"Cluster '{cluster_id}' is already being deleted."
            )
        cluster.set_state("DELETE_IN_PROGRESS")
        ec2_network.delete_security_group(
            self.account_id, self.region_name, cluster.security_group
        )
        return cluster

    # HSMs

    def create_hsm(
        self, cluster_id: str, availability_zone: str, ip_address: str | None
    ) -> Hsm:
        cluster = self.get_cluster(cluster_id)
        self._check_hsm_can_be_added(cluster)
        subnet_id = cluster.subnet_mapping.get(availability_zone)
        if subnet_id is None:
            raise CloudHsmInvalidRequestException(
                f"Cluster '{cluster_id}' has no subnet in {availability_zone}. Use "
                f"one of: {', '.join(sorted(cluster.subnet_mapping))}."
            )
        subnet = ec2_network.find_subnet(self.account_id, self.region_name, subnet_id)
        if subnet is None:
            raise CloudHsmInvalidRequestException(
                f"Subnet '{subnet_id}' of cluster '{cluster_id}' no longer exists."
            )
        eni_id, eni_ip = self._create_hsm_interface(cluster, subnet, ip_address)
        hsm = Hsm(
            cluster_id,
            availability_zone,
            subnet_id,
            eni_id,
            eni_ip,
            cluster.hsm_type,
        )
        if cluster.identity is None and cluster.state == UNINITIALIZED:
            cluster.identity = create_hsm_identity(cluster_id, hsm.hsm_id)
        cluster.hsms.append(hsm)
        # CloudHSM backs a cluster up when an HSM is added or removed.
        self.take_backup(cluster)
        return hsm

    def _check_hsm_can_be_added(self, cluster: Cluster) -> None:
        state = cluster.state
        if state == ACTIVE:
            if len(cluster.live_hsms()) >= MAX_HSMS_PER_CLUSTER:
                raise CloudHsmInvalidRequestException(
                    f"Cluster '{cluster.cluster_id}' already has "
                    f"{MAX_HSMS_PER_CLUSTER} HSMs, the maximum per cluster."
                )
            return
        if state == UNINITIALIZED and not cluster.live_hsms():
            return
        if state in (UNINITIALIZED, "INITIALIZE_IN_PROGRESS", INITIALIZED):
            raise CloudHsmInvalidRequestException(
                f"Cluster '{cluster.cluster_id}' already contains an HSM but has not "
                "yet been fully activated"
            )
        raise CloudHsmInvalidRequestException(
            f"Cluster '{cluster.cluster_id}' is in state {state}, so HSMs cannot be "
            "added to it."
        )

    def _create_hsm_interface(
        self, cluster: Cluster, subnet: Any, ip_address: str | None
    ) -> tuple[str, str]:
        if ip_address is None and ec2_network.free_address_count(subnet) < 1:
            raise CloudHsmInvalidRequestException(
                f"Subnet '{subnet.id}' has no free IP address for the HSM."
            )
        try:
            return ec2_network.create_interface(
                self.account_id,
                self.region_name,
                subnet,
                f"CloudHSM managed ENI for cluster {cluster.cluster_id}",
                [cluster.security_group],
                ip_address,
            )
        except Exception as error:  # moto raises plain Exception for a bad address
            raise CloudHsmInvalidRequestException(
                f"IP address '{ip_address}' cannot be used in subnet '{subnet.id}': "
                f"{error}."
            ) from error

    def delete_hsm(
        self,
        cluster_id: str,
        hsm_id: str | None,
        eni_id: str | None,
        eni_ip: str | None,
    ) -> Hsm:
        identifiers = [value for value in (hsm_id, eni_id, eni_ip) if value is not None]
        if len(identifiers) != 1:
            raise CloudHsmInvalidRequestException(
                "Specify exactly one of HsmId, EniId or EniIp to identify the HSM."
            )
        cluster = self.get_cluster(cluster_id)
        hsm = cluster.find_hsm(hsm_id, eni_id, eni_ip)
        if hsm is None:
            raise CloudHsmResourceNotFoundException(
                f"HSM '{identifiers[0]}' does not exist in cluster '{cluster_id}'."
            )
        self.take_backup(cluster)
        hsm.start_deletion()
        ec2_network.delete_interface(self.account_id, self.region_name, hsm.eni_id)
        return hsm

    # Initialization and activation

    def initialize_cluster(
        self, cluster_id: str, signed_cert: str, trust_anchor: str
    ) -> Cluster:
        cluster = self.get_cluster(cluster_id)
        if cluster.state != UNINITIALIZED:
            raise CloudHsmInvalidRequestException(
                f"Cluster '{cluster_id}' is in state {cluster.state}. Only an "
                "UNINITIALIZED cluster can be initialized."
            )
        if cluster.identity is None or not cluster.active_hsms():
            raise CloudHsmInvalidRequestException(
                f"Cluster '{cluster_id}' has no ACTIVE HSM yet. Create an HSM and "
                "sign the ClusterCsr it produces before you initialize the cluster."
            )
        try:
            verify_cluster_certificates(
                cluster.identity.cluster_csr, signed_cert, trust_anchor
            )
        except CertificateError as error:
            raise CloudHsmInvalidRequestException(str(error)) from error
        cluster.cluster_certificate = signed_cert
        cluster.trust_anchor = trust_anchor
        cluster.set_state("INITIALIZE_IN_PROGRESS")
        return cluster

    # Tags

    def _taggable(self, resource_id: str) -> Cluster | Backup:
        if resource_id.startswith("backup-"):
            return self.get_backup(resource_id)
        return self.get_cluster(resource_id)

    def tag_resource(self, resource_id: str, tags: list[dict[str, str]]) -> None:
        resource = self._taggable(resource_id)
        merged = {tag["Key"]: tag["Value"] for tag in resource.tags}
        merged.update({tag["Key"]: tag["Value"] for tag in tags})
        if len(merged) > MAX_TAGS:
            raise CloudHsmTagException(
                f"Resource '{resource_id}' would have {len(merged)} tags; the limit "
                f"is {MAX_TAGS}."
            )
        resource.tags = [{"Key": key, "Value": value} for key, value in merged.items()]

    def untag_resource(self, resource_id: str, tag_keys: list[str]) -> None:
        resource = self._taggable(resource_id)
        resource.tags = [tag for tag in resource.tags if tag["Key"] not in tag_keys]

    def list_tags(self, resource_id: str) -> list[dict[str, str]]:
        return [dict(tag) for tag in self._taggable(resource_id).tags]


def _restore_into(cluster: Cluster, backup: Backup) -> None:
    """Give a new cluster the backup's certificates, users and key material."""
    cluster.source_backup_id = backup.backup_id
    cluster.cluster_certificate = backup.cluster_certificate
    cluster.trust_anchor = backup.trust_anchor
    cluster.users = backup.users.copy()
    cluster.key_material = dict(backup.key_material)


def _cluster_matches(cluster: Cluster, filters: dict[str, list[str]]) -> bool:
    values = {
        "clusterIds": cluster.cluster_id,
        "vpcIds": cluster.vpc_id,
        "states": cluster.state,
    }
    for name, accepted in filters.items():
        if name in values and values[name] not in accepted:
            return False
    return True


cloudhsm_backends = BackendDict(CloudHsmBackend, "cloudhsmv2")
