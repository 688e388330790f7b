"""The pytest plugin: fixtures, the `cloudhsm` marker and its checks, via pytester."""

from __future__ import annotations

import textwrap

import pytest

pytest_plugins = ["pytester"]

VALID_KEYWORDS = (
    "Valid keywords: account_id, admin_password, availability_zone_count, "
    "certificate_authority, connection_state, custom_key_store_name, hsm_count, "
    "kmsuser_password, region_name."
)

# Imports and helpers shared by the generated test modules.
PREAMBLE = """
import boto3
import pytest
from moto_cloudhsm_ks import cloudhsm_cli, mock_kms


def describe_store(store):
    kms = boto3.client("kms", region_name=store.region_name)
    stores = kms.describe_custom_key_stores(
        CustomKeyStoreId=store.custom_key_store_id
    )
    return stores["CustomKeyStores"][0]


def describe_cluster(cluster):
    hsm = boto3.client("cloudhsmv2", region_name=cluster.region_name)
    clusters = hsm.describe_clusters(Filters={"clusterIds": [cluster.cluster_id]})
    return clusters["Clusters"][0]
"""


@pytest.fixture
def suite(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeini(
        """
        [pytest]
        addopts = --strict-markers -p no:cacheprovider -p no:randomly
            -p no:hypothesispytest
        filterwarnings = error
        """
    )
    return pytester


def write_tests(pytester: pytest.Pytester, body: str) -> None:
    pytester.makepyfile(test_generated=PREAMBLE + textwrap.dedent(body))


def collection_error(result: pytest.RunResult) -> str:
    """Return the text of the collection error section of a run's output."""
    output = result.stdout.str()
    assert "ERROR collecting" in output, output
    return output


def test_cluster_fixture_defaults(suite: pytest.Pytester) -> None:
    write_tests(
        suite,
        """
        def test_cluster(cloudhsm_cluster):
            cluster = describe_cluster(cloudhsm_cluster)
            assert cluster["State"] == "ACTIVE"
            assert [h["State"] for h in cluster["Hsms"]] == ["ACTIVE", "ACTIVE"]
            assert len({h["AvailabilityZone"] for h in cluster["Hsms"]}) == 2
            assert cloudhsm_cluster.region_name == "us-east-1"
            assert cloudhsm_cluster.trust_anchor.startswith(
                "-----BEGIN CERTIFICATE-----"
            )
            users = cloudhsm_cli(cloudhsm_cluster.cluster_id).user_list()
            assert {(u["username"], u["role"]) for u in users} == {
                ("admin", "admin"),
                ("kmsuser", "crypto-user"),
            }
        """,
    )
    suite.runpytest().assert_outcomes(passed=1)


def test_key_store_fixture_defaults(suite: pytest.Pytester) -> None:
    write_tests(
        suite,
        """
        def test_store(cloudhsm_key_store, cloudhsm_cluster):
            store = describe_store(cloudhsm_key_store)
            assert store["ConnectionState"] == "CONNECTED"
            assert store["CustomKeyStoreName"] == "ExampleCloudHSMKeyStore"
            assert store["CloudHsmClusterId"] == cloudhsm_cluster.cluster_id
            assert cloudhsm_key_store.custom_key_store_id.startswith("cks-")
            assert cloudhsm_key_store.kmsuser_password == "kmsPswd123"
        """,
    )
    suite.runpytest().assert_outcomes(passed=1)


def test_marker_sets_cluster_options(suite: pytest.Pytester) -> None:
    write_tests(
        suite,
        """
        @pytest.mark.cloudhsm(
            hsm_count=3, availability_zone_count=3, region_name="eu-west-1"
        )
        def test_cluster(cloudhsm_cluster):
            cluster = describe_cluster(cloudhsm_cluster)
            assert cloudhsm_cluster.region_name == "eu-west-1"
            assert len(cluster["Hsms"]) == 3
            assert len({h["AvailabilityZone"] for h in cluster["Hsms"]}) == 3


        @pytest.mark.cloudhsm(hsm_count=1, kmsuser_password=None)
        def test_small_cluster(cloudhsm_cluster):
            assert len(describe_cluster(cloudhsm_cluster)["Hsms"]) == 1
            users = cloudhsm_cli(cloudhsm_cluster.cluster_id).user_list()
            assert [u["username"] for u in users] == ["admin"]
        """,
    )
    suite.runpytest().assert_outcomes(passed=2)


@pytest.mark.parametrize(
    ("state", "error_code"),
    [("DISCONNECTED", None), ("FAILED", "INVALID_CREDENTIALS")],
)
def test_marker_sets_connection_state(
    suite: pytest.Pytester, state: str, error_code: str | None
) -> None:
    write_tests(
        suite,
        f"""
        @pytest.mark.cloudhsm(
            connection_state={state!r}, custom_key_store_name="Ledger"
        )
        def test_store(cloudhsm_key_store):
            store = describe_store(cloudhsm_key_store)
            assert store["ConnectionState"] == {state!r}
            assert store.get("ConnectionErrorCode") == {error_code!r}
            assert store["CustomKeyStoreName"] == "Ledger"
        """,
    )
    suite.runpytest().assert_outcomes(passed=1)


def test_marker_kmsuser_password(suite: pytest.Pytester) -> None:
    write_tests(
        suite,
        """
        @pytest.mark.cloudhsm(
            kmsuser_password="otherPswd9", connection_state="DISCONNECTED"
        )
        def test_store(cloudhsm_key_store):
            cli = cloudhsm_cli(cloudhsm_key_store.cluster_id)
            cli.login("kmsuser", "crypto-user", "otherPswd9")
            cli.logout()
            assert cloudhsm_key_store.kmsuser_password == "otherPswd9"
        """,
    )
    suite.runpytest().assert_outcomes(passed=1)


def test_closer_marker_keyword_wins(suite: pytest.Pytester) -> None:
    write_tests(
        suite,
        """
        pytestmark = pytest.mark.cloudhsm(region_name="us-west-2", hsm_count=3)


        class TestStores:
            @pytest.mark.cloudhsm(hsm_count=2)
            def test_method_marker(self, cloudhsm_cluster):
                assert cloudhsm_cluster.region_name == "us-west-2"
                assert len(cloudhsm_cluster.hsm_ids) == 2

            def test_module_marker(self, cloudhsm_cluster):
                assert cloudhsm_cluster.region_name == "us-west-2"
                assert len(cloudhsm_cluster.hsm_ids) == 3
        """,
    )
    suite.runpytest().assert_outcomes(passed=2)


def test_fixtures_do_not_leak_stores(suite: pytest.Pytester) -> None:
    write_tests(
        suite,
        """
        import moto_cloudhsm_ks.keystores.backend as stores


        @pytest.mark.parametrize("attempt", [1, 2, 3])
        def test_store(cloudhsm_key_store, attempt):
            kms = boto3.client("kms", region_name="us-east-1")
            assert len(kms.describe_custom_key_stores()["CustomKeyStores"]) == 1
            if attempt == 2:
                raise RuntimeError("this test fails")


        def test_no_store_left():
            assert not stores.key_store_backends["123456789012"]["us-east-1"].stores
        """,
    )
    suite.runpytest().assert_outcomes(passed=3, failed=1)


def test_fixture_joins_active_mock(suite: pytest.Pytester) -> None:
    write_tests(
        suite,
        """
        from moto import mock_aws


        @pytest.fixture
        def bucket():
            with mock_aws():
                s3 = boto3.client("s3", region_name="us-east-1")
                s3.create_bucket(Bucket="kept")
                yield "kept"


        def test_store_and_bucket(bucket, cloudhsm_key_store):
            s3 = boto3.client("s3", region_name="us-east-1")
            names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
            assert names == ["kept"]
            assert describe_store(cloudhsm_key_store)["ConnectionState"] == "CONNECTED"


        @mock_kms
        def test_decorated(cloudhsm_key_store):
            assert describe_store(cloudhsm_key_store)["ConnectionState"] == "CONNECTED"
        """,
    )
    suite.runpytest().assert_outcomes(passed=2)


def test_marker_registered(suite: pytest.Pytester) -> None:
    result = suite.runpytest("--markers")
    result.stdout.fnmatch_lines(
        [
            "@pytest.mark.cloudhsm(**options): options of the cloudhsm_cluster and "
            "cloudhsm_key_store fixtures, with the keyword names of "
            "moto_cloudhsm_ks.provisioning.provision_key_store: account_id, *"
        ]
    )


@pytest.mark.parametrize(
    ("marker", "problem"),
    [
        (
            "cloudhsm(hsm_cont=3)",
            "unknown keyword 'hsm_cont'.",
        ),
        (
            "cloudhsm(endpoint_url='http://127.0.0.1:5000')",
            "unknown keyword 'endpoint_url'.",
        ),
        (
            "cloudhsm(3)",
            "it takes keyword arguments only, such as hsm_count=3, but got "
            "positional arguments (3,).",
        ),
        (
            "cloudhsm(hsm_count='3')",
            "hsm_count must be int, not str '3'.",
        ),
        (
            "cloudhsm(hsm_count=True)",
            "hsm_count must be int, not bool True.",
        ),
        (
            "cloudhsm(hsm_count=-1)",
            "hsm_count must be from 2 to 28, not -1, because CreateCustomKeyStore "
            "needs ACTIVE HSMs in two Availability Zones.",
        ),
        (
            "cloudhsm(hsm_count=29)",
            "hsm_count must be from 2 to 28, not 29.",
        ),
        (
            "cloudhsm(availability_zone_count=1)",
            "availability_zone_count must be at least 2, not 1, because "
            "CreateCustomKeyStore needs HSMs in two Availability Zones.",
        ),
        (
            "cloudhsm(connection_state='BOGUS')",
            "connection_state must be one of CONNECTED, DISCONNECTED, FAILED, not "
            "'BOGUS'.",
        ),
        (
            "cloudhsm(kmsuser_password='short')",
            "kmsuser_password must have 7 to 32 characters, as CloudHSM passwords "
            "do, not 5.",
        ),
        (
            "cloudhsm(kmsuser_password=None)",
            "kmsuser_password=None creates no kmsuser, so the store cannot be "
            "CONNECTED. Pass a kmsuser_password, or connection_state='FAILED' for "
            "a store whose connection fails with USER_NOT_FOUND.",
        ),
        (
            "cloudhsm(region_name='us-east1')",
            "region_name 'us-east1' is not a Region where botocore knows "
            "cloudhsmv2. Use a Region name such as 'us-east-1', or None for "
            "AWS_DEFAULT_REGION.",
        ),
        (
            "cloudhsm(account_id='12345')",
            "account_id must be 12 digits, not '12345'.",
        ),
        (
            "cloudhsm(custom_key_store_name='')",
            "custom_key_store_name must have 1 to 256 characters, not 0.",
        ),
        (
            "cloudhsm(certificate_authority='ca.pem')",
            "certificate_authority must be CertificateAuthority or None, not str "
            "'ca.pem'.",
        ),
    ],
)
def test_invalid_marker_fails_collection(
    suite: pytest.Pytester, marker: str, problem: str
) -> None:
    write_tests(
        suite,
        f"""
        @pytest.mark.{marker}
        def test_store(cloudhsm_key_store):
            pass


        def test_other():
            pass
        """,
    )
    result = suite.runpytest()
    output = collection_error(result)
    expected = (
        "Invalid @pytest.mark.cloudhsm on test_generated.py::test_store: "
        f"{problem} {VALID_KEYWORDS}"
    )
    assert expected in output.replace("\n", "")
    result.assert_outcomes(errors=1)


def test_cluster_rules_without_key_store(suite: pytest.Pytester) -> None:
    write_tests(
        suite,
        """
        @pytest.mark.cloudhsm(hsm_count=-1, connection_state="CONNECTED")
        def test_cluster(cloudhsm_cluster):
            pass
        """,
    )
    result = suite.runpytest()
    assert (
        "Invalid @pytest.mark.cloudhsm on test_generated.py::test_cluster: "
        f"hsm_count must be from 0 to 28, not -1. {VALID_KEYWORDS}"
    ) in collection_error(result).replace("\n", "")


def test_invalid_class_marker_fails_collection(suite: pytest.Pytester) -> None:
    write_tests(
        suite,
        """
        @pytest.mark.cloudhsm(connection_state="BOGUS")
        class TestStores:
            def test_store(self, cloudhsm_key_store):
                pass
        """,
    )
    result = suite.runpytest()
    assert (
        "Invalid @pytest.mark.cloudhsm on test_generated.py::TestStores::test_store: "
        "connection_state must be one of CONNECTED, DISCONNECTED, FAILED, not "
        f"'BOGUS'. {VALID_KEYWORDS}"
    ) in collection_error(result).replace("\n", "")


def test_marker_added_at_setup_fails_setup(suite: pytest.Pytester) -> None:
    write_tests(
        suite,
        """
        @pytest.fixture
        def late_marker(request):
            request.node.add_marker(pytest.mark.cloudhsm(hsm_count="two"))


        def test_store(late_marker, cloudhsm_cluster):
            pass
        """,
    )
    result = suite.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*Invalid @pytest.mark.cloudhsm on test_generated.py::test_store: "
            "hsm_count must be int, not str 'two'. Valid keywords: *"
        ]
    )


def test_valid_marker_without_fixture_is_ignored(suite: pytest.Pytester) -> None:
    write_tests(
        suite,
        """
        @pytest.mark.cloudhsm(hsm_count=1)
        def test_plain():
            pass
        """,
    )
    suite.runpytest().assert_outcomes(passed=1)
