"""The console's page, assets and JSON endpoints over plain HTTP, against a real
`moto-cloudhsm-ks server` on a free port of 127.0.0.1."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from moto_cloudhsm_ks import mock_kms
from moto_cloudhsm_ks.cloudhsm.backend import cloudhsm_backends
from moto_cloudhsm_ks.console import routes
from moto_cloudhsm_ks.keystores.backend import key_store_backends
from moto_cloudhsm_ks.provisioning import provision_key_store

from .server_process import ServerProcess

REGION = "us-east-1"
OTHER_REGION = "us-west-2"
OTHER_ACCOUNT = "111122223333"
KEY_STORE_MODEL = "kms::customkeystore"
CONSOLE = "/moto-api/cloudhsm-ks/console/"


def get(url: str) -> tuple[int, dict[str, str], str]:
    """GET `url` and return the status, headers and body, also for 4xx responses."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def get_json(endpoint: str, path: str, **query: str) -> tuple[int, Any]:
    url = f"{endpoint}{CONSOLE}{path}"
    if query:
        url += "?" + urllib.parse.urlencode(query)
    status, headers, body = get(url)
    assert headers["Content-Type"] == "application/json"
    return status, json.loads(body)


def post_json(url: str, body: dict[str, Any]) -> None:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10):
        pass


def key_stores(endpoint: str, **query: str) -> list[dict[str, Any]]:
    status, body = get_json(endpoint, "key-stores.json", **query)
    assert status == 200, body
    entries: list[dict[str, Any]] = body["CustomKeyStores"]
    return entries


@pytest.fixture
def endpoint(moto_server: ServerProcess) -> Iterator[str]:
    """The server's URL; the test's transitions are unset and its state reset."""
    moto_server.reset()
    yield moto_server.url
    post_json(
        f"{moto_server.url}/moto-api/state-manager/unset-transition",
        {"model_name": KEY_STORE_MODEL},
    )
    moto_server.reset()


# The key store list


def test_key_stores_match_describe_calls(endpoint: str) -> None:
    connected = provision_key_store(endpoint_url=endpoint)
    failed = provision_key_store(
        endpoint_url=endpoint,
        connection_state="FAILED",
        custom_key_store_name="FailedKeyStore",
    )
    kms = boto3.client("kms", region_name=REGION, endpoint_url=endpoint)
    cloudhsm = boto3.client("cloudhsmv2", region_name=REGION, endpoint_url=endpoint)
    described = kms.describe_custom_key_stores()["CustomKeyStores"]
    clusters = {
        cluster["ClusterId"]: cluster
        for cluster in cloudhsm.describe_clusters()["Clusters"]
    }

    entries = key_stores(endpoint)

    assert [entry["CustomKeyStoreId"] for entry in entries] == [
        connected.custom_key_store_id,
        failed.custom_key_store_id,
    ]
    for entry, store in zip(entries, described, strict=True):
        assert entry["CustomKeyStoreId"] == store["CustomKeyStoreId"]
        assert entry["CustomKeyStoreName"] == store["CustomKeyStoreName"]
        assert entry["CustomKeyStoreType"] == store["CustomKeyStoreType"]
        assert entry["CloudHsmClusterId"] == store["CloudHsmClusterId"]
        assert entry["ConnectionState"] == store["ConnectionState"]
        assert entry.get("ConnectionErrorCode") == store.get("ConnectionErrorCode")
        hsms = clusters[store["CloudHsmClusterId"]]["Hsms"]
        assert entry["HsmCount"] == len(hsms)
    assert entries[1]["ConnectionErrorCode"] == "INVALID_CREDENTIALS"


def test_key_stores_explain_disconnected_and_failed(endpoint: str) -> None:
    provision_key_store(endpoint_url=endpoint, custom_key_store_name="Connected")
    provision_key_store(
        endpoint_url=endpoint,
        connection_state="DISCONNECTED",
        custom_key_store_name="Disconnected",
    )
    provision_key_store(
        endpoint_url=endpoint,
        connection_state="FAILED",
        custom_key_store_name="Failed",
    )

    entries = {entry["CustomKeyStoreName"]: entry for entry in key_stores(endpoint)}

    assert "ConnectionStateHelp" not in entries["Connected"]
    disconnected_help = entries["Disconnected"]["ConnectionStateHelp"]
    assert "never been connected" in disconnected_help
    assert "disconnected from its AWS CloudHSM cluster on purpose" in disconnected_help
    failed_help = entries["Failed"]["ConnectionStateHelp"]
    assert "disconnect it, fix the cause, then connect it again" in failed_help
    assert "UpdateCustomKeyStore KeyStorePassword" in failed_help


