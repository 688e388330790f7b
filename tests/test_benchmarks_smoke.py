"""The benchmark script still runs: tiny counts, no timing assertions."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_benchmark_smoke(tmp_path: Path) -> None:
    output = tmp_path / "report.md"
    completed = subprocess.run(
        [sys.executable, "benchmarks/run.py", "--smoke", "--output", str(output)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "AWS_DEFAULT_REGION": "us-east-1"},
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    report = output.read_text()
    assert report == completed.stdout.rstrip("\n") + "\n"
    for heading in (
        "## Machine",
        "## Per call, in-process",
        "## Fixture cost",
        "## Paging through stores",
        "## Server mode, one client thread",
    ):
        assert heading in report
    assert "| DescribeCustomKeyStores (1 store) |" in report
    assert "| Encrypt with a store key |" in report
    assert "- Command: `python benchmarks/run.py --smoke`" in report
