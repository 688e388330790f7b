"""Fuzz every operation the plugin handles with requests built from botocore shapes.

Requests go out as raw JSON, so botocore's client-side checks hide nothing: to a
running server over HTTP, and through the in-process mock with the body swapped
after botocore serialised an empty request. Values come from each member's shape,
mixed with wrong JSON types, huge and unicode strings, boundary lengths and
numbers, unknown enum values, missing and unknown members, and the IDs of real
resources, so some requests reach deep into the handlers.

Whatever the request, the answer must be a success that fits the operation's
output shape, or an HTTP 4xx error whose code the operation models (or
ValidationException or SerializationException). After a rejected request the
registry must be as it was. A few documented gaps may raise NotImplementedError.
"""

from __future__ import annotations

import base64
import http.client
import json
import re
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.model import OperationModel, Shape
from botocore.parsers import create_parser
from botocore.validate import ParamValidator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from moto_cloudhsm_ks import cloudhsm_cli, mock_kms
from moto_cloudhsm_ks.cloudhsm import responses as cloudhsm_responses
from moto_cloudhsm_ks.keys.crypto_responses import CRYPTO_HANDLERS
from moto_cloudhsm_ks.keys.responses import MANAGEMENT_HANDLERS
from moto_cloudhsm_ks.keystores.responses import NEW_HANDLERS as KEY_STORE_HANDLERS
from moto_cloudhsm_ks.provisioning import ProvisionedKeyStore, provision_key_store

from .server_process import ServerProcess, start_server

REGION = "us-east-1"
EXAMPLES = 150
# Errors AWS returns for every JSON operation without listing them in the model.
COMMON_ERRORS = {"ValidationException", "SerializationException"}
# Request members whose values must never come back in a response.
SECRET_MEMBERS = {"KeyStorePassword", "RawSecretAccessKey"}
# Secrets shorter than this may appear in a response by chance.
MIN_SECRET_LENGTH = 7
MAX_DEPTH = 4
HUGE_LENGTH = 70_000

_session = botocore.session.get_session()


@dataclass(frozen=True)
class Service:
    name: str  # botocore's service name
    signing_name: str  # the service in a SigV4 credential scope
    target_prefix: str  # the X-Amz-Target prefix


KMS = Service("kms", "kms", "TrentService")
CLOUDHSM = Service("cloudhsmv2", "cloudhsm", "BaldrApiService")


def _operation_names(service: Service, handler_names: set[str]) -> list[str]:
    """Map the plugin's handler method names to the operations they handle."""
    model = _session.get_service_model(service.name)
    by_method = {botocore.xform_name(name): name for name in model.operation_names}
    return sorted(by_method[name] for name in handler_names)


KMS_OPERATIONS = _operation_names(
    KMS, {*KEY_STORE_HANDLERS, *MANAGEMENT_HANDLERS, *CRYPTO_HANDLERS}
)
CLOUDHSM_OPERATIONS = _operation_names(
    CLOUDHSM,
    {*cloudhsm_responses.NEW_HANDLERS, *cloudhsm_responses.REPLACED_HANDLERS},
)


def operation_model(service: Service, name: str) -> OperationModel:
    model: OperationModel = _session.get_service_model(service.name).operation_model(
        name
    )
    return model


# KMS operations that moto 5.2.5 does not implement. The plugin handles them for
# keys in custom key stores and passes other keys to moto, which raises
# NotImplementedError("The <action> action has not been implemented").
MOTO_UNIMPLEMENTED = {
    "GenerateDataKeyPair",
    "GenerateDataKeyPairWithoutPlaintext",
    "GetParametersForImport",
    "ImportKeyMaterial",
    "DeleteImportedKeyMaterial",
}
GAP_MESSAGES = ("moto-cloudhsm-ks does not support", "action has not been implemented")
# NOTE: moto 5.2.5's own ReplicateKey fails with AttributeError for a key that is
# not multi-Region and with KeyError for an unknown ReplicaRegion. The plugin
# passes keys outside custom key stores to moto unchanged, so these stay.
MOTO_CRASH_ERRORS = ("AttributeError", "KeyError")


