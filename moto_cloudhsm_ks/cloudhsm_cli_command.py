"""`moto-cloudhsm-ks cloudhsm-cli`: CloudHSM CLI commands against a running server.

Like the CloudHSM CLI in single command mode, each invocation is one session.
It logs in from CLOUDHSM_PIN and CLOUDHSM_ROLE, or as --login-username with the
password on standard input. Then it runs one command, logs out, and prints the
result as the CloudHSM CLI does: `{"error_code": 0, "data": ...}`. A failure
prints `{"error_code": 1, "data": "<message>"}` and exits with status 1.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import json
import os
import urllib.error
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TextIO

from .cli import CloudHsmCli, cloudhsm_cli
from .exceptions import CloudHsmCliError

# The AWS CLI and the SDKs read the endpoint of every service from this variable.
ENDPOINT_VARIABLE = "AWS_ENDPOINT_URL"
PIN_VARIABLE = "CLOUDHSM_PIN"
ROLE_VARIABLE = "CLOUDHSM_ROLE"
ROLES = ("admin", "crypto-user")


@dataclass(frozen=True)
class Login:
    username: str
    role: str
    password: str


class PasswordReader:
    """Reads passwords from standard input: a prompt on a terminal, else a line."""

    def __init__(self, stdin: TextIO) -> None:
        self.stdin = stdin

    def read(self, prompt: str) -> str:
        if self.stdin.isatty():
            return getpass.getpass(prompt)
        line = self.stdin.readline()
        if not line:
            raise CloudHsmCliError(
                f"Expected a password on standard input ({prompt.rstrip(': ')}), "
                "but it ended. Pass each password on its own line."
            )
        return line.rstrip("\r\n")


def add_parser(commands: Any) -> None:
    """Add the `cloudhsm-cli` subcommand to the console script's subcommands."""
    parser = commands.add_parser(
        "cloudhsm-cli",
        help="run one CloudHSM CLI command against a running moto-cloudhsm-ks server",
        description=(
            "Run one CloudHSM CLI command in a cluster of a running "
            f"moto-cloudhsm-ks server. Log in with {PIN_VARIABLE}=<username>:"
            f"<password> and {ROLE_VARIABLE}=<role>, as the CloudHSM CLI does in "
            "single command mode, or with --login-username and the password on "
            "standard input. Passwords that a command needs and that are not given "
            "as --password are read from standard input too."
        ),
    )
    endpoint_url = os.environ.get(ENDPOINT_VARIABLE)
    parser.add_argument(
        "--endpoint-url",
        required=endpoint_url is None,
        default=endpoint_url,
        help="URL of the server, such as http://127.0.0.1:5000 (default: "
        f"{ENDPOINT_VARIABLE}, as for the AWS CLI)",
    )
    parser.add_argument("--cluster-id", required=True, help="ID of the cluster")
    parser.add_argument(
        "--region",
        help="Region of the cluster (default: AWS_DEFAULT_REGION, else us-east-1)",
    )
    parser.add_argument(
        "--account-id", help="account of the cluster (default: moto's default account)"
    )
    parser.add_argument(
        "--login-username",
        help="user to log in as, with the password read from standard input "
        f"(default: the user in {PIN_VARIABLE}, or no login)",
    )
    parser.add_argument(
        "--login-role",
        choices=ROLES,
        default="admin",
        help="role of --login-username (default: admin)",
    )
    _add_commands(parser.add_subparsers(dest="cli_command", required=True))


def _add_commands(commands: Any) -> None:
    activate = commands.add_parser(
        "cluster-activate", help="set the admin password and make the cluster ACTIVE"
    )
    _add_password(activate)
    commands.add_parser("user-list", help="list the users of the cluster")
    for name, help_text in (
        ("user-create", "create a user (needs an admin login)"),
        ("user-delete", "delete a user (needs an admin login)"),
        ("user-change-password", "change a password and clear a lockout"),
    ):
        command = commands.add_parser(name, help=help_text)
        command.add_argument("--username", required=True, help="name of the user")
        command.add_argument(
            "--role", required=True, choices=ROLES, help="role of the user"
        )
        if name != "user-delete":
            _add_password(command)
    commands.add_parser(
        "daily-backup",
        help="take the backup that AWS takes daily (not a CloudHSM CLI command)",
    )


def _add_password(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--password",
        help="the new password; other users can see it in the process list, so "
        "omit it to read the password from standard input",
    )


