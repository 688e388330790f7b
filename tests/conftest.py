"""Shared fixtures: boto3 clients inside an active `mock_kms`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from moto_cloudhsm_ks import mock_kms

from .server_process import ServerProcess, start_server

# Fails any test whose responses, errors, logs or model reprs show a password.
pytest_plugins = ["tests.secret_watch"]

REGION = "us-east-1"


@pytest.fixture(autouse=True)
def _aws_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # Keep real credentials and a developer's Region out of every test.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("MOTO_ACCOUNT_ID", raising=False)


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_kms():
        yield


@pytest.fixture
def kms(aws: None) -> Any:
    return boto3.client("kms", region_name=REGION)


@pytest.fixture
def cloudhsm(aws: None) -> Any:
    return boto3.client("cloudhsmv2", region_name=REGION)


@pytest.fixture
def ec2(aws: None) -> Any:
    return boto3.client("ec2", region_name=REGION)


@pytest.fixture(scope="module")
def moto_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A `moto-cloudhsm-ks server` process on a free loopback port, per module."""
    process = start_server(tmp_path_factory.mktemp("server") / "server.log")
    yield process
    process.stop()


@pytest.fixture
def moto_endpoint(moto_server: ServerProcess) -> Iterator[str]:
    """The URL of `moto_server`, reset before and after the test."""
    moto_server.reset()
    yield moto_server.url
    moto_server.reset()