def moto_crash(operation: str, params: Any, store_keys: frozenset[str]) -> bool:
    """Tell whether moto's own handler is known to crash on this request."""
    return (
        operation == "ReplicateKey"
        and isinstance(params, dict)
        and params.get("KeyId") not in store_keys
    )


def documented_gap(operation: str, params: Any) -> bool:
    """Tell whether the request uses a feature the mock documents as missing."""
    if operation in MOTO_UNIMPLEMENTED:
        return True
    if not isinstance(params, dict):
        return False
    if operation in ("CreateCustomKeyStore", "UpdateCustomKeyStore"):
        return params.get("CustomKeyStoreType") == "EXTERNAL_KEY_STORE"
    if operation == "ModifyCluster":
        return "HsmType" in params
    if operation == "GenerateRandom":
        return params.get("CustomKeyStoreId") is not None and "Recipient" in params
    return False


# Strategies built from botocore shapes ---------------------------------------

WRONG_TYPES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
ODD_VALUES = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "\ud800",  # a lone surrogate: valid JSON, not encodable as UTF-8
        "💥" * 40,
        "\u202eevil",
        "Straße",
        "UNKNOWN_VALUE",
        "%s%n",
        "../../etc/passwd",
        "x" * HUGE_LENGTH,
        "é" * 5000,
        -1,
        0,
        2**31,
        2**63,
        10**30,
    ]
)
# The faults a request may carry, one at most, at a random place in it.
# Lengths just inside and outside common maximum lengths in the KMS and cloudhsmv2
# models: passwords 7-32, IDs 64, names 256, markers 1024, certificates 5000.
BOUNDARY_STRINGS = st.sampled_from(
    [6, 7, 32, 33, 64, 65, 256, 257, 1024, 1025, 5000, 5001]
).map(lambda length: "a" * length)
FAULTS = st.one_of(WRONG_TYPES, ODD_VALUES, BOUNDARY_STRINGS, st.text(max_size=40))
NO_FAULT, MISSING, UNKNOWN_MEMBER, REPLACED = range(4)


def _pattern(shape: Shape) -> re.Pattern[str] | None:
    """Compile the shape's pattern with Python's re, or None if it has none or
    uses Java-only syntax."""
    pattern = shape.metadata.get("pattern")
    if pattern is None:
        return None
    try:
        return re.compile(pattern)
    except re.error:
        return None


def _fits(shape: Shape, value: str) -> bool:
    pattern = _pattern(shape)
    if pattern is not None and not pattern.fullmatch(value):
        return False
    low, high = shape.metadata.get("min", 0), shape.metadata.get("max", HUGE_LENGTH)
    return bool(low <= len(value) <= high)


Known = dict[str, list[str]]


def _strings(shape: Shape, known: Known, member: str) -> st.SearchStrategy[str]:
    """Valid strings: real IDs for the member first, else generated ones."""
    if shape.enum:
        return st.sampled_from(list(shape.enum))
    candidates = known.get(member) or known["*"]
    fitting = [value for value in candidates if _fits(shape, value)]
    pattern = _pattern(shape)
    low = shape.metadata.get("min", 0)
    high = min(shape.metadata.get("max", 40), max(low, 40))
    generated = (
        st.from_regex(pattern, fullmatch=True)
        if pattern is not None
        else st.text(min_size=low, max_size=high)
    ).filter(lambda value: _fits(shape, value))
    if not fitting:
        return generated
    found = st.sampled_from(fitting)
    return st.one_of(found, found, found, generated)


def _sizes(shape: Shape, largest: int) -> tuple[int, int]:
    low = shape.metadata.get("min", 0)
    return low, max(low, min(shape.metadata.get("max", largest), largest))


