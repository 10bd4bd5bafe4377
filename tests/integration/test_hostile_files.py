"""Hostile and malformed input files: exit 2 with file, place and fix, never a traceback,
and every check bounded in time (issue: hostile input)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from gate.errors import UserError
from gate.results import loader, resultsfile
from gate.thresholds import parser
from tests import factory

STATS_HEADER = (
    "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,"
    "Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,"
    "50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%"
)


def _refused(path: Path, *needles: str) -> str:
    with pytest.raises(UserError) as excinfo:
        loader.load_results(path)
    text = excinfo.value.render()
    assert excinfo.value.exit_code == 2
    assert str(path) in text and "fix:" in text, text
    for needle in needles:
        assert needle in text, text
    return text


def _results_json(tmp_path: Path, change: Any = None) -> Path:
    data = resultsfile.to_dict(
        factory.results(factory.endpoint("/a", [10.0, 20.0, 30.0], failures=1))
    )
    if change is not None:
        change(data)
    path = tmp_path / "results.json"
    path.write_text(json.dumps(data))
    return path


def _json_file(tmp_path: Path, **overrides: Any) -> Path:
    entry = {
        "name": "/a", "method": "GET", "num_requests": 3, "num_failures": 1,
        "response_times": {"10": 1, "20": 1, "30": 1}, "total_response_time": 60.0,
        "max_response_time": 30.0, "min_response_time": 10.0, "start_time": 1.7e9,
        "last_request_timestamp": 1.7e9 + 10, "num_none_requests": 0,
    }
    path = tmp_path / "locust.json"
    path.write_text(json.dumps([{**entry, **overrides}]))
    return path


def _csv(tmp_path: Path, count: str = "3", failures: str = "1") -> Path:
    prefix = tmp_path / "run"
    Path(f"{prefix}_stats.csv").write_text(
        f"{STATS_HEADER}\nGET,/a,{count},{failures},20,20,10,30,100,1,0{',20' * 11}\n"
        f",Aggregated,{count},{failures},20,20,10,30,100,1,0{',20' * 11}\n"
    )
    Path(f"{prefix}_failures.csv").write_text("Method,Name,Error,Occurrences,First Seen\n")
    return Path(f"{prefix}_stats.csv")


# --- JSON the parser cannot take as is ----------------------------------------------------


def test_json_nested_100000_deep(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    _refused(path, "nested too deeply")
    path.write_text('{"a":' * 100_000 + "1" + "}" * 100_000)
    _refused(path, "nested too deeply")


def test_num_requests_10_to_the_400(tmp_path: Path) -> None:
    path = _results_json(tmp_path)
    text = path.read_text().replace('"num_requests": 3', '"num_requests": 1' + "0" * 400, 1)
    path.write_text(text)
    _refused(path, "endpoints[0].num_requests", "401-digit number")


def test_end_time_1e308_writes_no_partial_reports(tmp_path: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        data["meta"]["end_time"] = 1e308

    _refused(_results_json(tmp_path, change), "meta.end_time")


def test_nan_and_infinity_are_not_json(tmp_path: Path) -> None:
    path = _results_json(tmp_path)
    text = path.read_text()
    path.write_text(text.replace('"total_response_time": 60.0', '"total_response_time": NaN', 1))
    _refused(path, "NaN")


def test_csv_request_count_1e300(tmp_path: Path) -> None:
    _refused(_csv(tmp_path, count="1e300"), "'Request Count'", "beyond any plausible value")


def test_csv_parse_error_has_a_fix(tmp_path: Path) -> None:
    path = _csv(tmp_path)
    path.write_text(path.read_text() + 'GET,"/unterminated\n')
    _refused(path, "cannot be parsed", "rerun the load test")


# --- results that contradict themselves: every reader -------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "needle"),
    [
        # A negative count is refused by the format check before the sanity check.
        ("num_requests", -5, ("num_requests` must be a count", "found -5")),
        ("num_failures", 30, ("contradicts itself", "a 1000% failure ratio")),
        ("response_times", {"10": 100_000}, ("contradicts itself", "100,000 response times for 3")),
    ],
)
def test_self_contradicting_results_json(
    tmp_path: Path, field: str, value: object, needle: tuple[str, ...]
) -> None:
    def change(data: dict[str, Any]) -> None:
        data["endpoints"][0][field] = value

    _refused(_results_json(tmp_path, change), *needle)


@pytest.mark.parametrize(
    ("field", "value", "needle"),
    [
        ("num_requests", -5, ("num_requests` must be a count", "found -5")),
        ("num_failures", 30, ("contradicts itself", "failure ratio")),
        ("response_times", {"10": 100_000}, ("contradicts itself", "100,000 response times")),
    ],
)
def test_self_contradicting_json_file(
    tmp_path: Path, field: str, value: object, needle: tuple[str, ...]
) -> None:
    _refused(_json_file(tmp_path, **{field: value}), *needle)


def test_self_contradicting_csv(tmp_path: Path) -> None:
    _refused(_csv(tmp_path, count="-3", failures="0"), "contradicts itself", "num_requests is -3")
    _refused(_csv(tmp_path, count="3", failures="30"), "contradicts itself", "failure ratio")


def test_lone_surrogates_become_replacement_characters(tmp_path: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        data["endpoints"][0]["name"] = "/a\ud800b"

    results = loader.load_results(_results_json(tmp_path, change))
    assert results.endpoints[0].name == "/a\N{REPLACEMENT CHARACTER}b"


# --- thresholds files ---------------------------------------------------------------------


def _thresholds_error(tmp_path: Path, text: str) -> str:
    path = tmp_path / "t.yml"
    path.write_text(text)
    with pytest.raises(UserError) as excinfo:
        parser.load_thresholds(path)
    rendered = excinfo.value.render()
    assert str(path) in rendered and "fix:" in rendered, rendered
    return rendered


def test_thresholds_5000_nested_brackets(tmp_path: Path) -> None:
    text = "version: 1\ndefaults: " + "[" * 5000 + "]" * 5000 + "\n"
    assert "nested too deeply" in _thresholds_error(tmp_path, text)


@pytest.mark.serial  # a time bound: measured alone
def test_yaml_alias_bomb_is_refused_fast(tmp_path: Path) -> None:
    lines = ["version: 1", "x0: &a0 {p: 1, q: 2}"]
    for i in range(1, 25):
        lines.append(f"x{i}: &a{i} {{<<: [*a{i - 1}], l: [*a{i - 1}, *a{i - 1}, *a{i - 1}]}}")
    text = "\n".join(lines) + "\n"
    assert len(text) < 2048
    began = time.monotonic()
    assert "expands to more than" in _thresholds_error(tmp_path, text)
    assert time.monotonic() - began < 2


@pytest.mark.serial  # a time bound: measured alone
def test_8000_entries_are_checked_in_linear_time(tmp_path: Path) -> None:
    entries = "".join(f'  - match: "GET /api/e{i}"\n    p95: 100ms\n' for i in range(8000))
    path = tmp_path / "t.yml"
    path.write_text(f"version: 1\nendpoints:\n{entries}  - match: \"GET /api/e7\"\n    p95: 1s\n")
    began = time.monotonic()
    with pytest.raises(UserError) as excinfo:
        parser.load_thresholds(path)
    assert time.monotonic() - began < 4  # the YAML parse itself; the check was 8 s alone
    assert "endpoints[8000] can never match: endpoints[7]" in excinfo.value.render()


@pytest.mark.serial  # a time bound: measured alone
def test_catastrophic_regex_runs_in_linear_time(tmp_path: Path) -> None:
    path = tmp_path / "t.yml"
    path.write_text('version: 1\nendpoints:\n  - regex: "(a+)+$"\n    p95: 100ms\n')
    matcher = parser.load_thresholds(path).endpoints[0].matcher
    began = time.monotonic()
    assert not matcher.matches("GET", "a" * 5000 + "!")
    assert time.monotonic() - began < 1  # Python's re: minutes at 40 characters


def test_regex_constructs_without_linear_time_are_refused(tmp_path: Path) -> None:
    for pattern in (r"(a)\\1", "(?=a)b", "(?<!x)y"):
        text = f'version: 1\nendpoints:\n  - regex: "{pattern}"\n    p95: 100ms\n'
        rendered = _thresholds_error(tmp_path, text)
        assert "linear time" in rendered and "endpoints[0].regex" in rendered, rendered
