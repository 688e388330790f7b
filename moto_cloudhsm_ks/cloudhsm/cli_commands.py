"""CloudHSM CLI commands that act inside a cluster, where no AWS API reaches.

Each function is one CLI command, run for one session of one cluster. Both the
in-process `cloudhsm_cli` client and the server's control routes call these.
"""

from __future__ import annotations

from typing import Any

from ..exceptions import CloudHsmCliError
from .models import ACTIVE, INITIALIZED, Cluster
from .users import HsmUser, check_password, check_role, normalize_username

ADMIN_USERNAME = "admin"


def _require_hsm(cluster: Cluster) -> None:
    if not cluster.active_hsms():
        raise CloudHsmCliError(
            f"Cluster '{cluster.cluster_id}' has no ACTIVE HSM to connect to. "
            "Create an HSM with cloudhsmv2 CreateHsm first."
        )


def _require_active(cluster: Cluster) -> None:
    _require_hsm(cluster)
    if cluster.state != ACTIVE:
        raise CloudHsmCliError(
            f"Cluster '{cluster.cluster_id}' is {cluster.state}, not ACTIVE. Run "
            "cluster activate first."
        )


def cluster_activate(cluster: Cluster, password: str) -> None:
    """Set the built-in admin's password and move the cluster to ACTIVE."""
    _require_hsm(cluster)
    if cluster.state != INITIALIZED:
        raise CloudHsmCliError(
            f"Cluster '{cluster.cluster_id}' is {cluster.state}. Only an INITIALIZED "
            "cluster can be activated; initialize it with cloudhsmv2 "
            "InitializeCluster first."
        )
    check_password(password)
    cluster.users.users[ADMIN_USERNAME] = HsmUser.create(
        ADMIN_USERNAME, "admin", password
    )
    cluster.set_state(ACTIVE)


def login(
    cluster: Cluster, session_id: str, username: str, role: str, password: str
) -> None:
    _require_active(cluster)
    check_role(role)
    name = normalize_username(username)
    # KMS stays logged in as kmsuser while a key store is connected, and then
    # no other session can log in as that user (KMS Developer Guide, fix-keystore).
    if any(
        holder.startswith("kms:") and logged_in == name
        for holder, logged_in in cluster.users.sessions.items()
    ):
        raise CloudHsmCliError(
            f"User '{name}' is logged in by AWS KMS for a connected custom key "
            "store. Disconnect the key store before you log in as this user."
        )
    cluster.users.login(session_id, name, role, password)


def logout(cluster: Cluster, session_id: str) -> None:
    cluster.users.logout(session_id)


def user_list(cluster: Cluster) -> list[dict[str, Any]]:
    _require_active(cluster)
    return [user.to_dict() for user in cluster.users.users.values()]


def user_create(
    cluster: Cluster, session_id: str, username: str, role: str, password: str
) -> None:
    _require_active(cluster)
    cluster.users.require_admin(session_id, "user create")
    name = normalize_username(username)
    check_role(role)
    check_password(password)
    if name in cluster.users.users:
        raise CloudHsmCliError(
            f"User '{name}' already exists in the cluster. Choose another username."
        )
    cluster.users.users[name] = HsmUser.create(name, role, password)


def user_delete(cluster: Cluster, session_id: str, username: str, role: str) -> None:
    _require_active(cluster)
    admin = cluster.users.require_admin(session_id, "user delete")
    check_role(role)
    user = cluster.users.require(normalize_username(username), role)
    if user.username == admin.username:
        raise CloudHsmCliError(
            f"User '{user.username}' is logged in to this session and cannot "
            "delete itself."
        )
    if cluster.users.is_logged_in(user.username):
        raise CloudHsmCliError(
            f"User '{user.username}' is logged in to the cluster. Log it out (or "
            "disconnect the key store that uses it) before you delete it."
        )
    del cluster.users.users[user.username]


def user_change_password(
    cluster: Cluster, session_id: str, username: str, role: str, password: str
) -> None:
    """Change a password, which also clears a lockout.

    An admin can change any user's password; any user can change their own.
    """
    _require_active(cluster)
    check_role(role)
    name = normalize_username(username)
    user = cluster.users.require(name, role)
    caller = cluster.users.session_user(session_id)
    if caller is None or (caller.role != "admin" and caller.username != name):
        raise CloudHsmCliError(
            f"Changing the password of '{name}' requires a login as that user or "
            "as a user with the admin role."
        )
    holders = [
        holder
        for holder, logged_in_user in cluster.users.sessions.items()
        if logged_in_user == name and holder != session_id
    ]
    if holders:
        raise CloudHsmCliError(
            f"User '{name}' is logged in to the cluster in another session, and "
            "the password of a logged-in user cannot be changed. Log it out (or "
            "disconnect the key store that uses it) first."
        )
    check_password(password)
    user.set_password(password)