def values(
    shape: Shape, known: Known, member: str = "", depth: int = 0
) -> st.SearchStrategy[Any]:
    """Return a strategy of JSON values that `shape` accepts."""
    kind = shape.type_name
    if kind == "structure":
        return structures(shape, known, depth + 1)
    if kind == "list":
        low, high = _sizes(shape, 3)
        items = values(shape.member, known, member, depth + 1)
        return st.lists(items, min_size=low, max_size=high)
    if kind == "map":
        # JSON object keys are always strings.
        low, high = _sizes(shape, 2)
        return st.dictionaries(
            _strings(shape.key, known, ""),
            values(shape.value, known, "", depth + 1),
            min_size=low,
            max_size=high,
        )
    if kind == "string":
        return _strings(shape, known, member)
    if kind in ("integer", "long"):
        return st.integers(
            shape.metadata.get("min", 0), shape.metadata.get("max", 1000)
        )
    if kind == "boolean":
        return st.booleans()
    if kind == "blob":
        low, high = _sizes(shape, 64)
        return st.binary(min_size=low, max_size=high).map(
            lambda data: base64.b64encode(data).decode()
        )
    if kind == "timestamp":
        return st.floats(0, 2e9)
    return st.floats(allow_nan=False, allow_infinity=False)


def structures(shape: Shape, known: Known, depth: int = 0) -> st.SearchStrategy[Any]:
    """Dicts with every required member and some optional ones."""
    members = shape.members.items()
    required = set(shape.required_members)
    fixed = {
        name: values(m, known, name, depth) for name, m in members if name in required
    }
    if depth >= MAX_DEPTH:
        return st.fixed_dictionaries(fixed)
    optional = {
        name: values(m, known, name, depth)
        for name, m in members
        if name not in required
    }
    return st.fixed_dictionaries(fixed, optional=optional)


def _places(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """List the path of every dict member and list item inside `value`."""
    places: list[tuple[Any, ...]] = []
    children = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else []
    )
    for key, child in children:
        places.append((*path, key))
        places.extend(_places(child, (*path, key)))
    return places


def inject_fault(
    params: dict[str, Any], kind: int, position: int, fault: Any
) -> dict[str, Any]:
    """Return a copy of `params` with one member removed, added or replaced."""
    params = json.loads(json.dumps(params))
    places = _places(params)
    if kind == UNKNOWN_MEMBER or (kind != NO_FAULT and not places):
        params["UnknownMember"] = fault
        return params
    if kind == NO_FAULT:
        return params
    *parents, last = places[position % len(places)]
    container: Any = params
    for key in parents:
        container = container[key]
    if kind == MISSING and isinstance(container, dict):
        del container[last]
    else:
        container[last] = fault
    return params


# NOTE: bodies that are not UTF-8 are left out. moto's BaseResponse.setup_class
# decodes every body before any handler runs and raises UnicodeDecodeError, for
# every moto service alike.
RAW_BODIES = st.sampled_from(
    [b"", b"not json", b"[]", b"null", b"{", b'"text"', b'{"Limit": NaN}']
)


def requests(
    service: Service, operations: list[str], known: Known
) -> st.SearchStrategy[tuple[str, bytes, Any]]:
    """(operation, body, params): valid requests, most with one fault added."""

    def for_operation(name: str) -> st.SearchStrategy[tuple[str, bytes, Any]]:
        shape = operation_model(service, name).input_shape
        json_requests = st.builds(
            inject_fault,
            structures(shape, known),
            st.sampled_from([NO_FAULT, NO_FAULT, MISSING, UNKNOWN_MEMBER, REPLACED]),
            st.integers(0, 99),
            FAULTS,
        ).map(lambda params: (name, json.dumps(params).encode(), params))
        raw_requests = RAW_BODIES.map(lambda body: (name, body, None))
        return st.one_of(json_requests, json_requests, json_requests, raw_requests)

    return st.sampled_from(operations).flatmap(for_operation)


# Checking an answer ----------------------------------------------------------


@dataclass
class Answer:
    status: int
    body: bytes
    # Set when the in-process mock raised instead of answering.
    exception: BaseException | None = None


