"""Fixtures for the tests of KMS keys in CloudHSM key stores."""

from __future__ import annotations

from typing import Any

import pytest

from moto_cloudhsm_ks.provisioning import ProvisionedKeyStore, provision_key_store

from .helpers import create_store_key


@pytest.fixture
def store(aws: None) -> ProvisionedKeyStore:
    """A CONNECTED CloudHSM key store on a cluster with two HSMs in two zones."""
    return provision_key_store()


@pytest.fixture
def key(kms: Any, store: ProvisionedKeyStore) -> dict[str, Any]:
    """The KeyMetadata of an Enabled KMS key in `store`."""
    return create_store_key(kms, store)
