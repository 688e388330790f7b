"""Measure the plugin's cost per call, per fixture, per store and per server request.

Run from the repository root:

    python benchmarks/run.py            # full run, a few minutes
    python benchmarks/run.py --smoke    # tiny counts, only proves the script works

It prints a Markdown report: the machine, the command, and one table per
measurement with ratios against moto's own calls measured in the same run.
Times are medians of many calls, so other load on the machine shifts them less.
The server is started on 127.0.0.1 only and stopped at the end.
"""

from __future__ import annotations

import argparse
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import botocore
import moto
from botocore.stub import Stubber
from moto import mock_aws

import moto_cloudhsm_ks
from moto_cloudhsm_ks import mock_kms
from moto_cloudhsm_ks.keystores.backend import QUOTA_VARIABLE, key_store_backends
from moto_cloudhsm_ks.keystores.models import CustomKeyStore
from moto_cloudhsm_ks.provisioning import provision_key_store

REGION = "us-east-1"
ACCOUNT = "123456789012"


@dataclass
class Sizes:
    calls: int  # calls per per-call measurement
    fixtures: int  # provisioned key stores
    store_counts: tuple[int, ...]  # stores to page through
    page_size: int
    server_requests: int  # requests per server measurement


FULL = Sizes(
    calls=300,
    fixtures=10,
    store_counts=(100, 1_000, 10_000),
    page_size=100,
    server_requests=500,
)
SMOKE = Sizes(
    calls=5, fixtures=1, store_counts=(10, 20), page_size=5, server_requests=5
)


def median_seconds(call: Callable[[], Any], count: int, warmup: int = 3) -> float:
    for _ in range(warmup):
        call()
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def microseconds(seconds: float) -> str:
    return f"{seconds * 1e6:,.0f} µs"


# Per call, in-process ------------------------------------------------------


def per_call(sizes: Sizes) -> list[tuple[str, float]]:
    rows = []
    with mock_kms():
        store = provision_key_store()
        kms = boto3.client("kms", region_name=REGION)
        store_id = store.custom_key_store_id
        plain_key = kms.create_key()["KeyMetadata"]["KeyId"]
        store_key = kms.create_key(CustomKeyStoreId=store_id, Origin="AWS_CLOUDHSM")[
            "KeyMetadata"
        ]["KeyId"]
        rows.append(("botocore Stubber describe_key (floor)", _stubbed(sizes.calls)))
        rows.append(
            (
                "moto describe_key",
                median_seconds(lambda: kms.describe_key(KeyId=plain_key), sizes.calls),
            )
        )
        rows.append(
            (
                "moto encrypt (key outside a store)",
                median_seconds(
                    lambda: kms.encrypt(KeyId=plain_key, Plaintext=b"x" * 64),
                    sizes.calls,
                ),
            )
        )
        rows.append(
            (
                "DescribeCustomKeyStores (1 store)",
                median_seconds(kms.describe_custom_key_stores, sizes.calls),
            )
        )
        rows.append(
            (
                "Encrypt with a store key",
                median_seconds(
                    lambda: kms.encrypt(KeyId=store_key, Plaintext=b"x" * 64),
                    sizes.calls,
                ),
            )
        )
        rows.append(
            (
                "ConnectCustomKeyStore on a CONNECTED store",
                median_seconds(
                    lambda: kms.connect_custom_key_store(CustomKeyStoreId=store_id),
                    sizes.calls,
                ),
            )
        )
        rows.append(
            (
                "Disconnect, connect until CONNECTED",
                _reconnect(kms, store_id, sizes.calls),
            )
        )
    return rows


def _stubbed(count: int) -> float:
    client = boto3.client("kms", region_name=REGION)
    reply = {"KeyMetadata": {"KeyId": "1234abcd-12ab-34cd-56ef-1234567890ab"}}
    with Stubber(client) as stubber:
        for _ in range(count + 3):
            stubber.add_response("describe_key", reply, {"KeyId": "alias/x"})
        return median_seconds(lambda: client.describe_key(KeyId="alias/x"), count)


def _reconnect(kms: Any, store_id: str, count: int) -> float:
    def cycle() -> None:
        kms.disconnect_custom_key_store(CustomKeyStoreId=store_id)
        kms.connect_custom_key_store(CustomKeyStoreId=store_id)
        # The connection attempt ends at the next read, as for a polling user.
        kms.describe_custom_key_stores(CustomKeyStoreId=store_id)

    return median_seconds(cycle, count)


# Fixture cost --------------------------------------------------------------


def fixture_cost(sizes: Sizes) -> list[tuple[str, float]]:
    def bare() -> None:
        with mock_aws():
            pass

    def connected_store() -> None:
        with mock_kms():
            provision_key_store()

    return [
        ("mock_aws enter and exit", median_seconds(bare, sizes.fixtures * 5)),
        (
            "mock_kms with a CONNECTED key store",
            median_seconds(connected_store, sizes.fixtures),
        ),
    ]


# Scaling -------------------------------------------------------------------


