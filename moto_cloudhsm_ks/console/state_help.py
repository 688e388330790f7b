"""Explanations of the DISCONNECTED and FAILED states and of each error code.

The texts follow the KMS Developer Guide pages "Viewing an AWS CloudHSM key
store" and "Troubleshooting a custom key store"
(https://docs.aws.amazon.com/kms/latest/developerguide/fix-keystore.html).
"""

from __future__ import annotations

from ..keystores.models import DISCONNECTED, FAILED

DISCONNECTED_HELP = (
    "The key store is new and has never been connected, or it was disconnected "
    "from its AWS CloudHSM cluster on purpose. Connect it to use its KMS keys. "
    "If KMS keys in a connected key store fail, the key store or its cluster may "
    "have a problem: see how to fix a failed KMS key in the KMS Developer Guide."
)

FAILED_HELP = (
    "The last connection attempt failed, and ConnectionErrorCode gives the "
    "reason. A FAILED key store cannot be connected: disconnect it, fix the "
    "cause, then connect it again."
)

# The cause of each ConnectionErrorCode of an AWS_CLOUDHSM key store and its fix.
ERROR_CODE_HELP = {
    "CLUSTER_NOT_FOUND": (
        "KMS cannot find the cluster. Restore a cluster from a backup of the "
        "original cluster and set it with UpdateCustomKeyStore CloudHsmClusterId."
    ),
    "INSUFFICIENT_CLOUDHSM_HSMS": (
        "The cluster has no active HSM. Add an HSM and wait until it is ACTIVE."
    ),
    "INSUFFICIENT_FREE_ADDRESSES_IN_SUBNET": (
        "A subnet of the cluster has no free IP address. Free addresses in each "
        "subnet, or restore the cluster into new subnets and update the cluster ID."
    ),
    "INTERNAL_ERROR": "KMS failed internally. Try to connect again.",
    "INVALID_CREDENTIALS": (
        "The kmsuser password that KMS holds is not the password of kmsuser in the "
        "cluster. Set the password with UpdateCustomKeyStore KeyStorePassword."
    ),
    "NETWORK_ERRORS": (
        "KMS could not reach the cluster, usually for a short time. Try to connect "
        "again later."
    ),
    "SUBNET_NOT_FOUND": (
        "A subnet of the cluster was deleted. Restore the cluster from a backup "
        "into existing subnets and update the cluster ID."
    ),
    "USER_LOCKED_OUT": (
        "kmsuser is locked out after too many wrong passwords. Change its password "
        "in the cluster, then set it with UpdateCustomKeyStore KeyStorePassword."
    ),
    "USER_LOGGED_IN": (
        "kmsuser is logged in to the cluster, so KMS cannot rotate its password and "
        "log in. Log kmsuser out of the cluster."
    ),
    "USER_NOT_FOUND": (
        "The cluster has no kmsuser crypto user. Create it, then set its password "
        "with UpdateCustomKeyStore KeyStorePassword."
    ),
}


def connection_state_help(state: str, error_code: str | None) -> str | None:
    """Return the explanation for a DISCONNECTED or FAILED store, else None."""
    if state == DISCONNECTED:
        return DISCONNECTED_HELP
    if state != FAILED:
        return None
    cause = ERROR_CODE_HELP.get(error_code or "")
    if cause is None:
        return FAILED_HELP
    return f"{FAILED_HELP} {cause}"