def allowed_errors(model: OperationModel) -> set[str]:
    return {shape.name for shape in model.error_shapes} | COMMON_ERRORS


def secret_values(params: Any) -> list[str]:
    """Return the secrets in the request that no other member repeats."""
    found: list[str] = []
    others: list[str] = []

    def walk(value: Any, name: str) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(item, key)
        elif isinstance(value, list):
            for item in value:
                walk(item, name)
        elif isinstance(value, str):
            (found if name in SECRET_MEMBERS else others).append(value)

    walk(params, "")
    return [
        secret
        for secret in found
        if len(secret) >= MIN_SECRET_LENGTH
        and not any(secret in other for other in others)
    ]


def check_answer(
    service: Service,
    operation: str,
    params: Any,
    answer: Answer,
    store_keys: frozenset[str] = frozenset(),
) -> bool:
    """Assert the answer is acceptable; return whether the request was rejected."""
    model = operation_model(service, operation)
    gap = documented_gap(operation, params)
    crash = moto_crash(operation, params, store_keys)
    if answer.exception is not None and crash:
        assert type(answer.exception).__name__ in MOTO_CRASH_ERRORS
        return True
    if answer.exception is not None:
        trace = "".join(traceback.format_exception(answer.exception)[-6:])
        assert gap, f"{operation} raised {answer.exception!r}:\n{trace}"
        assert isinstance(answer.exception, NotImplementedError)
        assert any(text in str(answer.exception) for text in GAP_MESSAGES)
        return True
    if answer.status >= 500 and (gap or crash):
        return True
    assert answer.status < 500, f"{operation} answered {answer.status}: {answer.body!r}"
    text = answer.body.decode("utf-8")
    for secret in secret_values(params):
        assert secret not in text, f"{operation} returned a secret: {text[:300]}"
    if answer.status == 200:
        _check_output(model, answer.body)
        return False
    assert 400 <= answer.status < 500
    error = json.loads(text)
    code = str(error["__type"]).rsplit("#", 1)[-1]
    assert code in allowed_errors(model), f"{operation} returned {error}"
    # Some errors carry no message, as AWS sends InvalidCiphertextException.
    message = error.get("message", error.get("Message", ""))
    assert isinstance(message, str)
    assert "Traceback" not in message
    return True


def _check_output(model: OperationModel, body: bytes) -> None:
    if model.output_shape is None:
        return
    parsed = create_parser("json").parse(
        {"body": body, "headers": {}, "status_code": 200}, model.output_shape
    )
    parsed.pop("ResponseMetadata", None)
    report = ParamValidator().validate(parsed, model.output_shape)
    # A required list with a minimum length of 1, such as ListTags' TagList, can
    # only be empty for a resource without tags, so a length of 0 is accepted.
    report._errors = [
        (reason, name, details)
        for reason, name, details in report._errors
        if not (reason == "invalid length" and details.get("param") == 0)
    ]
    assert not report.has_errors(), report.generate_report()


# Sending requests ------------------------------------------------------------


class ServerSender:
    """Posts raw JSON to a running server over one keep-alive connection."""

    def __init__(self, url: str) -> None:
        host, port = url.split("//")[1].split(":")
        self.connection = http.client.HTTPConnection(host, int(port), timeout=60)

    def send(self, service: Service, operation: str, body: bytes) -> Answer:
        headers = {
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": f"{service.target_prefix}.{operation}",
            "Authorization": (
                "AWS4-HMAC-SHA256 Credential=testing/20250101/"
                f"{REGION}/{service.signing_name}/aws4_request, "
                "SignedHeaders=host, Signature=0"
            ),
        }
        self.connection.request("POST", "/", body=body, headers=headers)
        reply = self.connection.getresponse()
        return Answer(reply.status, reply.read())

    def close(self) -> None:
        self.connection.close()


