"""The server under several client threads at once, on the loopback interface.

Each test starts its threads together behind a barrier, bounds them by a number
of requests and a deadline, and checks that requests overlapped: a test whose
threads ran one after another would prove nothing. Every response must be a
success or an error the race explains, never a 5xx, and the registry must
be whole and consistent afterwards.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from moto_cloudhsm_ks.provisioning import ProvisionedKeyStore, provision_key_store

from .server_process import ServerProcess, start_server

REGION = "us-east-1"
THREADS = 8
REQUESTS_PER_THREAD = 30
# Seconds after which every thread stops, whatever it has left to do.
DEADLINE = 90.0
STORES = 3
# Errors that a request racing with others may meet.
EXPECTED_ERRORS = {
    "CustomKeyStoreInvalidStateException",  # connect or create-key while not ready
    "KMSInvalidStateException",  # encrypt while the store is disconnected
}


class InFlight:
    """Counts requests in progress and remembers the largest count seen."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.current = 0
        self.maximum = 0

    def __enter__(self) -> None:
        with self._lock:
            self.current += 1
            self.maximum = max(self.maximum, self.current)

    def __exit__(self, *exc_info: object) -> None:
        with self._lock:
            self.current -= 1


def client(service: str, url: str) -> Any:
    # No retries, so every 5xx reaches the test.
    config = Config(retries={"total_max_attempts": 1}, max_pool_connections=THREADS)
    return boto3.client(service, region_name=REGION, endpoint_url=url, config=config)


