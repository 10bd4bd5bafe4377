"""gate.core.units: values with units in, canonical numbers out, and the report format."""

from __future__ import annotations

import math
import re

import pytest

from gate.core.rules import Unit
from gate.core.units import (
    DURATION_PATTERN,
    PERCENT_PATTERN,
    RATE_PATTERN,
    UnitError,
    format_limit,
    format_value,
    parse_count,
    parse_duration,
    parse_rate,
    parse_ratio,
    parse_value,
)


@pytest.mark.parametrize(
    ("written", "ms"),
    [
        ("250ms", 250.0),
        ("1.5s", 1500.0),
        ("2s", 2000.0),
        ("1m", 60_000.0),
        ("0.5m", 30_000.0),
        (".5s", 500.0),
        ("0ms", 0.0),
        ("500 ms", 500.0),
        ("  800ms ", 800.0),
        ("12.25ms", 12.25),
    ],
)
def test_durations_are_milliseconds(written: str, ms: float) -> None:
    assert parse_duration(written) == pytest.approx(ms)


@pytest.mark.parametrize(
    ("written", "ratio"),
    [("1%", 0.01), ("0.5%", 0.005), ("0%", 0.0), ("100%", 1.0), ("2.5 %", 0.025)],
)
def test_percentages_are_ratios(written: str, ratio: float) -> None:
    assert parse_ratio(written) == pytest.approx(ratio)


@pytest.mark.parametrize(
    ("written", "rps"),
    [
        (100, 100.0),
        (12.5, 12.5),
        (0, 0.0),
        ("100", 100.0),
        ("100/s", 100.0),
        ("100rps", 100.0),
        ("100 req/s", 100.0),
        ("0.5/s", 0.5),
    ],
)
def test_rates_are_requests_per_second(written: object, rps: float) -> None:
    assert parse_rate(written) == pytest.approx(rps)


def test_counts_are_plain_integers() -> None:
    assert parse_count(20) == 20
    assert parse_count(0) == 0
    assert parse_count(1, minimum=1) == 1


def test_parse_value_dispatches_on_the_unit() -> None:
    assert parse_value("1s", Unit.MS) == 1000.0
    assert parse_value("1%", Unit.RATIO) == 0.01
    assert parse_value("5/s", Unit.RPS) == 5.0


def test_unit_error_is_a_value_error_with_problem_and_fix() -> None:
    with pytest.raises(ValueError, match="no unit") as info:
        parse_duration(500)
    error = info.value
    assert isinstance(error, UnitError)
    assert error.problem == "500 has no unit (milliseconds or seconds?)"
    assert error.fix == "write 500ms for milliseconds or 500s for seconds"
    assert str(error) == f"{error.problem}; {error.fix}"


@pytest.mark.parametrize("bare", [500, 0.5, "500", "1.5"])
def test_bare_durations_are_ambiguous(bare: object) -> None:
    with pytest.raises(UnitError, match=r"has no unit \(milliseconds or seconds\?\)") as info:
        parse_duration(bare)
    assert "ms" in info.value.fix and "s for seconds" in info.value.fix


def test_bare_ratio_suggests_both_readings() -> None:
    with pytest.raises(UnitError, match=r"has no unit \(a ratio or a percentage\?\)") as info:
        parse_ratio(0.5)
    assert info.value.fix == "write a percentage: 50% if 0.5 is a ratio, or 0.5%"
    with pytest.raises(UnitError) as info:
        parse_ratio(5)
    assert info.value.fix == "write a percentage: 5%"


@pytest.mark.parametrize(
    ("parse", "value", "problem"),
    [
        (parse_duration, "-5ms", "-5ms is negative"),
        (parse_duration, -5, "-5 is negative"),
        (parse_ratio, "-1%", "-1% is negative"),
        (parse_rate, -1, "-1 is negative"),
        (parse_rate, "-1/s", "-1/s is negative"),
        (parse_count, -3, "-3 is negative"),
        (parse_duration, "fast", "'fast' is not a duration"),
        (parse_ratio, "lots", "'lots' is not a percentage"),
        (parse_rate, "many", "'many' is not a rate"),
        (parse_duration, "nan", "'nan' is not a finite number"),
        (parse_duration, float("nan"), "nan is not a finite number"),
        (parse_ratio, float("inf"), "inf is not a finite number"),
        (parse_rate, float("nan"), "nan is not a finite number"),
        (parse_rate, ".inf", "'.inf' is not a finite number"),
        (parse_ratio, "101%", "101% is more than 100%"),
        (parse_ratio, "100.5%", "100.5% is more than 100%"),
        (parse_duration, "5h", "5h has an unknown unit 'h'"),
        (parse_duration, "1e3ms", "1e3ms is not written in plain decimal notation"),
        (parse_rate, "100/m", "100/m has an unknown unit '/m'"),
        (parse_duration, True, "true is not a duration"),
        (parse_duration, None, "an empty value is not a duration"),
        (parse_duration, "", "the duration is empty"),
        (parse_duration, [1], "a list is not a duration"),
        (parse_rate, False, "false is not a rate"),
        (parse_count, 2.5, "2.5 is not a whole number"),
        (parse_count, "20", "'20' is not a whole number"),
        (parse_count, True, "true is not a whole number"),
    ],
)
def test_bad_values_say_what_is_wrong(parse: object, value: object, problem: str) -> None:
    assert callable(parse)
    with pytest.raises(UnitError) as info:
        parse(value)
    assert info.value.problem == problem
    assert info.value.fix


