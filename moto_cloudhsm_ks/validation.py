"""Request validation derived from botocore's service models.

botocore checks required members and minimum lengths before it sends a request,
but not maximum lengths, patterns or enums, and other clients check nothing. AWS
rejects what breaks the model with HTTP 400: ValidationException with messages
like "1 validation error detected: Value 'x' at 'customKeyStoreName' failed to
satisfy constraint: Member must have length less than or equal to 256", and
SerializationException when a member has the wrong JSON type.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import re
import threading
from typing import Any

import botocore.session

from .exceptions import (
    CloudHsmClientError,
    CloudHsmValidationException,
    KmsClientError,
    ValidationException,
)

_model_lock = threading.Lock()


class SerializationException(KmsClientError):
    """A KMS request member has a JSON type its shape does not allow."""


class CloudHsmSerializationException(CloudHsmClientError):
    """A cloudhsmv2 request member has a JSON type its shape does not allow."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.error_type = "SerializationException"
        self.description = json.dumps(
            {"__type": "SerializationException", "Message": message}
        )


class _WrongType(Exception):
    """A value's JSON type does not fit its shape; the message names both."""


@functools.cache
def _service_model(service_name: str) -> Any:
    with _model_lock:
        return botocore.session.get_session().get_service_model(service_name)


@functools.cache
def _compile(pattern: str) -> re.Pattern[str]:
    # The models use Java regular expressions; the ones in these two services
    # are also valid Python expressions once \p{...} classes are widened.
    python_pattern = re.sub(r"\\p\{[A-Za-z_]+\}", r"\\S", pattern)
    return re.compile(python_pattern, re.DOTALL)


def _camel(name: str) -> str:
    return name[:1].lower() + name[1:]


