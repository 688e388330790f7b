"""Keep an AWS CloudHSM key store connected before an application uses its keys.

`KeyStoreHealthChecker.ensure_connected` connects a DISCONNECTED store, waits
out CONNECTING and DISCONNECTING, and repairs a FAILED store the way the KMS
Developer Guide describes: disconnect it, fix the cause, connect it again.
The only cause it can fix itself is the kmsuser password (INVALID_CREDENTIALS
and USER_LOCKED_OUT), through a callback that sets a new one in the cluster.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

# The type stubs (pip install mypy-boto3-kms) are needed only to type-check.
if TYPE_CHECKING:
    from mypy_boto3_kms.client import KMSClient
    from mypy_boto3_kms.literals import (
        ConnectionErrorCodeTypeType,
        ConnectionStateTypeType,
    )

# The ConnectionErrorCodes that a new kmsuser password fixes.
PASSWORD_ERRORS: frozenset[ConnectionErrorCodeTypeType] = frozenset(
    {"INVALID_CREDENTIALS", "USER_LOCKED_OUT"}
)


@dataclass(frozen=True)
class StoreStatus:
    """A store's connection state as DescribeCustomKeyStores returns it."""

    custom_key_store_id: str
    connection_state: ConnectionStateTypeType
    connection_error_code: ConnectionErrorCodeTypeType | None = None


class KeyStoreUnavailableError(Exception):
    """The store cannot be connected without an operator."""

    def __init__(self, status: StoreStatus) -> None:
        super().__init__(
            f"Custom key store {status.custom_key_store_id} is "
            f"{status.connection_state} with ConnectionErrorCode "
            f"{status.connection_error_code}, which this checker cannot fix. See "
            "'Troubleshooting a custom key store' in the KMS Developer Guide."
        )
        self.status = status


# Sets a new kmsuser password in the cluster (with the CloudHSM CLI) and returns it.
PasswordRotator = Callable[[StoreStatus], str]


class KeyStoreHealthChecker:
    """Connects and repairs the custom key stores of one KMS client."""

    def __init__(
        self,
        kms: KMSClient,
        *,
        rotate_password: PasswordRotator | None = None,
        poll_interval: float = 30.0,
        max_polls: int = 60,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.kms = kms
        self.rotate_password = rotate_password
        # Connecting can take up to 20 minutes (KMS Developer Guide,
        # disconnect-keystore): 60 polls 30 s apart.
        self.poll_interval = poll_interval
        self.max_polls = max_polls
        self.sleep = sleep

    def status(self, store_id: str) -> StoreStatus:
        """Describe the store once."""
        response = self.kms.describe_custom_key_stores(CustomKeyStoreId=store_id)
        entry = response["CustomKeyStores"][0]
        return StoreStatus(
            store_id, entry["ConnectionState"], entry.get("ConnectionErrorCode")
        )

    def ensure_connected(self, store_id: str) -> StoreStatus:
        """Return the store's status once it is CONNECTED, connecting it if needed.

        Raises KeyStoreUnavailableError when the store ends FAILED with a cause
        that this checker cannot fix, and TimeoutError when a transition takes
        more than `max_polls` polls.
        """
        status = self._settle(self.status(store_id))
        if status.connection_state == "FAILED":
            status = self._repair(status)
        if status.connection_state == "DISCONNECTED":
            status = self._connect(store_id)
        if status.connection_state != "CONNECTED":
            raise KeyStoreUnavailableError(status)
        return status

    def _repair(self, status: StoreStatus) -> StoreStatus:
        store_id = status.custom_key_store_id
        if status.connection_error_code not in PASSWORD_ERRORS:
            # Other causes may be transient, such as NETWORK_ERRORS: try once more.
            return self._reconnect(store_id)
        if self.rotate_password is None:
            raise KeyStoreUnavailableError(status)
        self.kms.disconnect_custom_key_store(CustomKeyStoreId=store_id)
        self._settle(self.status(store_id))
        self.kms.update_custom_key_store(
            CustomKeyStoreId=store_id, KeyStorePassword=self.rotate_password(status)
        )
        return self._connect(store_id)

    def _reconnect(self, store_id: str) -> StoreStatus:
        self.kms.disconnect_custom_key_store(CustomKeyStoreId=store_id)
        self._settle(self.status(store_id))
        return self._connect(store_id)

    def _connect(self, store_id: str) -> StoreStatus:
        self.kms.connect_custom_key_store(CustomKeyStoreId=store_id)
        return self._settle(self.status(store_id))

    def _settle(self, status: StoreStatus) -> StoreStatus:
        """Poll while the store is CONNECTING or DISCONNECTING."""
        polls = 0
        while status.connection_state in ("CONNECTING", "DISCONNECTING"):
            if polls == self.max_polls:
                raise TimeoutError(
                    f"Custom key store {status.custom_key_store_id} was still "
                    f"{status.connection_state} after {polls} polls "
                    f"{self.poll_interval} s apart."
                )
            self.sleep(self.poll_interval)
            polls += 1
            status = self.status(status.custom_key_store_id)
        return status
