"""Checks of the keyword arguments of `provision_cluster` and `provision_key_store`.

The pytest marker `cloudhsm` uses the same checks, so a bad option fails at
collection with the message the provisioning helper would raise at run time.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Mapping

import botocore.session

from .certificates import CertificateAuthority
from .cloudhsm.backend import MAX_HSMS_PER_CLUSTER
from .cloudhsm.users import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH

CONNECTION_STATES = ("CONNECTED", "DISCONNECTED", "FAILED")

# CreateCustomKeyStore needs HSMs in at least two Availability Zones.
MIN_KEY_STORE_HSMS = 2
MIN_KEY_STORE_ZONES = 2
MAX_KEY_STORE_NAME_LENGTH = 256

_ACCOUNT_ID_PATTERN = re.compile(r"[0-9]{12}")

Check = Callable[[str, object, bool], None]


class OptionError(ValueError):
    """A provisioning option is invalid. The message names it and the values to pass."""


def _require_type(name: str, value: object, expected: tuple[type, ...]) -> None:
    # bool is an int subclass, but hsm_count=True is a mistake, not a count.
    if isinstance(value, bool) and bool not in expected:
        accepted = False
    else:
        accepted = isinstance(value, expected)
    if not accepted:
        names = " or ".join(
            "None" if kind is type(None) else kind.__name__ for kind in expected
        )
        raise OptionError(
            f"{name} must be {names}, not {type(value).__name__} {value!r}."
        )


def _check_hsm_count(name: str, value: object, key_store: bool) -> None:
    _require_type(name, value, (int,))
    assert isinstance(value, int)
    minimum = MIN_KEY_STORE_HSMS if key_store else 0
    if not minimum <= value <= MAX_HSMS_PER_CLUSTER:
        reason = (
            ", because CreateCustomKeyStore needs ACTIVE HSMs in two Availability Zones"
            if key_store and value < minimum
            else ""
        )
        raise OptionError(
            f"{name} must be from {minimum} to {MAX_HSMS_PER_CLUSTER}, not "
            f"{value}{reason}."
        )


def _check_zone_count(name: str, value: object, key_store: bool) -> None:
    _require_type(name, value, (int,))
    assert isinstance(value, int)
    minimum = MIN_KEY_STORE_ZONES if key_store else 1
    if value < minimum:
        reason = (
            ", because CreateCustomKeyStore needs HSMs in two Availability Zones"
            if key_store
            else ""
        )
        raise OptionError(f"{name} must be at least {minimum}, not {value}{reason}.")


def _check_connection_state(name: str, value: object, key_store: bool) -> None:
    _require_type(name, value, (str,))
    if value not in CONNECTION_STATES:
        raise OptionError(
            f"{name} must be one of {', '.join(CONNECTION_STATES)}, not {value!r}."
        )


def _check_password(name: str, value: object, optional: bool) -> None:
    _require_type(name, value, (str, type(None)) if optional else (str,))
    if value is None:
        return
    assert isinstance(value, str)
    if not MIN_PASSWORD_LENGTH <= len(value) <= MAX_PASSWORD_LENGTH:
        raise OptionError(
            f"{name} must have {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} "
            f"characters, as CloudHSM passwords do, not {len(value)}."
        )


def _check_kmsuser_password(name: str, value: object, key_store: bool) -> None:
    _check_password(name, value, optional=True)


def _check_admin_password(name: str, value: object, key_store: bool) -> None:
    _check_password(name, value, optional=False)


@functools.cache
def _known_regions() -> frozenset[str]:
    session = botocore.session.get_session()
    return frozenset(
        region
        for partition in session.get_available_partitions()
        for region in session.get_available_regions("cloudhsmv2", partition)
    )


def _check_region(name: str, value: object, key_store: bool) -> None:
    _require_type(name, value, (str, type(None)))
    if value is not None and value not in _known_regions():
        raise OptionError(
            f"{name} {value!r} is not a Region where botocore knows cloudhsmv2. Use a "
            "Region name such as 'us-east-1', or None for AWS_DEFAULT_REGION."
        )


def _check_account_id(name: str, value: object, key_store: bool) -> None:
    _require_type(name, value, (str, type(None)))
    if value is None:
        return
    assert isinstance(value, str)
    if not _ACCOUNT_ID_PATTERN.fullmatch(value):
        raise OptionError(f"{name} must be 12 digits, not {value!r}.")
    environment_account = os.environ.get("MOTO_ACCOUNT_ID")
    if environment_account not in (None, value):
        raise OptionError(
            f"{name} is {value!r}, but MOTO_ACCOUNT_ID is {environment_account!r}, "
            "which moto uses for every request. Unset MOTO_ACCOUNT_ID or pass the "
            "same account."
        )


def _check_store_name(name: str, value: object, key_store: bool) -> None:
    _require_type(name, value, (str,))
    assert isinstance(value, str)
    if not 1 <= len(value) <= MAX_KEY_STORE_NAME_LENGTH:
        raise OptionError(
            f"{name} must have 1 to {MAX_KEY_STORE_NAME_LENGTH} characters, not "
            f"{len(value)}."
        )


def _check_endpoint_url(name: str, value: object, key_store: bool) -> None:
    _require_type(name, value, (str, type(None)))


def _check_authority(name: str, value: object, key_store: bool) -> None:
    _require_type(name, value, (CertificateAuthority, type(None)))


CLUSTER_CHECKS: dict[str, Check] = {
    "hsm_count": _check_hsm_count,
    "availability_zone_count": _check_zone_count,
    "kmsuser_password": _check_kmsuser_password,
    "admin_password": _check_admin_password,
    "region_name": _check_region,
    "account_id": _check_account_id,
    "endpoint_url": _check_endpoint_url,
    "certificate_authority": _check_authority,
}

KEY_STORE_CHECKS: dict[str, Check] = {
    "custom_key_store_name": _check_store_name,
    "connection_state": _check_connection_state,
    **CLUSTER_CHECKS,
}


def check_options(options: Mapping[str, object], *, key_store: bool) -> None:
    """Raise OptionError if a provisioning helper must reject these options.

    `key_store` selects the rules of `provision_key_store`, which needs at least
    two HSMs in two Availability Zones. Otherwise the rules of `provision_cluster`
    apply, and the two key store options are only type-checked.
    """
    unknown = sorted(set(options) - set(KEY_STORE_CHECKS))
    if unknown:
        raise OptionError(
            f"Unknown keyword {', '.join(map(repr, unknown))}. Valid keywords: "
            f"{', '.join(sorted(KEY_STORE_CHECKS))}."
        )
    for name, value in options.items():
        KEY_STORE_CHECKS[name](name, value, key_store)
    if key_store:
        _check_store_can_connect(options)


def _check_store_can_connect(options: Mapping[str, object]) -> None:
    # A missing option has the default of provision_key_store: CONNECTED, and a
    # kmsuser.
    state = options.get("connection_state", "CONNECTED")
    password = options.get("kmsuser_password", "")
    if state == "CONNECTED" and password is None:
        raise OptionError(
            "kmsuser_password=None creates no kmsuser, so the store cannot be "
            "CONNECTED. Pass a kmsuser_password, or connection_state='FAILED' for a "
            "store whose connection fails with USER_NOT_FOUND."
        )
