"""The mocked CloudHSM cluster: clusters, HSMs and their lifecycle states.

Touches moto internals: states progress through moto's `ManagedState`, so moto's
state manager (`/moto-api/state-manager/set-transition`) controls how fast
CREATE_IN_PROGRESS, INITIALIZE_IN_PROGRESS and DELETE_IN_PROGRESS end.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from moto.moto_api._internal.managed_state_model import ManagedState

from .. import ids
from ..certificates import HsmIdentity
from .users import UserTable

CLUSTER_MODEL = "cloudhsmv2::cluster"
HSM_MODEL = "cloudhsmv2::hsm"

ACTIVE = "ACTIVE"
UNINITIALIZED = "UNINITIALIZED"
INITIALIZED = "INITIALIZED"
DELETED = "DELETED"

_CLUSTER_STATE_MESSAGES = {
    "CREATE_IN_PROGRESS": "Cluster is being created.",
    "UNINITIALIZED": "Cluster is uninitialized.",
    "INITIALIZE_IN_PROGRESS": (
        "Cluster is initializing. State will change to INITIALIZED upon completion."
    ),
    "INITIALIZED": "Cluster is initialized. Activate it with the CloudHSM CLI.",
    "ACTIVE": "Cluster is active.",
    "DELETE_IN_PROGRESS": "The cluster is being deleted.",
    "DELETED": "The cluster has been deleted.",
}

_HSM_STATE_MESSAGES = {
    "CREATE_IN_PROGRESS": "HSM is being created.",
    "ACTIVE": "HSM created.",
    "DELETE_IN_PROGRESS": "HSM is being deleted.",
    "DELETED": "HSM deleted.",
}


class Hsm(ManagedState):
    """One HSM: an ENI in one subnet of the cluster, in one Availability Zone."""

    def __init__(
        self,
        cluster_id: str,
        availability_zone: str,
        subnet_id: str,
        eni_id: str,
        eni_ip: str,
        hsm_type: str,
    ) -> None:
        super().__init__(
            HSM_MODEL,
            [("CREATE_IN_PROGRESS", "ACTIVE"), ("DELETE_IN_PROGRESS", "DELETED")],
        )
        self.hsm_id = ids.new_hsm_id()
        self.cluster_id = cluster_id
        self.availability_zone = availability_zone
        self.subnet_id = subnet_id
        self.eni_id = eni_id
        self.eni_ip = eni_ip
        self.hsm_type = hsm_type

    @property
    def state(self) -> str:
        return str(self.status)

    def start_deletion(self) -> None:
        self.status = "DELETE_IN_PROGRESS"
        self._tick = 0

    def to_dict(self, state: str | None = None) -> dict[str, Any]:
        """Describe the HSM, in `state` if given (as the creating call reports it)."""
        state = state or self.state
        return {
            "AvailabilityZone": self.availability_zone,
            "ClusterId": self.cluster_id,
            "SubnetId": self.subnet_id,
            "EniId": self.eni_id,
            "EniIp": self.eni_ip,
            "HsmId": self.hsm_id,
            "HsmType": self.hsm_type,
            "State": state,
            "StateMessage": _HSM_STATE_MESSAGES[state],
        }


class Cluster(ManagedState):
    """A CloudHSM cluster with its HSMs, certificates and users."""

    def __init__(
        self,
        account_id: str,
        region_name: str,
        hsm_type: str,
        subnet_mapping: dict[str, str],
        vpc_id: str,
        mode: str,
        network_type: str,
        backup_retention_policy: dict[str, str],
        tags: list[dict[str, str]],
        restored: bool = False,
    ) -> None:
        # A cluster created from a backup is already initialized, so its creation
        # ends in ACTIVE ("don't initialize or activate it": CloudHSM User Guide).
        created_state = ACTIVE if restored else UNINITIALIZED
        super().__init__(
            CLUSTER_MODEL,
            [
                ("CREATE_IN_PROGRESS", created_state),
                ("INITIALIZE_IN_PROGRESS", "INITIALIZED"),
                ("DELETE_IN_PROGRESS", "DELETED"),
            ],
        )
        self.cluster_id = ids.new_cluster_id()
        self.account_id = account_id
        self.region_name = region_name
        self.hsm_type = hsm_type
        self.subnet_mapping = subnet_mapping
        self.vpc_id = vpc_id
        self.mode = mode
        self.network_type = network_type
        self.backup_retention_policy = backup_retention_policy
        self.tags = tags
        self.create_timestamp = datetime.now(timezone.utc)
        self.security_group = ""
        self.hsms: list[Hsm] = []
        self.identity: HsmIdentity | None = None
        self.cluster_certificate: str | None = None
        self.trust_anchor: str | None = None
        self.source_backup_id: str | None = None
        self.users = UserTable()
        # Key material KMS generated in the cluster: key handle -> AES-256 bytes.
        self.key_material: dict[str, bytes] = {}

    @property
    def state(self) -> str:
        return str(self.status)

    def set_state(self, state: str) -> None:
        """Move to a state now; the state manager times the step after it."""
        self.status = state
        self._tick = 0

    def advance_all(self) -> None:
        """Count one describe call toward every pending transition (manual mode)."""
        self.advance()
        for hsm in self.hsms:
            hsm.advance()

    def live_hsms(self) -> list[Hsm]:
        """Return the HSMs that still exist, dropping those whose deletion ended."""
        self.hsms = [hsm for hsm in self.hsms if hsm.state != DELETED]
        return self.hsms

    def active_hsms(self) -> list[Hsm]:
        return [hsm for hsm in self.live_hsms() if hsm.state == ACTIVE]

    def active_availability_zones(self) -> set[str]:
        return {hsm.availability_zone for hsm in self.active_hsms()}

    def find_hsm(
        self, hsm_id: str | None, eni_id: str | None, eni_ip: str | None
    ) -> Hsm | None:
        for hsm in self.live_hsms():
            if hsm_id is not None and hsm.hsm_id == hsm_id:
                return hsm
            if eni_id is not None and hsm.eni_id == eni_id:
                return hsm
            if eni_ip is not None and hsm.eni_ip == eni_ip:
                return hsm
        return None

    def _certificates(self, state: str) -> dict[str, str]:
        # The CSR and the HSM's own certificates exist from the first HSM until
        # the cluster is initialized; afterwards only the cluster certificate shows.
        if state == UNINITIALIZED and self.identity is not None:
            return {
                "ClusterCsr": self.identity.cluster_csr,
                "HsmCertificate": self.identity.hsm_certificate,
                "AwsHardwareCertificate": self.identity.aws_hardware_certificate,
                "ManufacturerHardwareCertificate": (
                    self.identity.manufacturer_hardware_certificate
                ),
            }
        if self.cluster_certificate is not None:
            return {"ClusterCertificate": self.cluster_certificate}
        return {}

    def to_dict(self, state: str | None = None) -> dict[str, Any]:
        """Describe the cluster, in `state` if given (as its operation reports it)."""
        state = state or self.state
        result: dict[str, Any] = {
            "BackupPolicy": "DEFAULT",
            "BackupRetentionPolicy": dict(self.backup_retention_policy),
            "ClusterId": self.cluster_id,
            "CreateTimestamp": self.create_timestamp.timestamp(),
            "Hsms": [hsm.to_dict() for hsm in self.live_hsms()],
            "HsmType": self.hsm_type,
            "SecurityGroup": self.security_group,
            "State": state,
            "StateMessage": _CLUSTER_STATE_MESSAGES.get(state, state),
            "SubnetMapping": dict(self.subnet_mapping),
            "VpcId": self.vpc_id,
            "NetworkType": self.network_type,
            "Certificates": self._certificates(state),
            "Mode": self.mode,
        }
        if self.source_backup_id is not None:
            result["SourceBackupId"] = self.source_backup_id
        if self.tags:
            result["TagList"] = [dict(tag) for tag in self.tags]
        return result
