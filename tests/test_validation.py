"""Tests for request validation against botocore's service models.

Most tests call the validator directly. The tests at the end send requests
through boto3 and the mocked services.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import botocore.session
import pytest
from botocore.exceptions import ClientError

from moto_cloudhsm_ks.exceptions import (
    CloudHsmValidationException,
    ValidationException,
)
from moto_cloudhsm_ks.java_regex import compile_pattern, java_to_python_regex
from moto_cloudhsm_ks.validation import (
    CloudHsmSerializationException,
    SerializationException,
    find_violations,
    validate_request,
)

CLUSTER_ID = "cluster-234abcdefgh"
SUBNET_ID = "subnet-0123456789abcdef0"
XKS_ACCESS_KEY_ID = "ABCDEFGHIJKLMNOPQRST"
XKS_SECRET = "a" * 43
# CreateCustomKeyStore requires only CustomKeyStoreName.
STORE = {"CustomKeyStoreName": "store"}


def kms_error(operation: str, params: dict[str, Any]) -> ValidationException:
    with pytest.raises(ValidationException) as caught:
        validate_request("kms", operation, params)
    return caught.value


def constraint(value: str | None, path: str, text: str) -> str:
    value_text = "Value null" if value is None else f"Value '{value}'"
    return f"{value_text} at '{path}' failed to satisfy constraint: {text}"


def test_store_name_too_long() -> None:
    name = "n" * 257
    violations = find_violations(
        "kms", "CreateCustomKeyStore", {"CustomKeyStoreName": name}
    )
    assert violations == [
        constraint(
            name,
            "customKeyStoreName",
            "Member must have length less than or equal to 256",
        )
    ]


def test_store_name_counts_characters() -> None:
    params = {"CustomKeyStoreName": "é" * 256}
    assert find_violations("kms", "CreateCustomKeyStore", params) == []


def test_password_too_long_hidden() -> None:
    password = "Secret-" + "p" * 26
    error = kms_error("CreateCustomKeyStore", {**STORE, "KeyStorePassword": password})
    assert error.message == (
        "1 validation error detected: Value at 'keyStorePassword' failed to "
        "satisfy constraint: Member must have length less than or equal to 32"
    )
    assert password not in error.description
    assert "Secret-" not in error.description


def test_cluster_id_pattern() -> None:
    params = {**STORE, "CloudHsmClusterId": "x" * 19}
    assert find_violations("kms", "CreateCustomKeyStore", params) == [
        constraint(
            "x" * 19,
            "cloudHsmClusterId",
            "Member must satisfy regular expression pattern: "
            "cluster-[2-7a-zA-Z]{11,16}",
        )
    ]


def test_store_type_enum() -> None:
    error = kms_error("CreateCustomKeyStore", {**STORE, "CustomKeyStoreType": "FOO"})
    assert error.message == (
        "1 validation error detected: Value 'FOO' at 'customKeyStoreType' failed to "
        "satisfy constraint: Member must satisfy enum value set: "
        "[AWS_CLOUDHSM, EXTERNAL_KEY_STORE]"
    )


@pytest.mark.parametrize(
    ("limit", "text"),
    [
        (1001, "Member must have value less than or equal to 1000"),
        (0, "Member must have value greater than or equal to 1"),
    ],
)
def test_describe_limit_bounds(limit: int, text: str) -> None:
    error = kms_error("DescribeCustomKeyStores", {"Limit": limit})
    assert error.message == (
        "1 validation error detected: " + constraint(str(limit), "limit", text)
    )


def test_marker_too_long() -> None:
    marker = "m" * 1025
    violations = find_violations("kms", "DescribeCustomKeyStores", {"Marker": marker})
    assert violations == [
        constraint(
            marker, "marker", "Member must have length less than or equal to 1024"
        )
    ]


def test_marker_pattern() -> None:
    violations = find_violations("kms", "DescribeCustomKeyStores", {"Marker": "\u0100"})
    assert violations == [
        constraint(
            "\u0100",
            "marker",
            "Member must satisfy regular expression pattern: [\\u0020-\\u00FF]*",
        )
    ]


def test_random_bytes_too_many() -> None:
    error = kms_error("GenerateRandom", {"NumberOfBytes": 1025})
    assert error.message == (
        "1 validation error detected: Value '1025' at 'numberOfBytes' failed to "
        "satisfy constraint: Member must have value less than or equal to 1024"
    )
    assert error.code == 400
    assert json.loads(error.description) == {
        "__type": "ValidationException",
        "message": error.message,
    }


def test_random_bytes_zero() -> None:
    error = kms_error("GenerateRandom", {"NumberOfBytes": 0})
    assert error.message == (
        "1 validation error detected: Value '0' at 'numberOfBytes' failed to "
        "satisfy constraint: Member must have value greater than or equal to 1"
    )


def test_random_members_optional() -> None:
    assert find_violations("kms", "GenerateRandom", {}) == []
    validate_request("kms", "GenerateRandom", {})


def test_missing_required_member() -> None:
    error = kms_error("ConnectCustomKeyStore", {})
    assert error.message == (
        "1 validation error detected: Value null at 'customKeyStoreId' failed to "
        "satisfy constraint: Member must not be null"
    )


def test_null_counts_as_missing() -> None:
    violations = find_violations(
        "kms", "ConnectCustomKeyStore", {"CustomKeyStoreId": None}
    )
    assert violations == [
        constraint(None, "customKeyStoreId", "Member must not be null")
    ]


def test_missing_members_model_order() -> None:
    with pytest.raises(CloudHsmValidationException) as caught:
        validate_request("cloudhsmv2", "CreateCluster", {})
    assert caught.value.message == (
        "2 validation errors detected: "
        "Value null at 'hsmType' failed to satisfy constraint: "
        "Member must not be null; "
        "Value null at 'subnetIds' failed to satisfy constraint: "
        "Member must not be null"
    )


def test_nested_credential_two_errors() -> None:
    bad_access_key_id = "lowercase-access-key-id"
    short_secret = "TopSecretValue"
    params = {
        "CustomKeyStoreName": "store",
        "CustomKeyStoreType": "EXTERNAL_KEY_STORE",
        "XksProxyAuthenticationCredential": {
            "AccessKeyId": bad_access_key_id,
            "RawSecretAccessKey": short_secret,
        },
    }
    error = kms_error("CreateCustomKeyStore", params)
    assert error.message == (
        "2 validation errors detected: "
        "Value at 'xksProxyAuthenticationCredential.accessKeyId' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: ^[A-Z2-7]+$; "
        "Value at 'xksProxyAuthenticationCredential.rawSecretAccessKey' failed to "
        "satisfy constraint: Member must have length greater than or equal to 43"
    )
    assert short_secret not in error.description
    assert bad_access_key_id not in error.description


def test_nested_required_member() -> None:
    params = {
        **STORE,
        "XksProxyAuthenticationCredential": {"AccessKeyId": XKS_ACCESS_KEY_ID},
    }
    violations = find_violations("kms", "CreateCustomKeyStore", params)
    assert violations == [
        constraint(
            None,
            "xksProxyAuthenticationCredential.rawSecretAccessKey",
            "Member must not be null",
        )
    ]


def test_tag_key_too_long() -> None:
    tag_key = "k" * 129
    params = {
        "Tags": [
            {"TagKey": tag_key, "TagValue": "v"},
            {"TagKey": "owner"},
        ]
    }
    error = kms_error("CreateKey", params)
    assert error.message == (
        "2 validation errors detected: "
        + constraint(
            tag_key,
            "tags.1.member.tagKey",
            "Member must have length less than or equal to 128",
        )
        + "; "
        + constraint(None, "tags.2.member.tagValue", "Member must not be null")
    )


def test_null_list_element() -> None:
    violations = find_violations("kms", "CreateKey", {"Tags": [None]})
    assert violations == [constraint(None, "tags.1.member", "Member must not be null")]


def test_cluster_subnets_too_many() -> None:
    subnets = [f"subnet-{index:08x}" for index in range(11)]
    params = {"HsmType": "hsm2m.medium", "SubnetIds": subnets}
    violations = find_violations("cloudhsmv2", "CreateCluster", params)
    assert violations == [
        constraint(
            "[" + ", ".join(subnets) + "]",
            "subnetIds",
            "Member must have length less than or equal to 10",
        )
    ]


def test_cluster_subnet_pattern() -> None:
    params = {"HsmType": "hsm1.medium", "SubnetIds": [SUBNET_ID, "subnet-xyz"]}
    with pytest.raises(CloudHsmValidationException) as caught:
        validate_request("cloudhsmv2", "CreateCluster", params)
    message = (
        "1 validation error detected: Value 'subnet-xyz' at 'subnetIds.2.member' "
        "failed to satisfy constraint: Member must satisfy regular expression "
        "pattern: subnet-[0-9a-fA-F]{8,17}"
    )
    assert caught.value.message == message
    assert json.loads(caught.value.description) == {
        "__type": "ValidationException",
        "Message": message,
    }


def test_describe_clusters_max_results() -> None:
    with pytest.raises(CloudHsmValidationException) as caught:
        validate_request("cloudhsmv2", "DescribeClusters", {"MaxResults": 26})
    assert caught.value.message == (
        "1 validation error detected: Value '26' at 'maxResults' failed to "
        "satisfy constraint: Member must have value less than or equal to 25"
    )
    assert caught.value.code == 400


def test_map_entry_paths() -> None:
    params = {"Filters": {"clusterIds": [CLUSTER_ID], "bad key": ["x", None]}}
    violations = find_violations("cloudhsmv2", "DescribeClusters", params)
    assert violations == [
        constraint(
            "bad key",
            "filters.entry.2.key",
            "Member must satisfy regular expression pattern: [a-zA-Z0-9_-]+",
        ),
        constraint(None, "filters.entry.2.value.2.member", "Member must not be null"),
    ]


def test_map_too_many_entries() -> None:
    filters = {f"f{index}": ["x"] for index in range(31)}
    violations = find_violations("cloudhsmv2", "DescribeClusters", {"Filters": filters})
    rendered = "{" + ", ".join(f"f{index}=[x]" for index in range(31)) + "}"
    assert violations == [
        constraint(
            rendered, "filters", "Member must have length less than or equal to 30"
        )
    ]


def test_tag_key_unicode_classes() -> None:
    valid = {"TagList": [{"Key": "Größe 数 ١٢\u00a0x", "Value": "v"}]}
    invalid = {"TagList": [{"Key": "a#b", "Value": "v"}]}
    assert find_violations("cloudhsmv2", "TagResource", valid) == [
        constraint(None, "resourceId", "Member must not be null")
    ]
    assert find_violations("cloudhsmv2", "TagResource", invalid) == [
        constraint(None, "resourceId", "Member must not be null"),
        constraint(
            "a#b",
            "tagList.1.member.key",
            "Member must satisfy regular expression pattern: "
            "^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$",
        ),
    ]


@pytest.mark.parametrize(
    ("operation", "params", "message"),
    [
        (
            "GenerateRandom",
            {"NumberOfBytes": "5"},
            "STRING_VALUE can not be converted to an Integer",
        ),
        (
            "GenerateRandom",
            {"NumberOfBytes": True},
            "BOOLEAN_VALUE can not be converted to an Integer",
        ),
        (
            "GenerateRandom",
            {"NumberOfBytes": 2.5},
            "NUMBER_VALUE can not be converted to an Integer",
        ),
        (
            "GenerateRandom",
            {"NumberOfBytes": 2**31},
            "NUMBER_VALUE can not be converted to an Integer",
        ),
        (
            "CreateCustomKeyStore",
            {"CustomKeyStoreName": 5},
            "NUMBER_VALUE can not be converted to a String",
        ),
        (
            "CreateCustomKeyStore",
            {"XksProxyAuthenticationCredential": "secret"},
            "STRING_VALUE can not be converted to a Structure",
        ),
        ("CreateKey", {"Tags": {}}, "START_OBJECT can not be converted to a List"),
        (
            "CreateKey",
            {"BypassPolicyLockoutSafetyCheck": "true"},
            "STRING_VALUE can not be converted to a Boolean",
        ),
        (
            "Encrypt",
            {"KeyId": "alias/x", "EncryptionContext": ["a"]},
            "START_ARRAY can not be converted to a Map",
        ),
    ],
)
def test_wrong_json_type(operation: str, params: dict[str, Any], message: str) -> None:
    with pytest.raises(SerializationException) as caught:
        validate_request("kms", operation, params)
    assert caught.value.message == message
    assert json.loads(caught.value.description) == {
        "__type": "SerializationException",
        "message": message,
    }


def test_wrong_type_cloudhsm() -> None:
    params = {"HsmType": "hsm1.medium", "SubnetIds": SUBNET_ID}
    with pytest.raises(CloudHsmSerializationException) as caught:
        validate_request("cloudhsmv2", "CreateCluster", params)
    message = "STRING_VALUE can not be converted to a List"
    assert caught.value.code == 400
    assert json.loads(caught.value.description) == {
        "__type": "SerializationException",
        "Message": message,
    }


def test_wrong_type_from_find_violations() -> None:
    with pytest.raises(SerializationException):
        find_violations("kms", "GenerateRandom", {"NumberOfBytes": "5"})


def test_blob_invalid_base64() -> None:
    params = {"KeyId": "alias/x", "Plaintext": "not base64!"}
    with pytest.raises(SerializationException) as caught:
        validate_request("kms", "Encrypt", params)
    assert caught.value.message == "STRING_VALUE can not be converted to a Blob"


def test_blob_counts_decoded_bytes() -> None:
    at_max = base64.b64encode(b"\x00" * 4096).decode()
    over_max = base64.b64encode(b"\x00" * 4097).decode()
    assert find_violations("kms", "Encrypt", {"KeyId": "k", "Plaintext": at_max}) == []
    error = kms_error("Encrypt", {"KeyId": "k", "Plaintext": over_max})
    assert error.message == (
        "1 validation error detected: Value at 'plaintext' failed to satisfy "
        "constraint: Member must have length less than or equal to 4096"
    )
    assert over_max[:32] not in error.message


def test_blob_unpadded_base64() -> None:
    params = {"KeyId": "k", "Plaintext": "aGk"}
    assert find_violations("kms", "Encrypt", params) == []


def test_blob_raw_bytes() -> None:
    params = {"KeyId": "k", "Plaintext": b""}
    assert find_violations("kms", "Encrypt", params) == [
        "Value at 'plaintext' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1"
    ]


def test_unknown_members_ignored() -> None:
    params = {"NumberOfBytes": 16, "Unexpected": {"Nested": [1, 2]}}
    assert find_violations("kms", "GenerateRandom", params) == []


def test_valid_store_request() -> None:
    params = {
        "CustomKeyStoreName": "store",
        "CloudHsmClusterId": CLUSTER_ID,
        "TrustAnchorCertificate": "-----BEGIN CERTIFICATE-----",
        "KeyStorePassword": "kmsuser-password",
        "CustomKeyStoreType": "AWS_CLOUDHSM",
    }
    validate_request("kms", "CreateCustomKeyStore", params)


def test_valid_xks_request() -> None:
    params = {
        "CustomKeyStoreName": "xks",
        "CustomKeyStoreType": "EXTERNAL_KEY_STORE",
        "XksProxyUriEndpoint": "https://xks.example.com",
        "XksProxyUriPath": "/kms/xks/v1",
        "XksProxyConnectivity": "PUBLIC_ENDPOINT",
        "XksProxyAuthenticationCredential": {
            "AccessKeyId": XKS_ACCESS_KEY_ID,
            "RawSecretAccessKey": XKS_SECRET,
        },
    }
    assert find_violations("kms", "CreateCustomKeyStore", params) == []


def test_every_model_pattern_compiles() -> None:
    session = botocore.session.get_session()
    patterns: set[str] = set()
    for service_name in ("kms", "cloudhsmv2"):
        model = session.get_service_model(service_name)
        for shape_name in model.shape_names:
            pattern = model.shape_for(shape_name).metadata.get("pattern")
            if pattern is not None:
                patterns.add(pattern)
    assert len(patterns) > 20
    for pattern in sorted(patterns):
        assert isinstance(compile_pattern(pattern), re.Pattern), pattern


def test_java_dot_stops_at_line_end() -> None:
    dot = compile_pattern(".*")
    assert dot.fullmatch("any text") is not None
    assert dot.fullmatch("a\rb") is None
    assert dot.fullmatch("a\u2028b") is None


def test_java_classes_are_ascii() -> None:
    assert compile_pattern("[0-9]+").fullmatch("١٢") is None
    assert compile_pattern("[\\w]+").fullmatch("é") is None
    assert compile_pattern("\\d+").fullmatch("١٢") is None


def test_unicode_property_outside_class() -> None:
    assert compile_pattern("\\p{Lu}+").fullmatch("ÀB") is not None
    assert compile_pattern("\\p{Lu}+").fullmatch("àB") is None
    assert compile_pattern("\\P{N}+").fullmatch("ab") is not None
    assert compile_pattern("\\pN").fullmatch("7") is not None


@pytest.mark.parametrize(
    "pattern",
    ["\\Qa.b\\E", "[a-z[0-9]]", "\\p{javaLowerCase}", "[\\P{L}]"],
)
def test_unsupported_java_syntax(pattern: str) -> None:
    with pytest.raises(ValueError):
        java_to_python_regex(pattern)


# Through boto3 and the mocked services


def client_error(info: pytest.ExceptionInfo[ClientError]) -> tuple[str, str, int]:
    response = info.value.response
    return (
        response["Error"]["Code"],
        response["Error"]["Message"],
        response["ResponseMetadata"]["HTTPStatusCode"],
    )


def replace_body(body: bytes) -> Any:
    """Return a before-sign hook that sends `body` in place of botocore's body."""

    def replace(request: Any, **_: Any) -> None:
        request.data = body
        request.headers["Content-Length"] = str(len(body))

    return replace