class InProcessSender:
    """Sends raw JSON through botocore into the in-process mock.

    botocore serialises an empty request for the operation; a `request-created`
    hook then swaps in the fuzzed body before moto reads it.
    """

    def __init__(self) -> None:
        config = Config(parameter_validation=False, retries={"total_max_attempts": 1})
        self.clients = {
            service.name: boto3.client(service.name, region_name=REGION, config=config)
            for service in (KMS, CLOUDHSM)
        }
        self.body = b""
        self.answer_body = b""
        for client in self.clients.values():
            client.meta.events.register("request-created", self._swap_body)
            client.meta.events.register("before-parse", self._keep_answer)

    def _swap_body(self, request: Any, **_: Any) -> None:
        request.data = self.body

    def _keep_answer(self, response_dict: dict[str, Any], **_: Any) -> None:
        self.answer_body = response_dict["body"]

    def send(self, service: Service, operation: str, body: bytes) -> Answer:
        self.body = body
        client = self.clients[service.name]
        method = getattr(client, botocore.xform_name(operation))
        try:
            method()
        except ClientError as error:
            status = error.response["ResponseMetadata"]["HTTPStatusCode"]
            payload = {"__type": error.response["Error"]["Code"]}
            payload["message"] = error.response["Error"].get("Message", "")
            return Answer(status, json.dumps(payload).encode())
        except Exception as error:  # the mock raised instead of answering
            return Answer(500, b"", exception=error)
        return Answer(200, self.answer_body)


# Registry snapshots ----------------------------------------------------------


def snapshot(send: Callable[[Service, str, bytes], Answer], key_ids: list[str]) -> Any:
    """Describe everything a rejected request must leave unchanged."""
    reads = [
        (KMS, "DescribeCustomKeyStores", {}),
        (KMS, "ListKeys", {}),
        (KMS, "ListAliases", {}),
        (CLOUDHSM, "DescribeClusters", {}),
        (CLOUDHSM, "DescribeBackups", {}),
        *((KMS, "DescribeKey", {"KeyId": key_id}) for key_id in key_ids),
    ]
    state = []
    for service, operation, params in reads:
        answer = send(service, operation, json.dumps(params).encode())
        assert answer.status == 200, answer.body
        state.append(json.loads(answer.body))
    return state


# The setup each fuzz test starts from ----------------------------------------


@dataclass
class Target:
    send: Callable[[Service, str, bytes], Answer]
    known: Known
    key_ids: list[str]


def _known_values(store: ProvisionedKeyStore, endpoint: str | None) -> Target:
    """Build a connected store with a store key, a plain key and an alias."""
    kms = boto3.client("kms", region_name=REGION, endpoint_url=endpoint)
    hsm = boto3.client("cloudhsmv2", region_name=REGION, endpoint_url=endpoint)
    store_key = kms.create_key(
        CustomKeyStoreId=store.custom_key_store_id, Origin="AWS_CLOUDHSM"
    )["KeyMetadata"]
    plain_key = kms.create_key()["KeyMetadata"]
    kms.create_alias(AliasName="alias/fuzz", TargetKeyId=plain_key["KeyId"])
    ciphertext = kms.encrypt(KeyId=store_key["KeyId"], Plaintext=b"fuzz")[
        "CiphertextBlob"
    ]
    backup_id = cloudhsm_cli(store.cluster_id, endpoint_url=endpoint).daily_backup()
    backup_arn = hsm.describe_backups()["Backups"][0].get("BackupArn", backup_id)
    key_ids = [store_key["KeyId"], store_key["Arn"], plain_key["KeyId"], "alias/fuzz"]
    known = {
        "CustomKeyStoreId": [store.custom_key_store_id],
        "CustomKeyStoreName": [store.custom_key_store_name],
        "NewCustomKeyStoreName": [store.custom_key_store_name, "renamed"],
        "CloudHsmClusterId": [store.cluster_id],
        "ClusterId": [store.cluster_id],
        "TrustAnchorCertificate": [store.trust_anchor],
        "KeyStorePassword": [store.kmsuser_password],
        "HsmId": store.hsm_ids,
        "SubnetIds": store.subnet_ids,
        "KeyId": key_ids,
        "SourceKeyId": key_ids,
        "DestinationKeyId": key_ids,
        "CiphertextBlob": [base64.b64encode(ciphertext).decode()],
        "BackupId": [backup_id],
        "ResourceId": [store.cluster_id, backup_id],
        "ResourceArn": [backup_arn],
        "HsmType": ["hsm2m.medium"],
        "AvailabilityZone": [f"{REGION}a", f"{REGION}b"],
        "DestinationRegion": ["us-west-2"],
    }
    known["*"] = sorted({value for group in known.values() for value in group})
    return Target(
        lambda *a: Answer(0, b""), known, [store_key["KeyId"], plain_key["KeyId"]]
    )


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    process = start_server(tmp_path_factory.mktemp("fuzz") / "server.log")
    yield process
    process.stop()
    # The server logs every error it catches; only documented gaps may appear.
    errors = [line for line in process.log().splitlines() if " ERROR " in line]
    for line in errors:
        if "TrentService.ReplicateKey" in line:
            assert any(f"{name}: " in line for name in MOTO_CRASH_ERRORS)
            continue
        assert "NotImplementedError: " in line
        assert any(text in line for text in GAP_MESSAGES)