def add_stores(count: int) -> None:
    """Put stores straight into the backend: the measured part is the paging."""
    backend = key_store_backends[ACCOUNT][REGION]
    for index in range(count):
        store = CustomKeyStore(
            f"store-{index:05}", "cluster-aaaaaaaaaaa", "anchor", "password", index
        )
        backend.stores[store.custom_key_store_id] = store
    backend._next_sequence = count


def _page_all(kms: Any, count: int, page_size: int) -> None:
    paginator = kms.get_paginator("describe_custom_key_stores")
    seen = 0
    for page in paginator.paginate(PaginationConfig={"PageSize": page_size}):
        seen += len(page["CustomKeyStores"])
    assert seen == count, f"paged through {seen} of {count} stores"


def paging(sizes: Sizes) -> list[tuple[int, float]]:
    rows = []
    os.environ[QUOTA_VARIABLE] = str(max(sizes.store_counts))
    for count in sizes.store_counts:
        with mock_kms():
            add_stores(count)
            kms = boto3.client("kms", region_name=REGION)
            runs = 3 if count <= 1_000 else 1
            elapsed = median_seconds(
                lambda: _page_all(kms, count, sizes.page_size),  # noqa: B023
                runs,
                warmup=0,
            )
            rows.append((count, elapsed))
    return rows


# Server mode ---------------------------------------------------------------


@contextmanager
def server() -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "moto_cloudhsm_ks.command",
            "server",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def _wait_until_up(url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/moto-api/data.json", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"The server at {url} did not start within 60 s.")


def server_rates(sizes: Sizes) -> list[tuple[str, float]]:
    with server() as url:
        provision_key_store(endpoint_url=url)
        kms = boto3.client("kms", region_name=REGION, endpoint_url=url)
        key_id = kms.create_key()["KeyMetadata"]["KeyId"]
        return [
            (
                "moto describe_key",
                _rate(lambda: kms.describe_key(KeyId=key_id), sizes.server_requests),
            ),
            (
                "DescribeCustomKeyStores",
                _rate(kms.describe_custom_key_stores, sizes.server_requests),
            ),
        ]


def _rate(call: Callable[[], Any], count: int) -> float:
    for _ in range(5):
        call()
    start = time.perf_counter()
    for _ in range(count):
        call()
    return count / (time.perf_counter() - start)


# Report --------------------------------------------------------------------


def machine() -> list[str]:
    model = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return [
        f"- CPUs (nproc): {os.cpu_count()}, {model}",
        f"- Python {platform.python_version()}, moto {moto.__version__}, "
        f"botocore {botocore.__version__}, "
        f"moto-cloudhsm-ks {moto_cloudhsm_ks.__version__}",
    ]


def report(sizes: Sizes, command: str) -> str:
    lines = ["## Machine", "", *machine(), f"- Command: `{command}`", ""]

    calls = per_call(sizes)
    reference = dict(calls)["moto describe_key"]
    lines += [
        "## Per call, in-process",
        "",
        "| call | median | × moto describe_key |",
        "| --- | ---: | ---: |",
    ]
    lines += [
        f"| {name} | {microseconds(t)} | {t / reference:.2f} |" for name, t in calls
    ]

    fixtures = fixture_cost(sizes)
    bare = fixtures[0][1]
    lines += [
        "",
        "## Fixture cost",
        "",
        "| setup | median | × mock_aws enter/exit | × moto describe_key |",
        "| --- | ---: | ---: | ---: |",
    ]
    lines += [
        f"| {name} | {t * 1e3:,.1f} ms | {t / bare:.1f} | {t / reference:.1f} |"
        for name, t in fixtures
    ]

    pages = paging(sizes)
    first_count, first_time = pages[0]
    lines += [
        "",
        f"## Paging through stores (DescribeCustomKeyStores, Limit {sizes.page_size})",
        "",
        "| stores | total | per store | per store × first row |",
        "| ---: | ---: | ---: | ---: |",
    ]
    lines += [
        f"| {count:,} | {t * 1e3:,.1f} ms | {microseconds(t / count)} | "
        f"{(t / count) / (first_time / first_count):.2f} |"
        for count, t in pages
    ]

    rates = server_rates(sizes)
    moto_rate = rates[0][1]
    lines += [
        "",
        "## Server mode, one client thread",
        "",
        "| request | per second | × moto describe_key |",
        "| --- | ---: | ---: |",
    ]
    lines += [
        f"| {name} | {rate:,.0f} | {rate / moto_rate:.2f} |" for name, rate in rates
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--smoke", action="store_true", help="use tiny counts; the numbers mean nothing"
    )
    parser.add_argument(
        "--output", type=Path, help="also write the report to this file"
    )
    args = parser.parse_args()
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    os.environ["AWS_DEFAULT_REGION"] = REGION
    command = "python benchmarks/run.py" + (" --smoke" if args.smoke else "")
    text = report(SMOKE if args.smoke else FULL, command)
    print(text)
    if args.output is not None:
        args.output.write_text(text)


if __name__ == "__main__":
    main()
