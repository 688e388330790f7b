"""The KMS custom key store operations, per account and Region."""

from __future__ import annotations

import base64
import binascii
import bisect
import operator
import os

from moto.core.base_backend import BackendDict, BaseBackend

from ..certificates import same_certificate
from ..cloudhsm.backend import CloudHsmBackend, cloudhsm_backends
from ..cloudhsm.models import Cluster
from ..exceptions import (
    CloudHsmClusterInUseException,
    CloudHsmClusterNotFoundException,
    CloudHsmClusterNotRelatedException,
    CustomKeyStoreHasCMKsException,
    CustomKeyStoreInvalidStateException,
    CustomKeyStoreNameInUseException,
    CustomKeyStoreNotFoundException,
    IncorrectTrustAnchorException,
    InvalidMarkerException,
    KMSInternalException,
    LimitExceededException,
)
from ..keys.registry import store_key_registries, utc_now
from . import cluster_checks, connection
from .models import (
    CONNECT_ATTEMPT_ENDED,
    CONNECTED,
    CONNECTING,
    DISCONNECTED,
    DISCONNECTING,
    FAILED,
    CustomKeyStore,
)

# "You can create up to 10 custom key stores in each AWS account and Region"
# (KMS Developer Guide, resource-limits). AWS raises it on request; tests raise it
# with this environment variable, read at every CreateCustomKeyStore.
DEFAULT_CUSTOM_KEY_STORE_QUOTA = 10
QUOTA_VARIABLE = "MOTO_CLOUDHSM_KS_CUSTOM_KEY_STORE_QUOTA"
# DescribeCustomKeyStores has no documented default Limit; the mock uses the
# maximum the model allows.
DEFAULT_PAGE_SIZE = 1000