def test_key_stores_contain_no_password(endpoint: str) -> None:
    store = provision_key_store(
        endpoint_url=endpoint,
        kmsuser_password="consoleKmsuser1",
        admin_password="consoleAdmin1",
    )

    status, _, body = get(f"{endpoint}{CONSOLE}key-stores.json")

    assert status == 200
    assert store.kmsuser_password not in body
    assert store.admin_password not in body
    assert "Password" not in body
    assert "BEGIN CERTIFICATE" not in body


def test_key_stores_follow_region_parameter(endpoint: str) -> None:
    east = provision_key_store(endpoint_url=endpoint, region_name=REGION)
    west = provision_key_store(endpoint_url=endpoint, region_name=OTHER_REGION)

    east_entries = key_stores(endpoint, region=REGION)
    west_entries = key_stores(endpoint, region=OTHER_REGION)
    status, body = get_json(endpoint, "key-stores.json", region=OTHER_REGION)

    assert [e["CustomKeyStoreId"] for e in east_entries] == [east.custom_key_store_id]
    assert [e["CustomKeyStoreId"] for e in west_entries] == [west.custom_key_store_id]
    assert body["Region"] == OTHER_REGION
    counts = {entry["RegionName"]: entry["KeyStoreCount"] for entry in body["Regions"]}
    assert counts[REGION] == 1
    assert counts[OTHER_REGION] == 1
    assert counts["eu-west-1"] == 0


def test_key_stores_follow_account_parameter(endpoint: str) -> None:
    store = provision_key_store(endpoint_url=endpoint, account_id=OTHER_ACCOUNT)

    default_entries = key_stores(endpoint)
    status, body = get_json(endpoint, "key-stores.json", account=OTHER_ACCOUNT)

    assert default_entries == []
    assert status == 200
    assert body["Account"] == OTHER_ACCOUNT
    assert OTHER_ACCOUNT in body["Accounts"]
    ids = [entry["CustomKeyStoreId"] for entry in body["CustomKeyStores"]]
    assert ids == [store.custom_key_store_id]


def test_key_stores_with_deleted_cluster(endpoint: str) -> None:
    store = provision_key_store(endpoint_url=endpoint, connection_state="DISCONNECTED")
    cloudhsm = boto3.client("cloudhsmv2", region_name=REGION, endpoint_url=endpoint)
    for hsm_id in store.hsm_ids:
        cloudhsm.delete_hsm(ClusterId=store.cluster_id, HsmId=hsm_id)
    cloudhsm.describe_clusters()
    cloudhsm.delete_cluster(ClusterId=store.cluster_id)
    cloudhsm.describe_clusters()

    entries = key_stores(endpoint)
    status, body = get_json(
        endpoint, "cluster-hsms.json", **{"cluster-id": store.cluster_id}
    )

    assert entries[0]["CloudHsmClusterId"] == store.cluster_id
    assert entries[0]["HsmCount"] is None
    assert status == 404
    assert f"Cluster '{store.cluster_id}' does not exist" in body["error"]


# Reading leaves the registries unchanged


def test_reading_does_not_tick_state_manager(endpoint: str) -> None:
    store = provision_key_store(endpoint_url=endpoint, connection_state="DISCONNECTED")
    post_json(
        f"{endpoint}/moto-api/state-manager/set-transition",
        {
            "model_name": KEY_STORE_MODEL,
            "transition": {"progression": "manual", "times": 2},
        },
    )
    kms = boto3.client("kms", region_name=REGION, endpoint_url=endpoint)
    kms.connect_custom_key_store(CustomKeyStoreId=store.custom_key_store_id)

    console_states = [key_stores(endpoint)[0]["ConnectionState"] for _ in range(3)]
    described_states = [
        kms.describe_custom_key_stores()["CustomKeyStores"][0]["ConnectionState"]
        for _ in range(2)
    ]

    assert console_states == ["CONNECTING"] * 3
    # Three console reads would have made the first describe call the second tick.
    assert described_states == ["CONNECTING", "CONNECTED"]


def test_reading_shows_recorded_state(endpoint: str) -> None:
    # With moto's default immediate progression, DELETE_IN_PROGRESS ends at the
    # next DescribeClusters call, not at a console read.
    store = provision_key_store(endpoint_url=endpoint, hsm_count=3)
    cloudhsm = boto3.client("cloudhsmv2", region_name=REGION, endpoint_url=endpoint)
    deleted_hsm_id = store.hsm_ids[2]
    cloudhsm.delete_hsm(ClusterId=store.cluster_id, HsmId=deleted_hsm_id)
    cluster_query = {"cluster-id": store.cluster_id}

    count_before = key_stores(endpoint)[0]["HsmCount"]
    _, hsms_before = get_json(endpoint, "cluster-hsms.json", **cluster_query)
    cloudhsm.describe_clusters()
    count_after = key_stores(endpoint)[0]["HsmCount"]
    _, hsms_after = get_json(endpoint, "cluster-hsms.json", **cluster_query)

    assert count_before == 3
    states_before = {hsm["HsmId"]: hsm["State"] for hsm in hsms_before["Hsms"]}
    assert states_before[deleted_hsm_id] == "DELETE_IN_PROGRESS"
    assert count_after == 2
    hsm_ids_after = [hsm["HsmId"] for hsm in hsms_after["Hsms"]]
    assert hsm_ids_after == store.hsm_ids[:2]