def test_boto3_name_too_long(kms: Any) -> None:
    with pytest.raises(ClientError) as info:
        kms.create_custom_key_store(CustomKeyStoreName="a" * 257)
    assert client_error(info) == (
        "ValidationException",
        f"1 validation error detected: Value '{'a' * 257}' at 'customKeyStoreName' "
        "failed to satisfy constraint: Member must have length less than or equal "
        "to 256",
        400,
    )
    assert kms.describe_custom_key_stores()["CustomKeyStores"] == []


def test_boto3_several_errors(kms: Any) -> None:
    password = "p" * 33
    with pytest.raises(ClientError) as info:
        kms.create_custom_key_store(
            CustomKeyStoreName="ks",
            CloudHsmClusterId="x" * 19,
            KeyStorePassword=password,
            CustomKeyStoreType="FOO",
        )
    code, message, status = client_error(info)
    assert code == "ValidationException"
    assert status == 400
    assert message == (
        "3 validation errors detected: "
        "Value 'xxxxxxxxxxxxxxxxxxx' at 'cloudHsmClusterId' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: "
        "cluster-[2-7a-zA-Z]{11,16}; "
        "Value at 'keyStorePassword' failed to satisfy constraint: Member must have "
        "length less than or equal to 32; "
        "Value 'FOO' at 'customKeyStoreType' failed to satisfy constraint: Member "
        "must satisfy enum value set: [AWS_CLOUDHSM, EXTERNAL_KEY_STORE]"
    )
    assert password not in message


