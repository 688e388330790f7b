"""Touches moto internals: reads the registries without creating or advancing state.

`ManagedState.status` runs moto's state manager and may move a model to its next
state, and `BackendDict[...]` creates missing accounts and Regions. The console
reads `ManagedState._status` and looks backends up with `dict.get` instead, so a
page view leaves the registries exactly as it found them. A transition that is
due therefore shows once an AWS API call (such as DescribeCustomKeyStores or
DescribeClusters) has made it.
"""

from __future__ import annotations

from typing import Any, TypeVar

from moto.core.base_backend import BackendDict, BaseBackend
from moto.moto_api._internal.managed_state_model import ManagedState

from ..cloudhsm.backend import CloudHsmBackend, cloudhsm_backends
from ..cloudhsm.models import DELETED, Cluster, Hsm
from ..handlers import state_lock
from ..keystores.backend import key_store_backends
from ..keystores.models import (
    CONNECT_ATTEMPT_ENDED,
    CONNECTING,
    FAILED,
    CustomKeyStore,
)
from .state_help import connection_state_help

Backend = TypeVar("Backend", bound=BaseBackend)

CLOUDHSM_KEY_STORE_TYPE = "AWS_CLOUDHSM"


def recorded_state(model: ManagedState) -> str:
    """Return the state the model last recorded, without running a transition."""
    return str(model._status)


def existing_backend(
    backends: BackendDict[Backend], account_id: str, region_name: str
) -> Backend | None:
    """Return the backend of an account and Region, or None if it was never created."""
    accounts = dict.get(backends, account_id)
    if accounts is None:
        return None
    backend: Backend | None = dict.get(accounts, region_name)
    return backend


def _live_cluster(backend: CloudHsmBackend | None, cluster_id: str) -> Cluster | None:
    if backend is None:
        return None
    cluster = backend.clusters.get(cluster_id)
    if cluster is None or recorded_state(cluster) == DELETED:
        return None
    return cluster


def _hsm_count(cluster: Cluster | None) -> int | None:
    if cluster is None:
        return None
    return sum(1 for hsm in cluster.hsms if recorded_state(hsm) != DELETED)


def _store_state(store: CustomKeyStore) -> str:
    state = recorded_state(store)
    # The attempt's time is up, but its result is decided at the next
    # DescribeCustomKeyStores call, so the store still counts as connecting.
    return CONNECTING if state == CONNECT_ATTEMPT_ENDED else state


def _store_entry(
    store: CustomKeyStore, clusters: CloudHsmBackend | None
) -> dict[str, Any]:
    state = _store_state(store)
    error_code = store.connection_error_code if state == FAILED else None
    entry: dict[str, Any] = {
        "CustomKeyStoreId": store.custom_key_store_id,
        "CustomKeyStoreName": store.name,
        "CustomKeyStoreType": store.custom_key_store_type,
        "CloudHsmClusterId": store.cluster_id,
        "HsmCount": _hsm_count(_live_cluster(clusters, store.cluster_id)),
        "ConnectionState": state,
    }
    if error_code:
        entry["ConnectionErrorCode"] = error_code
    help_text = connection_state_help(state, error_code)
    if help_text:
        entry["ConnectionStateHelp"] = help_text
    return entry


def list_key_stores(account_id: str, region_name: str) -> list[dict[str, Any]]:
    """List the AWS_CLOUDHSM key stores in creation order, with their HSM counts.

    `HsmCount` is None when the store's cluster does not exist. No entry contains
    the kmsuser password or the trust anchor certificate.
    """
    with state_lock:
        stores_backend = existing_backend(key_store_backends, account_id, region_name)
        if stores_backend is None:
            return []
        clusters = existing_backend(cloudhsm_backends, account_id, region_name)
        stores = sorted(stores_backend.stores.values(), key=lambda s: s.sequence)
        return [
            _store_entry(store, clusters)
            for store in stores
            if store.custom_key_store_type == CLOUDHSM_KEY_STORE_TYPE
        ]


def _hsm_entry(hsm: Hsm) -> dict[str, Any]:
    return {
        "HsmId": hsm.hsm_id,
        "AvailabilityZone": hsm.availability_zone,
        "SubnetId": hsm.subnet_id,
        "EniId": hsm.eni_id,
        "EniIp": hsm.eni_ip,
        "State": recorded_state(hsm),
    }


def describe_cluster_hsms(
    account_id: str, region_name: str, cluster_id: str
) -> dict[str, Any] | None:
    """Describe a cluster's state and HSMs, or return None if it does not exist."""
    with state_lock:
        backend = existing_backend(cloudhsm_backends, account_id, region_name)
        cluster = _live_cluster(backend, cluster_id)
        if cluster is None:
            return None
        hsms = [hsm for hsm in cluster.hsms if recorded_state(hsm) != DELETED]
        return {
            "ClusterId": cluster.cluster_id,
            "ClusterState": recorded_state(cluster),
            "VpcId": cluster.vpc_id,
            "Hsms": [_hsm_entry(hsm) for hsm in hsms],
        }


def count_key_stores_by_region(account_id: str) -> dict[str, int]:
    """Count the AWS_CLOUDHSM key stores of each Region that has any."""
    with state_lock:
        accounts = dict.get(key_store_backends, account_id)
        if accounts is None:
            return {}
        counts: dict[str, int] = {}
        for region_name, backend in dict.items(accounts):
            count = sum(
                1
                for store in backend.stores.values()
                if store.custom_key_store_type == CLOUDHSM_KEY_STORE_TYPE
            )
            if count:
                counts[region_name] = count
        return counts


def regions_in_use(account_id: str) -> set[str]:
    """Return the Regions where the account has a key store or cluster backend."""
    with state_lock:
        regions: set[str] = set()
        for backends in (key_store_backends, cloudhsm_backends):
            backends_by_region = dict.get(backends, account_id)
            if backends_by_region is not None:
                regions.update(backends_by_region)
        return regions


def accounts_in_use() -> set[str]:
    """Return the accounts that have a key store or a cluster in any Region."""
    with state_lock:
        accounts = {
            account_id
            for account_id, stores_by_region in dict.items(key_store_backends)
            if any(backend.stores for backend in dict.values(stores_by_region))
        }
        accounts.update(
            account_id
            for account_id, clusters_by_region in dict.items(cloudhsm_backends)
            if any(backend.clusters for backend in dict.values(clusters_by_region))
        )
        return accounts
