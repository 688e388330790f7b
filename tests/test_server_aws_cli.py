"""The seed walkthrough through the real AWS CLI against `moto-cloudhsm-ks server`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from moto_cloudhsm_ks import CloudHsmCliError, cloudhsm_cli, inject_connection_error
from moto_cloudhsm_ks.provisioning import provision_cluster, provision_key_store

from .server_process import ServerProcess, start_server

REGION = "us-east-1"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    process = start_server(tmp_path_factory.mktemp("server") / "server.log")
    yield process
    process.stop()


@pytest.fixture
def endpoint(server: ServerProcess) -> Iterator[str]:
    server.reset()
    yield server.url
    server.reset()


def aws(endpoint: str, *arguments: str, check: bool = True) -> Any:
    """Run the AWS CLI against the server and return its parsed JSON output."""
    result = subprocess.run(
        [sys.executable, "-m", "awscli", *arguments, "--endpoint-url", endpoint],
        capture_output=True,
        text=True,
        env={**os.environ, "AWS_DEFAULT_REGION": REGION, "AWS_PAGER": ""},
        timeout=60,
    )
    if check:
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout) if result.stdout.strip() else {}
    return result


def test_seed_connected_store(endpoint: str) -> None:
    store = provision_key_store(endpoint_url=endpoint)
    output = aws(
        endpoint,
        "kms",
        "describe-custom-key-stores",
        "--custom-key-store-name",
        "ExampleCloudHSMKeyStore",
    )
    entry = output["CustomKeyStores"][0]
    assert set(entry) == {
        "CloudHsmClusterId",
        "ConnectionState",
        "CreationDate",
        "CustomKeyStoreId",
        "CustomKeyStoreName",
        "CustomKeyStoreType",
        "TrustAnchorCertificate",
    }
    assert entry["CloudHsmClusterId"] == store.cluster_id
    assert entry["ConnectionState"] == "CONNECTED"
    assert entry["CustomKeyStoreId"] == store.custom_key_store_id
    assert entry["CustomKeyStoreName"] == "ExampleCloudHSMKeyStore"
    assert entry["CustomKeyStoreType"] == "AWS_CLOUDHSM"
    assert entry["TrustAnchorCertificate"] == store.trust_anchor
    assert len(output["CustomKeyStores"]) == 1
    everything = aws(endpoint, "kms", "describe-custom-key-stores")
    # The CLI pages automatically and prints only the stores.
    assert everything == {"CustomKeyStores": output["CustomKeyStores"]}


def test_account_header_isolates_accounts(endpoint: str) -> None:
    provision_key_store(endpoint_url=endpoint)
    other = boto3.client("kms", region_name=REGION, endpoint_url=endpoint)

    def add_account_header(request: Any, **_: Any) -> None:
        request.headers["x-moto-account-id"] = "111122223333"

    other.meta.events.register("before-send.kms.*", add_account_header)
    assert other.describe_custom_key_stores()["CustomKeyStores"] == []


def test_seed_failed_store_wrong_password(endpoint: str) -> None:
    store = provision_key_store(endpoint_url=endpoint)
    store_id = store.custom_key_store_id
    aws(
        endpoint,
        "kms",
        "disconnect-custom-key-store",
        "--custom-key-store-id",
        store_id,
    )
    aws(
        endpoint,
        "kms",
        "update-custom-key-store",
        "--custom-key-store-id",
        store_id,
        "--key-store-password",
        "wrongPassword1",
    )
    aws(endpoint, "kms", "connect-custom-key-store", "--custom-key-store-id", store_id)
    output = aws(
        endpoint, "kms", "describe-custom-key-stores", "--custom-key-store-id", store_id
    )
    entry = output["CustomKeyStores"][0]
    assert entry["ConnectionState"] == "FAILED"
    assert entry["ConnectionErrorCode"] == "INVALID_CREDENTIALS"
    assert entry["CustomKeyStoreId"] == store_id


def test_cli_create_and_errors(endpoint: str) -> None:
    cluster = provision_cluster(endpoint_url=endpoint)
    created = aws(
        endpoint,
        "kms",
        "create-custom-key-store",
        "--custom-key-store-name",
        "ExampleKeyStore",
        "--cloud-hsm-cluster-id",
        cluster.cluster_id,
        "--trust-anchor-certificate",
        cluster.trust_anchor,
        "--key-store-password",
        cluster.kmsuser_password,
    )
    assert created["CustomKeyStoreId"].startswith("cks-")
    result = aws(
        endpoint,
        "kms",
        "describe-custom-key-stores",
        "--custom-key-store-name",
        "nope",
        check=False,
    )
    assert result.returncode == 255  # AWS CLI v1 exit code for a service error
    assert "(CustomKeyStoreNotFoundException)" in result.stderr
    assert "Custom key store with name 'nope' does not exist" in result.stderr


def test_cloudhsm_cli_over_http(endpoint: str) -> None:
    cluster = provision_cluster(endpoint_url=endpoint)
    cli = cloudhsm_cli(cluster.cluster_id, endpoint_url=endpoint)
    users = {user["username"]: user for user in cli.user_list()}
    assert users["kmsuser"]["role"] == "crypto-user"
    assert users["kmsuser"]["locked"] is False
    with pytest.raises(CloudHsmCliError) as info:
        cli.user_create("alice", "crypto-user", "password1")
    assert str(info.value) == (
        "user create requires a login as a user with the admin role. Run login with "
        "an admin user first."
    )
    for _ in range(5):
        with pytest.raises(CloudHsmCliError):
            cli.login("kmsuser", "crypto-user", "badPassword")
    users = {user["username"]: user for user in cli.user_list()}
    assert users["kmsuser"]["locked"] is True


def test_server_log_never_shows_password(endpoint: str, server: ServerProcess) -> None:
    store = provision_key_store(endpoint_url=endpoint)
    kms = boto3.client("kms", region_name=REGION, endpoint_url=endpoint)
    kms.describe_custom_key_stores()
    log = server.log()
    assert "server started on http://127.0.0.1" in log
    assert store.kmsuser_password not in log
    assert store.admin_password not in log


def test_validation_error_through_cli(endpoint: str) -> None:
    result = aws(
        endpoint, "cloudhsmv2", "describe-clusters", "--max-results", "26", check=False
    )
    assert "Traceback" not in result.stderr
    assert "(ValidationException)" in result.stderr


def test_inject_connection_error_over_http(endpoint: str) -> None:
    store = provision_key_store(endpoint_url=endpoint, connection_state="DISCONNECTED")
    store_id = store.custom_key_store_id
    with pytest.raises(ValueError) as info:
        inject_connection_error(store_id, "USER_NOT_FOUND", endpoint_url=endpoint)
    assert "Cannot inject ConnectionErrorCode 'USER_NOT_FOUND'" in str(info.value)
    inject_connection_error(store_id, "NETWORK_ERRORS", endpoint_url=endpoint)
    aws(endpoint, "kms", "connect-custom-key-store", "--custom-key-store-id", store_id)
    output = aws(
        endpoint, "kms", "describe-custom-key-stores", "--custom-key-store-id", store_id
    )
    entry = output["CustomKeyStores"][0]
    assert entry["ConnectionState"] == "FAILED"
    assert entry["ConnectionErrorCode"] == "NETWORK_ERRORS"