class _Checker:
    """Walks a request against a shape and collects constraint messages."""

    def __init__(self) -> None:
        self.violations: list[str] = []

    def _add(self, value: Any, path: str, constraint: str, sensitive: bool) -> None:
        if value is None:
            shown = "Value null"
        elif sensitive:
            shown = "Value"
        else:
            shown = f"Value '{_render(value)}'"
        self.violations.append(
            f"{shown} at '{path}' failed to satisfy constraint: {constraint}"
        )

    def check(self, value: Any, shape: Any, path: str, sensitive: bool) -> None:
        sensitive = sensitive or bool(shape.serialization.get("sensitive"))
        sensitive = sensitive or bool(shape.metadata.get("sensitive"))
        kind = shape.type_name
        if kind == "structure":
            self._structure(value, shape, path, sensitive)
        elif kind == "list":
            self._list(value, shape, path, sensitive)
        elif kind == "map":
            self._map(value, shape, path, sensitive)
        elif kind == "string":
            self._string(value, shape, path, sensitive)
        elif kind in ("integer", "long"):
            self._number(value, shape, path, sensitive, integral=True)
        elif kind in ("float", "double"):
            self._number(value, shape, path, sensitive, integral=False)
        elif kind == "boolean":
            if not isinstance(value, bool):
                raise _WrongType(
                    f"{_json_type(value)} can not be converted to a Boolean"
                )
        elif kind == "blob":
            self._blob(value, shape, path, sensitive)
        elif kind == "timestamp" and (
            isinstance(value, bool) or not isinstance(value, (int, float, str))
        ):
            raise _WrongType(f"{_json_type(value)} can not be converted to a Timestamp")

    def _structure(self, value: Any, shape: Any, path: str, sensitive: bool) -> None:
        if not isinstance(value, dict):
            raise _WrongType(f"{_json_type(value)} can not be converted to a Structure")
        required = set(shape.required_members)
        for name, member in shape.members.items():
            member_path = f"{path}.{_camel(name)}" if path else _camel(name)
            if value.get(name) is None:
                if name in required:
                    self._add(None, member_path, "Member must not be null", False)
                continue
            self.check(value[name], member, member_path, sensitive)

    def _list(self, value: Any, shape: Any, path: str, sensitive: bool) -> None:
        if not isinstance(value, list):
            raise _WrongType(f"{_json_type(value)} can not be converted to a List")
        self._length(value, len(value), shape, path, sensitive)
        for index, item in enumerate(value, start=1):
            self.check(item, shape.member, f"{path}.{index}.member", sensitive)

    def _map(self, value: Any, shape: Any, path: str, sensitive: bool) -> None:
        if not isinstance(value, dict):
            raise _WrongType(f"{_json_type(value)} can not be converted to a Map")
        self._length(value, len(value), shape, path, sensitive)
        for index, (key, item) in enumerate(value.items(), start=1):
            self.check(key, shape.key, f"{path}.{index}.key", sensitive)
            self.check(item, shape.value, f"{path}.{index}.value", sensitive)

    def _string(self, value: Any, shape: Any, path: str, sensitive: bool) -> None:
        if not isinstance(value, str):
            raise _WrongType(f"{_json_type(value)} can not be converted to a String")
        self._length(value, len(value), shape, path, sensitive)
        pattern = shape.metadata.get("pattern")
        if pattern is not None and not _compile(pattern).fullmatch(value):
            self._add(
                value,
                path,
                f"Member must satisfy regular expression pattern: {pattern}",
                sensitive,
            )
        enum = shape.enum
        if enum and value not in enum:
            self._add(
                value,
                path,
                f"Member must satisfy enum value set: [{', '.join(enum)}]",
                sensitive,
            )

    def _blob(self, value: Any, shape: Any, path: str, sensitive: bool) -> None:
        if not isinstance(value, str):
            raise _WrongType(f"{_json_type(value)} can not be converted to a Blob")
        try:
            size = len(base64.b64decode(value, validate=True))
        except (binascii.Error, ValueError):
            raise _WrongType("Blob is not valid base64") from None
        self._length(value, size, shape, path, sensitive=True)

    def _number(
        self, value: Any, shape: Any, path: str, sensitive: bool, integral: bool
    ) -> None:
        accepted = (int,) if integral else (int, float)
        if isinstance(value, bool) or not isinstance(value, accepted):
            target = "an Integer" if integral else "a Double"
            raise _WrongType(f"{_json_type(value)} can not be converted to {target}")
        low, high = shape.metadata.get("min"), shape.metadata.get("max")
        if low is not None and value < low:
            self._add(
                value,
                path,
                f"Member must have value greater than or equal to {low}",
                sensitive,
            )
        if high is not None and value > high:
            self._add(
                value,
                path,
                f"Member must have value less than or equal to {high}",
                sensitive,
            )

    def _length(
        self, value: Any, length: int, shape: Any, path: str, sensitive: bool
    ) -> None:
        low, high = shape.metadata.get("min"), shape.metadata.get("max")
        if low is not None and length < low:
            self._add(
                value,
                path,
                f"Member must have length greater than or equal to {low}",
                sensitive,
            )
        if high is not None and length > high:
            self._add(
                value,
                path,
                f"Member must have length less than or equal to {high}",
                sensitive,
            )


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "BOOLEAN_VALUE"
    if isinstance(value, (int, float)):
        return "NUMBER_VALUE"
    if isinstance(value, str):
        return "STRING_VALUE"
    if isinstance(value, list):
        return "START_ARRAY"
    if isinstance(value, dict):
        return "START_OBJECT"
    return "NULL_VALUE"


def _render(value: Any) -> str:
    """Show a value as AWS's Java services do: lists as [a, b], maps as {k=v}."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return "[" + ", ".join(_render(item) for item in value) + "]"
    if isinstance(value, dict):
        pairs = (f"{key}={_render(item)}" for key, item in value.items())
        return "{" + ", ".join(pairs) + "}"
    return str(value)


def find_violations(
    service_name: str, operation_name: str, params: dict[str, Any]
) -> list[str]:
    """Return the constraint messages for this request, in model member order.

    Raises `_WrongType` (internal) when a member has the wrong JSON type.
    """
    operation = _service_model(service_name).operation_model(operation_name)
    checker = _Checker()
    if operation.input_shape is not None:
        checker.check(params, operation.input_shape, "", False)
    return checker.violations


def serialization_error(service_name: str, message: str) -> Exception:
    """Return the service's SerializationException with this message."""
    if service_name == "cloudhsmv2":
        return CloudHsmSerializationException(message)
    return SerializationException(message)


def validate_request(
    service_name: str, operation_name: str, params: dict[str, Any]
) -> None:
    """Raise the service's ValidationException or SerializationException if needed."""
    cloudhsm = service_name == "cloudhsmv2"
    try:
        violations = find_violations(service_name, operation_name, params)
    except _WrongType as error:
        raise serialization_error(service_name, str(error)) from None
    if not violations:
        return
    count = len(violations)
    noun = "error" if count == 1 else "errors"
    message = f"{count} validation {noun} detected: " + "; ".join(violations)
    if cloudhsm:
        raise CloudHsmValidationException(message)
    raise ValidationException(message)
