"""Scenarios of plain moto behaviour, run with and without the plugin.

This module must not import moto_cloudhsm_ks: `python -m tests.moto_scenarios`
runs every scenario against moto alone and prints the results as JSON, and
tests/test_moto_regression.py compares them with the same scenarios run where
the plugin is installed. Each result keeps only values that do not change from
run to run; random IDs in messages become `<id>`.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Callable
from typing import Any

import boto3
from botocore.exceptions import ClientError
from moto import mock_aws

REGION = "us-east-1"
_RANDOM_IDS = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
    r"|(?:vpc|subnet|sg|sgr|acl|rtb|igw)-[0-9a-f]{8,17}"
)

Result = dict[str, Any]


def error_of(call: Callable[[], Any]) -> Result:
    """Return the error code and message a call raises, with random IDs masked."""
    try:
        call()
    except ClientError as error:
        return {
            "code": error.response["Error"]["Code"],
            "message": _RANDOM_IDS.sub("<id>", error.response["Error"]["Message"]),
            "status": error.response["ResponseMetadata"]["HTTPStatusCode"],
        }
    return {"code": None}


def _metadata(kms: Any, key_id: str) -> Result:
    metadata = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    fields = (
        "KeyState",
        "Enabled",
        "KeyUsage",
        "KeySpec",
        "Origin",
        "KeyManager",
        "Description",
        "MultiRegion",
        "EncryptionAlgorithms",
    )
    return {name: metadata.get(name) for name in fields}


def kms_keys() -> Result:
    kms = boto3.client("kms", region_name=REGION)
    key_id = kms.create_key(Description="plain key")["KeyMetadata"]["KeyId"]
    context = {"purpose": "regression"}
    blob = kms.encrypt(KeyId=key_id, Plaintext=b"secret", EncryptionContext=context)[
        "CiphertextBlob"
    ]
    decrypted = kms.decrypt(CiphertextBlob=blob, EncryptionContext=context)
    data_key = kms.generate_data_key(KeyId=key_id, KeySpec="AES_256")
    second = kms.create_key()["KeyMetadata"]["KeyId"]
    re_encrypted = kms.re_encrypt(
        CiphertextBlob=blob,
        SourceEncryptionContext=context,
        DestinationKeyId=second,
    )
    result: Result = {
        "created": _metadata(kms, key_id),
        "listed": len(kms.list_keys()["Keys"]),
        "decrypted": decrypted["Plaintext"].decode(),
        "decrypt_key_is_arn": decrypted["KeyId"].endswith(key_id),
        "wrong_context": error_of(
            lambda: kms.decrypt(CiphertextBlob=blob, EncryptionContext={"x": "y"})
        ),
        "data_key_bytes": len(data_key["Plaintext"]),
        "data_key_fields": sorted(
            kms.generate_data_key_without_plaintext(KeyId=key_id, NumberOfBytes=16)
        ),
        "re_encrypted_to_second": re_encrypted["KeyId"].endswith(second),
        "random_bytes": len(kms.generate_random(NumberOfBytes=16)["Plaintext"]),
        "unknown_key": error_of(
            lambda: kms.describe_key(KeyId="00000000-0000-0000-0000-000000000000")
        ),
    }
    kms.disable_key(KeyId=key_id)
    result["disabled"] = _metadata(kms, key_id)["KeyState"]
    result["encrypt_disabled"] = error_of(
        lambda: kms.encrypt(KeyId=key_id, Plaintext=b"x")
    )
    kms.enable_key(KeyId=key_id)
    kms.enable_key_rotation(KeyId=key_id)
    result["rotation"] = kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"]
    deletion = kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    deletion.pop("ResponseMetadata")
    result["scheduled_fields"] = sorted(deletion)
    result["scheduled"] = _metadata(kms, key_id)["KeyState"]
    result["encrypt_pending"] = error_of(
        lambda: kms.encrypt(KeyId=key_id, Plaintext=b"x")
    )
    kms.cancel_key_deletion(KeyId=key_id)
    result["cancelled"] = _metadata(kms, key_id)["KeyState"]
    return result


def kms_aliases() -> Result:
    kms = boto3.client("kms", region_name=REGION)
    first = kms.create_key()["KeyMetadata"]["KeyId"]
    second = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName="alias/regression", TargetKeyId=first)
    by_alias = kms.describe_key(KeyId="alias/regression")["KeyMetadata"]["KeyId"]
    duplicate = error_of(
        lambda: kms.create_alias(AliasName="alias/regression", TargetKeyId=second)
    )
    kms.update_alias(AliasName="alias/regression", TargetKeyId=second)
    moved = kms.describe_key(KeyId="alias/regression")["KeyMetadata"]["KeyId"]
    blob = kms.encrypt(KeyId="alias/regression", Plaintext=b"x")["CiphertextBlob"]
    names = sorted(
        alias["AliasName"]
        for alias in kms.list_aliases()["Aliases"]
        if not alias["AliasName"].startswith("alias/aws/")
    )
    kms.delete_alias(AliasName="alias/regression")
    return {
        "resolved_first": by_alias == first,
        "duplicate": duplicate,
        "moved_to_second": moved == second,
        "encrypt_by_alias": kms.decrypt(CiphertextBlob=blob)["Plaintext"].decode(),
        "names": names,
        "deleted": error_of(lambda: kms.describe_key(KeyId="alias/regression")),
    }


def kms_grants_and_tags() -> Result:
    kms = boto3.client("kms", region_name=REGION)
    key_id = kms.create_key(Tags=[{"TagKey": "team", "TagValue": "a"}])["KeyMetadata"][
        "KeyId"
    ]
    grant = kms.create_grant(
        KeyId=key_id,
        GranteePrincipal="arn:aws:iam::123456789012:role/reader",
        Operations=["Decrypt", "Encrypt"],
        Name="regression",
    )
    grants = kms.list_grants(KeyId=key_id)["Grants"]
    kms.tag_resource(KeyId=key_id, Tags=[{"TagKey": "env", "TagValue": "test"}])
    tags_after_tag = kms.list_resource_tags(KeyId=key_id)["Tags"]
    kms.untag_resource(KeyId=key_id, TagKeys=["team"])
    kms.revoke_grant(KeyId=key_id, GrantId=grant["GrantId"])
    policy_names = kms.list_key_policies(KeyId=key_id)["PolicyNames"]
    kms.put_key_policy(KeyId=key_id, PolicyName="default", Policy='{"Statement": []}')
    return {
        "grant_token": bool(grant["GrantToken"]),
        "grants": [(g["Name"], sorted(g["Operations"])) for g in grants],
        "grants_after_revoke": len(kms.list_grants(KeyId=key_id)["Grants"]),
        "tags": sorted((t["TagKey"], t["TagValue"]) for t in tags_after_tag),
        "tags_after_untag": kms.list_resource_tags(KeyId=key_id)["Tags"],
        "policy_names": policy_names,
        "policy": kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"],
    }


def ec2_network() -> Result:
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc_id = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(
        VpcId=vpc_id, CidrBlock="10.1.1.0/24", AvailabilityZone=f"{REGION}a"
    )["Subnet"]
    group_id = ec2.create_security_group(
        GroupName="regression", Description="regression", VpcId=vpc_id
    )["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=group_id,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "IpRanges": [{"CidrIp": "10.0.0.0/8"}],
            }
        ],
    )
    group = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]
    interface = ec2.create_network_interface(SubnetId=subnet["SubnetId"])[
        "NetworkInterface"
    ]
    result = {
        "subnet": [subnet["CidrBlock"], subnet["AvailabilityZone"]],
        "free_addresses": ec2.describe_subnets(SubnetIds=[subnet["SubnetId"]])[
            "Subnets"
        ][0]["AvailableIpAddressCount"],
        "ingress": [
            (p["IpProtocol"], p["FromPort"], p["ToPort"])
            for p in group["IpPermissions"]
        ],
        "interface_in_subnet": interface["SubnetId"] == subnet["SubnetId"],
        "zones": [
            zone["ZoneName"]
            for zone in ec2.describe_availability_zones()["AvailabilityZones"]
        ],
    }
    ec2.delete_network_interface(NetworkInterfaceId=interface["NetworkInterfaceId"])
    ec2.delete_security_group(GroupId=group_id)
    ec2.delete_subnet(SubnetId=subnet["SubnetId"])
    result["unknown_vpc"] = error_of(lambda: ec2.delete_vpc(VpcId="vpc-00000000"))
    ec2.delete_vpc(VpcId=vpc_id)
    return result


def cloudhsmv2_create_cluster() -> Result:
    """What CreateCluster returns: the plugin deliberately replaces this."""
    ec2 = boto3.client("ec2", region_name=REGION)
    hsm = boto3.client("cloudhsmv2", region_name=REGION)
    vpc_id = ec2.create_vpc(CidrBlock="10.2.0.0/16")["Vpc"]["VpcId"]
    subnet_id = ec2.create_subnet(
        VpcId=vpc_id, CidrBlock="10.2.1.0/24", AvailabilityZone=f"{REGION}a"
    )["Subnet"]["SubnetId"]
    cluster = hsm.create_cluster(HsmType="hsm2m.medium", SubnetIds=[subnet_id])[
        "Cluster"
    ]
    return {
        "cluster_id": cluster["ClusterId"],
        "state": cluster["State"],
        "subnet_mapping_keys": sorted(cluster["SubnetMapping"]),
        "described_state": hsm.describe_clusters()["Clusters"][0]["State"],
    }


SCENARIOS: dict[str, Callable[[], Result]] = {
    "kms_keys": kms_keys,
    "kms_aliases": kms_aliases,
    "kms_grants_and_tags": kms_grants_and_tags,
    "ec2_network": ec2_network,
    "cloudhsmv2_create_cluster": cloudhsmv2_create_cluster,
}


def run_all() -> dict[str, Result]:
    """Run each scenario in a fresh `mock_aws`; the caller installs any plugin."""
    results = {}
    for name, scenario in SCENARIOS.items():
        with mock_aws():
            # JSON turns tuples into lists, so both sides compare alike.
            results[name] = json.loads(json.dumps(scenario()))
    return results


if __name__ == "__main__":
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    output = run_all()
    output["plugin_imported"] = {"value": "moto_cloudhsm_ks" in sys.modules}
    print(json.dumps(output))
