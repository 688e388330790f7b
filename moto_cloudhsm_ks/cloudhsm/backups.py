"""Cluster backups: what they hold, when they are taken, and their lifecycle.

A backup contains what a cluster restored from it gets back: the cluster certificate
and trust anchor (so KMS sees the two clusters as related), the users with their
passwords at backup time, and the key material.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from .. import ids
from ..exceptions import (
    CloudHsmInvalidRequestException,
    CloudHsmResourceNotFoundException,
)
from .models import Cluster
from .users import UserTable

READY = "READY"
PENDING_DELETION = "PENDING_DELETION"
# A deleted backup can be restored for 7 days (CloudHSM User Guide,
# delete-restore-backup).
DELETION_DELAY = timedelta(days=7)


@dataclass
class Backup:
    """A backup of one cluster, in the Region where it is stored."""

    account_id: str
    region_name: str
    cluster_id: str
    hsm_type: str
    mode: str
    cluster_certificate: str | None
    trust_anchor: str | None
    users: UserTable = field(repr=False)
    key_material: dict[str, bytes] = field(repr=False)
    backup_id: str = field(default_factory=ids.new_backup_id)
    state: str = READY
    create_timestamp: datetime = field(
        default_factory=lambda: datetime.now(timezone.utc)
    )
    never_expires: bool = False
    delete_timestamp: datetime | None = None
    copy_timestamp: datetime | None = None
    source_region: str | None = None
    source_backup: str | None = None
    source_cluster: str | None = None
    tags: list[dict[str, str]] = field(default_factory=list)
    resource_policy: str | None = None

    @classmethod
    def of_cluster(cls, cluster: Cluster) -> Backup:
        return cls(
            account_id=cluster.account_id,
            region_name=cluster.region_name,
            cluster_id=cluster.cluster_id,
            hsm_type=cluster.hsm_type,
            mode=cluster.mode,
            cluster_certificate=cluster.cluster_certificate,
            trust_anchor=cluster.trust_anchor,
            users=cluster.users.copy(),
            key_material=dict(cluster.key_material),
        )

    def copy_to(self, region_name: str) -> Backup:
        return Backup(
            account_id=self.account_id,
            region_name=region_name,
            cluster_id=self.cluster_id,
            hsm_type=self.hsm_type,
            mode=self.mode,
            cluster_certificate=self.cluster_certificate,
            trust_anchor=self.trust_anchor,
            users=self.users.copy(),
            key_material=dict(self.key_material),
            create_timestamp=self.create_timestamp,
            copy_timestamp=datetime.now(timezone.utc),
            source_region=self.region_name,
            source_backup=self.backup_id,
            source_cluster=self.cluster_id,
        )

    @property
    def arn(self) -> str:
        return (
            f"arn:aws:cloudhsm:{self.region_name}:{self.account_id}:backup/"
            f"{self.backup_id}"
        )

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = {
            "BackupId": self.backup_id,
            "BackupArn": self.arn,
            "BackupState": self.state,
            "ClusterId": self.cluster_id,
            "CreateTimestamp": self.create_timestamp.timestamp(),
            "NeverExpires": self.never_expires,
            "HsmType": self.hsm_type,
            "Mode": self.mode,
        }
        optional = {
            "CopyTimestamp": self.copy_timestamp,
            "DeleteTimestamp": self.delete_timestamp,
        }
        for name, moment in optional.items():
            if moment is not None:
                result[name] = moment.timestamp()
        for name, value in (
            ("SourceRegion", self.source_region),
            ("SourceBackup", self.source_backup),
            ("SourceCluster", self.source_cluster),
        ):
            if value is not None:
                result[name] = value
        if self.tags:
            result["TagList"] = [dict(tag) for tag in self.tags]
        return result


class BackupOperations:
    """The backup half of the cloudhsmv2 backend; mixed into CloudHsmBackend."""

    account_id: str
    region_name: str
    backups: dict[str, Backup]

    def take_backup(self, cluster: Cluster) -> Backup | None:
        """Back up an initialized cluster, as CloudHSM does on lifecycle events."""
        if cluster.cluster_certificate is None:
            return None
        backup = Backup.of_cluster(cluster)
        self.backups[backup.backup_id] = backup
        return backup

    def get_backup(self, backup_id: str) -> Backup:
        backup = self.backups.get(backup_id)
        if backup is None:
            raise CloudHsmResourceNotFoundException(
                f"Backup '{backup_id}' does not exist in {self.region_name}."
            )
        return backup

    def describe_backups(
        self, filters: dict[str, list[str]], sort_ascending: bool
    ) -> list[Backup]:
        matches = [
            backup
            for backup in self.backups.values()
            if _backup_matches(backup, filters)
        ]
        matches.sort(key=lambda item: item.create_timestamp, reverse=not sort_ascending)
        return matches

    def delete_backup(self, backup_id: str) -> Backup:
        backup = self.get_backup(backup_id)
        if backup.state != READY:
            raise CloudHsmInvalidRequestException(
                f"Backup '{backup_id}' is {backup.state}. Only a READY backup can be "
                "deleted."
            )
        backup.state = PENDING_DELETION
        backup.delete_timestamp = datetime.now(timezone.utc) + DELETION_DELAY
        return backup

    def restore_backup(self, backup_id: str) -> Backup:
        backup = self.get_backup(backup_id)
        if backup.state != PENDING_DELETION:
            raise CloudHsmInvalidRequestException(
                f"Backup '{backup_id}' is {backup.state}. Only a backup pending "
                "deletion can be restored."
            )
        backup.state = READY
        backup.delete_timestamp = None
        return backup

    def modify_backup_attributes(self, backup_id: str, never_expires: bool) -> Backup:
        backup = self.get_backup(backup_id)
        backup.never_expires = never_expires
        return backup

    def find_backup_by_arn(self, arn: str) -> Backup:
        for backup in self.backups.values():
            if backup.arn == arn:
                return backup
        raise CloudHsmResourceNotFoundException(
            f"Resource '{arn}' does not exist. Resource policies can be attached to "
            "backups in this account and Region."
        )


def _backup_matches(backup: Backup, filters: dict[str, list[str]]) -> bool:
    values = {
        "backupIds": backup.backup_id,
        "sourceBackupIds": backup.source_backup or "",
        "clusterIds": backup.cluster_id,
        "states": backup.state,
        "neverExpires": str(backup.never_expires).lower(),
    }
    for name, accepted in filters.items():
        if name in values and values[name] not in accepted:
            return False
    return True