class KeyStoreBackend(BaseBackend):
    """The custom key stores of one account and Region."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.stores: dict[str, CustomKeyStore] = {}
        self._next_sequence = 0
        self._issued_markers: set[str] = set()

    @property
    def clusters(self) -> CloudHsmBackend:
        backend: CloudHsmBackend = cloudhsm_backends[self.account_id][self.region_name]
        return backend

    # Reading stores

    def count_keys(self, store_id: str) -> int:
        """Count the KMS keys in the store, including keys pending deletion."""
        registry = store_key_registries[self.account_id][self.region_name]
        return registry.count_in_store(store_id, utc_now())

    def connection_state(self, store: CustomKeyStore) -> str:
        """Return the store's state, ending a connection attempt that is due."""
        state = store.raw_state()
        if state == CONNECT_ATTEMPT_ENDED:
            state = self._finish_connecting(store)
        return state

    def _finish_connecting(self, store: CustomKeyStore) -> str:
        cluster = self.clusters.find_cluster(store.cluster_id)
        error_code = connection.find_connection_error(store, cluster)
        if error_code is None:
            assert cluster is not None
            connection.establish(store, cluster)
            store.set_state(CONNECTED)
            return CONNECTED
        store.connection_error_code = error_code
        store.set_state(FAILED)
        return FAILED

    def get_store(self, store_id: str) -> CustomKeyStore:
        store = self.stores.get(store_id)
        if store is None:
            raise CustomKeyStoreNotFoundException(
                f"Custom key store '{store_id}' does not exist in account "
                f"{self.account_id} in {self.region_name}."
            )
        return store

    def _find_by_name(self, name: str) -> CustomKeyStore | None:
        for store in self.stores.values():
            if store.name == name:
                return store
        return None

    def describe_custom_key_stores(
        self,
        store_id: str | None,
        name: str | None,
        limit: int | None,
        marker: str | None,
    ) -> tuple[list[tuple[CustomKeyStore, str]], str | None]:
        """Return one page of (store, connection state) and the next marker."""
        if store_id is not None:
            stores = [self.get_store(store_id)]
        elif name is not None:
            store = self._find_by_name(name)
            if store is None:
                raise CustomKeyStoreNotFoundException(
                    f"Custom key store with name '{name}' does not exist in account "
                    f"{self.account_id} in {self.region_name}."
                )
            stores = [store]
        else:
            # Stores enter the dict in creation order, so it is already sorted by
            # sequence, and each page costs O(page + log n) instead of a sort.
            stores = list(self.stores.values())
        start = self._page_start(stores, marker)
        size = limit or DEFAULT_PAGE_SIZE
        page = stores[start : start + size]
        for store in page:
            store.advance()
        entries = [(store, self.connection_state(store)) for store in page]
        next_marker = None
        if start + size < len(stores):
            next_marker = self._issue_marker(stores[start + size])
        return entries, next_marker

    def _issue_marker(self, store: CustomKeyStore) -> str:
        marker = base64.urlsafe_b64encode(f"seq:{store.sequence}".encode()).decode()
        self._issued_markers.add(marker)
        return marker

    def _page_start(self, stores: list[CustomKeyStore], marker: str | None) -> int:
        if marker is None:
            return 0
        if marker not in self._issued_markers:
            raise InvalidMarkerException(
                f"The marker '{marker}' is not valid. Pass the NextMarker from the "
                "previous DescribeCustomKeyStores response, or omit Marker to start "
                "from the first page."
            )
        try:
            sequence = int(base64.urlsafe_b64decode(marker).decode()[len("seq:") :])
        except (binascii.Error, UnicodeError, ValueError) as error:
            raise InvalidMarkerException(f"The marker '{marker}' is not valid.") from (
                error
            )
        return bisect.bisect_left(stores, sequence, key=operator.attrgetter("sequence"))

    # Creating, updating and deleting

    def create_custom_key_store(
        self, name: str, cluster_id: str, trust_anchor: str, password: str
    ) -> CustomKeyStore:
        existing = self._find_by_name(name)
        if existing is not None:
            if self._is_identical_retry(existing, cluster_id, trust_anchor, password):
                return existing
            raise CustomKeyStoreNameInUseException(
                f"The custom key store name '{name}' is already used by custom key "
                f"store {existing.custom_key_store_id}. Use a name that is unique in "
                "the account and Region."
            )
        quota = custom_key_store_quota()
        if len(self.stores) >= quota:
            raise LimitExceededException(
                f"Account {self.account_id} already has {len(self.stores)} custom key "
                f"stores in {self.region_name}, the limit of {quota}. Delete a "
                "custom key store and try again."
            )
        cluster = self._get_cluster(cluster_id)
        self._require_cluster_not_in_use(cluster)
        cluster_checks.require_active(cluster)
        self._require_trust_anchor(cluster, trust_anchor)
        cluster_checks.require_network_configuration(cluster)
        cluster_checks.require_hsms_in_two_zones(cluster)
        store = CustomKeyStore(
            name, cluster_id, trust_anchor, password, self._next_sequence
        )
        store.cluster_certificate = cluster.cluster_certificate
        self._next_sequence += 1
        self.stores[store.custom_key_store_id] = store
        return store

    def _is_identical_retry(
        self,
        store: CustomKeyStore,
        cluster_id: str,
        trust_anchor: str,
        password: str,
    ) -> bool:
        # Creating a store with all the property values of an existing
        # DISCONNECTED store returns the existing store's ID (KMS Developer Guide,
        # create-keystore).
        return (
            self.connection_state(store) == DISCONNECTED
            and store.cluster_id == cluster_id
            and same_certificate(store.trust_anchor, trust_anchor)
            and store.password == password
        )

    def _get_cluster(self, cluster_id: str) -> Cluster:
        cluster = self.clusters.find_cluster(cluster_id)
        if cluster is None:
            raise CloudHsmClusterNotFoundException(
                f"AWS KMS cannot find the CloudHSM cluster {cluster_id} in account "
                f"{self.account_id} in {self.region_name}. Check the cluster ID."
            )
        return cluster

    def _require_cluster_not_in_use(self, cluster: Cluster) -> None:
        for store in self.stores.values():
            if store.cluster_id == cluster.cluster_id or _share_backup_history(
                cluster.cluster_certificate, store.cluster_certificate
            ):
                raise CloudHsmClusterInUseException(
                    f"CloudHSM cluster {cluster.cluster_id} is already associated "
                    f"with custom key store {store.custom_key_store_id}, or shares a "
                    f"backup history with cluster {store.cluster_id} that is. Use a "
                    "different cluster."
                )

    def _require_trust_anchor(self, cluster: Cluster, trust_anchor: str) -> None:
        if cluster.trust_anchor is None or not same_certificate(
            cluster.trust_anchor, trust_anchor
        ):
            raise IncorrectTrustAnchorException(
                "The TrustAnchorCertificate is not the trust anchor certificate of "
                f"CloudHSM cluster {cluster.cluster_id}. Pass the content of the "
                "customerCA.crt file you used to initialize the cluster."
            )

    def update_custom_key_store(
        self,
        store_id: str,
        new_name: str | None,
        password: str | None,
        cluster_id: str | None,
    ) -> None:
        store = self.get_store(store_id)
        state = self.connection_state(store)
        if (password is not None or cluster_id is not None) and state != DISCONNECTED:
            raise CustomKeyStoreInvalidStateException(
                f"Custom key store {store_id} is {state}. To change its "
                "KeyStorePassword or CloudHsmClusterId, disconnect it first; while "
                "it is CONNECTED you can change only its name."
            )
        if new_name is not None and state not in (CONNECTED, DISCONNECTED):
            raise CustomKeyStoreInvalidStateException(
                f"Custom key store {store_id} is {state}. Its name can be changed "
                "only while it is CONNECTED or DISCONNECTED."
            )
        if new_name is not None:
            owner = self._find_by_name(new_name)
            if owner is not None and owner is not store:
                raise CustomKeyStoreNameInUseException(
                    f"The custom key store name '{new_name}' is already used by "
                    f"custom key store {owner.custom_key_store_id}. Use a name that "
                    "is unique in the account and Region."
                )
        if cluster_id is not None:
            self._check_replacement_cluster(store, cluster_id)
        if new_name is not None:
            store.name = new_name
        if password is not None:
            store.password = password
        if cluster_id is not None:
            store.cluster_id = cluster_id
            cluster = self.clusters.find_cluster(cluster_id)
            assert cluster is not None  # checked by _check_replacement_cluster
            store.cluster_certificate = cluster.cluster_certificate

    def _check_replacement_cluster(
        self, store: CustomKeyStore, cluster_id: str
    ) -> None:
        cluster = self._get_cluster(cluster_id)
        related = cluster_id == store.cluster_id or _share_backup_history(
            cluster.cluster_certificate, store.cluster_certificate
        )
        if not related:
            raise CloudHsmClusterNotRelatedException(
                f"CloudHSM cluster {cluster_id} is not related to cluster "
                f"{store.cluster_id} of custom key store {store.custom_key_store_id}: "
                "it does not share its backup history or cluster certificate. "
                "Specify a cluster created from a backup of the original cluster."
            )
        cluster_checks.require_key_store_cluster(cluster)

    def delete_custom_key_store(self, store_id: str) -> None:
        store = self.get_store(store_id)
        state = self.connection_state(store)
        if state != DISCONNECTED:
            raise CustomKeyStoreInvalidStateException(
                f"Custom key store {store_id} is {state}. Disconnect it with "
                "DisconnectCustomKeyStore before you delete it."
            )
        key_count = self.count_keys(store_id)
        if key_count:
            raise CustomKeyStoreHasCMKsException(
                f"Custom key store {store_id} contains {key_count} KMS key(s), "
                "including keys pending deletion. Delete all KMS keys in the store "
                "before you delete it."
            )
        del self.stores[store_id]

    # Connecting and disconnecting

    def connect_custom_key_store(self, store_id: str) -> None:
        store = self.get_store(store_id)
        state = self.connection_state(store)
        if state in (FAILED, DISCONNECTING):
            raise CustomKeyStoreInvalidStateException(
                f"Custom key store {store_id} is {state}. A {state} custom key store "
                "cannot be connected; disconnect it with DisconnectCustomKeyStore, "
                "fix the cause and connect again."
            )
        if state in (CONNECTED, CONNECTING):
            return
        cluster = self.clusters.find_cluster(store.cluster_id)
        if cluster is not None:
            cluster_checks.require_active(cluster)
            cluster_checks.require_network_configuration(cluster)
            cluster_checks.require_active_hsm(cluster)
        store.connection_error_code = None
        store.set_state(CONNECTING)

    def disconnect_custom_key_store(self, store_id: str) -> None:
        store = self.get_store(store_id)
        state = self.connection_state(store)
        if state in (DISCONNECTED, DISCONNECTING):
            raise CustomKeyStoreInvalidStateException(
                f"Custom key store {store_id} is already {state}."
            )
        connection.release(store, self.clusters)
        store.connection_error_code = None
        store.set_state(DISCONNECTING)


def custom_key_store_quota() -> int:
    """Return the quota of custom key stores per account and Region."""
    value = os.environ.get(QUOTA_VARIABLE)
    if value is None:
        return DEFAULT_CUSTOM_KEY_STORE_QUOTA
    try:
        quota = int(value)
    except ValueError:
        quota = -1
    if quota < 0:
        raise KMSInternalException(
            f"{QUOTA_VARIABLE} is '{value}', which is not a whole number of custom key "
            "stores. Set it to 0 or more, or unset it for the AWS default of 10."
        )
    return quota


def _share_backup_history(first: str | None, second: str | None) -> bool:
    """Tell whether two cluster certificates show a shared backup history."""
    if first is None or second is None:
        return False
    return same_certificate(first, second)


key_store_backends = BackendDict(KeyStoreBackend, "kms")
