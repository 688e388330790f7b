"""Start `moto-cloudhsm-ks server` as a real process on a free loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import IO

# Seconds the server may take to answer its first request.
STARTUP_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def console_script() -> list[str]:
    """Return the installed `moto-cloudhsm-ks` script, or `python -m` as fallback."""
    script = Path(sys.executable).with_name("moto-cloudhsm-ks")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "moto_cloudhsm_ks.command"]


@dataclass
class ServerProcess:
    process: subprocess.Popen[str]
    url: str
    log_path: Path
    log_file: IO[str]

    def reset(self) -> None:
        request = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST")
        with urllib.request.urlopen(request, timeout=10):
            pass

    def log(self) -> str:
        return self.log_path.read_text()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.log_file.close()


def start_server(log_path: Path) -> ServerProcess:
    port = free_port()
    log_file = log_path.open("w")
    process = subprocess.Popen(
        [*console_script(), "server", "--host", "127.0.0.1", "--port", str(port)],
        stdout=log_file,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log_file.close()
            raise RuntimeError(f"The server exited early:\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/moto-api/data.json", timeout=2):
                return ServerProcess(process, url, log_path, log_file)
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    process.kill()
    process.wait(timeout=10)
    log_file.close()
    raise RuntimeError(f"The server did not answer within {STARTUP_TIMEOUT} s.")
