"""The cloudhsmv2 API handlers that replace or extend moto's own."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from moto.core.responses import BaseResponse

from ..exceptions import CloudHsmInvalidRequestException
from ..handlers import json_handler
from .backend import CloudHsmBackend, cloudhsm_backends
from .models import Cluster

# DescribeClusters returns at most 25 clusters a page (MaxResults 1-25).
MAX_CLUSTERS_PER_PAGE = 25


def _backend(response: BaseResponse) -> CloudHsmBackend:
    backend: CloudHsmBackend = cloudhsm_backends[response.current_account][
        response.region
    ]
    return backend


@json_handler("cloudhsmv2", "CreateCluster")
def create_cluster(response: BaseResponse, params: dict[str, Any]) -> dict[str, Any]:
    if params.get("SourceBackupId") is not None:
        raise NotImplementedError(
            "moto-cloudhsm-ks does not support CreateCluster with SourceBackupId yet."
        )
    cluster = _backend(response).create_cluster(
        hsm_type=params["HsmType"],
        subnet_ids=params["SubnetIds"],
        mode=params.get("Mode"),
        network_type=params.get("NetworkType"),
        backup_retention_policy=params.get("BackupRetentionPolicy"),
        tags=params.get("TagList"),
    )
    return {"Cluster": cluster.to_dict("CREATE_IN_PROGRESS")}


def _page_start(clusters: list[Cluster], token: str | None) -> int:
    if token is None:
        return 0
    try:
        cluster_id = base64.urlsafe_b64decode(token.encode("ascii")).decode("ascii")
    except (binascii.Error, UnicodeError, ValueError):
        cluster_id = ""
    for index, cluster in enumerate(clusters):
        if cluster.cluster_id == cluster_id:
            return index
    raise CloudHsmInvalidRequestException(
        f"NextToken '{token}' is not valid. Pass the NextToken from the previous "
        "DescribeClusters response, or omit it to start from the first page."
    )


@json_handler("cloudhsmv2", "DescribeClusters")
def describe_clusters(
    response: BaseResponse, params: dict[str, Any]
) -> dict[str, Any]:
    clusters = _backend(response).describe_clusters(params.get("Filters") or {})
    start = _page_start(clusters, params.get("NextToken"))
    size = params.get("MaxResults") or MAX_CLUSTERS_PER_PAGE
    page = clusters[start : start + size]
    result: dict[str, Any] = {"Clusters": [cluster.to_dict() for cluster in page]}
    if start + size < len(clusters):
        next_id = clusters[start + size].cluster_id
        result["NextToken"] = base64.urlsafe_b64encode(next_id.encode()).decode()
    return result


@json_handler("cloudhsmv2", "DeleteCluster")
def delete_cluster(response: BaseResponse, params: dict[str, Any]) -> dict[str, Any]:
    cluster = _backend(response).delete_cluster(params["ClusterId"])
    return {"Cluster": cluster.to_dict("DELETE_IN_PROGRESS")}


@json_handler("cloudhsmv2", "CreateHsm")
def create_hsm(response: BaseResponse, params: dict[str, Any]) -> dict[str, Any]:
    hsm = _backend(response).create_hsm(
        params["ClusterId"], params["AvailabilityZone"], params.get("IpAddress")
    )
    return {"Hsm": hsm.to_dict("CREATE_IN_PROGRESS")}


@json_handler("cloudhsmv2", "DeleteHsm")
def delete_hsm(response: BaseResponse, params: dict[str, Any]) -> dict[str, Any]:
    hsm = _backend(response).delete_hsm(
        params["ClusterId"],
        params.get("HsmId"),
        params.get("EniId"),
        params.get("EniIp"),
    )
    return {"HsmId": hsm.hsm_id}


@json_handler("cloudhsmv2", "InitializeCluster")
def initialize_cluster(
    response: BaseResponse, params: dict[str, Any]
) -> dict[str, Any]:
    cluster = _backend(response).initialize_cluster(
        params["ClusterId"], params["SignedCert"], params["TrustAnchor"]
    )
    return {
        "State": "INITIALIZE_IN_PROGRESS",
        "StateMessage": (
            "Cluster is initializing. State will change to INITIALIZED upon "
            "completion."
        ),
    }


@json_handler("cloudhsmv2", "TagResource")
def tag_resource(response: BaseResponse, params: dict[str, Any]) -> dict[str, Any]:
    _backend(response).tag_resource(params["ResourceId"], params["TagList"])
    return {}


@json_handler("cloudhsmv2", "UntagResource")
def untag_resource(response: BaseResponse, params: dict[str, Any]) -> dict[str, Any]:
    _backend(response).untag_resource(params["ResourceId"], params["TagKeyList"])
    return {}


@json_handler("cloudhsmv2", "ListTags")
def list_tags(response: BaseResponse, params: dict[str, Any]) -> dict[str, Any]:
    return {"TagList": _backend(response).list_tags(params["ResourceId"])}


# Handlers that replace moto's versions, which work on moto's own cluster registry.
REPLACED_HANDLERS = {
    "create_cluster": create_cluster,
    "describe_clusters": describe_clusters,
    "delete_cluster": delete_cluster,
    "tag_resource": tag_resource,
    "untag_resource": untag_resource,
    "list_tags": list_tags,
}

# Handlers for operations moto 5.2 does not answer.
NEW_HANDLERS = {
    "create_hsm": create_hsm,
    "delete_hsm": delete_hsm,
    "initialize_cluster": initialize_cluster,
}
