"""The registry of KMS keys in custom key stores, per account and Region."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from moto.core.base_backend import BackendDict, BaseBackend

ENABLED = "Enabled"
DISABLED = "Disabled"
PENDING_DELETION = "PendingDeletion"
UNAVAILABLE = "Unavailable"


def utc_now() -> datetime:
    """Return the current time; freezegun and time-machine move it in tests."""
    return datetime.now(timezone.utc)


@dataclass
class StoreKey:
    """A KMS key in a CloudHSM key store and the handle of its key material.

    `available_state` is the key state whenever the store is connected: Enabled,
    Disabled or PendingDeletion. The state users see is derived from it and from
    the store's connection state.
    """

    key_id: str
    key_arn: str
    custom_key_store_id: str
    key_handle: str
    available_state: str = ENABLED
    deletion_date: datetime | None = None
    pending_window_in_days: int | None = None

    def is_past_deletion_date(self, now: datetime) -> bool:
        return self.deletion_date is not None and self.deletion_date <= now


class StoreKeyRegistry(BaseBackend):
    """The KMS keys in custom key stores of one account and Region."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.keys: dict[str, StoreKey] = {}

    def add(self, key: StoreKey) -> None:
        self.keys[key.key_id] = key

    def find(self, key_id: str) -> StoreKey | None:
        return self.keys.get(key_id)

    def remove(self, key_id: str) -> None:
        self.keys.pop(key_id, None)

    def past_deletion_date(self, now: datetime) -> list[StoreKey]:
        return [key for key in self.keys.values() if key.is_past_deletion_date(now)]

    def count_in_store(self, custom_key_store_id: str, now: datetime) -> int:
        """Count the store's keys, including those pending deletion until their
        waiting period ends."""
        return sum(
            1
            for key in self.keys.values()
            if key.custom_key_store_id == custom_key_store_id
            and not key.is_past_deletion_date(now)
        )


store_key_registries = BackendDict(StoreKeyRegistry, "kms")
