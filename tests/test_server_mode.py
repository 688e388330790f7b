"""Server mode: the server's log, `moto-cloudhsm-ks cloudhsm-cli`, reset and
`ThreadedMotoServer`, all against servers on free ports of 127.0.0.1."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import urllib.request
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

import moto_cloudhsm_ks
from moto_cloudhsm_ks import CloudHsmCliError, cloudhsm_cli
from moto_cloudhsm_ks.certificates import default_certificate_authority
from moto_cloudhsm_ks.provisioning import provision_cluster, provision_key_store

from .server_process import ServerProcess, console_script, free_port, start_server

REGION = "us-east-1"
ADMIN_PASSWORD = "adminPswd123"
# One attempt, so that an error reaches the test (and the log) once.
NO_RETRIES = Config(retries={"total_max_attempts": 1})


def run_cli(
    endpoint: str,
    cluster_id: str,
    *arguments: str,
    stdin: str = "",
    environment: dict[str, str] | None = None,
) -> tuple[int, Any]:
    """Run `moto-cloudhsm-ks cloudhsm-cli` and return its exit status and JSON."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("CLOUDHSM_PIN", "CLOUDHSM_ROLE")
    }
    env.update(environment or {})
    result = subprocess.run(
        [
            *console_script(),
            "cloudhsm-cli",
            "--endpoint-url",
            endpoint,
            "--cluster-id",
            cluster_id,
            *arguments,
        ],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.stderr == ""
    return result.returncode, json.loads(result.stdout)


ADMIN_PIN = {"CLOUDHSM_PIN": f"admin:{ADMIN_PASSWORD}", "CLOUDHSM_ROLE": "admin"}


# The server's log


def test_log_has_start_requests_and_stop(tmp_path: Path) -> None:
    server = start_server(tmp_path / "server.log")
    port = server.url.rsplit(":", 1)[1]
    try:
        kms = boto3.client("kms", region_name=REGION, endpoint_url=server.url)
        kms.describe_custom_key_stores()
    finally:
        server.process.send_signal(signal.SIGTERM)
        exit_status = server.process.wait(timeout=10)
        server.log_file.close()
    log = server.log()
    assert exit_status == 0
    assert (
        f"INFO moto_cloudhsm_ks.server: moto-cloudhsm-ks server started on "
        f"http://127.0.0.1:{port}\n" in log
    )
    assert "INFO moto_cloudhsm_ks.server: 127.0.0.1 POST / 200\n" in log
    assert log.endswith(
        "INFO moto_cloudhsm_ks.server: moto-cloudhsm-ks server stopped\n"
    )
    assert "\x1b[" not in log


def test_log_has_unhandled_error(
    moto_endpoint: str, moto_server: ServerProcess
) -> None:
    secret = "xksSecret" * 5
    kms = boto3.client(
        "kms", region_name=REGION, endpoint_url=moto_endpoint, config=NO_RETRIES
    )
    with pytest.raises(ClientError) as info:
        kms.create_custom_key_store(
            CustomKeyStoreName="External",
            CustomKeyStoreType="EXTERNAL_KEY_STORE",
            XksProxyUriEndpoint="https://xks.example.com",
            XksProxyUriPath="/kms/xks/v1",
            XksProxyConnectivity="PUBLIC_ENDPOINT",
            XksProxyAuthenticationCredential={
                "AccessKeyId": "A" * 20,
                "RawSecretAccessKey": secret,
            },
        )
    assert info.value.response["Error"]["Code"] == "InternalFailure"
    assert info.value.response["Error"]["Message"] == (
        "The mock failed to answer this request. See the server log."
    )
    log = moto_server.log()
    assert (
        "ERROR moto_cloudhsm_ks.server: Request POST / (target "
        "TrentService.CreateCustomKeyStore) failed: NotImplementedError: "
        "moto-cloudhsm-ks does not support CreateCustomKeyStore for "
        "EXTERNAL_KEY_STORE custom key stores yet.\nTraceback"
    ) in log
    assert "INFO moto_cloudhsm_ks.server: 127.0.0.1 POST / 500\n" in log
    assert secret not in log


def test_log_never_shows_passwords(
    moto_endpoint: str, moto_server: ServerProcess
) -> None:
    store = provision_key_store(
        endpoint_url=moto_endpoint, kmsuser_password="kmsSecret77"
    )
    kms = boto3.client("kms", region_name=REGION, endpoint_url=moto_endpoint)
    kms.disconnect_custom_key_store(CustomKeyStoreId=store.custom_key_store_id)
    kms.update_custom_key_store(
        CustomKeyStoreId=store.custom_key_store_id, KeyStorePassword="storeSecret77"
    )
    run_cli(
        moto_endpoint,
        store.cluster_id,
        "user-create",
        "--username",
        "alice",
        "--role",
        "crypto-user",
        stdin="aliceSecret77\n",
        environment=ADMIN_PIN,
    )
    query = "?password=querySecret77"
    with urllib.request.urlopen(
        f"{moto_endpoint}/moto-api/data.json{query}", timeout=10
    ):
        pass
    log = moto_server.log()
    assert (
        "INFO moto_cloudhsm_ks.server: 127.0.0.1 GET /moto-api/data.json 200\n" in log
    )
    for secret in (
        ADMIN_PASSWORD,
        "kmsSecret77",
        "storeSecret77",
        "aliceSecret77",
        "querySecret77",
    ):
        assert secret not in log


def test_server_port_in_use(moto_server: ServerProcess) -> None:
    port = moto_server.url.rsplit(":", 1)[1]
    result = subprocess.run(
        [*console_script(), "server", "--host", "127.0.0.1", "--port", port],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.startswith(
        f"Address already in use\nPort {port} is in use by another program."
    )
    assert result.stderr.endswith(
        "ERROR moto_cloudhsm_ks.server: moto-cloudhsm-ks server cannot listen on "
        f"127.0.0.1:{port} (reason above)\n"
    )


# moto-cloudhsm-ks cloudhsm-cli


def test_cli_user_create_with_pin(moto_endpoint: str) -> None:
    cluster = provision_cluster(endpoint_url=moto_endpoint, kmsuser_password=None)
    status, output = run_cli(
        moto_endpoint,
        cluster.cluster_id,
        "user-create",
        "--username",
        "kmsuser",
        "--role",
        "crypto-user",
        "--password",
        "kmsPswd123",
        environment=ADMIN_PIN,
    )
    assert status == 0
    assert output == {
        "error_code": 0,
        "data": {"username": "kmsuser", "role": "crypto-user"},
    }
    cli = cloudhsm_cli(cluster.cluster_id, endpoint_url=moto_endpoint)
    cli.login("kmsuser", "crypto-user", "kmsPswd123")
    cli.logout()


def test_cli_user_list(moto_endpoint: str) -> None:
    cluster = provision_cluster(endpoint_url=moto_endpoint)
    status, output = run_cli(moto_endpoint, cluster.cluster_id, "user-list")
    assert status == 0
    assert output == {
        "error_code": 0,
        "data": {
            "users": [
                {
                    "username": "admin",
                    "role": "admin",
                    "locked": "false",
                    "mfa": [],
                    "cluster-coverage": "full",
                },
                {
                    "username": "kmsuser",
                    "role": "crypto-user",
                    "locked": "false",
                    "mfa": [],
                    "cluster-coverage": "full",
                },
            ]
        },
    }


def test_cli_passwords_from_stdin(moto_endpoint: str) -> None:
    cluster = provision_cluster(endpoint_url=moto_endpoint)
    status, output = run_cli(
        moto_endpoint,
        cluster.cluster_id,
        "--login-username",
        "admin",
        "user-create",
        "--username",
        "Alice",
        "--role",
        "crypto-user",
        stdin=f"{ADMIN_PASSWORD}\nalicePswd1\n",
    )
    assert status == 0
    assert output["data"] == {"username": "alice", "role": "crypto-user"}
    cli = cloudhsm_cli(cluster.cluster_id, endpoint_url=moto_endpoint)
    cli.login("alice", "crypto-user", "alicePswd1")
    cli.logout()


def test_cli_change_password_and_delete(moto_endpoint: str) -> None:
    cluster = provision_cluster(endpoint_url=moto_endpoint)
    status, output = run_cli(
        moto_endpoint,
        cluster.cluster_id,
        "user-change-password",
        "--username",
        "kmsuser",
        "--role",
        "crypto-user",
        stdin="newKmsPswd1\n",
        environment=ADMIN_PIN,
    )
    assert (status, output["data"]) == (
        0,
        {"username": "kmsuser", "role": "crypto-user"},
    )
    status, output = run_cli(
        moto_endpoint,
        cluster.cluster_id,
        "user-delete",
        "--username",
        "kmsuser",
        "--role",
        "crypto-user",
        environment=ADMIN_PIN,
    )
    assert (status, output["data"]) == (
        0,
        {"username": "kmsuser", "role": "crypto-user"},
    )
    users = cloudhsm_cli(cluster.cluster_id, endpoint_url=moto_endpoint).user_list()
    assert [user["username"] for user in users] == ["admin"]


def test_cli_cluster_activate(moto_endpoint: str) -> None:
    cluster = provision_cluster(endpoint_url=moto_endpoint, hsm_count=0)
    hsm = boto3.client("cloudhsmv2", region_name=REGION, endpoint_url=moto_endpoint)
    hsm.create_hsm(ClusterId=cluster.cluster_id, AvailabilityZone="us-east-1a")
    described = hsm.describe_clusters(Filters={"clusterIds": [cluster.cluster_id]})
    authority = default_certificate_authority()
    hsm.initialize_cluster(
        ClusterId=cluster.cluster_id,
        SignedCert=authority.sign_csr(
            described["Clusters"][0]["Certificates"]["ClusterCsr"]
        ),
        TrustAnchor=authority.certificate_pem,
    )
    status, output = run_cli(
        moto_endpoint, cluster.cluster_id, "cluster-activate", stdin="firstAdmin1\n"
    )
    assert (status, output) == (
        0,
        {"error_code": 0, "data": "Cluster activation successful"},
    )
    described = hsm.describe_clusters(Filters={"clusterIds": [cluster.cluster_id]})
    assert described["Clusters"][0]["State"] == "ACTIVE"


def test_cli_daily_backup(moto_endpoint: str) -> None:
    cluster = provision_cluster(endpoint_url=moto_endpoint)
    status, output = run_cli(moto_endpoint, cluster.cluster_id, "daily-backup")
    assert status == 0
    backup_id = output["data"]["backup_id"]
    hsm = boto3.client("cloudhsmv2", region_name=REGION, endpoint_url=moto_endpoint)
    backups = hsm.describe_backups(Filters={"backupIds": [backup_id]})["Backups"]
    assert [backup["ClusterId"] for backup in backups] == [cluster.cluster_id]


def test_cli_logs_out_after_command(moto_endpoint: str) -> None:
    store = provision_key_store(
        endpoint_url=moto_endpoint, connection_state="DISCONNECTED"
    )
    status, _ = run_cli(
        moto_endpoint,
        store.cluster_id,
        "user-list",
        environment={
            "CLOUDHSM_PIN": f"kmsuser:{store.kmsuser_password}",
            "CLOUDHSM_ROLE": "crypto-user",
        },
    )
    assert status == 0
    kms = boto3.client("kms", region_name=REGION, endpoint_url=moto_endpoint)
    kms.connect_custom_key_store(CustomKeyStoreId=store.custom_key_store_id)
    entry = kms.describe_custom_key_stores(CustomKeyStoreId=store.custom_key_store_id)
    assert entry["CustomKeyStores"][0]["ConnectionState"] == "CONNECTED"


@pytest.mark.parametrize(
    ("arguments", "stdin", "environment", "message"),
    [
        (
            (
                "user-create",
                "--username",
                "bob",
                "--role",
                "admin",
                "--password",
                "bobPswd12",
            ),
            "",
            {},
            "user create requires a login as a user with the admin role. Run login "
            "with an admin user first.",
        ),
        (
            ("user-list",),
            "",
            {"CLOUDHSM_PIN": "admin:wrongPswd1", "CLOUDHSM_ROLE": "admin"},
            "Login failed for user 'admin': incorrect password (1 of 5 attempts "
            "before lockout).",
        ),
        (
            ("user-list",),
            "",
            {"CLOUDHSM_PIN": "admin", "CLOUDHSM_ROLE": "admin"},
            "Set CLOUDHSM_PIN to <username>:<password> and CLOUDHSM_ROLE to admin or "
            "crypto-user to log in, or unset CLOUDHSM_PIN.",
        ),
        (
            ("user-list",),
            "",
            {"CLOUDHSM_PIN": f"admin:{ADMIN_PASSWORD}"},
            "Set CLOUDHSM_PIN to <username>:<password> and CLOUDHSM_ROLE to admin or "
            "crypto-user to log in, or unset CLOUDHSM_PIN.",
        ),
        (
            ("--login-username", "admin", "user-list"),
            "",
            {},
            "Expected a password on standard input (Enter password for admin), but "
            "it ended. Pass each password on its own line.",
        ),
        (
            ("user-delete", "--username", "nobody", "--role", "crypto-user"),
            "",
            ADMIN_PIN,
            "User 'nobody' with role 'crypto-user' does not exist in the cluster. Run "
            "user list to see the users.",
        ),
    ],
)
def test_cli_errors(
    moto_endpoint: str,
    arguments: tuple[str, ...],
    stdin: str,
    environment: dict[str, str],
    message: str,
) -> None:
    cluster = provision_cluster(endpoint_url=moto_endpoint)
    status, output = run_cli(
        moto_endpoint,
        cluster.cluster_id,
        *arguments,
        stdin=stdin,
        environment=environment,
    )
    assert status == 1
    assert output == {"error_code": 1, "data": message}


def test_cli_unknown_cluster(moto_endpoint: str) -> None:
    status, output = run_cli(moto_endpoint, "cluster-abcdefghijk", "user-list")
    assert status == 1
    assert output["data"] == (
        "Cluster 'cluster-abcdefghijk' does not exist in account 123456789012 in "
        "us-east-1. Check the cluster ID, Region and account."
    )


def test_cli_unreachable_server() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    status, output = run_cli(url, "cluster-abcdefghijk", "user-list")
    assert status == 1
    assert output["data"] == (
        f"Cannot reach the server at {url}: [Errno 111] Connection refused. Start "
        "it with 'moto-cloudhsm-ks server' or check --endpoint-url."
    )


# Reset and ThreadedMotoServer


def test_reset_clears_plugin_state(
    moto_endpoint: str, moto_server: ServerProcess
) -> None:
    store = provision_key_store(endpoint_url=moto_endpoint)
    moto_server.reset()
    kms = boto3.client("kms", region_name=REGION, endpoint_url=moto_endpoint)
    hsm = boto3.client("cloudhsmv2", region_name=REGION, endpoint_url=moto_endpoint)
    assert kms.describe_custom_key_stores()["CustomKeyStores"] == []
    assert hsm.describe_clusters()["Clusters"] == []
    assert hsm.describe_backups()["Backups"] == []
    with pytest.raises(CloudHsmCliError) as info:
        cloudhsm_cli(store.cluster_id, endpoint_url=moto_endpoint).user_list()
    assert str(info.value) == (
        f"Cluster '{store.cluster_id}' does not exist in account 123456789012 in "
        "us-east-1. Check the cluster ID, Region and account."
    )


def test_threaded_moto_server_after_import() -> None:
    from moto.server import ThreadedMotoServer

    assert moto_cloudhsm_ks.__version__
    threaded = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    threaded.start()
    try:
        host, port = threaded.get_host_and_port()
        url = f"http://{host}:{port}"
        store = provision_key_store(endpoint_url=url)
        kms = boto3.client("kms", region_name=REGION, endpoint_url=url)
        stores = kms.describe_custom_key_stores()["CustomKeyStores"]
        assert [s["CustomKeyStoreId"] for s in stores] == [store.custom_key_store_id]
        assert stores[0]["ConnectionState"] == "CONNECTED"
        kms.disconnect_custom_key_store(CustomKeyStoreId=store.custom_key_store_id)
        kms.delete_custom_key_store(CustomKeyStoreId=store.custom_key_store_id)
        assert kms.describe_custom_key_stores()["CustomKeyStores"] == []
        users = cloudhsm_cli(store.cluster_id, endpoint_url=url).user_list()
        assert {user["username"] for user in users} == {"admin", "kmsuser"}
        request = urllib.request.Request(f"{url}/moto-api/reset", method="POST")
        with urllib.request.urlopen(request, timeout=10):
            pass
    finally:
        threaded.stop()


def test_cli_endpoint_from_environment(moto_endpoint: str) -> None:
    cluster = provision_cluster(endpoint_url=moto_endpoint)
    result = subprocess.run(
        [*console_script(), "cloudhsm-cli", "--cluster-id", cluster.cluster_id],
        capture_output=True,
        text=True,
        env={**os.environ, "AWS_ENDPOINT_URL": moto_endpoint},
        timeout=60,
    )
    assert result.returncode == 2
    assert "arguments are required: cli_command" in result.stderr
    result = subprocess.run(
        [
            *console_script(),
            "cloudhsm-cli",
            "--cluster-id",
            cluster.cluster_id,
            "user-list",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "AWS_ENDPOINT_URL": moto_endpoint},
        timeout=60,
    )
    assert result.returncode == 0, result.stdout
    users = json.loads(result.stdout)["data"]["users"]
    assert [user["username"] for user in users] == ["admin", "kmsuser"]


def test_cli_endpoint_required() -> None:
    environment = {k: v for k, v in os.environ.items() if k != "AWS_ENDPOINT_URL"}
    result = subprocess.run(
        [*console_script(), "cloudhsm-cli", "--cluster-id", "cluster-abc", "user-list"],
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.endswith(
        "error: the following arguments are required: --endpoint-url\n"
    )