def run(arguments: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    """Run the parsed command, print its JSON result and return the exit status."""
    passwords = PasswordReader(stdin)
    cli = cloudhsm_cli(
        arguments.cluster_id,
        region_name=arguments.region,
        account_id=arguments.account_id,
        endpoint_url=arguments.endpoint_url,
    )
    try:
        data = _run_in_session(cli, arguments, passwords)
    except CloudHsmCliError as error:
        return _print_result(stdout, 1, str(error))
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        return _print_result(
            stdout,
            1,
            f"Cannot reach the server at {arguments.endpoint_url}: {reason}. Start "
            "it with 'moto-cloudhsm-ks server' or check --endpoint-url.",
        )
    return _print_result(stdout, 0, data)


def _print_result(stdout: TextIO, error_code: int, data: Any) -> int:
    stdout.write(json.dumps({"error_code": error_code, "data": data}, indent=2) + "\n")
    return error_code


def _run_in_session(
    cli: CloudHsmCli, arguments: argparse.Namespace, passwords: PasswordReader
) -> Any:
    login = _find_login(arguments, passwords)
    if login is None:
        return COMMANDS[arguments.cli_command](cli, arguments, passwords)
    cli.login(login.username, login.role, login.password)
    try:
        data = COMMANDS[arguments.cli_command](cli, arguments, passwords)
    except BaseException:
        # A failed logout must not hide why the command failed.
        with contextlib.suppress(CloudHsmCliError, OSError):
            cli.logout()
        raise
    cli.logout()
    return data


def _find_login(
    arguments: argparse.Namespace, passwords: PasswordReader
) -> Login | None:
    if arguments.login_username is not None:
        password = passwords.read(f"Enter password for {arguments.login_username}: ")
        return Login(arguments.login_username, arguments.login_role, password)
    pin = os.environ.get(PIN_VARIABLE)
    if pin is None:
        return None
    username, separator, password = pin.partition(":")
    role = os.environ.get(ROLE_VARIABLE)
    if not separator or role is None:
        raise CloudHsmCliError(
            f"Set {PIN_VARIABLE} to <username>:<password> and {ROLE_VARIABLE} to "
            f"admin or crypto-user to log in, or unset {PIN_VARIABLE}."
        )
    return Login(username, role, password)


def _new_password(arguments: argparse.Namespace, passwords: PasswordReader) -> str:
    if arguments.password is not None:
        return str(arguments.password)
    return passwords.read("Enter password: ")


def _cluster_activate(
    cli: CloudHsmCli, arguments: argparse.Namespace, passwords: PasswordReader
) -> Any:
    cli.cluster_activate(_new_password(arguments, passwords))
    return "Cluster activation successful"


def _user_list(
    cli: CloudHsmCli, arguments: argparse.Namespace, passwords: PasswordReader
) -> Any:
    # The CloudHSM CLI prints the locked flag as the string "true" or "false".
    users = [
        {**user, "locked": "true" if user["locked"] else "false"}
        for user in cli.user_list()
    ]
    return {"users": users}


def _user_create(
    cli: CloudHsmCli, arguments: argparse.Namespace, passwords: PasswordReader
) -> Any:
    password = _new_password(arguments, passwords)
    cli.user_create(arguments.username, arguments.role, password)
    return {"username": arguments.username.lower(), "role": arguments.role}


def _user_delete(
    cli: CloudHsmCli, arguments: argparse.Namespace, passwords: PasswordReader
) -> Any:
    cli.user_delete(arguments.username, arguments.role)
    return {"username": arguments.username.lower(), "role": arguments.role}


def _user_change_password(
    cli: CloudHsmCli, arguments: argparse.Namespace, passwords: PasswordReader
) -> Any:
    password = _new_password(arguments, passwords)
    cli.user_change_password(arguments.username, arguments.role, password)
    return {"username": arguments.username.lower(), "role": arguments.role}


def _daily_backup(
    cli: CloudHsmCli, arguments: argparse.Namespace, passwords: PasswordReader
) -> Any:
    return {"backup_id": cli.daily_backup()}


Command = Callable[[CloudHsmCli, argparse.Namespace, PasswordReader], Any]

COMMANDS: dict[str, Command] = {
    "cluster-activate": _cluster_activate,
    "user-list": _user_list,
    "user-create": _user_create,
    "user-delete": _user_delete,
    "user-change-password": _user_change_password,
    "daily-backup": _daily_backup,
}
