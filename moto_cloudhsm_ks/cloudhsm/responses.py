"""The cloudhsmv2 API handlers that replace or extend moto's own."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Any, TypeVar

from moto.core.responses import BaseResponse

from ..exceptions import CloudHsmInvalidRequestException
from ..handlers import json_handler
from .backend import CloudHsmBackend, cloudhsm_backends

# The largest MaxResults the model allows: 25 clusters, 50 backups a page.
MAX_CLUSTERS_PER_PAGE = 25
MAX_BACKUPS_PER_PAGE = 50

Item = TypeVar("Item")


def _backend(response: BaseResponse) -> CloudHsmBackend:
    backend: CloudHsmBackend = cloudhsm_backends[response.current_account][
        response.region
    ]
    return backend


@json_handler("cloudhsmv2", "CreateCluster")
def create_cluster(response: BaseResponse, params: dict[str, Any]) -> dict[str, Any]:
    cluster = _backend(response).create_cluster(
        hsm_type=params["HsmType"],
        subnet_ids=params["SubnetIds"],
        mode=params.get("Mode"),
        network_type=params.get("NetworkType"),
        backup_retention_policy=params.get("BackupRetentionPolicy"),
        tags=params.get("TagList"),
        source_backup_id=params.get("SourceBackupId"),
    )
    return {"Cluster": cluster.to_dict("CREATE_IN_PROGRESS")}


def _paginate(
    items: list[Item], item_id: Callable[[Item], str], token: str | None, size: int
) -> tuple[list[Item], str | None]:
    """Return one page and the token of the next, which encodes its first item."""
    start = 0
    if token is not None:
        try:
            requested_id = base64.urlsafe_b64decode(token.encode("ascii")).decode(
                "ascii"
            )
        except (binascii.Error, UnicodeError, ValueError):
            requested_id = ""
        ids = [item_id(item) for item in items]
        if requested_id not in ids:
            raise CloudHsmInvalidRequestException(
                f"NextToken '{token}' is not valid. Pass the NextToken from the "
                "previous response, or omit it to start from the first page."
            )
        start = ids.index(requested_id)
    page = items[start : start + size]
    if start + size >= len(items):
        return page, None
    next_id = item_id(items[start + size])
    return page, base64.urlsafe_b64encode(next_id.encode()).decode()


@json_handler("cloudhsmv2", "DescribeClusters")
def describe_clusters(response: BaseResponse, params: dict[str, Any]) -> dict[str, Any]:
    clusters = _backend(response).describe_clusters(params.get("Filters") or {})
    page, token = _paginate(
        clusters,
        lambda cluster: cluster.cluster_id,
        params.get("NextToken"),
        params.get("MaxResults") or MAX_CLUSTERS_PER_PAGE,
    )
    result: dict[str, Any] = {"Clusters": [cluster.to_dict() for cluster in page]}
    if token is not None:
        result["NextToken"] = token
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
    _backend(response).initialize_cluster(
        params["ClusterId"], params["SignedCert"], params["TrustAnchor"]
    )
    return {
        "State": "INITIALIZE_IN_PROGRESS",
        "StateMessage": (
            "Cluster is initializing. State will change to INITIALIZED upon completion."
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


@json_handler("cloudhsmv2", "ModifyCluster")
def modify_cluster(response: BaseResponse, params: dict[str, Any]) -> dict[str, Any]:
    if "HsmType" in params:
        raise NotImplementedError(
            "moto-cloudhsm-ks does not support changing HsmType with ModifyCluster."
        )
    policy = params.get("BackupRetentionPolicy")
    if policy is None:
        raise CloudHsmInvalidRequestException(
            "Specify BackupRetentionPolicy, the cluster property ModifyCluster changes."
        )
    _check_retention_policy(policy)
    cluster = _backend(response).modify_cluster(params["ClusterId"], policy)
    return {"Cluster": cluster.to_dict()}


def _check_retention_policy(policy: dict[str, str]) -> None:
    value = policy.get("Value", "")
    # "Value: 7 - 379" days (cloudhsmv2 model, BackupRetentionValue).
    if (
        policy.get("Type") != "DAYS"
        or not value.isdigit()
        or not 7 <= int(value) <= 379
    ):
        raise CloudHsmInvalidRequestException(
            f"BackupRetentionPolicy Type '{policy.get('Type')}' and Value '{value}' "
            "are not valid. Use Type DAYS and a Value from 7 to 379."
        )


@json_handler("cloudhsmv2", "DescribeBackups")
def describe_backups(response: BaseResponse, params: dict[str, Any]) -> dict[str, Any]:
    backups = _backend(response).describe_backups(
        params.get("Filters") or {}, bool(params.get("SortAscending"))
    )
    page, token = _paginate(
        backups,
        lambda backup: backup.backup_id,
        params.get("NextToken"),
        params.get("MaxResults") or MAX_BACKUPS_PER_PAGE,
    )
    result: dict[str, Any] = {"Backups": [backup.to_dict() for backup in page]}
    if token is not None:
        result["NextToken"] = token
    return result


@json_handler("cloudhsmv2", "DeleteBackup")
def delete_backup(response: BaseResponse, params: dict[str, Any]) -> dict[str, Any]:
    return {"Backup": _backend(response).delete_backup(params["BackupId"]).to_dict()}


@json_handler("cloudhsmv2", "RestoreBackup")
def restore_backup(response: BaseResponse, params: dict[str, Any]) -> dict[str, Any]:
    return {"Backup": _backend(response).restore_backup(params["BackupId"]).to_dict()}


@json_handler("cloudhsmv2", "ModifyBackupAttributes")
def modify_backup_attributes(
    response: BaseResponse, params: dict[str, Any]
) -> dict[str, Any]:
    backup = _backend(response).modify_backup_attributes(
        params["BackupId"], bool(params["NeverExpires"])
    )
    return {"Backup": backup.to_dict()}


@json_handler("cloudhsmv2", "CopyBackupToRegion")
def copy_backup_to_region(
    response: BaseResponse, params: dict[str, Any]
) -> dict[str, Any]:
    copy = _backend(response).copy_backup_to_region(
        params["DestinationRegion"], params["BackupId"], params.get("TagList") or []
    )
    return {
        "DestinationBackup": {
            "CreateTimestamp": copy.create_timestamp.timestamp(),
            "SourceRegion": copy.source_region,
            "SourceBackup": copy.source_backup,
            "SourceCluster": copy.source_cluster,
        }
    }


@json_handler("cloudhsmv2", "PutResourcePolicy")
def put_resource_policy(
    response: BaseResponse, params: dict[str, Any]
) -> dict[str, Any]:
    backup = _backend(response).find_backup_by_arn(params.get("ResourceArn") or "")
    backup.resource_policy = params.get("Policy")
    return {"ResourceArn": backup.arn, "Policy": backup.resource_policy}


@json_handler("cloudhsmv2", "GetResourcePolicy")
def get_resource_policy(
    response: BaseResponse, params: dict[str, Any]
) -> dict[str, Any]:
    backup = _backend(response).find_backup_by_arn(params.get("ResourceArn") or "")
    return {} if backup.resource_policy is None else {"Policy": backup.resource_policy}


@json_handler("cloudhsmv2", "DeleteResourcePolicy")
def delete_resource_policy(
    response: BaseResponse, params: dict[str, Any]
) -> dict[str, Any]:
    backup = _backend(response).find_backup_by_arn(params.get("ResourceArn") or "")
    policy, backup.resource_policy = backup.resource_policy, None
    result: dict[str, Any] = {"ResourceArn": backup.arn}
    if policy is not None:
        result["Policy"] = policy
    return result


# Handlers that replace moto's versions, which work on moto's own cluster registry.
REPLACED_HANDLERS = {
    "create_cluster": create_cluster,
    "describe_clusters": describe_clusters,
    "delete_cluster": delete_cluster,
    "tag_resource": tag_resource,
    "untag_resource": untag_resource,
    "list_tags": list_tags,
    "describe_backups": describe_backups,
    "get_resource_policy": get_resource_policy,
    "put_resource_policy": put_resource_policy,
}

# Handlers for operations moto 5.2 does not implement.
NEW_HANDLERS = {
    "create_hsm": create_hsm,
    "delete_hsm": delete_hsm,
    "initialize_cluster": initialize_cluster,
    "modify_cluster": modify_cluster,
    "delete_backup": delete_backup,
    "restore_backup": restore_backup,
    "modify_backup_attributes": modify_backup_attributes,
    "copy_backup_to_region": copy_backup_to_region,
    "delete_resource_policy": delete_resource_policy,
}
