"""Mock KMS custom key stores backed by mocked CloudHSM clusters, in moto 5.

Importing this package installs the plugin into moto, so `moto.mock_aws` handles
the KMS custom key store operations and the cloudhsmv2 cluster lifecycle.
"""

from __future__ import annotations

from .cli import CloudHsmCli, cloudhsm_cli
from .exceptions import CloudHsmCliError
from .faults import inject_connection_error
from .mock import MockKms, mock_kms
from .plugin import install

__version__ = "0.1.0"

__all__ = [
    "CloudHsmCli",
    "CloudHsmCliError",
    "MockKms",
    "cloudhsm_cli",
    "inject_connection_error",
    "install",
    "mock_kms",
]

install()
