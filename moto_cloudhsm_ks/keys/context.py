"""The backends a request on a store key reads, for one account and Region (moto).

Touches moto internals: reads moto's `KmsBackend` for the KMS key itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from moto.kms.models import Key, KmsBackend, kms_backends

from ..cloudhsm.backend import CloudHsmBackend, cloudhsm_backends
from ..cloudhsm.models import Cluster
from ..keystores.backend import KeyStoreBackend, key_store_backends
from ..keystores.models import DISCONNECTED, CustomKeyStore
from .registry import StoreKey, StoreKeyRegistry, store_key_registries


@dataclass(frozen=True)
class StoreKeyContext:
    account_id: str
    region_name: str

    @property
    def kms(self) -> KmsBackend:
        backend: KmsBackend = kms_backends[self.account_id][self.region_name]
        return backend

    @property
    def key_stores(self) -> KeyStoreBackend:
        backend: KeyStoreBackend = key_store_backends[self.account_id][self.region_name]
        return backend

    @property
    def clusters(self) -> CloudHsmBackend:
        backend: CloudHsmBackend = cloudhsm_backends[self.account_id][self.region_name]
        return backend

    @property
    def registry(self) -> StoreKeyRegistry:
        registry: StoreKeyRegistry = store_key_registries[self.account_id][
            self.region_name
        ]
        return registry

    def moto_key(self, record: StoreKey) -> Key:
        key: Key = self.kms.keys[record.key_id]
        return key

    def store_of(self, record: StoreKey) -> CustomKeyStore | None:
        return self.key_stores.stores.get(record.custom_key_store_id)

    def connection_state(self, record: StoreKey) -> str:
        store = self.store_of(record)
        if store is None:
            return DISCONNECTED
        return self.key_stores.connection_state(store)

    def cluster_of(self, record: StoreKey) -> Cluster | None:
        store = self.store_of(record)
        if store is None:
            return None
        return self.clusters.find_cluster(store.cluster_id)
