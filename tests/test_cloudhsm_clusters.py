"""The mocked cloudhsmv2 cluster lifecycle, through boto3."""

from __future__ import annotations

import re
from typing import Any

import pytest
from botocore.exceptions import ClientError
from cryptography import x509

from moto_cloudhsm_ks.certificates import (
    create_certificate_authority,
    default_certificate_authority,
)

CLUSTER_ID = re.compile(r"cluster-[a-z2-7]{11}")
HSM_ID = re.compile(r"hsm-[a-z2-7]{11}")


def _error(info: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = info.value.response["Error"]
    return error["Code"], error["Message"]


@pytest.fixture
def subnets(ec2: Any) -> dict[str, str]:
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    mapping = {}
    for index, zone in enumerate(("us-east-1a", "us-east-1b")):
        subnet = ec2.create_subnet(
            VpcId=vpc, CidrBlock=f"10.0.{index}.0/24", AvailabilityZone=zone
        )["Subnet"]
        mapping[zone] = subnet["SubnetId"]
    return mapping


def _describe(cloudhsm: Any, cluster_id: str) -> dict[str, Any]:
    clusters = cloudhsm.describe_clusters(Filters={"clusterIds": [cluster_id]})
    return dict(clusters["Clusters"][0])


def _create_cluster(cloudhsm: Any, subnets: dict[str, str]) -> str:
    cluster = cloudhsm.create_cluster(
        HsmType="hsm2m.medium", SubnetIds=list(subnets.values())
    )["Cluster"]
    return str(cluster["ClusterId"])


def test_create_cluster_shape(cloudhsm: Any, ec2: Any, subnets: dict[str, str]) -> None:
    cluster = cloudhsm.create_cluster(
        HsmType="hsm2m.medium", SubnetIds=list(subnets.values())
    )["Cluster"]
    assert CLUSTER_ID.fullmatch(cluster["ClusterId"])
    assert cluster["SubnetMapping"] == subnets
    assert cluster["Hsms"] == []
    assert cluster["Certificates"] == {}
    vpc_id = ec2.describe_subnets(SubnetIds=[subnets["us-east-1a"]])["Subnets"][0][
        "VpcId"
    ]
    assert cluster["VpcId"] == vpc_id
    group = ec2.describe_security_groups(GroupIds=[cluster["SecurityGroup"]])[
        "SecurityGroups"
    ][0]
    assert group["GroupName"] == f"cloudhsm-cluster-{cluster['ClusterId']}-sg"
    assert group["IpPermissions"][0]["FromPort"] == 2223
    assert group["IpPermissions"][0]["ToPort"] == 2225
    assert _describe(cloudhsm, cluster["ClusterId"])["State"] == "UNINITIALIZED"


def test_create_cluster_unknown_subnet_is_rejected(cloudhsm: Any) -> None:
    with pytest.raises(ClientError) as info:
        cloudhsm.create_cluster(HsmType="hsm2m.medium", SubnetIds=["subnet-12345678"])
    assert _error(info) == (
        "CloudHsmInvalidRequestException",
        "Subnet 'subnet-12345678' does not exist in us-east-1.",
    )
    assert cloudhsm.describe_clusters()["Clusters"] == []


def test_create_cluster_two_subnets_one_zone_rejected(cloudhsm: Any, ec2: Any) -> None:
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    ids = [
        ec2.create_subnet(
            VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone="us-east-1a"
        )["Subnet"]["SubnetId"]
        for i in range(2)
    ]
    with pytest.raises(ClientError) as info:
        cloudhsm.create_cluster(HsmType="hsm2m.medium", SubnetIds=ids)
    assert _error(info) == (
        "CloudHsmInvalidRequestException",
        f"Subnets '{ids[0]}' and '{ids[1]}' are both in us-east-1a. Specify only one "
        "subnet per Availability Zone.",
    )


def test_create_cluster_subnets_in_two_vpcs_rejected(cloudhsm: Any, ec2: Any) -> None:
    ids = []
    for index, zone in enumerate(("us-east-1a", "us-east-1b")):
        vpc = ec2.create_vpc(CidrBlock=f"10.{index}.0.0/16")["Vpc"]["VpcId"]
        ids.append(
            ec2.create_subnet(
                VpcId=vpc, CidrBlock=f"10.{index}.0.0/24", AvailabilityZone=zone
            )["Subnet"]["SubnetId"]
        )
    with pytest.raises(ClientError) as info:
        cloudhsm.create_cluster(HsmType="hsm2m.medium", SubnetIds=ids)
    code, message = _error(info)
    assert code == "CloudHsmInvalidRequestException"
    assert message.endswith("All subnets must be in the same VPC.")


def test_create_cluster_hsm1_is_not_supported(
    cloudhsm: Any, subnets: dict[str, str]
) -> None:
    with pytest.raises(ClientError) as info:
        cloudhsm.create_cluster(HsmType="hsm1.medium", SubnetIds=list(subnets.values()))
    assert _error(info) == (
        "CloudHsmInvalidRequestException",
        "Provided HsmType is not supported.",
    )


def test_first_hsm_produces_real_csr(
    cloudhsm: Any, ec2: Any, subnets: dict[str, str]
) -> None:
    cluster_id = _create_cluster(cloudhsm, subnets)
    hsm = cloudhsm.create_hsm(ClusterId=cluster_id, AvailabilityZone="us-east-1a")[
        "Hsm"
    ]
    assert HSM_ID.fullmatch(hsm["HsmId"])
    assert hsm["SubnetId"] == subnets["us-east-1a"]
    eni = ec2.describe_network_interfaces(NetworkInterfaceIds=[hsm["EniId"]])[
        "NetworkInterfaces"
    ][0]
    assert eni["PrivateIpAddress"] == hsm["EniIp"]
    assert eni["SubnetId"] == subnets["us-east-1a"]
    cluster = _describe(cloudhsm, cluster_id)
    assert cluster["Hsms"][0]["State"] == "ACTIVE"
    csr = x509.load_pem_x509_csr(cluster["Certificates"]["ClusterCsr"].encode())
    assert csr.is_signature_valid


def test_second_hsm_waits_for_activation(
    cloudhsm: Any, subnets: dict[str, str]
) -> None:
    cluster_id = _create_cluster(cloudhsm, subnets)
    cloudhsm.create_hsm(ClusterId=cluster_id, AvailabilityZone="us-east-1a")
    with pytest.raises(ClientError) as info:
        cloudhsm.create_hsm(ClusterId=cluster_id, AvailabilityZone="us-east-1b")
    assert _error(info) == (
        "CloudHsmInvalidRequestException",
        f"Cluster '{cluster_id}' already contains an HSM but has not yet been fully "
        "activated",
    )
    assert len(_describe(cloudhsm, cluster_id)["Hsms"]) == 1


def test_create_hsm_in_unknown_zone_is_rejected(
    cloudhsm: Any, subnets: dict[str, str]
) -> None:
    cluster_id = _create_cluster(cloudhsm, subnets)
    with pytest.raises(ClientError) as info:
        cloudhsm.create_hsm(ClusterId=cluster_id, AvailabilityZone="us-east-1c")
    assert _error(info) == (
        "CloudHsmInvalidRequestException",
        f"Cluster '{cluster_id}' has no subnet in us-east-1c. Use one of: us-east-1a, "
        "us-east-1b.",
    )


def test_create_hsm_unknown_cluster_not_found(cloudhsm: Any) -> None:
    with pytest.raises(ClientError) as info:
        cloudhsm.create_hsm(
            ClusterId="cluster-aaaaaaaaaaa", AvailabilityZone="us-east-1a"
        )
    assert _error(info) == (
        "CloudHsmResourceNotFoundException",
        "Cluster 'cluster-aaaaaaaaaaa' does not exist in us-east-1.",
    )


def _initialize(cloudhsm: Any, cluster_id: str, authority: Any) -> dict[str, Any]:
    csr = _describe(cloudhsm, cluster_id)["Certificates"]["ClusterCsr"]
    return dict(
        cloudhsm.initialize_cluster(
            ClusterId=cluster_id,
            SignedCert=authority.sign_csr(csr),
            TrustAnchor=authority.certificate_pem,
        )
    )


def test_initialize_cluster_sets_certificate(
    cloudhsm: Any, subnets: dict[str, str]
) -> None:
    cluster_id = _create_cluster(cloudhsm, subnets)
    cloudhsm.create_hsm(ClusterId=cluster_id, AvailabilityZone="us-east-1a")
    authority = default_certificate_authority()
    csr = _describe(cloudhsm, cluster_id)["Certificates"]["ClusterCsr"]
    signed = authority.sign_csr(csr)
    response = cloudhsm.initialize_cluster(
        ClusterId=cluster_id, SignedCert=signed, TrustAnchor=authority.certificate_pem
    )
    assert response["State"] == "INITIALIZE_IN_PROGRESS"
    cluster = _describe(cloudhsm, cluster_id)
    assert cluster["State"] == "INITIALIZED"
    assert cluster["Certificates"] == {"ClusterCertificate": signed}


def test_initialize_with_other_ca_is_rejected(
    cloudhsm: Any, subnets: dict[str, str]
) -> None:
    cluster_id = _create_cluster(cloudhsm, subnets)
    cloudhsm.create_hsm(ClusterId=cluster_id, AvailabilityZone="us-east-1a")
    csr = _describe(cloudhsm, cluster_id)["Certificates"]["ClusterCsr"]
    signer = create_certificate_authority("signer")
    other = create_certificate_authority("signer")
    with pytest.raises(ClientError) as info:
        cloudhsm.initialize_cluster(
            ClusterId=cluster_id,
            SignedCert=signer.sign_csr(csr),
            TrustAnchor=other.certificate_pem,
        )
    assert _error(info)[0] == "CloudHsmInvalidRequestException"
    assert _describe(cloudhsm, cluster_id)["State"] == "UNINITIALIZED"


def test_initialize_without_hsm_is_rejected(
    cloudhsm: Any, subnets: dict[str, str]
) -> None:
    cluster_id = _create_cluster(cloudhsm, subnets)
    authority = default_certificate_authority()
    with pytest.raises(ClientError) as info:
        cloudhsm.initialize_cluster(
            ClusterId=cluster_id,
            SignedCert=authority.certificate_pem,
            TrustAnchor=authority.certificate_pem,
        )
    assert _error(info) == (
        "CloudHsmInvalidRequestException",
        f"Cluster '{cluster_id}' has no ACTIVE HSM yet. Create an HSM and sign the "
        "ClusterCsr it produces before you initialize the cluster.",
    )


def test_delete_hsm_by_eni_ip(cloudhsm: Any, ec2: Any, subnets: dict[str, str]) -> None:
    cluster_id = _create_cluster(cloudhsm, subnets)
    hsm = cloudhsm.create_hsm(ClusterId=cluster_id, AvailabilityZone="us-east-1a")[
        "Hsm"
    ]
    response = cloudhsm.delete_hsm(ClusterId=cluster_id, EniIp=hsm["EniIp"])
    assert response["HsmId"] == hsm["HsmId"]
    assert _describe(cloudhsm, cluster_id)["Hsms"] == []
    assert (
        ec2.describe_network_interfaces(
            Filters=[{"Name": "network-interface-id", "Values": [hsm["EniId"]]}]
        )["NetworkInterfaces"]
        == []
    )


def test_delete_hsm_needs_one_identifier(
    cloudhsm: Any, subnets: dict[str, str]
) -> None:
    cluster_id = _create_cluster(cloudhsm, subnets)
    hsm = cloudhsm.create_hsm(ClusterId=cluster_id, AvailabilityZone="us-east-1a")[
        "Hsm"
    ]
    with pytest.raises(ClientError) as info:
        cloudhsm.delete_hsm(
            ClusterId=cluster_id, HsmId=hsm["HsmId"], EniId=hsm["EniId"]
        )
    assert _error(info) == (
        "CloudHsmInvalidRequestException",
        "Specify exactly one of HsmId, EniId or EniIp to identify the HSM.",
    )
    assert len(_describe(cloudhsm, cluster_id)["Hsms"]) == 1


def test_delete_cluster_with_hsm_is_rejected(
    cloudhsm: Any, subnets: dict[str, str]
) -> None:
    cluster_id = _create_cluster(cloudhsm, subnets)
    cloudhsm.create_hsm(ClusterId=cluster_id, AvailabilityZone="us-east-1a")
    with pytest.raises(ClientError) as info:
        cloudhsm.delete_cluster(ClusterId=cluster_id)
    assert _error(info) == (
        "CloudHsmInvalidRequestException",
        f"Cluster '{cluster_id}' contains 1 HSM(s). Delete all HSMs before you delete "
        "the cluster.",
    )


def test_delete_cluster_removes_it(
    cloudhsm: Any, ec2: Any, subnets: dict[str, str]
) -> None:
    cluster_id = _create_cluster(cloudhsm, subnets)
    group_id = _describe(cloudhsm, cluster_id)["SecurityGroup"]
    cluster = cloudhsm.delete_cluster(ClusterId=cluster_id)["Cluster"]
    assert cluster["State"] == "DELETE_IN_PROGRESS"
    assert cluster["StateMessage"] == "The cluster is being deleted."
    assert cloudhsm.describe_clusters()["Clusters"] == []
    groups = ec2.describe_security_groups(
        Filters=[{"Name": "group-id", "Values": [group_id]}]
    )["SecurityGroups"]
    assert groups == []


def test_describe_clusters_filters_and_pages(
    cloudhsm: Any, subnets: dict[str, str]
) -> None:
    ids = [_create_cluster(cloudhsm, subnets) for _ in range(3)]
    first = cloudhsm.describe_clusters(MaxResults=2)
    assert [c["ClusterId"] for c in first["Clusters"]] == ids[:2]
    second = cloudhsm.describe_clusters(MaxResults=2, NextToken=first["NextToken"])
    assert [c["ClusterId"] for c in second["Clusters"]] == ids[2:]
    assert "NextToken" not in second
    by_state = cloudhsm.describe_clusters(Filters={"states": ["ACTIVE"]})
    assert by_state["Clusters"] == []
    paginator = cloudhsm.get_paginator("describe_clusters")
    pages = paginator.paginate(PaginationConfig={"PageSize": 1}).build_full_result()
    assert [c["ClusterId"] for c in pages["Clusters"]] == ids


def test_manual_transition_keeps_cluster_creating(
    cloudhsm: Any, subnets: dict[str, str]
) -> None:
    from moto.moto_api import state_manager

    state_manager.set_transition(
        "cloudhsmv2::cluster", {"progression": "manual", "times": 2}
    )
    try:
        cluster_id = _create_cluster(cloudhsm, subnets)
        states = [_describe(cloudhsm, cluster_id)["State"] for _ in range(3)]
    finally:
        state_manager.unset_transition("cloudhsmv2::cluster")
    # As everywhere in moto, the state moves on at the Nth describe call.
    assert states == ["CREATE_IN_PROGRESS", "UNINITIALIZED", "UNINITIALIZED"]


def test_tags_round_trip(cloudhsm: Any, subnets: dict[str, str]) -> None:
    cluster_id = _create_cluster(cloudhsm, subnets)
    cloudhsm.tag_resource(
        ResourceId=cluster_id, TagList=[{"Key": "team", "Value": "payments"}]
    )
    assert cloudhsm.list_tags(ResourceId=cluster_id)["TagList"] == [
        {"Key": "team", "Value": "payments"}
    ]
    cloudhsm.untag_resource(ResourceId=cluster_id, TagKeyList=["team"])
    assert cloudhsm.list_tags(ResourceId=cluster_id)["TagList"] == []
