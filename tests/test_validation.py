"""Model-derived request validation, through boto3 and raw JSON requests."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from moto_cloudhsm_ks.validation import _compile, _service_model, find_violations


def _error(info: pytest.ExceptionInfo[ClientError]) -> tuple[str, str, int]:
    response = info.value.response
    return (
        response["Error"]["Code"],
        response["Error"]["Message"],
        response["ResponseMetadata"]["HTTPStatusCode"],
    )


def test_create_name_too_long(kms: Any) -> None:
    with pytest.raises(ClientError) as info:
        kms.create_custom_key_store(CustomKeyStoreName="a" * 257)
    assert _error(info) == (
        "ValidationException",
        f"1 validation error detected: Value '{'a' * 257}' at 'customKeyStoreName' "
        "failed to satisfy constraint: Member must have length less than or equal "
        "to 256",
        400,
    )
    assert kms.describe_custom_key_stores()["CustomKeyStores"] == []


def test_create_counts_several_errors(kms: Any) -> None:
    password = "p" * 33
    with pytest.raises(ClientError) as info:
        kms.create_custom_key_store(
            CustomKeyStoreName="ks",
            CloudHsmClusterId="x" * 19,
            KeyStorePassword=password,
            CustomKeyStoreType="FOO",
        )
    code, message, status = _error(info)
    assert (code, status) == ("ValidationException", 400)
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


def test_describe_limit_too_large(kms: Any) -> None:
    with pytest.raises(ClientError) as info:
        kms.describe_custom_key_stores(Limit=1001)
    assert _error(info) == (
        "ValidationException",
        "1 validation error detected: Value '1001' at 'limit' failed to satisfy "
        "constraint: Member must have value less than or equal to 1000",
        400,
    )


def test_describe_marker_too_long(kms: Any) -> None:
    with pytest.raises(ClientError) as info:
        kms.describe_custom_key_stores(Marker="m" * 1025)
    assert _error(info)[0] == "ValidationException"
    assert (
        "at 'marker' failed to satisfy constraint: Member must have length less "
        in (_error(info)[1])
    )


def test_nested_secret_never_echoed() -> None:
    secret = "s" * 10
    violations = find_violations(
        "kms",
        "CreateCustomKeyStore",
        {
            "CustomKeyStoreName": "ks",
            "XksProxyAuthenticationCredential": {
                "AccessKeyId": "a" * 20,
                "RawSecretAccessKey": secret,
            },
        },
    )
    assert violations == [
        "Value at 'xksProxyAuthenticationCredential.accessKeyId' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: ^[A-Z2-7]+$",
        "Value at 'xksProxyAuthenticationCredential.rawSecretAccessKey' failed to "
        "satisfy constraint: Member must have length greater than or equal to 43",
    ]


def test_list_members_get_numbered_paths() -> None:
    violations = find_violations(
        "kms", "CreateKey", {"Tags": [{"TagKey": "k" * 129, "TagValue": "v"}]}
    )
    assert violations == [
        f"Value '{'k' * 129}' at 'tags.1.member.tagKey' failed to satisfy constraint: "
        "Member must have length less than or equal to 128"
    ]


def test_missing_required_member() -> None:
    assert find_violations("kms", "ConnectCustomKeyStore", {}) == [
        "Value null at 'customKeyStoreId' failed to satisfy constraint: Member must "
        "not be null"
    ]


def test_cloudhsm_max_results(cloudhsm: Any) -> None:
    with pytest.raises(ClientError) as info:
        cloudhsm.describe_clusters(MaxResults=26)
    assert _error(info) == (
        "ValidationException",
        "1 validation error detected: Value '26' at 'maxResults' failed to satisfy "
        "constraint: Member must have value less than or equal to 25",
        400,
    )


def test_cloudhsm_subnet_list_too_long() -> None:
    subnets = [f"subnet-{index:08x}" for index in range(11)]
    violations = find_violations(
        "cloudhsmv2", "CreateCluster", {"HsmType": "hsm2m.medium", "SubnetIds": subnets}
    )
    assert violations == [
        f"Value '[{', '.join(subnets)}]' at 'subnetIds' failed to satisfy constraint: "
        "Member must have length less than or equal to 10"
    ]


def test_wrong_json_type_is_serialization_error(kms: Any) -> None:
    # botocore would reject the string client-side, so it is swapped in after.
    kms.meta.events.register(
        "before-sign.kms.DescribeCustomKeyStores", _replace_body({"Limit": "ten"})
    )
    with pytest.raises(ClientError) as info:
        kms.describe_custom_key_stores()
    assert _error(info) == (
        "SerializationException",
        "STRING_VALUE can not be converted to an Integer",
        400,
    )


def test_body_not_json_is_serialization_error(cloudhsm: Any) -> None:
    cloudhsm.meta.events.register(
        "before-sign.cloudhsmv2.DescribeClusters", _replace_raw_body(b"{not json")
    )
    with pytest.raises(ClientError) as info:
        cloudhsm.describe_clusters()
    assert _error(info) == (
        "SerializationException",
        "The request body is not a JSON object.",
        400,
    )


def _replace_body(params: dict[str, Any]) -> Any:
    return _replace_raw_body(json.dumps(params).encode())


def _replace_raw_body(body: bytes) -> Any:
    def replace(request: Any, **_: Any) -> None:
        request.data = body
        request.headers["Content-Length"] = str(len(body))

    return replace


@pytest.mark.parametrize("service_name", ["kms", "cloudhsmv2"])
def test_every_model_pattern_compiles(service_name: str) -> None:
    model = _service_model(service_name)
    patterns = [
        model.shape_for(name).metadata["pattern"]
        for name in model.shape_names
        if "pattern" in model.shape_for(name).metadata
    ]
    assert patterns
    for pattern in patterns:
        assert _compile(pattern).pattern