@pytest.fixture
def server_target(server: ServerProcess) -> Iterator[Target]:
    server.reset()
    store = provision_key_store(endpoint_url=server.url)
    target = _known_values(store, server.url)
    sender = ServerSender(server.url)
    target.send = sender.send
    yield target
    sender.close()


@pytest.fixture
def in_process_target() -> Iterator[Target]:
    with mock_kms():
        store = provision_key_store()
        target = _known_values(store, None)
        target.send = InProcessSender().send
        yield target


def fuzz_once(
    target: Target, service: Service, request: tuple[str, bytes, Any]
) -> None:
    operation, body, params = request
    before = snapshot(target.send, target.key_ids)
    answer = target.send(service, operation, body)
    store_keys = frozenset(target.known["KeyId"][:2])
    rejected = check_answer(service, operation, params, answer, store_keys)
    if rejected:
        after = snapshot(target.send, target.key_ids)
        assert after == before, f"{operation} was rejected but changed the registry"


FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
        HealthCheck.large_base_example,
    ],
)


@FUZZ_SETTINGS
@given(data=st.data())
def test_kms_server(server_target: Target, data: st.DataObject) -> None:
    request = data.draw(requests(KMS, KMS_OPERATIONS, server_target.known))
    fuzz_once(server_target, KMS, request)


@FUZZ_SETTINGS
@given(data=st.data())
def test_cloudhsm_server(server_target: Target, data: st.DataObject) -> None:
    request = data.draw(requests(CLOUDHSM, CLOUDHSM_OPERATIONS, server_target.known))
    fuzz_once(server_target, CLOUDHSM, request)


@FUZZ_SETTINGS
@given(data=st.data())
def test_kms_in_process(in_process_target: Target, data: st.DataObject) -> None:
    request = data.draw(requests(KMS, KMS_OPERATIONS, in_process_target.known))
    fuzz_once(in_process_target, KMS, request)


@FUZZ_SETTINGS
@given(data=st.data())
def test_cloudhsm_in_process(in_process_target: Target, data: st.DataObject) -> None:
    request = data.draw(
        requests(CLOUDHSM, CLOUDHSM_OPERATIONS, in_process_target.known)
    )
    fuzz_once(in_process_target, CLOUDHSM, request)


