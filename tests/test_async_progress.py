"""Holding a store in CONNECTING or DISCONNECTING through moto's state manager.

In-process through `moto.moto_api.state_manager`, and in server mode through
`/moto-api/state-manager/set-transition`. As everywhere in moto, with
`{"progression": "manual", "times": N}` the state moves on at the Nth describe.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto.moto_api import state_manager

from moto_cloudhsm_ks.provisioning import ProvisionedKeyStore, provision_key_store

from .server_process import ServerProcess

MODEL = "kms::customkeystore"
REGION = "us-east-1"
# "Until told": more describe calls than any test makes.
FOREVER = 1_000_000


@pytest.fixture
def manual_transitions() -> Iterator[None]:
    yield
    state_manager.unset_transition(MODEL)


def connection_states(kms: Any, store_id: str, calls: int) -> list[str]:
    states = []
    for _ in range(calls):
        store = kms.describe_custom_key_stores(CustomKeyStoreId=store_id)
        states.append(store["CustomKeyStores"][0]["ConnectionState"])
    return states


def disconnected_store(endpoint_url: str | None = None) -> tuple[Any, str]:
    store = provision_key_store(
        connection_state="DISCONNECTED", endpoint_url=endpoint_url
    )
    kms = boto3.client("kms", region_name=REGION, endpoint_url=endpoint_url)
    return kms, store.custom_key_store_id


@pytest.mark.usefixtures("aws", "manual_transitions")
def test_connecting_lasts_n_describe_calls() -> None:
    kms, store_id = disconnected_store()
    state_manager.set_transition(MODEL, {"progression": "manual", "times": 3})
    kms.connect_custom_key_store(CustomKeyStoreId=store_id)
    assert connection_states(kms, store_id, 4) == [
        "CONNECTING",
        "CONNECTING",
        "CONNECTED",
        "CONNECTED",
    ]


@pytest.mark.usefixtures("aws", "manual_transitions")
def test_connecting_until_transition_unset() -> None:
    kms, store_id = disconnected_store()
    state_manager.set_transition(MODEL, {"progression": "manual", "times": FOREVER})
    kms.connect_custom_key_store(CustomKeyStoreId=store_id)
    assert connection_states(kms, store_id, 5) == ["CONNECTING"] * 5
    state_manager.unset_transition(MODEL)
    assert connection_states(kms, store_id, 1) == ["CONNECTED"]


@pytest.mark.usefixtures("aws", "manual_transitions")
def test_disconnecting_lasts_n_describe_calls() -> None:
    kms, store_id = disconnected_store()
    kms.connect_custom_key_store(CustomKeyStoreId=store_id)
    state_manager.set_transition(MODEL, {"progression": "manual", "times": 2})
    kms.disconnect_custom_key_store(CustomKeyStoreId=store_id)
    assert connection_states(kms, store_id, 3) == [
        "DISCONNECTING",
        "DISCONNECTED",
        "DISCONNECTED",
    ]


@pytest.mark.usefixtures("aws", "manual_transitions")
def test_connect_while_connecting_is_accepted() -> None:
    kms, store_id = disconnected_store()
    state_manager.set_transition(MODEL, {"progression": "manual", "times": 2})
    kms.connect_custom_key_store(CustomKeyStoreId=store_id)
    kms.connect_custom_key_store(CustomKeyStoreId=store_id)
    assert connection_states(kms, store_id, 2) == ["CONNECTING", "CONNECTED"]


@pytest.mark.usefixtures("aws", "manual_transitions")
def test_failed_attempt_ends_at_nth_describe() -> None:
    store = provision_key_store(connection_state="DISCONNECTED")
    kms = boto3.client("kms", region_name=REGION)
    kms.update_custom_key_store(
        CustomKeyStoreId=store.custom_key_store_id, KeyStorePassword="wrongPswd1"
    )
    state_manager.set_transition(MODEL, {"progression": "manual", "times": 2})
    kms.connect_custom_key_store(CustomKeyStoreId=store.custom_key_store_id)
    states = connection_states(kms, store.custom_key_store_id, 2)
    assert states == ["CONNECTING", "FAILED"]
    entry = kms.describe_custom_key_stores(CustomKeyStoreId=store.custom_key_store_id)
    assert entry["CustomKeyStores"][0]["ConnectionErrorCode"] == "INVALID_CREDENTIALS"


# Server mode


def post_json(url: str, body: dict[str, Any]) -> int:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return int(response.status)


@pytest.fixture
def endpoint(moto_server: ServerProcess) -> Iterator[str]:
    moto_server.reset()
    yield moto_server.url
    post_json(
        f"{moto_server.url}/moto-api/state-manager/unset-transition",
        {"model_name": MODEL},
    )
    moto_server.reset()


def test_server_connecting_lasts_n_describe_calls(endpoint: str) -> None:
    kms, store_id = disconnected_store(endpoint)
    status = post_json(
        f"{endpoint}/moto-api/state-manager/set-transition",
        {"model_name": MODEL, "transition": {"progression": "manual", "times": 3}},
    )
    assert status == 201
    kms.connect_custom_key_store(CustomKeyStoreId=store_id)
    assert connection_states(kms, store_id, 4) == [
        "CONNECTING",
        "CONNECTING",
        "CONNECTED",
        "CONNECTED",
    ]


def test_server_connecting_until_transition_unset(endpoint: str) -> None:
    kms, store_id = disconnected_store(endpoint)
    post_json(
        f"{endpoint}/moto-api/state-manager/set-transition",
        {
            "model_name": MODEL,
            "transition": {"progression": "manual", "times": FOREVER},
        },
    )
    kms.connect_custom_key_store(CustomKeyStoreId=store_id)
    assert connection_states(kms, store_id, 3) == ["CONNECTING"] * 3
    post_json(
        f"{endpoint}/moto-api/state-manager/unset-transition", {"model_name": MODEL}
    )
    assert connection_states(kms, store_id, 1) == ["CONNECTED"]


def test_server_provisioning_waits_through_transition(endpoint: str) -> None:
    post_json(
        f"{endpoint}/moto-api/state-manager/set-transition",
        {"model_name": MODEL, "transition": {"progression": "manual", "times": 4}},
    )
    store: ProvisionedKeyStore = provision_key_store(endpoint_url=endpoint)
    kms = boto3.client("kms", region_name=REGION, endpoint_url=endpoint)
    states = connection_states(kms, store.custom_key_store_id, 1)
    assert states == ["CONNECTED"]
