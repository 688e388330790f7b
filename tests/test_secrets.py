"""No password or proxy secret comes back in a response, error, repr or log.

tests/secret_watch.py checks every test of the suite. These tests run the main
scenarios on purpose, in-process and against a server, and check that the
watch saw the secrets they used, so a watch that records nothing cannot pass.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from moto_cloudhsm_ks import CloudHsmCliError, cloudhsm_cli, mock_kms
from moto_cloudhsm_ks.keystores.backend import key_store_backends
from moto_cloudhsm_ks.provisioning import provision_key_store

from .secret_watch import SecretWatch
from .server_process import ServerProcess, start_server

REGION = "us-east-1"
ADMIN_PASSWORD = "adminSecret01"
KMSUSER_PASSWORD = "kmsuserSecret01"
WRONG_PASSWORD = "wrongSecret0001"
NEW_PASSWORD = "changedSecret01"
TOO_LONG_PASSWORD = "tooLongSecret" * 3
XKS_SECRET = "xksRawSecretAccessKeyValueThatIsLongEnough0123456789ABCDEF"


def test_watch_finds_planted_secret() -> None:
    watch = SecretWatch()
    watch.add_secret("plantedSecret1")
    watch.add_text("a response", '{"message": "bad plantedSecret1"}')
    assert watch.leaks() == ["a response contains the secret pla..."]


def test_watch_allows_secret_sent_elsewhere() -> None:
    watch = SecretWatch()
    watch.add_request(
        {"KeyStorePassword": "sameValue01", "CustomKeyStoreName": "sameValue01"}
    )
    watch.add_text("a response", '{"CustomKeyStoreName": "sameValue01"}')
    assert watch.secrets == {"sameValue01"}
    assert watch.leaks() == []


def scenario(endpoint_url: str | None) -> None:
    """Use every password in successes and failures, as a user would."""
    store = provision_key_store(
        kmsuser_password=KMSUSER_PASSWORD,
        admin_password=ADMIN_PASSWORD,
        endpoint_url=endpoint_url,
    )
    kms = boto3.client("kms", region_name=REGION, endpoint_url=endpoint_url)
    store_id = store.custom_key_store_id
    assert KMSUSER_PASSWORD not in repr(store)
    assert ADMIN_PASSWORD not in repr(store)

    key_id = kms.create_key(CustomKeyStoreId=store_id, Origin="AWS_CLOUDHSM")[
        "KeyMetadata"
    ]["KeyId"]
    kms.encrypt(KeyId=key_id, Plaintext=b"data")
    kms.describe_custom_key_stores()
    kms.disconnect_custom_key_store(CustomKeyStoreId=store_id)
    # A wrong password makes the next connection fail with INVALID_CREDENTIALS.
    kms.update_custom_key_store(
        CustomKeyStoreId=store_id, KeyStorePassword=WRONG_PASSWORD
    )
    kms.connect_custom_key_store(CustomKeyStoreId=store_id)
    kms.describe_custom_key_stores(CustomKeyStoreId=store_id)
    _expect_error(lambda: kms.encrypt(KeyId=key_id, Plaintext=b"data"))
    _expect_error(
        lambda: kms.update_custom_key_store(
            CustomKeyStoreId=store_id, KeyStorePassword=TOO_LONG_PASSWORD
        )
    )
    _expect_error(
        lambda: kms.create_custom_key_store(
            CustomKeyStoreName=store.custom_key_store_name,
            CloudHsmClusterId=store.cluster_id,
            TrustAnchorCertificate=store.trust_anchor,
            KeyStorePassword=NEW_PASSWORD,
        )
    )
    _expect_error(
        lambda: kms.create_custom_key_store(
            CustomKeyStoreName="external",
            CustomKeyStoreType="EXTERNAL_KEY_STORE",
            XksProxyUriEndpoint="https://proxy.example.com",
            XksProxyUriPath="/kms/xks/v1",
            XksProxyConnectivity="PUBLIC_ENDPOINT",
            XksProxyAuthenticationCredential={
                "AccessKeyId": "ABCDEFGHIJKLMNOPQRST",
                "RawSecretAccessKey": XKS_SECRET + "!",  # breaks the pattern
            },
        )
    )
    _cli_scenario(store.cluster_id, endpoint_url)


def _cli_scenario(cluster_id: str, endpoint_url: str | None) -> None:
    kmsuser = cloudhsm_cli(cluster_id, endpoint_url=endpoint_url)
    for _ in range(6):  # the sixth attempt meets the lockout
        with pytest.raises(CloudHsmCliError):
            kmsuser.login("kmsuser", "crypto-user", WRONG_PASSWORD)
    admin = cloudhsm_cli(cluster_id, endpoint_url=endpoint_url)
    with pytest.raises(CloudHsmCliError):
        admin.login("admin", "admin", WRONG_PASSWORD)
    admin.login("admin", "admin", ADMIN_PASSWORD)
    with pytest.raises(CloudHsmCliError):
        admin.user_change_password("kmsuser", "crypto-user", TOO_LONG_PASSWORD)
    admin.user_change_password("kmsuser", "crypto-user", NEW_PASSWORD)
    admin.user_list()
    admin.logout()
    kmsuser.login("kmsuser", "crypto-user", NEW_PASSWORD)
    kmsuser.logout()


def _expect_error(call: Any) -> None:
    with pytest.raises(ClientError) as raised:
        call()
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] < 500


def _used_secrets() -> set[str]:
    return {
        KMSUSER_PASSWORD,
        WRONG_PASSWORD,
        NEW_PASSWORD,
        TOO_LONG_PASSWORD,
        XKS_SECRET + "!",
    }


def test_in_process_scenario(secret_watch: SecretWatch) -> None:
    with mock_kms():
        scenario(None)
        rotated = {
            store.password
            for account in key_store_backends.values()
            for backend in account.values()
            for store in backend.stores.values()
        }
        assert len(rotated) == 1
        secret_watch.record_registry()

    assert _used_secrets() | {ADMIN_PASSWORD} | rotated <= secret_watch.secrets
    assert len(secret_watch.texts) > 50
    assert secret_watch.leaks() == []


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    process = start_server(tmp_path / "server.log")
    yield process
    process.stop()


def test_server_scenario(server: ServerProcess, secret_watch: SecretWatch) -> None:
    scenario(server.url)
    server.stop()
    log = server.log()
    secret_watch.add_text("the server log", log)

    assert "POST" in log
    assert _used_secrets() | {ADMIN_PASSWORD} <= secret_watch.secrets
    assert secret_watch.leaks() == []
