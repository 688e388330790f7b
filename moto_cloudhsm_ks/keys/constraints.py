"""ValidationException messages in AWS's "1 validation error detected" format.

Field names are lowerCamelCase, as AWS writes them (`numberOfBytes`, `keySpec`).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..exceptions import ValidationException


def field_name(parameter: str) -> str:
    """Return the name AWS gives a request parameter in validation messages."""
    return parameter[0].lower() + parameter[1:]


def require_present(value: object, parameter: str) -> None:
    if value is None:
        raise ValidationException(
            f"1 validation error detected: Value null at '{field_name(parameter)}' "
            "failed to satisfy constraint: Member must not be null"
        )


def require_in_range(value: int, field: str, minimum: int, maximum: int) -> None:
    if value < minimum:
        raise ValidationException(
            f"1 validation error detected: Value '{value}' at '{field}' failed to "
            "satisfy constraint: Member must have value greater than or equal to "
            f"{minimum}"
        )
    if value > maximum:
        raise ValidationException(
            f"1 validation error detected: Value '{value}' at '{field}' failed to "
            "satisfy constraint: Member must have value less than or equal to "
            f"{maximum}"
        )


def require_enum_value(value: str, field: str, allowed: Sequence[str]) -> None:
    if value not in allowed:
        raise ValidationException(
            f"1 validation error detected: Value '{value}' at '{field}' failed to "
            "satisfy constraint: Member must satisfy enum value set: "
            f"[{', '.join(allowed)}]"
        )
