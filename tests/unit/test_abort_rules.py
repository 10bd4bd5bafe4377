"""The `abort:` section's parsing and the pure parts of the live watch (issue 23)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from gate.core import histogram
from gate.core.abort import Tally, abort_checks, window_value
from gate.core.model import Results, Trip
from gate.core.rules import Bound, Metric
from gate.core.sections import AbortRule
from gate.core.verdict import Outcome
from gate.errors import UserError
from gate.results import resultsfile
from gate.thresholds.parser import parse
from tests.factory import endpoint, results


def results_with(trip: Trip | None) -> Results:
    made = results(endpoint("/a", [10.0] * 5))
    return replace(made, meta=replace(made.meta, aborted=trip))


HEAD = "version: 1\ndefaults:\n  p95: 1s\n"


def rules(text: str) -> tuple[AbortRule, ...]:
    return parse(HEAD + text, "t.yml").abort


def test_the_issue_example_parses_to_canonical_units() -> None:
    first, second = rules(
        "abort:\n"
        "  - metric: fail-ratio\n    above: 20%\n    for: 10s\n"
        '  - match: "GET /api/search*"\n    metric: p95\n    above: 5s\n    for: 20s\n'
        "    window: 10s\n"
    )
    assert (first.metric, first.bound, first.limit, first.hold, first.matcher) == (
        Metric.FAIL_RATIO, Bound.MAX, 0.2, 10.0, None)
    assert (second.metric, second.limit, second.hold, second.window) == (
        Metric.P95, 5000.0, 20.0, 10.0)
    assert second.matcher is not None and second.matcher.matches("GET", "/api/search?q=1")
    assert second.where == "t.yml:8 (at abort[1])"
    floor = rules("abort:\n  - metric: rps\n    below: 5/s\n    for: 1m\n")[0]
    assert (floor.bound, floor.limit, floor.hold) == (Bound.MIN, 5.0, 60.0)


@pytest.mark.parametrize(
    ("entry", "message", "where"),
    [
        ("  - metric: p95\n    for: 10s\n", "has no above: or below:", "abort[0]"),
        ("  - metric: p95\n    above: 1s\n    below: 1ms\n    for: 1s\n", "has both", "abort[0]"),
        ("  - metric: p95\n    above: 1s\n", "has no for:", "abort[0]"),
        ("  - metric: latency\n    above: 1s\n    for: 1s\n", "not a metric", "abort[0].metric"),
        ("  - metric: exceptions\n    above: 1\n    for: 1s\n", "not a metric",
         "abort[0].metric"),
        ("  - metric: p95\n    above: 1\n    for: 1s\n", "has no unit", "abort[0].above"),
        ("  - metric: p95\n    above: 1s\n    for: soon\n", "must be a duration",
         "abort[0].for"),
        ("  - metric: p95\n    above: 1s\n    for: 1s\n    windw: 3s\n", "unknown key",
         "abort[0].windw"),
    ],
)
def test_a_bad_rule_names_its_place_and_the_fix(entry: str, message: str, where: str) -> None:
    with pytest.raises(UserError) as caught:
        rules("abort:\n" + entry)
    assert message in caught.value.what
    assert f"(at {where})" in (caught.value.where or "")
    assert caught.value.fix


def test_abort_must_be_a_list() -> None:
    with pytest.raises(UserError, match="abort must be a list"):
        rules("abort:\n  metric: p95\n")


def _tally(at: float, times: list[float], failures: int = 0) -> Tally:
    hist: dict[int, int] = {}
    for t in times:
        hist[histogram.bucket(t)] = hist.get(histogram.bucket(t), 0) + 1
    return Tally(at=at, requests=len(times), failures=failures,
                 total_response_time=sum(times), histogram=hist)


def test_a_window_is_exactly_the_requests_between_two_tallies() -> None:
    early = [10.0] * 90
    late = [300.0] * 5 + [20.0] * 15
    older = _tally(5, early, failures=1)
    newer = _tally(8, early + late, failures=1 + 4)
    # only the 20 requests of the window: its p95 is the slow ones', the run's is 10 ms
    assert window_value(Metric.P95, older, newer) == 300.0
    assert window_value(Metric.P50, older, newer) == 20.0
    assert window_value(Metric.MAX, older, newer) == 300.0
    assert window_value(Metric.FAIL_RATIO, older, newer) == pytest.approx(4 / 20)
    assert window_value(Metric.AVG, older, newer) == pytest.approx(90.0)
    assert window_value(Metric.RPS, older, newer) == pytest.approx(20 / 3)


def test_an_empty_window_has_no_latency_but_a_zero_rate() -> None:
    same = _tally(5, [10.0])
    later = replace(same, at=9)
    assert window_value(Metric.P95, same, later) is None
    assert window_value(Metric.FAIL_RATIO, same, later) is None
    assert window_value(Metric.RPS, same, later) == 0.0
    rule = AbortRule(metric=Metric.FAIL_RATIO, bound=Bound.MAX, limit=0.1, hold=1)
    assert not rule.breached(None)  # no requests is not a breach of an upper limit


def test_a_trip_fails_the_verdict_and_survives_results_json() -> None:
    trip = Trip(rule="abort[0] p95 above 5.00 s for 20s", metric=Metric.P95, bound=Bound.MAX,
                value=6100.0, limit=5000.0, at=83.4, where="t.yml:8 (at abort[0])",
                planned=600.0)
    (check,) = abort_checks(trip)
    assert check.outcome is Outcome.BREACHED and check.counts_at is not None
    assert check.message == (
        "the run was aborted at 1m23s: p95 6.10 s > 5.00 s, abort[0] p95 above 5.00 s for "
        "20s; stopping early saved about 8m37s of CI time"
    )
    assert abort_checks(None) == ()
    results = results_with(trip)
    again = resultsfile.from_dict(resultsfile.to_dict(results))
    assert again.meta.aborted == trip


def test_a_version_2_file_reads_as_not_aborted() -> None:
    data = resultsfile.to_dict(results_with(None))
    data["version"] = 2
    del data["meta"]["aborted"]
    assert resultsfile.from_dict(data).meta.aborted is None
