"""A KMS custom key store of type AWS_CLOUDHSM and its connection state.

Touches moto internals: CONNECTING and DISCONNECTING end through moto's
`ManagedState`, so moto's state manager (model `kms::customkeystore`) decides how
many DescribeCustomKeyStores calls they last.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from moto.moto_api._internal.managed_state_model import ManagedState

from .. import ids

KEY_STORE_MODEL = "kms::customkeystore"

CONNECTED = "CONNECTED"
CONNECTING = "CONNECTING"
DISCONNECTED = "DISCONNECTED"
DISCONNECTING = "DISCONNECTING"
FAILED = "FAILED"

# Internal status: the connection attempt's time is up and its result is due.
CONNECT_ATTEMPT_ENDED = "CONNECT_ATTEMPT_ENDED"


class CustomKeyStore(ManagedState):
    """An AWS_CLOUDHSM key store.

    `password` is the kmsuser password that KMS has stored for this store. It
    never leaves the object: no response, message or repr contains it.
    """

    def __init__(
        self,
        name: str,
        cluster_id: str,
        trust_anchor: str,
        password: str,
        sequence: int,
    ) -> None:
        super().__init__(
            KEY_STORE_MODEL,
            [
                (DISCONNECTED, DISCONNECTED),
                (CONNECTING, CONNECT_ATTEMPT_ENDED),
                (DISCONNECTING, DISCONNECTED),
            ],
        )
        self.custom_key_store_id = ids.new_custom_key_store_id()
        self.name = name
        self.cluster_id = cluster_id
        self.trust_anchor = trust_anchor
        self.password = password
        # The certificate of the store's cluster. KMS keeps it after the cluster
        # is deleted, so a cluster restored from its backup still counts as related.
        self.cluster_certificate: str | None = None
        self.creation_date = datetime.now(timezone.utc)
        self.custom_key_store_type = "AWS_CLOUDHSM"
        self.connection_error_code: str | None = None
        # Position in creation order, which is the order of DescribeCustomKeyStores.
        self.sequence = sequence
        # Network resources KMS made in the customer's VPC while connected.
        self.security_group_id: str | None = None
        self.eni_ids: list[str] = []
        # A ConnectionErrorCode the next connection attempt ends with, set by
        # tests to simulate failures the cluster itself cannot cause.
        self.injected_error_code: str | None = None

    def __repr__(self) -> str:
        return (
            f"CustomKeyStore(custom_key_store_id={self.custom_key_store_id!r}, "
            f"name={self.name!r}, cluster_id={self.cluster_id!r}, "
            f"connection_state={self._status!r})"
        )

    @property
    def session_id(self) -> str:
        """The cluster session KMS holds for this store while it is connected."""
        return f"kms:{self.custom_key_store_id}"

    def raw_state(self) -> str:
        """Return the state after any due transition, possibly CONNECT_ATTEMPT_ENDED."""
        return str(self.status)

    def set_state(self, state: str) -> None:
        self.status = state
        self._tick = 0

    def to_dict(self, connection_state: str) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "CustomKeyStoreId": self.custom_key_store_id,
            "CustomKeyStoreName": self.name,
            "CloudHsmClusterId": self.cluster_id,
            "TrustAnchorCertificate": self.trust_anchor,
            "ConnectionState": connection_state,
            "CreationDate": self.creation_date.timestamp(),
            "CustomKeyStoreType": self.custom_key_store_type,
        }
        if connection_state == FAILED and self.connection_error_code:
            entry["ConnectionErrorCode"] = self.connection_error_code
        return entry
