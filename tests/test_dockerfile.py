"""The Dockerfile's commands, run outside Docker, which cannot run here.

The test copies the build context as COPY does, without the .dockerignore
patterns. It installs that copy with the RUN line's pip command into a temporary
folder, then starts the CMD server with 127.0.0.1 for 0.0.0.0 and a free port,
until the HEALTHCHECK command succeeds.
"""

from __future__ import annotations

import fnmatch
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from .server_process import free_port

ROOT = Path(__file__).resolve().parent.parent
# Seconds the server may take before the HEALTHCHECK command succeeds.
STARTUP_TIMEOUT = 30.0


def instructions() -> dict[str, str]:
    """Return each Dockerfile instruction's last argument text, by keyword."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    found: dict[str, str] = {}
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            keyword, _, arguments = line.partition(" ")
            found[keyword] = " ".join(arguments.split())
    return found


def ignore_patterns() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return [line.removeprefix("**/") for line in lines if line.strip()]


def copy_context(target: Path) -> None:
    patterns = ignore_patterns()

    def ignored(folder: str, names: list[str]) -> set[str]:
        return {
            name
            for name in names
            if any(fnmatch.fnmatch(name, pattern) for pattern in patterns)
        }

    shutil.copytree(ROOT, target, ignore=ignored)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Install the build context as the RUN line does; return the install folder."""
    run_line = instructions()["RUN"]
    assert run_line.startswith("pip install --no-cache-dir . && ")
    context = tmp_path_factory.mktemp("context") / "src"
    copy_context(context)
    site = tmp_path_factory.mktemp("site")
    # --no-deps and --no-build-isolation keep the install offline: the
    # dependencies and build tools come from the test environment.
    subprocess.run(
        [
            *(sys.executable, "-m", "pip", "install", "--no-cache-dir", "--quiet"),
            *("--no-deps", "--no-build-isolation", "--target", str(site)),
            str(context),
        ],
        check=True,
        timeout=300,
    )
    return site


def test_context_leaves_out_ignored_files(tmp_path: Path) -> None:
    copy_context(tmp_path / "src")
    assert (tmp_path / "src" / "setup.cfg").exists()
    assert not (tmp_path / "src" / ".git").exists()
    assert not list((tmp_path / "src").rglob("__pycache__"))


def test_install_has_package_and_script(installed: Path) -> None:
    assert (installed / "moto_cloudhsm_ks" / "py.typed").exists()
    assert (installed / "bin" / "moto-cloudhsm-ks").exists()
    imported = subprocess.run(
        [
            sys.executable,
            "-c",
            "import moto_cloudhsm_ks; print(moto_cloudhsm_ks.__file__)",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(installed)},
        cwd=installed,
        check=True,
    )
    assert imported.stdout.startswith(str(installed))


def server_command(installed: Path, port: int) -> list[str]:
    command: list[str] = json.loads(instructions()["CMD"])
    assert command == [
        "moto-cloudhsm-ks",
        "server",
        "--host",
        "0.0.0.0",
        "--port",
        "5000",
    ]
    # This machine must not listen beyond the loopback interface.
    return [
        str(installed / "bin" / command[0]),
        *command[1:3],
        "127.0.0.1",
        "--port",
        str(port),
    ]


def health_check(port: int) -> int:
    command: list[str] = json.loads(instructions()["HEALTHCHECK"].split(" CMD ", 1)[1])
    assert command[0] == "python"
    script = command[2].replace("127.0.0.1:5000", f"127.0.0.1:{port}")
    return subprocess.run(
        [sys.executable, "-c", script], capture_output=True
    ).returncode


@pytest.fixture
def container_port(installed: Path) -> Iterator[int]:
    port = free_port()
    # Not in the repository, so that Python imports the installed package only,
    # as in the image's WORKDIR.
    process = subprocess.Popen(
        server_command(installed, port),
        env={**os.environ, "PYTHONPATH": str(installed)},
        cwd=installed,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while health_check(port) != 0:
            assert process.poll() is None, "the server exited"
            assert time.monotonic() < deadline, "the health check kept failing"
            time.sleep(0.5)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_cmd_serves_custom_key_stores(container_port: int) -> None:
    kms = boto3.client(
        "kms",
        region_name="us-east-1",
        endpoint_url=f"http://127.0.0.1:{container_port}",
    )
    assert kms.describe_custom_key_stores()["CustomKeyStores"] == []


def test_health_check_fails_without_server() -> None:
    assert health_check(free_port()) == 1
