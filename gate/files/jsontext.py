"""Decode a JSON document we did not write ourselves, within bounds.

`json.loads` alone lets hostile or damaged files through as tracebacks or as values no
later step can handle: nesting 100,000 deep (RecursionError), an integer of 5,000 digits
(ValueError), `NaN` and `Infinity` (not JSON, but accepted), a number such as 1e4000
that no float holds (it becomes infinity) or a 4,001-digit integer, lone surrogates
(`"\\ud800"`, which no report file can encode). `loads` turns each into a `JsonProblem`
naming the place (a key path, or a line and column); lone surrogates become U+FFFD, as
the text was damaged rather than wrong.

Every JSON file the gate reads that a user, a fork or a store could have written goes
through `loads`: results.json, Locust's --json-file, stored runs, verdict.json and
pull-request.json read back by `comment`, GitHub's event payload. A JsonProblem is a
ValueError, so a reader that tolerates a bad file (`except ValueError`) still does.
"""

from __future__ import annotations

import json
import math
import re
import sys
from typing import Any

MAX_NUMBER = 1e15  # beyond any count, time or timestamp a load test produces
_SURROGATE = re.compile("[\\ud800-\\udfff]")
# Python refuses to convert an integer of more than this many digits (a denial of
# service guard, sys.get_int_max_str_digits), raising a ValueError that names a setting.
_LONG_DIGITS = re.compile(r"\d{" + str(sys.get_int_max_str_digits() + 1) + ",}")


class JsonProblem(ValueError):
    """Why the document cannot be used; `key` is its path (`endpoints[3].num_requests`)."""

    def __init__(self, what: str, *, key: str = "(top level)") -> None:
        super().__init__(what)
        self.what = what
        self.key = key


def loads(text: str) -> Any:
    """Decode `text`; json.JSONDecodeError for syntax, JsonProblem for the rest."""
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise JsonProblem("it is nested too deeply") from None
    except json.JSONDecodeError:
        raise
    except ValueError as exc:  # an integer of more than 4,300 digits
        raise _long_number(text, exc) from None
    # A decoded string can hold a lone surrogate only from a `\u` escape or from one in
    # the text itself: without either (the usual case), no string needs repairing.
    repair = "\\u" in text or (not text.isascii() and _SURROGATE.search(text) is not None)
    return _clean(data, repair=repair)


def _long_number(text: str, exc: ValueError) -> JsonProblem:
    """The problem for an integer Python refused to convert, placed by line and column."""
    found = long_number(text)
    if found is None:  # not the digit limit after all: the decoder's own words
        return JsonProblem(str(exc))
    digits, line, column = found
    return JsonProblem(
        f"it holds a {digits}-digit number, beyond any plausible value",
        key=f"line {line}, column {column}",
    )


def long_number(text: str) -> tuple[int, int, int] | None:
    """(digits, line, column) of the first number in `text` too long for Python to
    convert (JSON's or YAML's), or None. Both parsers refuse it with a ValueError that
    names an interpreter setting, not the place."""
    found = _LONG_DIGITS.search(text)
    if found is None:
        return None
    line = text.count("\n", 0, found.start()) + 1
    column = found.start() - (text.rfind("\n", 0, found.start()) + 1) + 1
    return found.end() - found.start(), line, column


def _refuse_constant(name: str) -> Any:
    raise JsonProblem(f"it holds {name}, which is not a JSON number")


def _clean(data: Any, *, repair: bool) -> Any:
    """Check numbers and (if `repair`) repair strings, iteratively (the nesting is bounded
    already). Scalars are checked in place and only containers go on the stack: a key path
    is spelled out for a container or a bad value, never for each of a million numbers."""
    root: list[Any] = [data]
    stack: list[tuple[Any, str | None]] = [(root, None)]  # (a list or a dict, its path)
    while stack:
        container, key = stack.pop()
        if isinstance(container, dict) and repair:
            for name in list(container):
                clean = _SURROGATE.sub("\N{REPLACEMENT CHARACTER}", name)
                if clean != name:
                    container[clean] = container.pop(name)
        slots = range(len(container)) if isinstance(container, list) else list(container)
        for slot in slots:
            value = container[slot]
            if isinstance(value, str):
                if repair:
                    container[slot] = _SURROGATE.sub("\N{REPLACEMENT CHARACTER}", value)
            elif isinstance(value, bool):
                continue
            elif isinstance(value, int | float):
                if not abs(value) <= MAX_NUMBER:
                    path = _path(key, slot)
                    raise JsonProblem(
                        f"`{path}` is {_shown(value)}, beyond any plausible value", key=path
                    )
            elif isinstance(value, list | dict):
                stack.append((value, _path(key, slot)))
    return root[0]


def _path(parent: str | None, slot: int | str) -> str:
    """The key path of `slot` in the container at `parent` (None: the wrapper of the
    document itself): `(top level)`, `endpoints[3]`, `meta.users`."""
    if parent is None:
        return "(top level)"
    if isinstance(slot, int):
        return f"{'' if parent == '(top level)' else parent}[{slot}]"
    return slot if parent == "(top level)" else f"{parent}.{slot}"


def _shown(value: float) -> str:
    if isinstance(value, int):
        return f"a {len(str(value))}-digit number"
    if math.isinf(value):  # a literal such as 1e4000: no float holds it
        return "a number too large for any float (such as 1e4000)"
    return f"{value:.3g}"
