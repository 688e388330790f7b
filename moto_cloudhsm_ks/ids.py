"""Resource IDs in the formats AWS uses.

Touches moto internals: draws from moto's `mock_random`, so `/moto-api/seed` makes
the IDs reproducible.
"""

from __future__ import annotations

from moto.moto_api._internal import mock_random

# CloudHSM IDs are a prefix plus 11 characters of base32 in lower case, as in
# `cluster-igklspoyj5v` (CloudHSM User Guide examples).
_BASE32_LOWER = "abcdefghijklmnopqrstuvwxyz234567"


def _base32_suffix(length: int = 11) -> str:
    return "".join(mock_random.choice(_BASE32_LOWER) for _ in range(length))


def new_cluster_id() -> str:
    return f"cluster-{_base32_suffix()}"


def new_hsm_id() -> str:
    return f"hsm-{_base32_suffix()}"


def new_backup_id() -> str:
    return f"backup-{_base32_suffix()}"


def new_custom_key_store_id() -> str:
    """Return `cks-` and 17 hex digits, the form of every AWS example."""
    return "cks-" + "".join(mock_random.choice("0123456789abcdef") for _ in range(17))
