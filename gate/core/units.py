"""Values with units, as users write them in thresholds files, and as reports show them.

Parsing (canonical units are those of `gate.core.rules.Unit`):

- durations -> milliseconds: `250ms`, `1.5s`, `2s`, `1m`. A bare number is rejected: is
  `500` milliseconds or seconds? Run settings (`run-time`, `health-timeout`) use the same
  grammar through `parse_seconds`, which also takes `1m30s`, `1h` and bare seconds, as
  Locust's `--run-time` does.
- percentages -> ratio 0..1: `1%`, `0.5%`, at most `100%`. A bare number is rejected: is
  `0.5` a ratio or a percentage?
- rates -> requests per second: `100`, `12.5`, `100/s`, `100rps`, `100 req/s`.
- counts -> int: a plain whole number (`20`).
- sizes -> bytes: `512MB`, `1.5GB`, `300kB`, `512MiB` (kB/MB/GB are powers of 1000,
  KiB/MiB/GiB of 1024; the letters' case is not significant). A bare number is rejected.
- size rates -> bytes per minute: `5MB/min`, `50MiB/h`, `100kB/s`.
- CPU -> cores: `150%` is 1.5 cores (100 % = one core fully used; more than 100 % is
  several cores). A bare number is rejected.
- numbers read from a URL (`metrics:`) -> float: a plain number in the URL's own unit
  (`0.8`, `50`, `-3`); `80%` is refused, since only the URL knows its unit.

A number is written in plain decimal notation (`12`, `0.5`, `.5`): never negative, NaN,
infinite or in exponent notation; spaces may separate it from its unit (`500 ms`). Errors
raise `UnitError` (a `ValueError`) with `problem` (what is wrong) and `fix` (what to write
instead); the thresholds parser adds the file, line and key.

Formatting (`format_value`), used by every report so that numbers look the same everywhere:

- milliseconds: below 10 ms one decimal (`2.5 ms`), below 1 s whole milliseconds
  (`812 ms`), from 1 s on seconds with two decimals (`1.25 s`);
- ratios as percentages with two decimals (`0.50 %`); a non-zero value that would show as
  `0.00 %` keeps two significant digits instead (`0.0012 %`);
- rates with one decimal (`153.2 req/s`); counts whole, with thousands separators;
- sizes in decimal units (`812.3 MB`, `1.25 GB`), size rates the same per minute
  (`5.0 MB/min`, negative when memory shrank); CPU as a percentage of one core (`150.0 %`);
- numbers read from a URL as they are, to 4 significant digits (`0.8312`, `1,024`);
- no value (None or NaN): `n/a`.

`format_limit` writes a value back in the notation of the thresholds file (`500ms`, `1.5s`,
`0.5%`, `100/s`), for messages that suggest an edit.
"""

from __future__ import annotations

import math
import re

from gate.core.rules import Unit

# A non-negative decimal number without sign or exponent: 12, 12.5, .5
NUMBER = r"(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)"

# Patterns for the JSON Schema, kept next to the parser (a test checks that both agree).
DURATION_PATTERN = rf"^{NUMBER} *(ms|s|m)$"
PERCENT_PATTERN = r"^0*(100(\.0+)?|[0-9]{1,2}(\.[0-9]+)?|\.[0-9]+) *%$"
RATE_PATTERN = rf"^{NUMBER}( *(/s|rps|req/s))?$"
_SIZE_UNIT = r"([kKmMgG][iI]?)?[bB]"
SIZE_PATTERN = rf"^{NUMBER} *{_SIZE_UNIT}$"
SIZE_RATE_PATTERN = rf"^{NUMBER} *{_SIZE_UNIT} */ *(s|min|m|h)$"
CPU_PATTERN = rf"^{NUMBER} *%$"

