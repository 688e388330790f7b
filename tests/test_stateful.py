"""Random sequences of operations, checked against a reference model of AWS.

The model below is written from the AWS rules for custom key stores (connection
states, error codes, HSM counts, kmsuser and its lockout), CloudHSM clusters and
KMS keys in a key store. It imports nothing from the plugin: it predicts each
response and each state from the requests alone, and the machine compares the
prediction with what the mock returns, step after step.

AWS does not document the order of some checks. There the model computes every
error that applies and accepts any one of them. When only one applies, the mock
must return that one.

STATEFUL_EXAMPLES sets the number of sequences (default 15) for a deeper run.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from moto_cloudhsm_ks import CloudHsmCliError, cloudhsm_cli, mock_kms
from moto_cloudhsm_ks.certificates import create_certificate_authority
from moto_cloudhsm_ks.provisioning import provision_cluster

REGION = "us-east-1"
HSM_TYPE = "hsm2m.medium"
# The store quota for this test, small enough for LimitExceededException to occur.
QUOTA = 2
ORIGINAL_PASSWORD = "kmsPswd123"
ADMIN_PASSWORD = "adminPswd123"
PASSWORDS = (ORIGINAL_PASSWORD, "newPassw0rd1", "wrongPass99")
STORE_NAMES = ("alpha", "beta", "gamma")
UNKNOWN_STORE_ID = "cks-0123456789abcdef0"
UNKNOWN_CLUSTER_ID = "cluster-aaaaaaaaaaa"
UNKNOWN_HSM_ID = "hsm-aaaaaaaaaaa"
UNKNOWN_KEY_ID = "00000000-0000-0000-0000-000000000000"
# Five failed logins lock a CloudHSM user (CloudHSM User Guide, cloudhsm_cli-login).
MAX_FAILED_LOGINS = 5
PENDING_WINDOWS = (7, 30, 3, 31)
# Choices favour requests that pass, so sequences reach connected stores and keys.
CHOICE = st.integers(0, 99)
PREFERRED_SHARE = 80
# Keys per sequence: enough for every key state, few enough to describe each step.
MAX_KEYS = 4

CONNECTED = "CONNECTED"
DISCONNECTED = "DISCONNECTED"
FAILED = "FAILED"

# Errors and their HTTP status, per the KMS and cloudhsmv2 models.
CLIENT_STATUS = 400


# The reference model -------------------------------------------------------


@dataclass
class ModelUser:
    role: str
    password: str
    failed_logins: int = 0

    @property
    def locked(self) -> bool:
        return self.failed_logins >= MAX_FAILED_LOGINS


@dataclass
class ModelCluster:
    """A cluster as AWS shows it. `lineage` names its backup history."""

    cluster_id: str
    lineage: str | None
    state: str
    zones: tuple[str, ...]
    hsms: dict[str, str] = field(default_factory=dict)  # HSM ID -> zone
    users: dict[str, ModelUser] = field(default_factory=dict)
    # Sessions logged in as kmsuser: "cli", or the ID of a connected store.
    kmsuser_sessions: set[str] = field(default_factory=set)
    cli_logged_in: bool = False

    @property
    def exists(self) -> bool:
        return self.state != "DELETED"

    @property
    def reachable(self) -> bool:
        """Whether the CloudHSM CLI can run user commands on the cluster."""
        return self.state == "ACTIVE" and bool(self.hsms)


@dataclass
class ModelStore:
    store_id: str
    name: str
    cluster_id: str
    trust_anchor: str
    # The kmsuser password KMS stores: what the user gave, or the rotated value.
    password: str
    state: str = DISCONNECTED
    error_code: str | None = None


@dataclass
class ModelKey:
    key_id: str
    arn: str
    store_id: str
    # The state while the store is connected: Enabled, Disabled or PendingDeletion.
    available_state: str = "Enabled"
    # Clusters that contain the key material.
    material_in: set[str] = field(default_factory=set)


@dataclass
class Model:
    clusters: dict[str, ModelCluster] = field(default_factory=dict)
    stores: dict[str, ModelStore] = field(default_factory=dict)
    keys: dict[str, ModelKey] = field(default_factory=dict)
    rotations: int = 0

    def cluster(self, cluster_id: str) -> ModelCluster | None:
        cluster = self.clusters.get(cluster_id)
        return cluster if cluster is not None and cluster.exists else None

    def store_by_name(self, name: str) -> ModelStore | None:
        return next((s for s in self.stores.values() if s.name == name), None)

    def lineage(self, cluster_id: str) -> str | None:
        # AWS keeps knowing a deleted cluster's certificate: its store can move to
        # a cluster restored from its backup (KMS Developer Guide, fix-keystore).
        cluster = self.clusters.get(cluster_id)
        return None if cluster is None else cluster.lineage

    def key_state(self, key: ModelKey) -> str:
        store = self.stores[key.store_id]
        if key.available_state == "PendingDeletion":
            return "PendingDeletion"
        if store.state != CONNECTED:
            return "Unavailable"
        return key.available_state


def two_zone_errors(cluster: ModelCluster) -> set[str]:
    """Errors for a cluster that must hold a key store: ACTIVE, two HSM zones."""
    if cluster.state != "ACTIVE":
        return {"CloudHsmClusterNotActiveException"}
    if len(set(cluster.hsms.values())) < 2:
        return {"CloudHsmClusterInvalidConfigurationException"}
    return set()


def create_store_errors(
    model: Model, name: str, cluster_id: str, anchor_ok: bool
) -> set[str]:
    errors = set()
    if model.store_by_name(name) is not None:
        errors.add("CustomKeyStoreNameInUseException")
    if len(model.stores) >= QUOTA:
        errors.add("LimitExceededException")
    cluster = model.cluster(cluster_id)
    if cluster is None:
        return errors | {"CloudHsmClusterNotFoundException"}
    lineage = cluster.lineage
    for store in model.stores.values():
        other = model.lineage(store.cluster_id)
        if store.cluster_id == cluster_id or (lineage and other == lineage):
            errors.add("CloudHsmClusterInUseException")
    if cluster.state != "ACTIVE":
        return errors | {"CloudHsmClusterNotActiveException"}
    if not anchor_ok:
        errors.add("IncorrectTrustAnchorException")
    return errors | two_zone_errors(cluster)


def update_store_errors(
    model: Model,
    store: ModelStore,
    new_name: str | None,
    password: str | None,
    cluster_id: str | None,
) -> set[str]:
    errors = set()
    if (password is not None or cluster_id is not None) and store.state != DISCONNECTED:
        errors.add("CustomKeyStoreInvalidStateException")
    if new_name is not None and store.state not in (CONNECTED, DISCONNECTED):
        errors.add("CustomKeyStoreInvalidStateException")
    owner = None if new_name is None else model.store_by_name(new_name)
    if owner is not None and owner is not store:
        errors.add("CustomKeyStoreNameInUseException")
    if cluster_id is None:
        return errors
    cluster = model.cluster(cluster_id)
    if cluster is None:
        return errors | {"CloudHsmClusterNotFoundException"}
    lineage = model.lineage(store.cluster_id)
    if cluster_id != store.cluster_id and (
        lineage is None or cluster.lineage != lineage
    ):
        errors.add("CloudHsmClusterNotRelatedException")
    return errors | two_zone_errors(cluster)


def connection_error_codes(model: Model, store: ModelStore) -> set[str]:
    """ConnectionErrorCode values a connection attempt may end with now.

    AWS does not document the order of these checks, so every code that applies
    is accepted.
    """
    cluster = model.cluster(store.cluster_id)
    if cluster is None:
        return {"CLUSTER_NOT_FOUND"}
    if not cluster.hsms:
        return {"INSUFFICIENT_CLOUDHSM_HSMS"}
    kmsuser = cluster.users.get("kmsuser")
    if kmsuser is None or kmsuser.role != "crypto-user":
        return {"USER_NOT_FOUND"}
    codes = set()
    if kmsuser.locked:
        codes.add("USER_LOCKED_OUT")
    if cluster.kmsuser_sessions:
        codes.add("USER_LOGGED_IN")
    if kmsuser.password != store.password:
        codes.add("INVALID_CREDENTIALS")
    return codes


# The state machine ---------------------------------------------------------


def error_code(error: ClientError) -> str:
    return str(error.response["Error"]["Code"])


class Clients:
    def __init__(self) -> None:
        # No retries, so the machine checks every response as the mock sent it.
        config = Config(retries={"total_max_attempts": 1})
        self.kms = boto3.client("kms", region_name=REGION, config=config)
        self.hsm = boto3.client("cloudhsmv2", region_name=REGION, config=config)


class KeyStoreMachine(RuleBasedStateMachine):
    """Drives KMS, cloudhsmv2 and CloudHSM CLI calls and checks them against Model."""

    clients: Clients
    other_anchor: str

    def __init__(self) -> None:
        super().__init__()
        self.mock = mock_kms()
        self.mock.start()
        self.model = Model()
        self.cluster_ids: list[str] = []
        # Every ID the mock returned, including stores and keys deleted since.
        self.store_ids: list[str] = []
        self.key_ids: list[str] = []
        self.trust_anchor = ""
        self.backup_anchor = ""

    def teardown(self) -> None:
        self.mock.stop()

    # Setup: five clusters with different histories

    @initialize()
    def build_clusters(self) -> None:
        first = provision_cluster(availability_zone_count=3)
        second = provision_cluster(availability_zone_count=3)
        single = provision_cluster(hsm_count=1, availability_zone_count=3)
        self.trust_anchor = first.trust_anchor
        restored = self._restore(first.cluster_id, first.subnet_ids)
        blank = self.clients.hsm.create_cluster(
            HsmType=HSM_TYPE, SubnetIds=second.subnet_ids
        )["Cluster"]["ClusterId"]
        lineages = {
            first.cluster_id: "first",
            restored: "first",
            second.cluster_id: "second",
            single.cluster_id: "single",
            blank: None,
        }
        for cluster in self._describe_clusters():
            self._add_model_cluster(cluster, lineages[cluster["ClusterId"]])
        self.cluster_ids = list(lineages)
        self.create_store("alpha", self.cluster_ids[0], True, ORIGINAL_PASSWORD)
        self.connect(0)

    def _restore(self, cluster_id: str, subnet_ids: list[str]) -> str:
        backup_id = cloudhsm_cli(cluster_id).daily_backup()
        restored = self.clients.hsm.create_cluster(
            HsmType=HSM_TYPE, SubnetIds=subnet_ids, SourceBackupId=backup_id
        )["Cluster"]["ClusterId"]
        zones = sorted(self._describe_cluster(restored)["SubnetMapping"])
        for zone in zones[:2]:
            self.clients.hsm.create_hsm(ClusterId=restored, AvailabilityZone=zone)
        return restored

    def _add_model_cluster(self, cluster: dict[str, Any], lineage: str | None) -> None:
        users = {}
        if lineage is not None:
            users = {
                "admin": ModelUser("admin", ADMIN_PASSWORD),
                "kmsuser": ModelUser("crypto-user", ORIGINAL_PASSWORD),
            }
        self.model.clusters[cluster["ClusterId"]] = ModelCluster(
            cluster_id=cluster["ClusterId"],
            lineage=lineage,
            state=cluster["State"],
            zones=tuple(sorted(cluster["SubnetMapping"])),
            hsms={hsm["HsmId"]: hsm["AvailabilityZone"] for hsm in cluster["Hsms"]},
            users=users,
        )

    def _describe_clusters(self) -> list[dict[str, Any]]:
        clusters: list[dict[str, Any]] = []
        paginator = self.clients.hsm.get_paginator("describe_clusters")
        for page in paginator.paginate():
            clusters.extend(page["Clusters"])
        return clusters

    def _describe_cluster(self, cluster_id: str) -> dict[str, Any]:
        found: dict[str, Any] = self.clients.hsm.describe_clusters(
            Filters={"clusterIds": [cluster_id]}
        )["Clusters"][0]
        return found

    # Calling and checking

    def _call(
        self, expected: set[str], call: Callable[[], Any]
    ) -> tuple[Any | None, str | None]:
        """Make a call; expect one of the `expected` errors, or success if empty."""
        try:
            result = call()
        except ClientError as error:
            code = error_code(error)
            assert expected, f"expected success, got {code}: {error}"
            assert code in expected, f"expected one of {sorted(expected)}, got {error}"
            status = error.response["ResponseMetadata"]["HTTPStatusCode"]
            assert status == CLIENT_STATUS
            assert error.response["Error"]["Message"]
            return None, code
        assert not expected, f"expected one of {sorted(expected)}, got success"
        return result, None

    def _cli(self, expect_failure: bool, call: Callable[[], Any]) -> bool:
        """Run a CloudHSM CLI command and return whether it succeeded, as predicted."""
        try:
            call()
        except CloudHsmCliError as error:
            assert expect_failure, f"CLI command failed unexpectedly: {error}"
            assert str(error)
            return False
        assert not expect_failure, "CLI command succeeded but should have failed"
        return True

    def _pick(self, preferred: list[str], choice: int, others: list[str]) -> str:
        """Pick from `preferred` most of the time, else from `others`."""
        if preferred and choice < PREFERRED_SHARE:
            return preferred[choice % len(preferred)]
        return others[choice % len(others)]

    def _any_cluster(self) -> list[str]:
        return [*self.cluster_ids, UNKNOWN_CLUSTER_ID]

    def _existing_clusters(self, test: Callable[[ModelCluster], bool]) -> list[str]:
        return [
            cluster_id
            for cluster_id in self.cluster_ids
            if (cluster := self.model.cluster(cluster_id)) is not None and test(cluster)
        ]

    def _store(self, choice: int, test: Callable[[ModelStore], bool]) -> str:
        """Pick a store for which `test` holds, else any store ID ever seen."""
        preferred = [s.store_id for s in self.model.stores.values() if test(s)]
        return self._pick(preferred, choice, [*self.store_ids, UNKNOWN_STORE_ID])

    def _key(self, choice: int, test: Callable[[ModelKey], bool]) -> str:
        preferred = [k.key_id for k in self.model.keys.values() if test(k)]
        return self._pick(preferred, choice, [*self.key_ids, UNKNOWN_KEY_ID])

    def _in_use_first(self, cluster_ids: list[str]) -> list[str]:
        """Narrow to the clusters key stores use, when there are any among them."""
        used = {store.cluster_id for store in self.model.stores.values()}
        return [c for c in cluster_ids if c in used] or cluster_ids

    def _user_cluster(self, choice: int) -> str:
        """Pick a cluster with users, preferring those that key stores use."""
        with_users = self.cluster_ids[:4]
        used = [s.cluster_id for s in self.model.stores.values()]
        return self._pick([c for c in with_users if c in used], choice, with_users)

    def _anchor(self, correct: bool) -> str:
        return self.trust_anchor if correct else self.other_anchor

    # Key store rules

    @rule(
        name=st.sampled_from(STORE_NAMES),
        cluster_choice=CHOICE,
        anchor_ok=st.sampled_from((True, True, True, False)),
        password=st.sampled_from((ORIGINAL_PASSWORD, *PASSWORDS)),
    )
    def create_store_on(
        self, name: str, cluster_choice: int, anchor_ok: bool, password: str
    ) -> None:
        usable = [
            cluster_id
            for cluster_id in self.cluster_ids
            if not create_store_errors(self.model, "", cluster_id, True)
            - {"LimitExceededException"}
        ]
        cluster_id = self._pick(usable, cluster_choice, self._any_cluster())
        self.create_store(name, cluster_id, anchor_ok, password)

    def create_store(
        self, name: str, cluster_id: str, anchor_ok: bool, password: str
    ) -> None:
        existing = self.model.store_by_name(name)
        retry = (
            existing is not None
            and existing.state == DISCONNECTED
            and existing.cluster_id == cluster_id
            and existing.password == password
            and anchor_ok
        )
        expected = (
            set()
            if retry
            else create_store_errors(self.model, name, cluster_id, anchor_ok)
        )
        result, code = self._call(
            expected,
            lambda: self.clients.kms.create_custom_key_store(
                CustomKeyStoreName=name,
                CloudHsmClusterId=cluster_id,
                TrustAnchorCertificate=self._anchor(anchor_ok),
                KeyStorePassword=password,
            ),
        )
        if result is None:
            return
        store_id = str(result["CustomKeyStoreId"])
        if retry:
            assert existing is not None
            assert store_id == existing.store_id
            return
        assert re.fullmatch(r"cks-[0-9a-f]{17}", store_id)
        assert store_id not in self.store_ids
        self.store_ids.append(store_id)
        self.model.stores[store_id] = ModelStore(
            store_id, name, cluster_id, self._anchor(anchor_ok), password
        )

    @rule(choice=CHOICE)
    def connect(self, choice: int) -> None:
        self._connect(self._store(choice, lambda store: store.state == DISCONNECTED))

    def _connect(self, store_id: str) -> None:
        store = self.model.stores.get(store_id)
        if store is None:
            self._call(
                {"CustomKeyStoreNotFoundException"},
                lambda: self.clients.kms.connect_custom_key_store(
                    CustomKeyStoreId=store_id
                ),
            )
            return
        expected = self._connect_errors(store)
        result, _ = self._call(
            expected,
            lambda: self.clients.kms.connect_custom_key_store(
                CustomKeyStoreId=store_id
            ),
        )
        if result is None or store.state == CONNECTED:
            return
        # A user polls until the attempt ends; the cluster is read at that moment.
        codes = connection_error_codes(self.model, store)
        entry = self._describe_store(store_id)
        if not codes:
            assert entry["ConnectionState"] == CONNECTED
            self._connected(store)
            return
        assert entry["ConnectionState"] == FAILED
        assert entry["ConnectionErrorCode"] in codes
        store.state = FAILED
        store.error_code = entry["ConnectionErrorCode"]
        if store.error_code == "INVALID_CREDENTIALS":
            # The model counts each failed KMS login once toward the lockout.
            self._kmsuser(store.cluster_id).failed_logins += 1

    def _connect_errors(self, store: ModelStore) -> set[str]:
        if store.state == FAILED:
            return {"CustomKeyStoreInvalidStateException"}
        if store.state == CONNECTED:
            return set()
        cluster = self.model.cluster(store.cluster_id)
        if cluster is None:
            return set()  # the attempt itself finds the cluster missing
        if cluster.state != "ACTIVE":
            return {"CloudHsmClusterNotActiveException"}
        if not cluster.hsms:
            return {"CloudHsmClusterInvalidConfigurationException"}
        return set()

    def _connected(self, store: ModelStore) -> None:
        # KMS logs in as kmsuser and rotates its password to a value only KMS stores.
        self.model.rotations += 1
        rotated = f"<rotated by KMS #{self.model.rotations}>"
        kmsuser = self._kmsuser(store.cluster_id)
        kmsuser.password = rotated
        kmsuser.failed_logins = 0
        store.password = rotated
        store.state = CONNECTED
        store.error_code = None
        self._require_cluster(store.cluster_id).kmsuser_sessions.add(store.store_id)

    def _kmsuser(self, cluster_id: str) -> ModelUser:
        return self._require_cluster(cluster_id).users["kmsuser"]

    def _require_cluster(self, cluster_id: str) -> ModelCluster:
        cluster = self.model.cluster(cluster_id)
        assert cluster is not None
        return cluster

    def _describe_store(self, store_id: str) -> dict[str, Any]:
        stores = self.clients.kms.describe_custom_key_stores(CustomKeyStoreId=store_id)[
            "CustomKeyStores"
        ]
        assert len(stores) == 1
        entry: dict[str, Any] = stores[0]
        return entry

    @rule(choice=CHOICE)
    def disconnect(self, choice: int) -> None:
        self._disconnect(self._store(choice, lambda store: store.state != DISCONNECTED))

    def _disconnect(self, store_id: str) -> None:
        store = self.model.stores.get(store_id)
        if store is None:
            expected = {"CustomKeyStoreNotFoundException"}
        elif store.state == DISCONNECTED:
            expected = {"CustomKeyStoreInvalidStateException"}
        else:
            expected = set()
        result, _ = self._call(
            expected,
            lambda: self.clients.kms.disconnect_custom_key_store(
                CustomKeyStoreId=store_id
            ),
        )
        if result is None or store is None:
            return
        cluster = self.model.cluster(store.cluster_id)
        if cluster is not None:
            cluster.kmsuser_sessions.discard(store_id)
        store.state = DISCONNECTED
        store.error_code = None

    @rule(
        choice=CHOICE,
        new_name=st.none() | st.sampled_from(STORE_NAMES),
        password_choice=st.none() | CHOICE,
        cluster_choice=st.none() | CHOICE,
    )
    def update(
        self,
        choice: int,
        new_name: str | None,
        password_choice: int | None,
        cluster_choice: int | None,
    ) -> None:
        store_id = self._store(choice, lambda store: store.state == DISCONNECTED)
        store = self.model.stores.get(store_id)
        password = None
        if password_choice is not None:
            # Users mostly tell KMS the kmsuser password they set last.
            cluster = None if store is None else self.model.cluster(store.cluster_id)
            kmsuser = None if cluster is None else cluster.users.get("kmsuser")
            known = (
                [kmsuser.password] if kmsuser and kmsuser.password in PASSWORDS else []
            )
            password = self._pick(known, password_choice, list(PASSWORDS))
        cluster_id = None
        if cluster_choice is not None:
            cluster_id = self._related_cluster(store, cluster_choice)
        if new_name is None and password is None and cluster_id is None:
            new_name = STORE_NAMES[0]
        self._update(store_id, new_name, password, cluster_id)

    @rule(choice=CHOICE, cluster_choice=CHOICE)
    def recover_store(self, choice: int, cluster_choice: int) -> None:
        """Follow the documented fix for a store that lost its cluster or failed:
        disconnect, point the store at a related cluster, connect."""
        store_id = self._store(
            choice,
            lambda store: (
                store.state == FAILED or self.model.cluster(store.cluster_id) is None
            ),
        )
        store = self.model.stores.get(store_id)
        if store is not None and store.state != DISCONNECTED:
            self._disconnect(store_id)
        cluster_id = self._related_cluster(store, cluster_choice)
        self._update(store_id, None, None, cluster_id)
        self._connect(store_id)

    def _related_cluster(self, store: ModelStore | None, choice: int) -> str:
        lineage = None if store is None else self.model.lineage(store.cluster_id)
        related = self._existing_clusters(
            lambda cluster: lineage is not None and cluster.lineage == lineage
        )
        return self._pick(related, choice, self._any_cluster())

    def _update(
        self,
        store_id: str,
        new_name: str | None,
        password: str | None,
        cluster_id: str | None,
    ) -> None:
        store = self.model.stores.get(store_id)
        if store is None:
            expected = {"CustomKeyStoreNotFoundException"}
        else:
            expected = update_store_errors(
                self.model, store, new_name, password, cluster_id
            )
        changes: dict[str, str] = {}
        if new_name is not None:
            changes["NewCustomKeyStoreName"] = new_name
        if password is not None:
            changes["KeyStorePassword"] = password
        if cluster_id is not None:
            changes["CloudHsmClusterId"] = cluster_id
        result, _ = self._call(
            expected,
            lambda: self.clients.kms.update_custom_key_store(
                CustomKeyStoreId=store_id, **changes
            ),
        )
        if result is None or store is None:
            return
        store.name = new_name or store.name
        store.password = password or store.password
        store.cluster_id = cluster_id or store.cluster_id

    @rule(choice=CHOICE)
    def delete_store(self, choice: int) -> None:
        store_id = self._store(
            choice,
            lambda store: (
                store.state == DISCONNECTED
                and all(
                    key.store_id != store.store_id for key in self.model.keys.values()
                )
            ),
        )
        store = self.model.stores.get(store_id)
        expected = set()
        if store is None:
            expected.add("CustomKeyStoreNotFoundException")
        else:
            if store.state != DISCONNECTED:
                expected.add("CustomKeyStoreInvalidStateException")
            if any(key.store_id == store_id for key in self.model.keys.values()):
                expected.add("CustomKeyStoreHasCMKsException")
        result, _ = self._call(
            expected,
            lambda: self.clients.kms.delete_custom_key_store(CustomKeyStoreId=store_id),
        )
        if result is not None:
            del self.model.stores[store_id]

    # cloudhsmv2 rules

    @rule(cluster_choice=CHOICE, zone_index=st.integers(0, 9))
    def create_hsm(self, cluster_choice: int, zone_index: int) -> None:
        existing = self._existing_clusters(lambda cluster: True)
        cluster_id = self._pick(existing, cluster_choice, self._any_cluster())
        cluster = self.model.cluster(cluster_id)
        zones = cluster.zones if cluster is not None else (f"{REGION}a",)
        # The clusters have subnets in three zones; the fourth zone has none.
        zone = f"{REGION}d" if zone_index == 9 else zones[zone_index % len(zones)]
        if cluster is None:
            expected = {"CloudHsmResourceNotFoundException"}
        elif zone not in cluster.zones or (
            # A second HSM must wait until the cluster is activated.
            cluster.state == "UNINITIALIZED" and cluster.hsms
        ):
            expected = {"CloudHsmInvalidRequestException"}
        else:
            expected = set()
        result, _ = self._call(
            expected,
            lambda: self.clients.hsm.create_hsm(
                ClusterId=cluster_id, AvailabilityZone=zone
            ),
        )
        if result is None or cluster is None:
            return
        hsm = result["Hsm"]
        assert hsm["ClusterId"] == cluster_id
        assert hsm["AvailabilityZone"] == zone
        assert hsm["State"] == "CREATE_IN_PROGRESS"
        assert hsm["HsmId"] not in cluster.hsms
        cluster.hsms[hsm["HsmId"]] = zone

    @rule(cluster_choice=CHOICE, hsm_choice=st.integers(0, 9))
    def delete_hsm(self, cluster_choice: int, hsm_choice: int) -> None:
        with_hsms = self._existing_clusters(lambda cluster: bool(cluster.hsms))
        cluster_id = self._pick(
            self._in_use_first(with_hsms), cluster_choice, self._any_cluster()
        )
        cluster = self.model.cluster(cluster_id)
        hsm_ids = sorted(cluster.hsms) if cluster is not None else []
        hsm_id = UNKNOWN_HSM_ID
        if hsm_ids and hsm_choice < 9:
            hsm_id = hsm_ids[hsm_choice % len(hsm_ids)]
        self._delete_hsm(cluster_id, hsm_id)

    def _delete_hsm(self, cluster_id: str, hsm_id: str) -> None:
        cluster = self.model.cluster(cluster_id)
        hsm_ids = sorted(cluster.hsms) if cluster is not None else []
        expected = set() if hsm_id in hsm_ids else {"CloudHsmResourceNotFoundException"}
        result, _ = self._call(
            expected,
            lambda: self.clients.hsm.delete_hsm(ClusterId=cluster_id, HsmId=hsm_id),
        )
        if result is None or cluster is None:
            return
        assert result["HsmId"] == hsm_id
        del cluster.hsms[hsm_id]

    @rule(cluster_choice=CHOICE)
    def delete_cluster(self, cluster_choice: int) -> None:
        empty = self._existing_clusters(lambda cluster: not cluster.hsms)
        cluster_id = self._pick(
            self._in_use_first(empty), cluster_choice, self._any_cluster()
        )
        self._delete_cluster(cluster_id)

    @rule(cluster_choice=CHOICE)
    def retire_cluster(self, cluster_choice: int) -> None:
        """Delete every HSM of a cluster, then the cluster, as a user tears it down."""
        existing = self._existing_clusters(lambda cluster: True)
        cluster_id = self._pick(
            self._in_use_first(existing), cluster_choice, self._any_cluster()
        )
        cluster = self.model.cluster(cluster_id)
        for hsm_id in sorted(cluster.hsms) if cluster is not None else []:
            self._delete_hsm(cluster_id, hsm_id)
        self._delete_cluster(cluster_id)

    def _delete_cluster(self, cluster_id: str) -> None:
        cluster = self.model.cluster(cluster_id)
        if cluster is None:
            expected = {"CloudHsmResourceNotFoundException"}
        elif cluster.hsms:
            expected = {"CloudHsmInvalidRequestException"}
        else:
            expected = set()
        result, _ = self._call(
            expected, lambda: self.clients.hsm.delete_cluster(ClusterId=cluster_id)
        )
        if result is None or cluster is None:
            return
        assert result["Cluster"]["ClusterId"] == cluster_id
        assert result["Cluster"]["State"] == "DELETE_IN_PROGRESS"
        cluster.state = "DELETED"

    # CloudHSM CLI rules, on the clusters that have users

    @rule(
        cluster_choice=CHOICE,
        password=st.sampled_from(PASSWORDS),
        attempts=st.integers(1, MAX_FAILED_LOGINS),
    )
    def kmsuser_login(self, cluster_choice: int, password: str, attempts: int) -> None:
        """Log in as kmsuser, repeating the attempt so wrong passwords lock it."""
        cluster_id = self._user_cluster(cluster_choice)
        for _ in range(attempts):
            if not self._kmsuser_login_once(cluster_id, password):
                return

    def _kmsuser_login_once(self, cluster_id: str, password: str) -> bool:
        """Try one login and return whether another attempt makes sense."""
        cluster = self.model.cluster(cluster_id)
        kmsuser = None if cluster is None else cluster.users.get("kmsuser")
        # While a store is connected, KMS holds kmsuser and nobody else can log
        # in as that user (KMS Developer Guide, fix-keystore).
        held_by_kms = cluster is not None and bool(cluster.kmsuser_sessions - {"cli"})
        expect_failure = (
            cluster is None
            or not cluster.reachable
            or cluster.cli_logged_in
            or kmsuser is None
            or held_by_kms
            or kmsuser.locked
            or kmsuser.password != password
        )
        session = self._kmsuser_session(cluster_id)
        ok = self._cli(
            expect_failure, lambda: session.login("kmsuser", "crypto-user", password)
        )
        if cluster is None or kmsuser is None:
            return False
        if ok:
            kmsuser.failed_logins = 0
            cluster.cli_logged_in = True
            cluster.kmsuser_sessions.add("cli")
            return False
        if (
            cluster.reachable
            and not cluster.cli_logged_in
            and not held_by_kms
            and not kmsuser.locked
            and kmsuser.password != password
        ):
            kmsuser.failed_logins += 1
            return True
        return False

    @rule(cluster_choice=CHOICE)
    def kmsuser_logout(self, cluster_choice: int) -> None:
        cluster_id = self._user_cluster(cluster_choice)
        cluster = self.model.cluster(cluster_id)
        expect_failure = cluster is None or not cluster.cli_logged_in
        ok = self._cli(expect_failure, self._kmsuser_session(cluster_id).logout)
        if ok and cluster is not None:
            cluster.cli_logged_in = False
            cluster.kmsuser_sessions.discard("cli")

    def _kmsuser_session(self, cluster_id: str) -> Any:
        sessions: dict[str, Any] = self.__dict__.setdefault("_sessions", {})
        if cluster_id not in sessions:
            sessions[cluster_id] = cloudhsm_cli(cluster_id)
        return sessions[cluster_id]

    def _as_admin(self, cluster_id: str, command: Callable[[Any], None]) -> None:
        """Log a fresh CLI session in as admin, run the command and log out."""
        session = cloudhsm_cli(cluster_id)
        session.login("admin", "admin", ADMIN_PASSWORD)
        try:
            command(session)
        finally:
            session.logout()

    @rule(cluster_choice=CHOICE, password=st.sampled_from(PASSWORDS))
    def change_kmsuser_password(self, cluster_choice: int, password: str) -> None:
        cluster_id = self._user_cluster(cluster_choice)
        cluster = self.model.cluster(cluster_id)
        kmsuser = None if cluster is None else cluster.users.get("kmsuser")
        expect_failure = (
            cluster is None
            or not cluster.reachable
            or kmsuser is None
            or bool(cluster.kmsuser_sessions)
        )
        ok = self._cli(
            expect_failure,
            lambda: self._as_admin(
                cluster_id,
                lambda s: s.user_change_password("kmsuser", "crypto-user", password),
            ),
        )
        if ok and kmsuser is not None:
            kmsuser.password = password
            kmsuser.failed_logins = 0

    @rule(cluster_choice=CHOICE)
    def delete_kmsuser(self, cluster_choice: int) -> None:
        cluster_id = self._user_cluster(cluster_choice)
        cluster = self.model.cluster(cluster_id)
        expect_failure = (
            cluster is None
            or not cluster.reachable
            or "kmsuser" not in cluster.users
            or bool(cluster.kmsuser_sessions)
        )
        ok = self._cli(
            expect_failure,
            lambda: self._as_admin(
                cluster_id, lambda s: s.user_delete("kmsuser", "crypto-user")
            ),
        )
        if ok and cluster is not None:
            del cluster.users["kmsuser"]

    @rule(cluster_choice=CHOICE, password=st.sampled_from(PASSWORDS))
    def create_kmsuser(self, cluster_choice: int, password: str) -> None:
        cluster_id = self._user_cluster(cluster_choice)
        cluster = self.model.cluster(cluster_id)
        expect_failure = (
            cluster is None or not cluster.reachable or "kmsuser" in cluster.users
        )
        ok = self._cli(
            expect_failure,
            lambda: self._as_admin(
                cluster_id,
                lambda s: s.user_create("kmsuser", "crypto-user", password),
            ),
        )
        if ok and cluster is not None:
            cluster.users["kmsuser"] = ModelUser("crypto-user", password)

    # KMS key rules

    @precondition(lambda self: len(self.model.keys) < MAX_KEYS)
    @rule(choice=CHOICE)
    def create_key(self, choice: int) -> None:
        store_id = self._store(choice, lambda store: store.state == CONNECTED)
        store = self.model.stores.get(store_id)
        if store is None:
            expected = {"CustomKeyStoreNotFoundException"}
        elif store.state != CONNECTED:
            expected = {"CustomKeyStoreInvalidStateException"}
        else:
            cluster = self.model.cluster(store.cluster_id)
            two_zones = cluster is not None and len(set(cluster.hsms.values())) >= 2
            expected = (
                set() if two_zones else {"CloudHsmClusterInvalidConfigurationException"}
            )
        result, _ = self._call(
            expected,
            lambda: self.clients.kms.create_key(
                CustomKeyStoreId=store_id, Origin="AWS_CLOUDHSM"
            ),
        )
        if result is None or store is None:
            return
        metadata = result["KeyMetadata"]
        assert metadata["CustomKeyStoreId"] == store_id
        assert metadata["Origin"] == "AWS_CLOUDHSM"
        assert metadata["KeyState"] == "Enabled"
        assert metadata["KeySpec"] == "SYMMETRIC_DEFAULT"
        key = ModelKey(metadata["KeyId"], metadata["Arn"], store_id)
        key.material_in.add(store.cluster_id)
        self.model.keys[key.key_id] = key
        self.key_ids.append(key.key_id)

    def _crypto_errors(self, key: ModelKey) -> set[str]:
        state = self.model.key_state(key)
        if state == "Disabled":
            return {"DisabledException"}
        if state != "Enabled":
            return {"KMSInvalidStateException"}
        store = self.model.stores[key.store_id]
        cluster = self.model.cluster(store.cluster_id)
        if cluster is None or not cluster.hsms:
            return {"KMSInvalidStateException"}
        if store.cluster_id not in key.material_in:
            return {"KMSInvalidStateException"}
        return set()

    @precondition(lambda self: bool(self.model.keys))
    @rule(choice=CHOICE, plaintext=st.binary(min_size=1, max_size=64))
    def encrypt(self, choice: int, plaintext: bytes) -> None:
        key_id = self._key(choice, lambda key: self.model.key_state(key) == "Enabled")
        key = self.model.keys.get(key_id)
        expected = {"NotFoundException"} if key is None else self._crypto_errors(key)
        result, _ = self._call(
            expected,
            lambda: self.clients.kms.encrypt(KeyId=key_id, Plaintext=plaintext),
        )
        if result is None or key is None:
            return
        assert result["KeyId"] == key.arn
        decrypted = self.clients.kms.decrypt(CiphertextBlob=result["CiphertextBlob"])
        assert decrypted["Plaintext"] == plaintext
        assert decrypted["KeyId"] == key.arn

    @precondition(lambda self: bool(self.model.keys))
    @rule(choice=CHOICE, enable=st.booleans())
    def enable_or_disable(self, choice: int, enable: bool) -> None:
        key_id = self._key(choice, lambda key: key.available_state != "PendingDeletion")
        key = self.model.keys.get(key_id)
        if key is None:
            expected = {"NotFoundException"}
        elif key.available_state == "PendingDeletion":
            expected = {"KMSInvalidStateException"}
        else:
            expected = set()
        kms = self.clients.kms
        call = kms.enable_key if enable else kms.disable_key
        result, _ = self._call(expected, lambda: call(KeyId=key_id))
        if result is not None and key is not None:
            key.available_state = "Enabled" if enable else "Disabled"

    @precondition(lambda self: bool(self.model.keys))
    @rule(choice=CHOICE, days=st.sampled_from(PENDING_WINDOWS))
    def schedule_deletion(self, choice: int, days: int) -> None:
        key_id = self._key(choice, lambda key: key.available_state != "PendingDeletion")
        key = self.model.keys.get(key_id)
        if key is None:
            expected = {"NotFoundException"}
        elif not 7 <= days <= 30:
            expected = {"ValidationException"}
        elif key.available_state == "PendingDeletion":
            expected = {"KMSInvalidStateException"}
        else:
            expected = set()
        result, _ = self._call(
            expected,
            lambda: self.clients.kms.schedule_key_deletion(
                KeyId=key_id, PendingWindowInDays=days
            ),
        )
        if result is None or key is None:
            return
        assert result["KeyState"] == "PendingDeletion"
        assert result["PendingWindowInDays"] == days
        key.available_state = "PendingDeletion"

    @precondition(lambda self: bool(self.model.keys))
    @rule(choice=CHOICE)
    def cancel_deletion(self, choice: int) -> None:
        key_id = self._key(choice, lambda key: key.available_state == "PendingDeletion")
        key = self.model.keys.get(key_id)
        if key is None:
            expected = {"NotFoundException"}
        elif key.available_state != "PendingDeletion":
            expected = {"KMSInvalidStateException"}
        else:
            expected = set()
        result, _ = self._call(
            expected, lambda: self.clients.kms.cancel_key_deletion(KeyId=key_id)
        )
        if result is not None and key is not None:
            key.available_state = "Disabled"

    # Invariants: the whole visible state matches the model after every step

    @invariant()
    def stores_match(self) -> None:
        if not self.cluster_ids:
            return
        entries = self.clients.kms.describe_custom_key_stores()["CustomKeyStores"]
        seen = {entry["CustomKeyStoreId"]: entry for entry in entries}
        assert len(seen) == len(entries)
        assert set(seen) == set(self.model.stores)
        for store_id, entry in seen.items():
            store = self.model.stores[store_id]
            assert entry["CustomKeyStoreName"] == store.name
            assert entry["CloudHsmClusterId"] == store.cluster_id
            assert entry["ConnectionState"] == store.state
            assert entry.get("ConnectionErrorCode") == store.error_code
            assert entry["CustomKeyStoreType"] == "AWS_CLOUDHSM"
            assert entry["TrustAnchorCertificate"] == store.trust_anchor
            assert "KeyStorePassword" not in entry

    @invariant()
    def clusters_match(self) -> None:
        if not self.cluster_ids:
            return
        seen = {cluster["ClusterId"]: cluster for cluster in self._describe_clusters()}
        existing = {c.cluster_id for c in self.model.clusters.values() if c.exists}
        assert set(seen) == existing
        for cluster_id, cluster in seen.items():
            expected = self.model.clusters[cluster_id]
            assert cluster["State"] == expected.state
            hsms = {hsm["HsmId"]: hsm["AvailabilityZone"] for hsm in cluster["Hsms"]}
            assert hsms == expected.hsms
            assert all(hsm["State"] == "ACTIVE" for hsm in cluster["Hsms"])

    @invariant()
    def users_match(self) -> None:
        for cluster_id in self.cluster_ids[:4]:
            cluster = self.model.cluster(cluster_id)
            if cluster is None or not cluster.reachable:
                continue
            users = {
                user["username"]: user for user in cloudhsm_cli(cluster_id).user_list()
            }
            assert set(users) == set(cluster.users)
            for name, user in cluster.users.items():
                assert users[name]["role"] == user.role
                assert users[name]["locked"] == user.locked

    @invariant()
    def keys_match(self) -> None:
        for key in self.model.keys.values():
            metadata = self.clients.kms.describe_key(KeyId=key.key_id)["KeyMetadata"]
            state = self.model.key_state(key)
            assert metadata["KeyState"] == state
            assert metadata["Enabled"] == (state == "Enabled")
            assert metadata["CustomKeyStoreId"] == key.store_id


@pytest.fixture
def machine_class(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[KeyStoreMachine]]:
    monkeypatch.setenv("MOTO_CLOUDHSM_KS_CUSTOM_KEY_STORE_QUOTA", str(QUOTA))
    KeyStoreMachine.clients = Clients()
    KeyStoreMachine.other_anchor = _other_anchor()
    yield KeyStoreMachine


_anchors: list[str] = []


def _other_anchor() -> str:
    """A trust anchor from a second CA, which no cluster was initialized with."""
    if not _anchors:
        _anchors.append(create_certificate_authority("another CA").certificate_pem)
    return _anchors[0]


def test_key_store_rules(machine_class: type[KeyStoreMachine]) -> None:
    run_state_machine_as_test(
        machine_class,
        settings=settings(
            max_examples=int(os.environ.get("STATEFUL_EXAMPLES", 15)),
            stateful_step_count=50,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=[HealthCheck.too_slow],
            # Shrinking a failing sequence can take minutes, so CI reports it whole.
            phases=[Phase.explicit, Phase.generate],
        ),
    )


def test_update_to_restored_cluster_after_deletion(cloudhsm_key_store: Any) -> None:
    # Found by the machine: the documented fix for CLUSTER_NOT_FOUND (restore the
    # cluster from a backup, update the store, connect) failed with
    # CloudHsmClusterNotRelatedException once the original cluster was gone.
    kms = boto3.client("kms", region_name=REGION)
    hsm = boto3.client("cloudhsmv2", region_name=REGION)
    store_id = cloudhsm_key_store.custom_key_store_id
    cluster_id = cloudhsm_key_store.cluster_id
    backup_id = cloudhsm_cli(cluster_id).daily_backup()
    kms.disconnect_custom_key_store(CustomKeyStoreId=store_id)
    for hsm_id in cloudhsm_key_store.hsm_ids:
        hsm.delete_hsm(ClusterId=cluster_id, HsmId=hsm_id)
    hsm.delete_cluster(ClusterId=cluster_id)
    restored = hsm.create_cluster(
        HsmType=HSM_TYPE,
        SubnetIds=cloudhsm_key_store.subnet_ids,
        SourceBackupId=backup_id,
    )["Cluster"]["ClusterId"]
    zones = sorted(hsm.describe_clusters()["Clusters"][0]["SubnetMapping"])
    for zone in zones:
        hsm.create_hsm(ClusterId=restored, AvailabilityZone=zone)

    kms.update_custom_key_store(CustomKeyStoreId=store_id, CloudHsmClusterId=restored)
    kms.connect_custom_key_store(CustomKeyStoreId=store_id)

    store = kms.describe_custom_key_stores(CustomKeyStoreId=store_id)[
        "CustomKeyStores"
    ][0]
    assert store["CloudHsmClusterId"] == restored
    assert store["ConnectionState"] == "CONNECTED"