@pytest.mark.parametrize(
    ("parse", "written", "fix"),
    [
        (parse_duration, "5sec", "write 5s"),
        (parse_duration, "2 minutes", "write 2m"),
        (parse_duration, "300msec", "write 300ms"),
        (parse_ratio, "5 percent", "write 5%"),
        (parse_rate, "100 qps", "write 100/s"),
        (parse_count, 20.0, "write 20"),
        (parse_count, 0, None),
    ],
)
def test_habitual_units_get_a_concrete_fix(parse: object, written: object, fix: str | None) -> None:
    assert callable(parse)
    if fix is None:
        parse(written)
        return
    with pytest.raises(UnitError) as info:
        parse(written)
    assert info.value.fix == fix


def test_count_below_minimum() -> None:
    with pytest.raises(UnitError) as info:
        parse_count(0, minimum=1)
    assert info.value.problem == "0 is less than 1"
    assert info.value.fix == "write a count of 1 or more"


@pytest.mark.parametrize(
    ("value", "unit", "shown"),
    [
        (812.4, Unit.MS, "812 ms"),
        (2.46, Unit.MS, "2.5 ms"),
        (9.96, Unit.MS, "10 ms"),
        (0.0, Unit.MS, "0.0 ms"),
        (999.4, Unit.MS, "999 ms"),
        (999.6, Unit.MS, "1.00 s"),
        (1000.0, Unit.MS, "1.00 s"),
        (1250.0, Unit.MS, "1.25 s"),
        (61_000.0, Unit.MS, "61.00 s"),
        (0.005, Unit.RATIO, "0.50 %"),
        (0.0, Unit.RATIO, "0.00 %"),
        (1.0, Unit.RATIO, "100.00 %"),
        (0.0000123, Unit.RATIO, "0.0012 %"),
        (153.24, Unit.RPS, "153.2 req/s"),
        (0.0, Unit.RPS, "0.0 req/s"),
        (None, Unit.MS, "n/a"),
        (math.nan, Unit.RATIO, "n/a"),
        (math.inf, Unit.MS, "inf s"),
    ],
)
def test_format_value(value: float | None, unit: Unit, shown: str) -> None:
    assert format_value(value, unit) == shown


@pytest.mark.parametrize(
    ("value", "unit", "written"),
    [
        (500.0, Unit.MS, "500ms"),
        (1500.0, Unit.MS, "1.5s"),
        (2000.0, Unit.MS, "2s"),
        (0.25, Unit.MS, "0.25ms"),
        (0.005, Unit.RATIO, "0.5%"),
        (0.001 * 3, Unit.RATIO, "0.3%"),
        (0.01, Unit.RATIO, "1%"),
        (100.0, Unit.RPS, "100/s"),
        (12.5, Unit.RPS, "12.5/s"),
    ],
)
def test_format_limit_round_trips(value: float, unit: Unit, written: str) -> None:
    assert format_limit(value, unit) == written
    assert parse_value(written, unit) == pytest.approx(value)


# The JSON Schema uses these patterns; the parser must accept exactly what they accept.
SAMPLES = [
    "250ms", "1.5s", "2s", "1m", "500 ms", ".5s", "0ms", "500", "5h", "-5ms", "1e3ms", "1.s",
    "1%", "0.5%", "100%", "100.0%", "100.5%", "101%", "0%", ".5%", "5 %", "-1%", "1",
    "100/s", "100rps", "100 req/s", "100", "12.5", "100/m", "-1/s", "abc", "",
]  # fmt: skip


def _accepts(parse: object, text: str) -> bool:
    assert callable(parse)
    try:
        parse(text)
    except UnitError:
        return False
    return True


@pytest.mark.parametrize("text", SAMPLES)
def test_schema_patterns_agree_with_the_parser(text: str) -> None:
    assert (re.search(DURATION_PATTERN, text) is not None) == _accepts(parse_duration, text)
    assert (re.search(PERCENT_PATTERN, text) is not None) == _accepts(parse_ratio, text)
    assert (re.search(RATE_PATTERN, text) is not None) == _accepts(parse_rate, text)