def test_boto3_limit_too_large(kms: Any) -> None:
    with pytest.raises(ClientError) as info:
        kms.describe_custom_key_stores(Limit=1001)
    assert client_error(info) == (
        "ValidationException",
        "1 validation error detected: Value '1001' at 'limit' failed to satisfy "
        "constraint: Member must have value less than or equal to 1000",
        400,
    )


def test_boto3_marker_too_long(kms: Any) -> None:
    marker = "m" * 1025
    with pytest.raises(ClientError) as info:
        kms.describe_custom_key_stores(Marker=marker)
    assert client_error(info) == (
        "ValidationException",
        f"1 validation error detected: Value '{marker}' at 'marker' failed to "
        "satisfy constraint: Member must have length less than or equal to 1024",
        400,
    )


def test_boto3_cloudhsm_max_results(cloudhsm: Any) -> None:
    with pytest.raises(ClientError) as info:
        cloudhsm.describe_clusters(MaxResults=26)
    assert client_error(info) == (
        "ValidationException",
        "1 validation error detected: Value '26' at 'maxResults' failed to satisfy "
        "constraint: Member must have value less than or equal to 25",
        400,
    )


def test_boto3_wrong_json_type(kms: Any) -> None:
    # botocore rejects the string client-side, so the hook swaps it in after.
    body = json.dumps({"Limit": "ten"}).encode()
    kms.meta.events.register(
        "before-sign.kms.DescribeCustomKeyStores", replace_body(body)
    )
    with pytest.raises(ClientError) as info:
        kms.describe_custom_key_stores()
    assert client_error(info) == (
        "SerializationException",
        "STRING_VALUE can not be converted to an Integer",
        400,
    )


def test_boto3_body_not_json(cloudhsm: Any) -> None:
    cloudhsm.meta.events.register(
        "before-sign.cloudhsmv2.DescribeClusters", replace_body(b"{not json")
    )
    with pytest.raises(ClientError) as info:
        cloudhsm.describe_clusters()
    assert client_error(info) == (
        "SerializationException",
        "The request body is not a JSON object.",
        400,
    )
