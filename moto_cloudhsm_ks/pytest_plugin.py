"""pytest fixtures for a ready CloudHSM cluster and a connected key store.

Registered through the `pytest11` entry point, so installing the package is
enough. Each fixture activates `mock_kms` for the test, or joins a mock that is
already active. The marker `@pytest.mark.cloudhsm(**options)` sets the fixtures'
options, with the keyword names of `provision_key_store`; an invalid marker fails
at collection.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import Any

import pytest

from .mock import MockKms
from .provisioning import (
    ProvisionedCluster,
    ProvisionedKeyStore,
    create_key_store_on,
    provision_cluster,
)
from .provisioning_options import KEY_STORE_CHECKS, OptionError, check_options

MARKER = "cloudhsm"
CLUSTER_FIXTURE = "cloudhsm_cluster"
KEY_STORE_FIXTURE = "cloudhsm_key_store"

# The fixtures use the in-process mock, so a server's endpoint_url does not apply.
MARKER_KEYWORDS = tuple(sorted(set(KEY_STORE_CHECKS) - {"endpoint_url"}))
KEY_STORE_KEYWORDS = ("custom_key_store_name", "connection_state")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(**options): options of the {CLUSTER_FIXTURE} and "
        f"{KEY_STORE_FIXTURE} fixtures, with the keyword names of "
        "moto_cloudhsm_ks.provisioning.provision_key_store: "
        f"{', '.join(MARKER_KEYWORDS)}.",
    )


@pytest.hookimpl(wrapper=True)
def pytest_pycollect_makeitem(
    collector: pytest.Module | pytest.Class, name: str, obj: object
) -> Generator[None, Any, Any]:
    """Fail the collection of a test whose `cloudhsm` marker is invalid."""
    result = yield
    items = result if isinstance(result, list) else [result]
    for item in items:
        if isinstance(item, pytest.Item):
            error = marker_error(item)
            if error is not None:
                raise collector.CollectError(error)
    return result


def marker_error(item: pytest.Item) -> str | None:
    """Return why the item's `cloudhsm` markers are invalid, or None if they are valid.

    The rules of the key store apply when the test uses the key store fixture,
    because a store needs HSMs in two Availability Zones.
    """
    problem = _marker_problem(item)
    if problem is None:
        return None
    return (
        f"Invalid @pytest.mark.{MARKER} on {item.nodeid}: {problem} Valid "
        f"keywords: {', '.join(MARKER_KEYWORDS)}."
    )


def _marker_problem(item: pytest.Item) -> str | None:
    for marker in item.iter_markers(MARKER):
        if marker.args:
            return (
                "it takes keyword arguments only, such as hsm_count=3, but got "
                f"positional arguments {marker.args!r}."
            )
        unknown = sorted(set(marker.kwargs) - set(MARKER_KEYWORDS))
        if unknown:
            return f"unknown keyword {', '.join(map(repr, unknown))}."
    key_store = KEY_STORE_FIXTURE in getattr(item, "fixturenames", ())
    try:
        check_options(merged_options(item), key_store=key_store)
    except OptionError as error:
        return str(error)
    return None


def merged_options(item: pytest.Item) -> dict[str, Any]:
    """Merge the item's `cloudhsm` markers; a closer marker's keyword wins."""
    options: dict[str, Any] = {}
    # iter_markers yields the closest marker first: function, class, module.
    for marker in reversed(list(item.iter_markers(MARKER))):
        options.update(marker.kwargs)
    return options


def _marker_options(request: pytest.FixtureRequest) -> dict[str, Any]:
    # Markers added after collection are checked here, so they fail at setup.
    error = marker_error(request.node)
    if error is not None:
        pytest.fail(error, pytrace=False)
    return merged_options(request.node)


@pytest.fixture
def cloudhsm_cluster(request: pytest.FixtureRequest) -> Iterator[ProvisionedCluster]:
    """Yield an ACTIVE, initialized cluster with two ACTIVE HSMs in two AZs.

    The cluster has a crypto user `kmsuser`.

    `@pytest.mark.cloudhsm(...)` changes the HSM count, Availability Zones,
    passwords, Region and account, as `provision_cluster` takes them.
    """
    options = _marker_options(request)
    for name in KEY_STORE_KEYWORDS:
        options.pop(name, None)
    with MockKms():
        yield provision_cluster(**options)


@pytest.fixture
def cloudhsm_key_store(
    request: pytest.FixtureRequest, cloudhsm_cluster: ProvisionedCluster
) -> ProvisionedKeyStore:
    """Return a CONNECTED AWS_CLOUDHSM key store on the `cloudhsm_cluster` cluster.

    `@pytest.mark.cloudhsm(connection_state="FAILED", ...)` changes the store as
    `provision_key_store` takes its options.
    """
    options = _marker_options(request)
    store_options = {
        name: options[name] for name in KEY_STORE_KEYWORDS if name in options
    }
    return create_key_store_on(cloudhsm_cluster, **store_options)