def test_moto_unimplemented_gaps(kms: Any) -> None:
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    calls = {
        "GenerateDataKeyPair": lambda: kms.generate_data_key_pair(
            KeyId=key_id, KeyPairSpec="RSA_2048"
        ),
        "GenerateDataKeyPairWithoutPlaintext": lambda: (
            kms.generate_data_key_pair_without_plaintext(
                KeyId=key_id, KeyPairSpec="RSA_2048"
            )
        ),
        "GetParametersForImport": lambda: kms.get_parameters_for_import(
            KeyId=key_id,
            WrappingAlgorithm="RSAES_OAEP_SHA_256",
            WrappingKeySpec="RSA_2048",
        ),
        "ImportKeyMaterial": lambda: kms.import_key_material(
            KeyId=key_id, ImportToken=b"token", EncryptedKeyMaterial=b"material"
        ),
        "DeleteImportedKeyMaterial": lambda: kms.delete_imported_key_material(
            KeyId=key_id
        ),
    }
    assert set(calls) == MOTO_UNIMPLEMENTED
    for operation, call in calls.items():
        action = botocore.xform_name(operation)
        with pytest.raises(NotImplementedError) as raised:
            call()
        assert str(raised.value) == f"The {action} action has not been implemented"


def test_operations_cover_handlers() -> None:
    assert "CreateCustomKeyStore" in KMS_OPERATIONS
    assert "Encrypt" in KMS_OPERATIONS
    assert "CreateHsm" in CLOUDHSM_OPERATIONS
    assert len(KMS_OPERATIONS) == len(
        {*KEY_STORE_HANDLERS, *MANAGEMENT_HANDLERS, *CRYPTO_HANDLERS}
    )


def test_secret_values_skip_repeated() -> None:
    params = {"KeyStorePassword": "kmsPswd123", "CustomKeyStoreName": "kmsPswd123x"}
    assert secret_values(params) == []
    assert secret_values({"KeyStorePassword": "kmsPswd123"}) == ["kmsPswd123"]


def test_oracle_rejects_server_error() -> None:
    answer = Answer(500, b'{"__type": "InternalFailure", "message": "boom"}')
    with pytest.raises(AssertionError):
        check_answer(KMS, "DescribeCustomKeyStores", {}, answer)


def test_oracle_rejects_unmodelled_error() -> None:
    answer = Answer(400, b'{"__type": "NoSuchThing", "message": "boom"}')
    with pytest.raises(AssertionError):
        check_answer(KMS, "ConnectCustomKeyStore", {}, answer)


def test_oracle_rejects_echoed_password() -> None:
    body = b'{"__type": "ValidationException", "message": "bad kmsPswd123"}'
    with pytest.raises(AssertionError):
        check_answer(
            KMS,
            "CreateCustomKeyStore",
            {"KeyStorePassword": "kmsPswd123"},
            Answer(400, body),
        )


# Regression tests for what the fuzzing found ---------------------------------


def test_key_operation_missing_key_id(kms: Any) -> None:
    sender = InProcessSender()
    answer = sender.send(KMS, "CancelKeyDeletion", b"{}")
    error = json.loads(answer.body)
    assert answer.status == 400
    assert error["__type"] == "ValidationException"
    assert error["message"] == (
        "1 validation error detected: Value null at 'keyId' failed to satisfy "
        "constraint: Member must not be null"
    )


def test_key_operation_body_not_object(kms: Any) -> None:
    answer = InProcessSender().send(KMS, "CreateKey", b"[]")
    error = json.loads(answer.body)
    assert answer.status == 400
    assert error["__type"] == "SerializationException"
    assert error["message"] == "The request body is not a JSON object."


def test_key_operation_empty_body(kms: Any) -> None:
    answer = InProcessSender().send(KMS, "CreateKey", b"")
    assert answer.status == 200
    assert json.loads(answer.body)["KeyMetadata"]["KeyState"] == "Enabled"


def test_copy_backup_unknown_region(cloudhsm_cluster: Any) -> None:
    hsm = boto3.client("cloudhsmv2", region_name=REGION)
    backup_id = hsm.describe_backups()["Backups"][0]["BackupId"]
    with pytest.raises(ClientError) as raised:
        hsm.copy_backup_to_region(DestinationRegion="aa-east-0", BackupId=backup_id)
    error = raised.value.response["Error"]
    assert error["Code"] == "CloudHsmInvalidRequestException"
    assert error["Message"] == (
        "DestinationRegion 'aa-east-0' is not a Region where CloudHSM is "
        "available. Choose a Region such as us-west-2."
    )
