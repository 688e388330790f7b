"""Key states of KMS keys in a CloudHSM key store, and the changes users make.

A key is Unavailable while its store is not CONNECTED, unless it is pending
deletion. When the store connects again, the key gets back its available state,
which EnableKey, DisableKey and the deletion calls change even while the key is
Unavailable (KMS Developer Guide, fix-keystore).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ..exceptions import DisabledException, KMSInvalidStateException
from ..keystores.models import CONNECTED
from .constraints import require_in_range
from .registry import DISABLED, ENABLED, PENDING_DELETION, UNAVAILABLE, StoreKey

# ScheduleKeyDeletion accepts a waiting period of 7 to 30 days, 30 by default
# (KMS API reference), although the service model allows 1 to 365.
MIN_PENDING_WINDOW_IN_DAYS = 7
MAX_PENDING_WINDOW_IN_DAYS = 30
DEFAULT_PENDING_WINDOW_IN_DAYS = 30


def key_state(key: StoreKey, connection_state: str) -> str:
    """Return the key state users see while the store is in `connection_state`."""
    if key.available_state == PENDING_DELETION:
        return PENDING_DELETION
    if connection_state != CONNECTED:
        return UNAVAILABLE
    return key.available_state


def require_usable(key: StoreKey, state: str) -> None:
    """Raise the error a cryptographic operation gets on a key in `state`."""
    if state == PENDING_DELETION:
        # NOTE: the KMS Developer Guide lists DisabledException or
        # KMSInvalidStateException here. The mock raises the latter, as local-kms does.
        raise KMSInvalidStateException(f"{key.key_arn} is pending deletion.")
    if state == UNAVAILABLE:
        raise KMSInvalidStateException(f"{key.key_arn} is unavailable.")
    if state == DISABLED:
        raise DisabledException(f"{key.key_arn} is disabled.")


def _require_not_pending_deletion(key: StoreKey) -> None:
    if key.available_state == PENDING_DELETION:
        raise KMSInvalidStateException(f"{key.key_arn} is pending deletion.")


def enable(key: StoreKey) -> None:
    _require_not_pending_deletion(key)
    key.available_state = ENABLED


def disable(key: StoreKey) -> None:
    _require_not_pending_deletion(key)
    key.available_state = DISABLED


def _check_pending_window(days: int) -> None:
    # NOTE: AWS's wording for a window the model allows but KMS rejects is
    # unconfirmed, so this follows its "1 validation error detected" format.
    require_in_range(
        days,
        "pendingWindowInDays",
        MIN_PENDING_WINDOW_IN_DAYS,
        MAX_PENDING_WINDOW_IN_DAYS,
    )


def schedule_deletion(key: StoreKey, days: int, now: datetime) -> None:
    """Start the waiting period, which is allowed while the key is Unavailable."""
    _check_pending_window(days)
    _require_not_pending_deletion(key)
    key.available_state = PENDING_DELETION
    key.deletion_date = now + timedelta(days=days)
    key.pending_window_in_days = days


def cancel_deletion(key: StoreKey) -> None:
    """End the waiting period, leaving the key Disabled once its store connects."""
    if key.available_state != PENDING_DELETION:
        raise KMSInvalidStateException(f"{key.key_arn} is not pending deletion.")
    key.available_state = DISABLED
    key.deletion_date = None
    key.pending_window_in_days = None