def run_threads(work: Callable[[int], None]) -> None:
    """Run `work(index)` in THREADS threads started together; re-raise failures."""
    barrier = threading.Barrier(THREADS)
    failures: list[BaseException] = []

    def target(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            work(index)
        except BaseException as error:  # reported in the main thread
            failures.append(error)

    threads = [threading.Thread(target=target, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=DEADLINE + 30)
    assert not any(thread.is_alive() for thread in threads)
    if failures:
        raise failures[0]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    process = start_server(tmp_path_factory.mktemp("concurrency") / "server.log")
    yield process
    process.stop()
    assert " ERROR " not in process.log()


@pytest.fixture
def url(server: ServerProcess) -> str:
    server.reset()
    return server.url


def store_state(kms: Any, store_id: str) -> str:
    entry = kms.describe_custom_key_stores(CustomKeyStoreId=store_id)[
        "CustomKeyStores"
    ][0]
    return str(entry["ConnectionState"])


def test_mixed_operations(url: str) -> None:
    stores = [
        provision_key_store(custom_key_store_name=f"store-{i}", endpoint_url=url)
        for i in range(STORES)
    ]
    setup = client("kms", url)
    keys = {
        store.custom_key_store_id: [
            setup.create_key(
                CustomKeyStoreId=store.custom_key_store_id, Origin="AWS_CLOUDHSM"
            )["KeyMetadata"]["KeyId"]
        ]
        for store in stores
    }
    clients = [client("kms", url) for _ in range(THREADS)]
    in_flight = InFlight()
    outcomes: Counter[str] = Counter()
    created: list[tuple[str, str]] = []
    lock = threading.Lock()
    deadline = time.monotonic() + DEADLINE

    def work(index: int) -> None:
        kms = clients[index]
        chooser = random.Random(index)
        for _ in range(REQUESTS_PER_THREAD):
            if time.monotonic() > deadline:
                return
            store = chooser.choice(stores)
            store_id = store.custom_key_store_id
            action = chooser.choice(
                ["connect", "disconnect", "describe", "create_key", "encrypt"]
            )
            succeeded = False
            try:
                with in_flight:
                    result = _act(kms, action, store_id, chooser.choice(keys[store_id]))
                succeeded = True
            except ClientError as error:
                status = error.response["ResponseMetadata"]["HTTPStatusCode"]
                code = error.response["Error"]["Code"]
                assert status == 400, f"{action} answered {status}: {error}"
                assert code in EXPECTED_ERRORS, f"{action}: {error}"
                result = code
            with lock:
                outcomes[f"{action}: {'ok' if succeeded else result}"] += 1
                if action == "create_key" and succeeded:
                    created.append((store_id, result))

    run_threads(work)

    assert in_flight.maximum >= 2
    assert sum(outcomes.values()) == THREADS * REQUESTS_PER_THREAD
    _check_consistent(url, stores, keys, created)


def _act(kms: Any, action: str, store_id: str, key_id: str) -> str:
    """Make one request; return the new key ID for create_key, else "ok"."""
    if action == "connect":
        kms.connect_custom_key_store(CustomKeyStoreId=store_id)
        return "ok"
    if action == "disconnect":
        kms.disconnect_custom_key_store(CustomKeyStoreId=store_id)
        return "ok"
    if action == "describe":
        entries = kms.describe_custom_key_stores()["CustomKeyStores"]
        assert len(entries) == STORES
        assert len({entry["CustomKeyStoreId"] for entry in entries}) == STORES
        return "ok"
    if action == "create_key":
        metadata = kms.create_key(CustomKeyStoreId=store_id, Origin="AWS_CLOUDHSM")[
            "KeyMetadata"
        ]
        assert metadata["CustomKeyStoreId"] == store_id
        return str(metadata["KeyId"])
    ciphertext = kms.encrypt(KeyId=key_id, Plaintext=b"concurrent")["CiphertextBlob"]
    assert kms.decrypt(CiphertextBlob=ciphertext)["Plaintext"] == b"concurrent"
    return "ok"


def _check_consistent(
    url: str,
    stores: list[ProvisionedKeyStore],
    keys: dict[str, list[str]],
    created: list[tuple[str, str]],
) -> None:
    """Reconnect every store and use every key: nothing lost or duplicated."""
    kms = client("kms", url)
    entries = kms.describe_custom_key_stores()["CustomKeyStores"]
    assert sorted(e["CustomKeyStoreId"] for e in entries) == sorted(
        s.custom_key_store_id for s in stores
    )
    for store in stores:
        store_id = store.custom_key_store_id
        if store_state(kms, store_id) != "DISCONNECTED":
            kms.disconnect_custom_key_store(CustomKeyStoreId=store_id)
        kms.connect_custom_key_store(CustomKeyStoreId=store_id)
        assert store_state(kms, store_id) == "CONNECTED"
    all_keys = [(store_id, key) for store_id, ids in keys.items() for key in ids]
    all_keys += created
    assert len({key for _, key in all_keys}) == len(all_keys)
    listed = {key["KeyId"] for key in kms.list_keys(Limit=1000)["Keys"]}
    assert {key for _, key in all_keys} <= listed
    for store_id, key_id in all_keys:
        metadata = kms.describe_key(KeyId=key_id)["KeyMetadata"]
        assert metadata["CustomKeyStoreId"] == store_id
        assert metadata["KeyState"] == "Enabled"
        blob = kms.encrypt(KeyId=key_id, Plaintext=b"after")["CiphertextBlob"]
        assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"after"


def test_same_store_created_at_once(url: str) -> None:
    store = provision_key_store(connection_state="DISCONNECTED", endpoint_url=url)
    kms = client("kms", url)
    kms.delete_custom_key_store(CustomKeyStoreId=store.custom_key_store_id)
    clients = [client("kms", url) for _ in range(THREADS)]
    results: list[str] = []
    in_flight = InFlight()

    def work(index: int) -> None:
        with in_flight:
            store_id = clients[index].create_custom_key_store(
                CustomKeyStoreName="raced",
                CloudHsmClusterId=store.cluster_id,
                TrustAnchorCertificate=store.trust_anchor,
                KeyStorePassword=store.kmsuser_password,
            )["CustomKeyStoreId"]
        results.append(store_id)

    run_threads(work)

    # Identical requests return the one DISCONNECTED store they created.
    entries = kms.describe_custom_key_stores()["CustomKeyStores"]
    assert len(entries) == 1
    assert set(results) == {entries[0]["CustomKeyStoreId"]}
    assert len(results) == THREADS
    assert in_flight.maximum >= 2


def test_stores_on_one_cluster_at_once(url: str) -> None:
    store = provision_key_store(connection_state="DISCONNECTED", endpoint_url=url)
    kms = client("kms", url)
    kms.delete_custom_key_store(CustomKeyStoreId=store.custom_key_store_id)
    clients = [client("kms", url) for _ in range(THREADS)]
    created: list[str] = []
    rejected: list[str] = []

    def work(index: int) -> None:
        try:
            created.append(
                clients[index].create_custom_key_store(
                    CustomKeyStoreName=f"racer-{index}",
                    CloudHsmClusterId=store.cluster_id,
                    TrustAnchorCertificate=store.trust_anchor,
                    KeyStorePassword=store.kmsuser_password,
                )["CustomKeyStoreId"]
            )
        except ClientError as error:
            rejected.append(error.response["Error"]["Code"])

    run_threads(work)

    # A cluster can back one key store only, so exactly one of the racers wins.
    entries = kms.describe_custom_key_stores()["CustomKeyStores"]
    assert len(created) == 1
    assert rejected == ["CloudHsmClusterInUseException"] * (THREADS - 1)
    assert [entry["CustomKeyStoreId"] for entry in entries] == created


def test_hsms_created_at_once(url: str) -> None:
    store = provision_key_store(connection_state="DISCONNECTED", endpoint_url=url)
    hsm = client("cloudhsmv2", url)
    clients = [client("cloudhsmv2", url) for _ in range(THREADS)]
    zones = sorted(hsm.describe_clusters()["Clusters"][0]["SubnetMapping"])
    hsm_ids: list[str] = []

    def work(index: int) -> None:
        created = clients[index].create_hsm(
            ClusterId=store.cluster_id, AvailabilityZone=zones[index % len(zones)]
        )["Hsm"]
        hsm_ids.append(created["HsmId"])

    run_threads(work)

    cluster = hsm.describe_clusters()["Clusters"][0]
    listed = [entry["HsmId"] for entry in cluster["Hsms"]]
    enis = {entry["EniId"] for entry in cluster["Hsms"]}
    ips = {entry["EniIp"] for entry in cluster["Hsms"]}
    assert len(set(hsm_ids)) == THREADS
    assert set(hsm_ids) <= set(listed)
    assert len(listed) == THREADS + len(store.hsm_ids)
    assert len(enis) == len(listed)
    assert len(ips) == len(listed)


def test_log_free_of_errors(server: ServerProcess) -> None:
    assert " ERROR " not in server.log()
    assert "Traceback" not in server.log()


def test_hsm_addresses_unique(cloudhsm_cluster: Any) -> None:
    # Found by test_hsms_created_at_once: moto gave each HSM's ENI a random
    # address, so two HSMs in one subnet could share one.
    ec2 = boto3.client("ec2", region_name=REGION)
    hsm = boto3.client("cloudhsmv2", region_name=REGION)
    subnet_id = cloudhsm_cluster.subnet_ids[0]
    user_eni = ec2.create_network_interface(SubnetId=subnet_id)["NetworkInterface"]
    cluster = hsm.describe_clusters()["Clusters"][0]
    zone = next(z for z, s in cluster["SubnetMapping"].items() if s == subnet_id)
    for _ in range(24):
        hsm.create_hsm(ClusterId=cloudhsm_cluster.cluster_id, AvailabilityZone=zone)

    addresses = [
        entry["EniIp"] for entry in hsm.describe_clusters()["Clusters"][0]["Hsms"]
    ]
    assert len(addresses) == 26
    assert len(set(addresses)) == len(addresses)
    assert user_eni["PrivateIpAddress"] not in addresses
