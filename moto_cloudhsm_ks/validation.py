"""Server-side request validation derived from botocore's service models.

botocore checks required members, types and minimum lengths before it sends a
request, but not maximum lengths, patterns or enums, and raw HTTP clients check
nothing. AWS rejects what breaks the model with HTTP 400, so this module does too:

- ValidationException, with AWS's message format: "2 validation errors detected:
  Value null at 'customKeyStoreName' failed to satisfy constraint: Member must not
  be null; Value 'FOO' at 'customKeyStoreType' failed to satisfy constraint:
  Member must satisfy enum value set: [AWS_CLOUDHSM, EXTERNAL_KEY_STORE]". Paths
  use lowerCamelCase member names joined by dots, list elements as
  `tags.1.member` (1-based) and map entries as `filters.entry.1.key` and
  `filters.entry.1.value`.
- Values of sensitive shapes, of anything inside one, of lists and maps that
  contain one, and of blobs are never shown. Those messages read "Value at
  'keyStorePassword' failed to ...".
- SerializationException when a member's JSON type does not fit its shape, with
  the message "<TOKEN> can not be converted to <a|an> <Type>", for example
  "STRING_VALUE can not be converted to an Integer". TOKEN is STRING_VALUE,
  NUMBER_VALUE, BOOLEAN_VALUE, START_OBJECT, START_ARRAY or BLOB_VALUE. The same
  message covers a blob that is not valid base64 ("STRING_VALUE can not be
  converted to a Blob") and a number outside the 32-bit or 64-bit range of an
  integer or long shape.

A JSON null structure member counts as absent, but a null list element or map
value breaks "Member must not be null". Members the model does not define are
ignored, as AWS ignores them.
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
from collections.abc import Callable
from typing import Any

import botocore.session

from .exceptions import (
    CloudHsmClientError,
    CloudHsmValidationException,
    KmsClientError,
    ValidationException,
)
from .java_regex import compile_pattern

_INTEGER_BITS = {"integer": 32, "long": 64}
_TYPE_NAMES = {
    "integer": "an Integer",
    "long": "a Long",
    "float": "a Float",
    "double": "a Double",
    "boolean": "a Boolean",
    "string": "a String",
    "blob": "a Blob",
    "timestamp": "a Timestamp",
    "structure": "a Structure",
    "list": "a List",
    "map": "a Map",
}

_models: dict[str, Any] = {}
_models_lock = threading.Lock()


class SerializationException(KmsClientError):
    """A KMS request member whose JSON type does not fit its shape."""


class CloudHsmSerializationException(CloudHsmClientError):
    """A cloudhsmv2 request member whose JSON type does not fit its shape."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.error_type = "SerializationException"
        self.description = json.dumps(
            {"__type": "SerializationException", "Message": message}
        )


class _WrongTypeError(Exception):
    """A request value whose JSON type does not fit its shape."""


def _service_model(service_name: str) -> Any:
    # boto3 documents sessions as not thread-safe, so the lock covers loading too.
    with _models_lock:
        model = _models.get(service_name)
        if model is None:
            model = botocore.session.get_session().get_service_model(service_name)
            _models[service_name] = model
        return model


# Rendering values and messages


def _json_token(value: Any) -> str:
    if isinstance(value, bool):
        return "BOOLEAN_VALUE"
    if isinstance(value, (int, float)):
        return "NUMBER_VALUE"
    if isinstance(value, str):
        return "STRING_VALUE"
    if isinstance(value, (bytes, bytearray)):
        return "BLOB_VALUE"
    if isinstance(value, list):
        return "START_ARRAY"
    if isinstance(value, dict):
        return "START_OBJECT"
    return "NULL_VALUE"


def _wrong_type(value: Any, shape: Any) -> _WrongTypeError:
    target = _TYPE_NAMES.get(shape.type_name, shape.type_name)
    return _WrongTypeError(f"{_json_token(value)} can not be converted to {target}")


