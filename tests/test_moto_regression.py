"""moto's own KMS, EC2 and cloudhsmv2 behaviour, with and without the plugin.

tests/moto_scenarios.py runs the same scenarios twice: here, where the plugin is
installed, and in a subprocess that imports moto alone. Everything the plugin
does not deliberately change must come out the same.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import moto_cloudhsm_ks  # noqa: F401  (installs the plugin into this process)

from . import moto_scenarios

ROOT = Path(__file__).resolve().parents[1]
# Scenarios whose results the plugin changes on purpose; each has its own test.
REPLACED = {"cloudhsmv2_create_cluster"}


@pytest.fixture(scope="module")
def plain_moto() -> dict[str, Any]:
    """Run the scenarios in a Python process that never imports the plugin."""
    completed = subprocess.run(
        [sys.executable, "-m", "tests.moto_scenarios"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "AWS_DEFAULT_REGION": "us-east-1"},
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    results: dict[str, Any] = json.loads(completed.stdout)
    return results


@pytest.fixture(scope="module")
def with_plugin() -> dict[str, Any]:
    return moto_scenarios.run_all()


def test_subprocess_runs_plain_moto(plain_moto: dict[str, Any]) -> None:
    assert plain_moto["plugin_imported"] == {"value": False}


@pytest.mark.parametrize("scenario", sorted(set(moto_scenarios.SCENARIOS) - REPLACED))
def test_scenario_unchanged(
    scenario: str, plain_moto: dict[str, Any], with_plugin: dict[str, Any]
) -> None:
    assert with_plugin[scenario] == plain_moto[scenario]


def test_scenarios_exercise_kms(with_plugin: dict[str, Any]) -> None:
    keys = with_plugin["kms_keys"]
    assert keys["decrypted"] == "secret"
    assert keys["created"]["KeyState"] == "Enabled"
    assert keys["scheduled"] == "PendingDeletion"
    assert keys["cancelled"] == "Disabled"
    assert keys["unknown_key"]["code"] == "NotFoundException"
    assert with_plugin["kms_aliases"]["duplicate"]["code"] == "AlreadyExistsException"


def test_create_cluster_replaced(
    plain_moto: dict[str, Any], with_plugin: dict[str, Any]
) -> None:
    # The plugin replaces moto's cloudhsmv2 clusters on purpose: AWS-shaped IDs,
    # a cluster that is created before it is UNINITIALIZED, and SubnetMapping
    # keyed by Availability Zone. moto 5.2.5 uses UUIDs, starts ACTIVE and keys
    # SubnetMapping by Region.
    plain = plain_moto["cloudhsmv2_create_cluster"]
    plugged = with_plugin["cloudhsmv2_create_cluster"]
    assert re.fullmatch(r"[0-9a-f-]{36}", plain["cluster_id"])
    assert plain["state"] == "ACTIVE"
    assert plain["described_state"] == "ACTIVE"
    assert plain["subnet_mapping_keys"] == ["us-east-1"]
    assert re.fullmatch(r"cluster-[2-7a-z]{11}", plugged["cluster_id"])
    assert plugged["state"] == "CREATE_IN_PROGRESS"
    assert plugged["described_state"] == "UNINITIALIZED"
    assert plugged["subnet_mapping_keys"] == ["us-east-1a"]
