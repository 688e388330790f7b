"""pytest fixtures for a ready CloudHSM cluster and a connected key store.

Registered through the `pytest11` entry point, so installing the package is
enough. Each fixture activates `mock_kms` for the test, or joins a mock that is
already active.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from .mock import MockKms
from .provisioning import (
    ProvisionedCluster,
    ProvisionedKeyStore,
    provision_cluster,
    provision_key_store,
)

MARKER = "cloudhsm"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(**options): options for the cloudhsm_cluster and "
        "cloudhsm_key_store fixtures, with the keyword names of "
        "moto_cloudhsm_ks.provisioning.provision_key_store.",
    )


def _marker_options(request: pytest.FixtureRequest) -> dict[str, Any]:
    marker = request.node.get_closest_marker(MARKER)
    if marker is None:
        return {}
    if marker.args:
        raise pytest.UsageError(
            f"@pytest.mark.{MARKER} takes keyword arguments only, such as "
            f"hsm_count=3; got positional arguments {marker.args!r}."
        )
    return dict(marker.kwargs)


@pytest.fixture
def cloudhsm_cluster(request: pytest.FixtureRequest) -> Iterator[ProvisionedCluster]:
    """An ACTIVE, initialized cluster with two ACTIVE HSMs in two AZs and kmsuser."""
    options = _marker_options(request)
    for name in ("custom_key_store_name", "connection_state"):
        options.pop(name, None)
    with MockKms():
        yield provision_cluster(**options)


@pytest.fixture
def cloudhsm_key_store(request: pytest.FixtureRequest) -> Iterator[ProvisionedKeyStore]:
    """A CONNECTED AWS_CLOUDHSM key store on a cluster like `cloudhsm_cluster`'s."""
    with MockKms():
        yield provision_key_store(**_marker_options(request))
