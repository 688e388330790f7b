"""`cloudhsm_cli`: the CloudHSM CLI's commands against a mocked cluster.

In-process it changes the registry directly; with `endpoint_url` it sends each
command to a running `moto-cloudhsm-ks server`.
"""

from __future__ import annotations

import os
import uuid
from typing import Any

from moto.core.models import DEFAULT_ACCOUNT_ID

from .cloudhsm.cli_dispatch import run_command
from .control_client import ControlRequestError, post_control
from .exceptions import CloudHsmCliError

CLI_ROUTE = "/moto-api/cloudhsm-ks/cli"


def _default_region() -> str:
    return os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"


def _default_account() -> str:
    return os.environ.get("MOTO_ACCOUNT_ID") or DEFAULT_ACCOUNT_ID


class CloudHsmCli:
    """One CloudHSM CLI session on one cluster; commands are named as in the CLI."""

    def __init__(
        self,
        cluster_id: str,
        region_name: str,
        account_id: str,
        endpoint_url: str | None,
    ) -> None:
        self.cluster_id = cluster_id
        self.region_name = region_name
        self.account_id = account_id
        self.endpoint_url = endpoint_url.rstrip("/") if endpoint_url else None
        self.session_id = f"cli:{uuid.uuid4()}"

    def __repr__(self) -> str:
        return (
            f"CloudHsmCli(cluster_id={self.cluster_id!r}, "
            f"region_name={self.region_name!r}, account_id={self.account_id!r})"
        )

    def _run(self, command: str, **arguments: Any) -> Any:
        if self.endpoint_url is None:
            return run_command(
                self.account_id,
                self.region_name,
                self.cluster_id,
                self.session_id,
                command,
                arguments,
            )
        return self._post(command, arguments)

    def _post(self, command: str, arguments: dict[str, Any]) -> Any:
        assert self.endpoint_url is not None
        payload = {
            "account_id": self.account_id,
            "region_name": self.region_name,
            "cluster_id": self.cluster_id,
            "session_id": self.session_id,
            "command": command,
            "arguments": arguments,
        }
        try:
            return post_control(self.endpoint_url, CLI_ROUTE, payload)
        except ControlRequestError as error:
            raise CloudHsmCliError(str(error)) from None

    def cluster_activate(self, password: str) -> None:
        """Move an INITIALIZED cluster to ACTIVE and set the admin's password."""
        self._run("cluster_activate", password=password)

    def login(self, username: str, role: str, password: str) -> None:
        """Log this session in; a wrong password counts toward the lockout."""
        self._run("login", username=username, role=role, password=password)

    def logout(self) -> None:
        self._run("logout")

    def user_create(self, username: str, role: str, password: str) -> None:
        """Create an `admin` or `crypto-user` user; needs an admin login."""
        self._run("user_create", username=username, role=role, password=password)

    def user_delete(self, username: str, role: str) -> None:
        """Delete a user; needs an admin login."""
        self._run("user_delete", username=username, role=role)

    def user_change_password(self, username: str, role: str, password: str) -> None:
        """Change a user's password and clear its lockout."""
        self._run(
            "user_change_password", username=username, role=role, password=password
        )

    def daily_backup(self) -> str:
        """Take the backup AWS takes of every cluster once a day; return its ID.

        Not a CloudHSM CLI command: it stands for the passing of a day, so a test
        can restore a cluster with the users and keys it has now.
        """
        backup_id: str = self._run("daily_backup")
        return backup_id

    def user_list(self) -> list[dict[str, Any]]:
        """Return each user's `username`, `role` and `locked` flag."""
        users: list[dict[str, Any]] = self._run("user_list")
        return users


def cloudhsm_cli(
    cluster_id: str,
    *,
    region_name: str | None = None,
    account_id: str | None = None,
    endpoint_url: str | None = None,
) -> CloudHsmCli:
    """Open a CloudHSM CLI session on a mocked cluster.

    The Region defaults to `AWS_DEFAULT_REGION`, else us-east-1; the account to
    `MOTO_ACCOUNT_ID`, else moto's default. With `endpoint_url`, the commands go
    to a running `moto-cloudhsm-ks server` at that address.
    """
    return CloudHsmCli(
        cluster_id,
        region_name or _default_region(),
        account_id or _default_account(),
        endpoint_url,
    )
