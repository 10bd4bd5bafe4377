"""User regular expressions, run by a linear-time engine (RE2).

A backtracking engine (Python's `re`) can take minutes on a pattern such as `(a+)+$`
against a 40-character endpoint name. RE2 guarantees time linear in the input, at the
price of the constructs that need backtracking (backreferences, lookaround, possessive
quantifiers): such a pattern is refused with a message saying so.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import re2

_UNSUPPORTED = (
    "regexes run in linear time (RE2), which has no backreferences (\\1), lookahead or "
    "lookbehind ((?=, (?!, (?<=, (?<!), possessive quantifiers or atomic groups"
)


class RegexError(ValueError):
    """The pattern does not compile, or needs a construct RE2 lacks."""


def compile_pattern(pattern: str) -> re2._Regexp[str]:
    """Compile `pattern` for `search`; RegexError with a readable reason otherwise."""
    # Imported here: only thresholds with a regex pay for RE2 (about 5 ms of start-up).
    import re2  # noqa: PLC0415

    try:
        return re2.compile(pattern, _options())
    except re2.error as exc:
        raw = exc.args[0] if exc.args else exc
        reason = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
        hint = f" ({_UNSUPPORTED})" if _needs_backtracking(reason) else ""
        raise RegexError(f"{reason}{hint}") from None


@functools.cache
def _options() -> re2.Options:
    import re2  # noqa: PLC0415 (see compile_pattern)

    options = re2.Options()
    options.log_errors = False  # RE2 would otherwise print its own message on stderr
    return options


def _needs_backtracking(reason: str) -> bool:
    return any(word in reason for word in ("perl operator", "escape sequence", "repetition"))