def _render(value: Any) -> str:
    """Format a value in Java's toString style: `[a, b]` lists, `{k=v}` maps."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_render(item) for item in value) + "]"
    if isinstance(value, dict):
        pairs = (f"{key}={_render(item)}" for key, item in value.items())
        return "{" + ", ".join(pairs) + "}"
    return str(value)


def _has_sensitive_part(shape: Any, seen: frozenset[str] = frozenset()) -> bool:
    if shape.metadata.get("sensitive"):
        return True
    if shape.name in seen:
        return False
    seen = seen | {shape.name}
    if shape.type_name == "structure":
        children = list(shape.members.values())
    elif shape.type_name == "list":
        children = [shape.member]
    elif shape.type_name == "map":
        children = [shape.key, shape.value]
    else:
        children = []
    return any(_has_sensitive_part(child, seen) for child in children)


class _Checker:
    """Collects the constraint messages for one request, in model member order."""

    def __init__(self) -> None:
        self.violations: list[str] = []

    def add(self, value: Any, path: str, constraint: str, hidden: bool) -> None:
        if value is None:
            value_text = "Value null"
        elif hidden:
            value_text = "Value"
        else:
            value_text = f"Value '{_render(value)}'"
        self.violations.append(
            f"{value_text} at '{path}' failed to satisfy constraint: {constraint}"
        )

    def check(self, value: Any, shape: Any, path: str, hidden: bool) -> None:
        """Check a present, non-null value against its shape."""
        hidden = hidden or bool(shape.metadata.get("sensitive"))
        checker = _SHAPE_CHECKERS.get(shape.type_name)
        if checker is not None:
            checker(self, value, shape, path, hidden)

    def check_element(self, value: Any, shape: Any, path: str, hidden: bool) -> None:
        """Check a list element or map value, where null is a violation."""
        if value is None:
            self.add(None, path, "Member must not be null", hidden)
        else:
            self.check(value, shape, path, hidden)

    def check_size(
        self, value: Any, size: int, shape: Any, path: str, hidden: bool
    ) -> None:
        low, high = shape.metadata.get("min"), shape.metadata.get("max")
        if low is not None and size < low:
            constraint = f"Member must have length greater than or equal to {low}"
            self.add(value, path, constraint, hidden)
        if high is not None and size > high:
            constraint = f"Member must have length less than or equal to {high}"
            self.add(value, path, constraint, hidden)

    def check_range(self, value: Any, shape: Any, path: str, hidden: bool) -> None:
        low, high = shape.metadata.get("min"), shape.metadata.get("max")
        if low is not None and value < low:
            constraint = f"Member must have value greater than or equal to {low}"
            self.add(value, path, constraint, hidden)
        if high is not None and value > high:
            constraint = f"Member must have value less than or equal to {high}"
            self.add(value, path, constraint, hidden)


def _member_path(path: str, name: str) -> str:
    camel = name[:1].lower() + name[1:]
    return f"{path}.{camel}" if path else camel


def _check_structure(
    checker: _Checker, value: Any, shape: Any, path: str, hidden: bool
) -> None:
    if not isinstance(value, dict):
        raise _wrong_type(value, shape)
    required = set(shape.required_members)
    for name, member in shape.members.items():
        member_path = _member_path(path, name)
        item = value.get(name)
        if item is not None:
            checker.check(item, member, member_path, hidden)
        elif name in required:
            checker.add(None, member_path, "Member must not be null", hidden)


def _check_list(
    checker: _Checker, value: Any, shape: Any, path: str, hidden: bool
) -> None:
    if not isinstance(value, list):
        raise _wrong_type(value, shape)
    hide_value = hidden or _has_sensitive_part(shape)
    checker.check_size(value, len(value), shape, path, hide_value)
    for number, item in enumerate(value, start=1):
        checker.check_element(item, shape.member, f"{path}.{number}.member", hidden)


def _check_map(
    checker: _Checker, value: Any, shape: Any, path: str, hidden: bool
) -> None:
    if not isinstance(value, dict):
        raise _wrong_type(value, shape)
    hide_value = hidden or _has_sensitive_part(shape)
    checker.check_size(value, len(value), shape, path, hide_value)
    for number, (key, item) in enumerate(value.items(), start=1):
        entry_path = f"{path}.entry.{number}"
        checker.check(key, shape.key, f"{entry_path}.key", hidden)
        checker.check_element(item, shape.value, f"{entry_path}.value", hidden)


def _check_string(
    checker: _Checker, value: Any, shape: Any, path: str, hidden: bool
) -> None:
    if not isinstance(value, str):
        raise _wrong_type(value, shape)
    checker.check_size(value, len(value), shape, path, hidden)
    pattern = shape.metadata.get("pattern")
    if pattern is not None and compile_pattern(pattern).fullmatch(value) is None:
        constraint = f"Member must satisfy regular expression pattern: {pattern}"
        checker.add(value, path, constraint, hidden)
    # NOTE: AWS may list enum values in another order than the model. A message
    # recorded from KMS listed keyUsage as [ENCRYPT_DECRYPT, SIGN_VERIFY, ...].
    if shape.enum and value not in shape.enum:
        allowed = ", ".join(shape.enum)
        constraint = f"Member must satisfy enum value set: [{allowed}]"
        checker.add(value, path, constraint, hidden)


def _decode_blob(value: Any, shape: Any) -> bytes:
    # JSON carries blobs as base64 text. CBOR carries them as raw bytes.
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if not isinstance(value, str):
        raise _wrong_type(value, shape)
    # Java's decoder accepts base64 without its trailing "=" padding.
    padded = value + "=" * (-len(value) % 4)
    try:
        return base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError):
        raise _wrong_type(value, shape) from None


def _check_blob(
    checker: _Checker, value: Any, shape: Any, path: str, hidden: bool
) -> None:
    size = len(_decode_blob(value, shape))
    # Blob bytes are never shown because they are often key material or ciphertext.
    checker.check_size(value, size, shape, path, hidden=True)


def _check_integer(
    checker: _Checker, value: Any, shape: Any, path: str, hidden: bool
) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _wrong_type(value, shape)
    limit = 2 ** (_INTEGER_BITS[shape.type_name] - 1)
    if not -limit <= value < limit:
        raise _wrong_type(value, shape)
    checker.check_range(value, shape, path, hidden)


def _check_float(
    checker: _Checker, value: Any, shape: Any, path: str, hidden: bool
) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _wrong_type(value, shape)
    checker.check_range(value, shape, path, hidden)


def _check_boolean(
    checker: _Checker, value: Any, shape: Any, path: str, hidden: bool
) -> None:
    if not isinstance(value, bool):
        raise _wrong_type(value, shape)


def _check_timestamp(
    checker: _Checker, value: Any, shape: Any, path: str, hidden: bool
) -> None:
    # botocore sends epoch seconds in JSON. An ISO 8601 string is left to the handler.
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise _wrong_type(value, shape)


_SHAPE_CHECKERS: dict[str, Callable[[_Checker, Any, Any, str, bool], None]] = {
    "structure": _check_structure,
    "list": _check_list,
    "map": _check_map,
    "string": _check_string,
    "blob": _check_blob,
    "integer": _check_integer,
    "long": _check_integer,
    "float": _check_float,
    "double": _check_float,
    "boolean": _check_boolean,
    "timestamp": _check_timestamp,
}


# Public interface


def serialization_error(service_name: str, message: str) -> Exception:
    """Return the service's SerializationException carrying `message`."""
    if service_name == "cloudhsmv2":
        return CloudHsmSerializationException(message)
    return SerializationException(message)


