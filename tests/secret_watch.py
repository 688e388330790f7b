"""A pytest plugin that fails any test whose output shows a password it used.

For every test it records the secrets that go in (KeyStorePassword and
RawSecretAccessKey in botocore requests, passwords given to `cloudhsm_cli`, and
the kmsuser passwords KMS stores after rotating them) and the text that comes
out (every HTTP response body botocore reads, CloudHSM CLI results and error
messages, log records, and the repr of every key store, cluster user and store
key in the registry). At teardown no secret may appear in any of that text.
Server logs are read when a test server stops and checked when the session
ends, against every secret seen by then.

botocore's history recorder delivers requests and responses from every client,
in-process and against a server alike.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from botocore.history import get_global_history_recorder

from moto_cloudhsm_ks.cli import CloudHsmCli
from moto_cloudhsm_ks.cloudhsm.backend import cloudhsm_backends
from moto_cloudhsm_ks.keys.registry import store_key_registries
from moto_cloudhsm_ks.keystores.backend import key_store_backends

from . import server_process

SECRET_MEMBERS = ("KeyStorePassword", "RawSecretAccessKey")
# Shorter strings are too likely to occur in unrelated text.
MIN_SECRET_LENGTH = 7


@dataclass
class SecretWatch:
    """Secrets that went in and text that came out, with where it came from."""

    secrets: set[str] = field(default_factory=set)
    texts: list[tuple[str, str]] = field(default_factory=list)
    # Strings the test sent in non-secret members: a secret that equals or is
    # part of one may come back legitimately.
    inputs: list[str] = field(default_factory=list)

    def add_secret(self, value: Any) -> None:
        if isinstance(value, str) and len(value) >= MIN_SECRET_LENGTH:
            self.secrets.add(value)

    def add_text(self, source: str, text: Any) -> None:
        if isinstance(text, bytes):
            text = text.decode("utf-8", errors="replace")
        if text:
            self.texts.append((source, str(text)))

    def add_request(self, params: Any, member: str = "") -> None:
        if isinstance(params, dict):
            for name, value in params.items():
                self.add_request(value, name)
        elif isinstance(params, list):
            for value in params:
                self.add_request(value, member)
        elif member in SECRET_MEMBERS:
            self.add_secret(params)
        elif isinstance(params, str):
            self.inputs.append(params)

    def leaks(self, texts: list[tuple[str, str]] | None = None) -> list[str]:
        """Return one line per secret found in the recorded text."""
        found = []
        checked = self.secrets - {
            secret
            for secret in self.secrets
            if any(secret in value for value in self.inputs)
        }
        for source, text in self.texts if texts is None else texts:
            for secret in checked:
                if secret in text:
                    found.append(f"{source} contains the secret {secret[:3]}...")
        return found

    # botocore's history recorder calls this for every client event.
    def emit(self, event_type: str, payload: Any, source: str) -> None:
        if event_type == "API_CALL":
            self.add_request(payload.get("params"))
        elif event_type == "HTTP_RESPONSE":
            self.add_text("an HTTP response", payload.get("body"))
            self.record_registry()

    def record_registry(self) -> None:
        """Record the kmsuser passwords KMS stores and the repr of each model."""
        for store in _models(key_store_backends, "stores"):
            self.add_secret(store.password)
            self.add_text("a CustomKeyStore repr", repr(store))
        for cluster in _models(cloudhsm_backends, "clusters"):
            for user in cluster.users.users.values():
                self.add_text("an HsmUser repr", repr(user))
        for key in _models(store_key_registries, "keys"):
            self.add_text("a StoreKey repr", repr(key))


def _models(backends: Any, attribute: str) -> Iterator[Any]:
    for account in list(backends.values()):
        for backend in list(account.values()):
            yield from list(getattr(backend, attribute).values())


class _LogRecords(logging.Handler):
    def __init__(self, watch: SecretWatch) -> None:
        super().__init__(logging.DEBUG)
        self.watch = watch

    def emit(self, record: logging.LogRecord) -> None:
        self.watch.add_text(f"a log record of {record.name}", self.format(record))


_session_watch = SecretWatch()
_server_logs: list[tuple[str, str]] = []


def _watch_cli(watch: SecretWatch, monkeypatch: pytest.MonkeyPatch) -> None:
    original = CloudHsmCli._run

    def run(self: CloudHsmCli, command: str, **arguments: Any) -> Any:
        watch.add_secret(arguments.get("password"))
        try:
            result = original(self, command, **arguments)
        except Exception as error:
            watch.add_text(f"a CloudHSM CLI {command} error", f"{error} {error!r}")
            raise
        watch.add_text(f"a CloudHSM CLI {command} result", repr(result))
        return result

    monkeypatch.setattr(CloudHsmCli, "_run", run)


def pytest_configure(config: pytest.Config) -> None:
    """Keep the log of every test server when it stops, for the session's end.

    Servers often live for a whole module, so this wrapper stays for the session.
    """
    original = server_process.ServerProcess.stop

    def stop(self: server_process.ServerProcess) -> None:
        original(self)
        _server_logs.append((f"the log of the server at {self.url}", self.log()))

    server_process.ServerProcess.stop = stop  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def secret_watch(monkeypatch: pytest.MonkeyPatch) -> Iterator[SecretWatch]:
    """Fail the test if a secret it used appears in anything it got back."""
    watch = SecretWatch()
    recorder = get_global_history_recorder()
    recorder.add_handler(watch)
    recorder.enable()
    handler = _LogRecords(watch)
    root = logging.getLogger()
    root.addHandler(handler)
    _watch_cli(watch, monkeypatch)
    try:
        yield watch
    finally:
        recorder.disable()
        recorder._handlers.remove(watch)  # botocore offers no remove_handler
        root.removeHandler(handler)
    _session_watch.secrets |= watch.secrets
    _session_watch.inputs += watch.inputs
    leaks = watch.leaks()
    if leaks:
        pytest.fail("Secrets leaked:\n" + "\n".join(sorted(set(leaks))))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    leaks = _session_watch.leaks(_server_logs)
    if leaks:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line("Secrets leaked into server logs:", red=True)
            for line in sorted(set(leaks)):
                reporter.write_line(f"  {line}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
