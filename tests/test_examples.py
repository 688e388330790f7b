"""Every example in examples/ runs to its documented result, as CI runs it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from .server_process import ServerProcess

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
# The directory of this Python's console scripts: aws, moto-cloudhsm-ks.
SCRIPTS = Path(sys.executable).parent


def run(command: list[str], **environment: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command,
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, **environment},
        timeout=300,
    )


def test_example_suite_passes() -> None:
    result = run([sys.executable, "-m", "pytest", "-q", "examples/key_store_health"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"^8 passed in ", result.stdout, re.MULTILINE), result.stdout


def test_script_context_manager_runs() -> None:
    result = run([sys.executable, str(EXAMPLES / "script_context_manager.py")])
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 5, result.stdout
    assert re.fullmatch(r"Cluster cluster-\w+ has HSMs hsm-\w+, hsm-\w+", lines[0])
    assert re.fullmatch(r"Created custom key store cks-[0-9a-f]{17}", lines[1])
    assert lines[2] == "Connection states: CONNECTING -> CONNECTING -> CONNECTED"
    assert lines[3] == "Deleted it; 0 custom key stores remain"
    assert lines[4] == (
        "The mock is stopped: it removed the cluster and sent nothing to AWS."
    )


def test_aws_cli_session_runs(moto_endpoint: str, moto_server: ServerProcess) -> None:
    result = run(
        ["bash", str(EXAMPLES / "aws_cli_session.sh")],
        AWS_ENDPOINT_URL=moto_endpoint,
        PATH=f"{SCRIPTS}{os.pathsep}{os.environ['PATH']}",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert re.fullmatch(
        r"ExampleCloudHSMKeyStore\tcluster-\w+\tCONNECTED", lines[-2]
    ), result.stdout
    assert re.fullmatch(r"Custom key store cks-[0-9a-f]{17} is CONNECTED", lines[-1])
    assert '  "data": "Cluster activation successful"' in lines
    log = moto_server.log()
    assert "adminPswd123" not in log
    assert "kmsPswd123" not in log


def test_aws_cli_session_needs_endpoint() -> None:
    environment = {k: v for k, v in os.environ.items() if k != "AWS_ENDPOINT_URL"}
    result = subprocess.run(
        ["bash", str(EXAMPLES / "aws_cli_session.sh")],
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.endswith(
        "AWS_ENDPOINT_URL: Set AWS_ENDPOINT_URL to the server URL, such as "
        "http://127.0.0.1:5000\n"
    )
