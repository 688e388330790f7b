"""Java regular expressions from AWS service models, rewritten for Python's `re`."""

from __future__ import annotations

import functools
import re
import sys
import unicodedata

# Java's `.` stops at every line terminator, Python's only at "\n".
_JAVA_DOT = "[^\\n\\r\\u0085\\u2028\\u2029]"
_UNICODE_PROPERTY = re.compile(r"\\([pP])(?:\{(\w+)\}|(\w))")


@functools.lru_cache(maxsize=1)
def _unicode_categories() -> dict[str, str]:
    """Map each two-letter Unicode general category to a character-class body."""
    ranges: dict[str, list[str]] = {}
    start = 0
    current = unicodedata.category(chr(0))
    for code in range(1, sys.maxunicode + 2):
        category = unicodedata.category(chr(code)) if code <= sys.maxunicode else ""
        if category != current:
            ranges.setdefault(current, []).append(f"\\U{start:08x}-\\U{code - 1:08x}")
            start, current = code, category
    return {category: "".join(parts) for category, parts in ranges.items()}


def _category_class_body(category: str) -> str:
    # One letter (`L`) selects every category that starts with it (`Lu`, `Ll`, ...).
    bodies = [
        body
        for name, body in _unicode_categories().items()
        if name == category or (len(category) == 1 and name[0] == category)
    ]
    if not bodies:
        raise ValueError(f"Unsupported Unicode property in pattern: \\p{{{category}}}")
    return "".join(bodies)


def _convert_property(match: re.Match[str], in_class: bool) -> str:
    negated = match.group(1) == "P"
    body = _category_class_body(match.group(2) or match.group(3))
    if not in_class:
        return f"[^{body}]" if negated else f"[{body}]"
    if negated:
        raise ValueError(f"Unsupported \\P{{...}} inside a character class: {match[0]}")
    return body


def java_to_python_regex(pattern: str) -> str:
    """Rewrite a Java regular expression from a service model for Python's `re`.

    Converts `\\p{..}` general-category classes and Java's `.`. Raises ValueError
    for Java syntax that `re` reads differently and this function does not convert
    (`\\Q..\\E` quoting, nested character classes, other `\\p` properties).
    """
    parts: list[str] = []
    in_class = False
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            match = _UNICODE_PROPERTY.match(pattern, index)
            if match is not None:
                parts.append(_convert_property(match, in_class))
                index = match.end()
                continue
            escape = pattern[index : index + 2]
            if escape in ("\\Q", "\\E"):
                raise ValueError(f"Unsupported \\Q..\\E quoting in pattern: {pattern}")
            parts.append(escape)
            index += 2
            continue
        if char == "[":
            if in_class:
                raise ValueError(f"Unsupported nested character class: {pattern}")
            in_class = True
        elif char == "]" and in_class:
            in_class = False
        elif char == "." and not in_class:
            char = _JAVA_DOT
        parts.append(char)
        index += 1
    return "".join(parts)


@functools.cache
def compile_pattern(pattern: str) -> re.Pattern[str]:
    """Compile a model's `pattern`, which must match the whole value (fullmatch).

    re.ASCII gives `\\d`, `\\w` and `\\s` Java's ASCII-only meaning.
    """
    return re.compile(java_to_python_regex(pattern), re.ASCII)