def test_reading_creates_no_backends() -> None:
    account_id = "444455556666"
    with mock_kms():
        query = urllib.parse.urlencode({"account": account_id, "region": REGION})
        status, _, body = routes.key_stores(
            None, f"http://localhost{CONSOLE}key-stores.json?{query}", {}
        )
        stores_by_account = dict(key_store_backends)
        clusters_by_account = dict(cloudhsm_backends)

    assert status == 200
    assert json.loads(body)["CustomKeyStores"] == []
    assert account_id not in stores_by_account
    assert account_id not in clusters_by_account


# The HSMs of a cluster


def test_cluster_hsms_match_describe_clusters(endpoint: str) -> None:
    store = provision_key_store(endpoint_url=endpoint, hsm_count=3)
    cloudhsm = boto3.client("cloudhsmv2", region_name=REGION, endpoint_url=endpoint)
    cluster = cloudhsm.describe_clusters(Filters={"clusterIds": [store.cluster_id]})[
        "Clusters"
    ][0]

    status, body = get_json(
        endpoint, "cluster-hsms.json", **{"cluster-id": store.cluster_id}
    )

    assert status == 200
    assert body["ClusterId"] == store.cluster_id
    assert body["ClusterState"] == cluster["State"]
    assert body["VpcId"] == cluster["VpcId"]
    assert len(body["Hsms"]) == 3
    for entry, hsm in zip(body["Hsms"], cluster["Hsms"], strict=True):
        assert entry["HsmId"] == hsm["HsmId"]
        assert entry["AvailabilityZone"] == hsm["AvailabilityZone"]
        assert entry["SubnetId"] == hsm["SubnetId"]
        assert entry["EniId"] == hsm["EniId"]
        assert entry["EniIp"] == hsm["EniIp"]
        assert entry["State"] == hsm["State"]


# Invalid requests


@pytest.mark.parametrize(
    ("path", "query", "status", "message"),
    [
        ("key-stores.json", {"region": "xx-nowhere-1"}, 400, "Invalid region"),
        ("key-stores.json", {"account": "12345"}, 400, "Invalid account '12345'"),
        ("key-stores.json", {"regoin": REGION}, 400, "Unknown query parameter"),
        ("cluster-hsms.json", {}, 400, "Missing query parameter 'cluster-id'"),
        ("cluster-hsms.json", {"cluster-id": "c-1"}, 400, "Invalid cluster-id"),
        (
            "cluster-hsms.json",
            {"cluster-id": "cluster-abcdefghijk"},
            404,
            "Cluster 'cluster-abcdefghijk' does not exist",
        ),
    ],
)
def test_invalid_request_gives_json_error(
    endpoint: str, path: str, query: dict[str, str], status: int, message: str
) -> None:
    actual_status, body = get_json(endpoint, path, **query)

    assert actual_status == status
    assert message in body["error"]
    assert "Traceback" not in body["error"]


def test_repeated_parameter_gives_json_error(endpoint: str) -> None:
    url = f"{endpoint}{CONSOLE}key-stores.json?region={REGION}&region={OTHER_REGION}"

    status, headers, body = get(url)

    assert status == 400
    assert headers["Content-Type"] == "application/json"
    assert "given more than once" in json.loads(body)["error"]


def test_post_gives_method_not_allowed(endpoint: str) -> None:
    request = urllib.request.Request(
        f"{endpoint}{CONSOLE}key-stores.json", data=b"{}", method="POST"
    )

    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request, timeout=10)

    assert raised.value.code == 405
    assert "Use GET" in json.loads(raised.value.read())["error"]


# The page and its assets


def test_page_loads_assets_from_server_only(endpoint: str) -> None:
    status, headers, html = get(f"{endpoint}{CONSOLE}")

    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert "connect-src 'self'" in headers["Content-Security-Policy"]
    assert f'src="{CONSOLE}console.js"' in html
    assert f'href="{CONSOLE}console.css"' in html
    assert not re.search(r"(https?:)?//[a-z]", html)


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("console.js", "text/javascript; charset=utf-8"),
        ("console.css", "text/css; charset=utf-8"),
    ],
)
def test_asset_served_with_type(endpoint: str, name: str, content_type: str) -> None:
    status, headers, text = get(f"{endpoint}{CONSOLE}{name}")

    assert status == 200
    assert headers["Content-Type"] == content_type
    assert len(text) > 1000
    assert not re.search(r"https?://", text)
