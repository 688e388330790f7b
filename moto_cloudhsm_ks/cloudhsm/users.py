"""Users inside a mocked CloudHSM cluster: roles, passwords, lockout and sessions.

A real cluster replicates its users to every HSM. The mock keeps one user table per
cluster, which is what a cluster with in-sync HSMs looks like.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from dataclasses import dataclass, field

from ..exceptions import CloudHsmCliError

ROLES = ("admin", "crypto-user")

# "If you exceed five incorrect login attempts, your account is locked out"
# (CloudHSM User Guide, cloudhsm_cli-login).
MAX_FAILED_LOGINS = 5

# Usernames: at most 31 characters, letters, digits and underscore, shown in lower
# case (CloudHSM User Guide, cloudhsm_cli-user-create). Passwords: 7 to 32
# characters (CloudHSM quotas).
_USERNAME_PATTERN = re.compile(r"[A-Za-z0-9_]{1,31}")
MIN_PASSWORD_LENGTH = 7
MAX_PASSWORD_LENGTH = 32


def _hash_password(password: str, salt: bytes) -> bytes:
    return hashlib.sha256(salt + password.encode("utf-8")).digest()


@dataclass
class HsmUser:
    """A user of the cluster. Only a salted hash of the password is kept."""

    username: str
    role: str
    _salt: bytes = field(repr=False)
    _password_hash: bytes = field(repr=False)
    failed_logins: int = 0

    @classmethod
    def create(cls, username: str, role: str, password: str) -> HsmUser:
        salt = os.urandom(16)
        return cls(username, role, salt, _hash_password(password, salt))

    @property
    def locked(self) -> bool:
        return self.failed_logins >= MAX_FAILED_LOGINS

    def password_matches(self, password: str) -> bool:
        return hmac.compare_digest(
            self._password_hash, _hash_password(password, self._salt)
        )

    def set_password(self, password: str) -> None:
        self._salt = os.urandom(16)
        self._password_hash = _hash_password(password, self._salt)
        self.failed_logins = 0

    def copy(self) -> HsmUser:
        return HsmUser(
            self.username,
            self.role,
            self._salt,
            self._password_hash,
            self.failed_logins,
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "username": self.username,
            "role": self.role,
            "locked": self.locked,
            "mfa": [],
            "cluster-coverage": "full",
        }


def normalize_username(username: str) -> str:
    """Return the username in lower case, or raise CloudHsmCliError if invalid."""
    if not _USERNAME_PATTERN.fullmatch(username):
        raise CloudHsmCliError(
            f"Invalid username '{username}': use 1 to 31 letters, digits or "
            "underscores."
        )
    return username.lower()


def check_role(role: str) -> None:
    if role not in ROLES:
        raise CloudHsmCliError(f"Invalid role '{role}': use one of {', '.join(ROLES)}.")


def check_password(password: str) -> None:
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise CloudHsmCliError(
            f"Invalid password: it has {len(password)} characters, and passwords "
            f"must have {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH}."
        )


class UserTable:
    """The users of one cluster and who is logged in.

    A session is any holder of a login: a `cloudhsm_cli` object, or a connected
    KMS key store, which stays logged in as `kmsuser` while it is connected.
    """

    def __init__(self) -> None:
        self.users: dict[str, HsmUser] = {}
        # session ID -> username
        self.sessions: dict[str, str] = {}

    def copy(self) -> UserTable:
        table = UserTable()
        table.users = {name: user.copy() for name, user in self.users.items()}
        return table

    def find(self, username: str, role: str | None = None) -> HsmUser | None:
        user = self.users.get(username.lower())
        if user is None or (role is not None and user.role != role):
            return None
        return user

    def require(self, username: str, role: str) -> HsmUser:
        user = self.find(username, role)
        if user is None:
            raise CloudHsmCliError(
                f"User '{username.lower()}' with role '{role}' does not exist in "
                "the cluster. Run user list to see the users."
            )
        return user

    def is_logged_in(self, username: str) -> bool:
        return username.lower() in self.sessions.values()

    def session_user(self, session_id: str) -> HsmUser | None:
        username = self.sessions.get(session_id)
        return None if username is None else self.users.get(username)

    def login(self, session_id: str, username: str, role: str, password: str) -> None:
        """Log a session in, counting a wrong password toward the lockout."""
        user = self.require(username, role)
        if session_id in self.sessions:
            raise CloudHsmCliError(
                f"This session is already logged in as "
                f"'{self.sessions[session_id]}'. Run logout first."
            )
        if user.locked:
            raise CloudHsmCliError(
                f"User '{user.username}' is locked out after {MAX_FAILED_LOGINS} "
                "failed login attempts. An admin must run user change-password "
                "to unlock it."
            )
        if not user.password_matches(password):
            user.failed_logins += 1
            raise CloudHsmCliError(
                f"Login failed for user '{user.username}': incorrect password "
                f"({user.failed_logins} of {MAX_FAILED_LOGINS} attempts before "
                "lockout)."
            )
        user.failed_logins = 0
        self.sessions[session_id] = user.username

    def logout(self, session_id: str) -> None:
        if self.sessions.pop(session_id, None) is None:
            raise CloudHsmCliError("This session is not logged in.")

    def require_admin(self, session_id: str, action: str) -> HsmUser:
        user = self.session_user(session_id)
        if user is None or user.role != "admin":
            raise CloudHsmCliError(
                f"{action} requires a login as a user with the admin role. Run "
                "login with an admin user first."
            )
        return user