def validation_error(service_name: str, violations: list[str]) -> Exception:
    """Return the service's ValidationException listing `violations` as AWS does."""
    count = len(violations)
    noun = "error" if count == 1 else "errors"
    message = f"{count} validation {noun} detected: " + "; ".join(violations)
    if service_name == "cloudhsmv2":
        return CloudHsmValidationException(message)
    return ValidationException(message)


def find_violations(
    service_name: str, operation_name: str, params: dict[str, Any]
) -> list[str]:
    """Return the constraint messages for this request, in model member order.

    Each message reads "Value ... at ... failed to satisfy constraint: ...", and
    the check recurses into nested structures, lists and maps. Raises the
    service's SerializationException when a member has the wrong JSON type, and
    botocore's errors for an unknown service or operation.
    """
    operation = _service_model(service_name).operation_model(operation_name)
    checker = _Checker()
    if operation.input_shape is None:
        return checker.violations
    try:
        checker.check(params, operation.input_shape, "", hidden=False)
    except _WrongTypeError as error:
        raise serialization_error(service_name, str(error)) from None
    return checker.violations


def validate_request(
    service_name: str, operation_name: str, params: dict[str, Any]
) -> None:
    """Raise the service's ValidationException when the request breaks its model.

    Raises the service's SerializationException when a member has the wrong JSON
    type.
    """
    violations = find_violations(service_name, operation_name, params)
    if violations:
        raise validation_error(service_name, violations)