# The one duration grammar: one or more NUMBER UNIT parts (`500ms`, `1m30s`, `1h`).
_DURATION_UNITS = {"ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
_DURATION_PART = re.compile(rf"({NUMBER}) *(ms|s|m|h)")
_PERCENT_RE = re.compile(rf"({NUMBER}) *%")
_RATE_RE = re.compile(rf"({NUMBER})(?: *(?:/s|rps|req/s))?")
_NUMBER_RE = re.compile(NUMBER)
_SIZE_RE = re.compile(rf"({NUMBER}) *((?:[kmg]i?)?b)", re.IGNORECASE)
_SIZE_RATE_RE = re.compile(rf"({NUMBER}) *((?:[kmg]i?)?b) */ *(s|min|m|h)", re.IGNORECASE)
_SIZE_FACTORS = {"b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9,
                 "kib": 2**10, "mib": 2**20, "gib": 2**30}
_PER_MINUTE = {"s": 60.0, "min": 1.0, "m": 1.0, "h": 1 / 60}
# Anything that starts like a number, to tell "bad unit" from "not a number at all".
_LOOSE_RE = re.compile(r"([-+]?[0-9.]+(?:[eE][-+]?[0-9]+)?) *(.*)")
_NOT_FINITE_RE = re.compile(r"[-+]?\.?(nan|inf(inity)?)\b", re.IGNORECASE)

# Units people write by habit -> the unit to write instead.
_DURATION_ALIASES = {
    "msec": "ms", "msecs": "ms", "millis": "ms", "millisecond": "ms", "milliseconds": "ms",
    "sec": "s", "secs": "s", "second": "s", "seconds": "s",
    "min": "m", "mins": "m", "minute": "m", "minutes": "m",
}  # fmt: skip
_PERCENT_ALIASES = {"percent": "%", "pct": "%", "pc": "%"}
_SIZE_ALIASES = {"k": "kB", "m": "MB", "g": "GB", "mega": "MB", "megabytes": "MB",
                 "gigabytes": "GB", "kilobytes": "kB", "bytes": "B"}
_RATE_ALIASES = {
    "/sec": "/s", "req/sec": "/s", "rq/s": "/s", "reqs/s": "/s", "r/s": "/s", "qps": "/s",
    "tps": "/s", "per second": "/s",
}  # fmt: skip


class UnitError(ValueError):
    """A value that cannot be read: `problem` says what is wrong, `fix` what to write."""

    def __init__(self, problem: str, fix: str) -> None:
        super().__init__(f"{problem}; {fix}")
        self.problem = problem
        self.fix = fix


def parse_duration(value: object) -> float:
    """`250ms`, `1.5s`, `2s`, `1m` -> milliseconds."""
    kind, example = "duration", "500ms or 1.5s"
    text = _text(value, kind, example)
    if isinstance(text, float) or _NUMBER_RE.fullmatch(text):
        number = _plain(float(text))
        raise UnitError(
            f"{number} has no unit (milliseconds or seconds?)",
            f"write {number}ms for milliseconds or {number}s for seconds",
        )
    parts = _duration_parts(text)
    # A limit is one part in ms, s or m: `1m30s` or hours are no response-time limit.
    if parts is None or len(parts) != 1 or parts[0][1] == "h":
        raise _explain(text, kind, "ms, s or m", example, _DURATION_ALIASES)
    return _finite(_milliseconds(parts), text, example)


def parse_seconds(value: object) -> float | None:
    """A run setting's duration in seconds, as Locust's `--run-time` reads one: `30` or
    `2.5` (seconds), `30s`, `1m30s`, `1h`, `500ms`; None when `value` is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        # An integer of hundreds of digits is no float: infinity, refused by the caller.
        return math.inf if isinstance(value, int) and abs(value) > 10**300 else float(value)
    if not isinstance(value, str):
        return None
    text = value.strip().lower().replace(" ", "")
    if _NUMBER_RE.fullmatch(text):
        return float(text)
    parts = _duration_parts(text)
    return None if parts is None else _milliseconds(parts) / 1000


def _duration_parts(text: str) -> list[tuple[str, str]] | None:
    """`1m30s` -> [("1", "m"), ("30", "s")]; None unless `text` is only such parts."""
    parts: list[tuple[str, str]] = _DURATION_PART.findall(text)
    if not parts or _DURATION_PART.sub("", text):
        return None
    return parts


def _milliseconds(parts: list[tuple[str, str]]) -> float:
    return sum(float(number) * _DURATION_UNITS[unit] for number, unit in parts)


def parse_ratio(value: object) -> float:
    """`1%`, `0.5%` -> ratio 0..1."""
    kind, example = "percentage", "1% or 0.5%"
    text = _text(value, kind, example)
    if isinstance(text, float) or _NUMBER_RE.fullmatch(text):
        number = float(text)
        if number <= 1:
            fix = (
                f"write a percentage: {_plain(number * 100)}% if {_plain(number)} is a ratio, "
                f"or {_plain(number)}%"
            )
        else:
            fix = f"write a percentage: {_plain(number)}%"
        raise UnitError(f"{_plain(number)} has no unit (a ratio or a percentage?)", fix)
    match = _PERCENT_RE.fullmatch(text)
    if match is None:
        raise _explain(text, kind, "%", example, _PERCENT_ALIASES)
    percent = _finite(float(match.group(1)), text, example)
    if percent > 100:
        raise UnitError(
            f"{text} is more than 100%", "write a percentage between 0% and 100%, such as 1%"
        )
    return percent / 100


def parse_rate(value: object) -> float:
    """`100`, `12.5`, `100/s`, `100rps`, `100 req/s` -> requests per second."""
    kind, example = "rate", "100 or 100/s"
    text = _text(value, kind, example)
    if isinstance(text, float):
        return text
    match = _RATE_RE.fullmatch(text)
    if match is None:
        raise _explain(text, kind, "/s, rps or req/s", example, _RATE_ALIASES)
    return _finite(float(match.group(1)), text, example)


def parse_count(value: object, *, minimum: int = 0) -> int:
    """A plain whole number, at least `minimum`, e.g. `20`."""
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and math.isfinite(value) and value.is_integer():
            raise UnitError(f"{_show(value)} is not a whole number", f"write {int(value)}")
        if isinstance(value, str) and value.strip().isdigit():
            raise UnitError(
                f"{_show(value)} is not a whole number", f"write {value.strip()} without quotes"
            )
        raise UnitError(f"{_show(value)} is not a whole number", "write a whole number such as 20")
    if value < minimum:
        what = "negative" if value < 0 else f"less than {minimum}"
        raise UnitError(f"{value} is {what}", f"write a count of {minimum} or more")
    return value


def parse_size(value: object) -> float:
    """`512MB`, `1.5GB`, `512MiB`, `300kB` -> bytes."""
    kind, example = "size", "512MB or 1GiB"
    text = _text(value, kind, example)
    if isinstance(text, float) or _NUMBER_RE.fullmatch(text):
        number = _plain(float(text))
        raise UnitError(f"{number} has no unit (bytes or megabytes?)",
                        f"write {number}MB for megabytes, or B, kB, GB, MiB, GiB")
    match = _SIZE_RE.fullmatch(text)
    if match is None:
        raise _explain(text, kind, "B, kB, MB, GB, KiB, MiB or GiB", example, _SIZE_ALIASES)
    return _finite(float(match.group(1)) * _SIZE_FACTORS[match.group(2).lower()], text, example)


def parse_size_rate(value: object) -> float:
    """`5MB/min`, `50MiB/h`, `100kB/s` -> bytes per minute."""
    kind, example = "growth rate", "5MB/min or 50MiB/h"
    text = _text(value, kind, example)
    shown = _plain(text) if isinstance(text, float) else text
    match = _SIZE_RATE_RE.fullmatch(shown)
    if isinstance(text, float) or match is None:
        raise UnitError(f"{shown} is not a {kind}",
                        f"write a size per time, such as {example} (per s, min or h)")
    number, size, per = match.groups()
    bytes_per = float(number) * _SIZE_FACTORS[size.lower()]
    return _finite(bytes_per * _PER_MINUTE[per.lower()], shown, example)


def parse_cpu(value: object) -> float:
    """`150%` -> 1.5 cores (100 % is one core fully used)."""
    kind, example = "CPU share", "150% (1.5 cores)"
    text = _text(value, kind, example)
    if isinstance(text, float) or _NUMBER_RE.fullmatch(text):
        number = _plain(float(text))
        raise UnitError(f"{number} has no unit (cores or a percentage?)",
                        f"write a percentage of one core: {number}% (100% = one core)")
    match = _PERCENT_RE.fullmatch(text)
    if match is None:
        raise _explain(text, kind, "%", example, _PERCENT_ALIASES)
    return _finite(float(match.group(1)), text, example) / 100


_PARSERS = {Unit.MS: parse_duration, Unit.RATIO: parse_ratio, Unit.BYTES: parse_size,
            Unit.BYTES_PER_MIN: parse_size_rate, Unit.CORES: parse_cpu}


def parse_value(value: object, unit: Unit) -> float:
    """Parse a limit written in the notation of the given canonical unit."""
    if unit is Unit.COUNT:
        return parse_count(value)
    if unit is Unit.NUMBER:
        return parse_number(value)
    return _PARSERS.get(unit, parse_rate)(value)


def parse_number(value: object) -> float:
    """A plain number in its source's own unit (`0.8`, `50`, `-3`): a limit on a number
    read from a URL, which has no unit the gate could know."""
    if isinstance(value, str) and re.fullmatch(rf"-?{NUMBER}", value.strip()):
        value = float(value.strip())
    if isinstance(value, bool) or not isinstance(value, int | float):
        fix = "write a plain number such as 0.8 or 50, in the unit the URL reports it"
        if isinstance(value, str) and value.strip().endswith("%"):
            fix = ("write the number as the URL reports it: 0.8 if it reports a fraction, "
                   "80 if a percentage")
        raise UnitError(f"{_show(value)} is not a number", fix)
    if (isinstance(value, int) and abs(value) > 10**300) or not math.isfinite(value):
        raise UnitError(f"{_show(value)} is not a finite number", "write a number such as 50")
    return float(value)


def format_value(value: float | None, unit: Unit) -> str:
    """Show a value in canonical units the way every report shows it: `812 ms`, `1.25 s`,
    `0.50 %`, `153.2 req/s`; `n/a` for no value (None or NaN)."""
    if value is None or math.isnan(value):
        return "n/a"
    if unit is Unit.MS:
        return _format_ms(value)
    if unit is Unit.RATIO:
        percent = value * 100
        if percent != 0 and abs(percent) < 0.005:
            return f"{percent:.2g} %"
        return f"{percent:.2f} %"
    if unit in _OTHER_FORMATS:
        return _OTHER_FORMATS[unit](value)
    return f"{value:.1f} req/s"


def _format_number(value: float) -> str:
    """A number read from a URL: whole numbers with separators, else 4 significant
    digits (`0.8312`, `12.35`), never an exponent below a million."""
    if math.isinf(value) or float(value).is_integer():
        return f"{value:,.0f}"
    if abs(value) >= 1000:
        return f"{value:,.1f}"
    return _plain(float(f"{value:.4g}"))


def _format_bytes(value: float) -> str:
    for factor, name in ((10**9, "GB"), (10**6, "MB"), (10**3, "kB")):
        if abs(value) >= factor:
            return f"{value / factor:.{2 if factor == 10**9 else 1}f} {name}"
    return f"{value:.0f} B"


def _format_count(value: float) -> str:
    return f"{value:,.0f}"


def _format_growth(value: float) -> str:
    return f"{'-' if value < 0 else ''}{_format_bytes(abs(value))}/min"


def _format_cores(value: float) -> str:
    return f"{value * 100:.1f} %"


_OTHER_FORMATS = {Unit.COUNT: _format_count, Unit.BYTES: _format_bytes,
                  Unit.BYTES_PER_MIN: _format_growth, Unit.CORES: _format_cores,
                  Unit.NUMBER: _format_number}


def _format_ms(value: float) -> str:
    if math.isinf(value) or round(value) >= 1000:
        return f"{value / 1000:.2f} s"
    if round(value, 1) < 10:
        return f"{value:.1f} ms"
    return f"{value:.0f} ms"


def format_limit(value: float, unit: Unit) -> str:
    """Write a value the way it could appear in a thresholds file: `500ms`, `1.5s`,
    `0.5%`, `100/s` (for messages that suggest an edit)."""
    if unit is Unit.MS:
        return f"{_plain(value / 1000)}s" if value >= 1000 else f"{_plain(value)}ms"
    if unit is Unit.RATIO:
        return f"{_plain(value * 100)}%"
    if unit in (Unit.COUNT, Unit.NUMBER):
        return _plain(value)
    if unit in _RESOURCE_LIMITS:
        scale, suffix = _RESOURCE_LIMITS[unit]
        return f"{_plain(value * scale)}{suffix}"
    return f"{_plain(value)}/s"


_RESOURCE_LIMITS = {Unit.BYTES: (1e-6, "MB"), Unit.BYTES_PER_MIN: (1e-6, "MB/min"),
                    Unit.CORES: (100.0, "%")}


def _plain(number: float) -> str:
    """12.0 -> "12", 0.5 -> "0.5", 0.1 * 3 -> "0.3" (no float noise, no exponent)."""
    text = f"{round(number, 9):.9f}".rstrip("0").rstrip(".")
    return text or "0"


def _text(value: object, kind: str, example: str) -> str | float:
    """The stripped text of a written value, or a bare number (checked: finite, >= 0)."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise UnitError(f"{_show(value)} is not a {kind}", f"write a {kind} such as {example}")
    if isinstance(value, int | float):
        if math.isnan(value) or math.isinf(value):
            raise UnitError(f"{value} is not a finite number", f"write a {kind} such as {example}")
        if value < 0:
            raise UnitError(
                f"{value} is negative", f"write a {kind} of 0 or more, such as {example}"
            )
        return float(value)
    text = value.strip()
    if not text:
        raise UnitError(f"the {kind} is empty", f"write a {kind} such as {example}")
    return text


def _explain(text: str, kind: str, units: str, example: str, aliases: dict[str, str]) -> UnitError:
    """Why `text` is not a valid value of `kind`, as precisely as possible."""
    if _NOT_FINITE_RE.match(text):
        return UnitError(f"{text!r} is not a finite number", f"write a {kind} such as {example}")
    loose = _LOOSE_RE.fullmatch(text)
    if loose is None:
        return UnitError(
            f"{text!r} is not a {kind}", f"write a number and a unit ({units}), such as {example}"
        )
    number, unit = loose.groups()
    if number.startswith("-"):
        return UnitError(f"{text} is negative", f"write a {kind} of 0 or more, such as {example}")
    if not _NUMBER_RE.fullmatch(number):
        return UnitError(
            f"{text} is not written in plain decimal notation",
            f"write digits with an optional decimal point, such as {example}",
        )
    if unit.lower() in aliases:
        return UnitError(
            f"{text} has an unknown unit {unit!r}", f"write {number}{aliases[unit.lower()]}"
        )
    return UnitError(f"{text} has an unknown unit {unit!r}", f"use {units}, such as {example}")


def _finite(number: float, text: str, example: str) -> float:
    if math.isinf(number) or math.isnan(number):
        raise UnitError(f"{text} is too large", f"write a value such as {example}")
    return number


def _show(value: object) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if value is None:
        return "an empty value"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, int | float):
        return str(value)
    return f"a {type(value).__name__}"
