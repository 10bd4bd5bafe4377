"""Decode a JSON document we did not write ourselves, within bounds.

`json.loads` alone lets hostile or damaged files through as tracebacks or as values no
later step can handle: nesting 100,000 deep (RecursionError), a number of 5,000 digits
(ValueError), `NaN` and `Infinity` (not JSON, but accepted), a number such as 10^400
that no float holds, lone surrogates (`"\\ud800"`, which no report file can encode).
`loads` turns each into a `JsonProblem` naming the key path; lone surrogates become
U+FFFD, as the text was damaged rather than wrong.
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_NUMBER = 1e15  # beyond any count, time or timestamp a load test produces
_SURROGATE = re.compile("[\\ud800-\\udfff]")


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
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        raise JsonProblem(str(exc)) from None
    return _clean(data)


def _refuse_constant(name: str) -> Any:
    raise JsonProblem(f"it holds {name}, which is not a JSON number")


def _clean(data: Any) -> Any:
    """Check numbers and repair strings, iteratively (the nesting is bounded already)."""
    root: list[Any] = [data]
    stack: list[tuple[Any, Any, str]] = [(root, 0, "(top level)")]
    while stack:
        holder, slot, key = stack.pop()
        value = holder[slot]
        if isinstance(value, str):
            holder[slot] = _SURROGATE.sub("\N{REPLACEMENT CHARACTER}", value)
        elif isinstance(value, bool):
            continue
        elif isinstance(value, int | float) and not abs(value) <= MAX_NUMBER:
            raise JsonProblem(
                f"`{key}` is {_shown(value)}, beyond any plausible value", key=key
            )
        elif isinstance(value, list):
            prefix = "" if key == "(top level)" else key
            stack.extend((value, i, f"{prefix}[{i}]") for i in range(len(value)))
        elif isinstance(value, dict):
            for name in list(value):
                clean = _SURROGATE.sub("\N{REPLACEMENT CHARACTER}", name)
                if clean != name:
                    value[clean] = value.pop(name)
                stack.append((value, clean, clean if key == "(top level)" else f"{key}.{clean}"))
    return root[0]


def _shown(value: float) -> str:
    return f"{value:.3g}" if isinstance(value, float) else f"a {len(str(value))}-digit number"
