"""Fixtures of the example suite. `cloudhsm_key_store` comes from moto-cloudhsm-ks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import boto3
import pytest
from moto.moto_api import state_manager

from moto_cloudhsm_ks.provisioning import ProvisionedKeyStore

if TYPE_CHECKING:
    from mypy_boto3_kms.client import KMSClient

# moto's state manager name for the connection states of a custom key store.
KEY_STORE_MODEL = "kms::customkeystore"


@pytest.fixture(autouse=True)
def aws_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # Keep real credentials out of the tests, even where the mock is not active.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


@pytest.fixture
def kms(cloudhsm_key_store: ProvisionedKeyStore) -> KMSClient:
    client: KMSClient = boto3.client("kms", region_name=cloudhsm_key_store.region_name)
    return client


@pytest.fixture
def sleeps() -> list[float]:
    """Return the list where the checker's fake sleep records its seconds."""
    return []


@pytest.fixture
def slow_connections() -> Iterator[None]:
    """Remove the test's manual transition afterwards, even when the test fails."""
    yield
    state_manager.unset_transition(KEY_STORE_MODEL)
