"""Run a named CloudHSM CLI command against a cluster in the mock's registry."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..exceptions import CloudHsmCliError
from ..handlers import state_lock
from . import cli_commands
from .backend import cloudhsm_backends
from .models import Cluster


def _find_cluster(account_id: str, region_name: str, cluster_id: str) -> Cluster:
    cluster = cloudhsm_backends[account_id][region_name].find_cluster(cluster_id)
    if cluster is None:
        raise CloudHsmCliError(
            f"Cluster '{cluster_id}' does not exist in account {account_id} in "
            f"{region_name}. Check the cluster ID, Region and account."
        )
    return cluster


def run_command(
    account_id: str,
    region_name: str,
    cluster_id: str,
    session_id: str,
    command: str,
    arguments: dict[str, Any],
) -> Any:
    """Run one command; raise CloudHsmCliError when the CLI would fail."""
    with state_lock:
        cluster = _find_cluster(account_id, region_name, cluster_id)
        if command == "cluster_activate":
            return cli_commands.cluster_activate(cluster, arguments["password"])
        if command == "user_list":
            return cli_commands.user_list(cluster)
        if command == "logout":
            return cli_commands.logout(cluster, session_id)
        if command == "daily_backup":
            backups = cloudhsm_backends[account_id][region_name]
            backup = backups.take_backup(cluster)
            if backup is None:
                raise CloudHsmCliError(
                    f"Cluster '{cluster_id}' is not initialized, so it has nothing "
                    "to back up."
                )
            return backup.backup_id
        session_commands: dict[str, Callable[..., None]] = {
            "login": cli_commands.login,
            "user_create": cli_commands.user_create,
            "user_delete": cli_commands.user_delete,
            "user_change_password": cli_commands.user_change_password,
        }
        if command not in session_commands:
            raise CloudHsmCliError(f"Unknown CloudHSM CLI command '{command}'.")
        return session_commands[command](cluster, session_id, **arguments)
