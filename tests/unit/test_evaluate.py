"""Unit tier: the pure decision logic, on results built from raw response times."""

from __future__ import annotations

from pathlib import Path

import pytest

from gate.core.evaluate import evaluate
from gate.core.measure import measure
from gate.core.rules import Level, Metric
from gate.core.verdict import Outcome, Status
from gate.thresholds.parser import parse
from tests.factory import endpoint, results

FAST = [10.0] * 96 + [40.0] * 4  # p95 = 10, p99 = 40; with 95/5 Locust gives p95 = 40
SLOW = [100.0] * 50 + [400.0] * 50


def rules(text: str):  # type: ignore[no-untyped-def]
    return parse(text, "t.yml")


def outcomes(verdict):  # type: ignore[no-untyped-def]
    return {(c.endpoint, c.metric): (c.outcome, c.level) for c in verdict.checks}


def test_pass_when_every_limit_holds() -> None:
    verdict = evaluate(results(endpoint("/a", FAST)), rules("version: 1\ndefaults: {p95: 50ms}\n"))
    assert verdict.status is Status.PASS
    assert outcomes(verdict) == {("GET /a", "p95"): (Outcome.PASS, None)}
    assert verdict.checks[0].measured == 10


def test_breach_at_fail_and_warn_levels() -> None:
    text = "version: 1\ndefaults:\n  p95: {warn: 300ms, fail: 450ms}\n  p50: {warn: 50ms}\n"
    verdict = evaluate(results(endpoint("/slow", SLOW)), rules(text))
    got = outcomes(verdict)
    assert got[("GET /slow", "p50")] == (Outcome.BREACHED, Level.WARN)  # p50 = 400 > 50
    assert got[("GET /slow", "p95")] == (Outcome.BREACHED, Level.WARN)  # 400 > 300, <= 450
    assert verdict.status is Status.WARN


def test_fail_level_wins_over_warn() -> None:
    text = "version: 1\ndefaults:\n  p95: {warn: 100ms, fail: 200ms}\n"
    verdict = evaluate(results(endpoint("/slow", SLOW)), rules(text))
    check = verdict.checks[0]
    assert (check.outcome, check.level, check.limit) == (Outcome.BREACHED, Level.FAIL, 200)
    assert "p95 400 ms > limit 200 ms (fail)" in check.message
    assert verdict.status is Status.FAIL


def test_limit_is_inclusive() -> None:
    verdict = evaluate(results(endpoint("/a", FAST)), rules("version: 1\ndefaults: {p95: 10ms}\n"))
    assert verdict.status is Status.PASS


def test_rps_is_a_floor_on_the_aggregate() -> None:
    run = results(endpoint("/a", FAST, duration=10.0))  # 100 requests over 10 s = 10 req/s
    assert measure(run.total, Metric.RPS) == pytest.approx(10.0)
    low = evaluate(run, rules("version: 1\naggregate: {rps: 20}\n"))
    assert low.checks[0].outcome is Outcome.BREACHED and low.checks[0].bound == "min"
    ok = evaluate(run, rules("version: 1\naggregate: {rps: 5}\n"))
    assert ok.status is Status.PASS


def test_fail_ratio_and_avg() -> None:
    run = results(endpoint("/a", FAST, failures=3))
    verdict = evaluate(run, rules("version: 1\ndefaults: {fail-ratio: 2%, avg: 20ms}\n"))
    got = {c.metric: c for c in verdict.checks}
    assert got["fail-ratio"].measured == pytest.approx(0.03)
    assert got["fail-ratio"].outcome is Outcome.BREACHED
    assert got["avg"].measured == pytest.approx(11.2)
    assert got["avg"].outcome is Outcome.PASS


def test_zero_requests_is_never_a_pass() -> None:
    verdict = evaluate(results(), rules("version: 1\ndefaults: {p95: 1s}\n"))
    assert verdict.status is Status.FAIL
    assert [(c.scope, c.outcome) for c in verdict.checks] == [("run", Outcome.NO_DATA)]
    assert "no requests" in verdict.reasons[0]


def test_too_few_requests_is_reported_and_counts_only_when_asked() -> None:
    run = results(endpoint("/a", [10.0] * 5), endpoint("/b", FAST))
    text = "version: 1\ndefaults: {p95: 1s, min-requests: 20}\n"
    reported = evaluate(run, rules(text))
    assert outcomes(reported)[("GET /a", "p95")] == (Outcome.INCONCLUSIVE, None)
    thin = next(c for c in reported.checks if c.endpoint == "GET /a")
    assert (thin.needs, thin.requests, thin.too_few) == (20, 5, True)
    assert outcomes(reported)[("GET /b", "p95")] == (Outcome.PASS, None)
    assert reported.status is Status.PASS  # /b was judged; /a is shown with what it needs
    assert reported.reasons == ()
    for level, status in (("warn", Status.WARN), ("fail", Status.FAIL)):
        asked = evaluate(run, rules(f"version: 1\non-too-few-requests: {level}\n"
                                    "defaults: {p95: 1s, min-requests: 20}\n"))
        assert outcomes(asked)[("GET /a", "p95")] == (Outcome.INCONCLUSIVE, Level(level))
        assert asked.status is status


def test_a_run_in_which_nothing_could_be_judged_never_passes() -> None:
    run = results(endpoint("/a", [10.0] * 5), endpoint("/b", [10.0] * 5))
    text = "version: 1\ndefaults: {p95: 1s, fail-ratio: 1%, min-requests: 20}\n"
    verdict = evaluate(run, rules(text))
    assert verdict.status is Status.WARN
    (run_check,) = [c for c in verdict.checks if c.scope == "run"]
    assert (run_check.metric, run_check.outcome, run_check.counts_at) == (
        "judged", Outcome.INCONCLUSIVE, Level.WARN)
    assert "nothing could be judged: all 4 checks had too few requests" in run_check.message
    assert "p95 needs 20" in run_check.message and "4x" in run_check.message
    assert verdict.reasons[0].startswith("run: nothing could be judged")
    strict = evaluate(run, rules("version: 1\non-inconclusive: fail\n" + text[11:]))
    assert strict.status is Status.FAIL
    # one judged check is enough: the aggregate's fail-ratio over all 10 requests
    judged = evaluate(run, rules(text + "aggregate: {fail-ratio: 1%}\n"))
    assert judged.status is Status.PASS
    assert not any(c.scope == "run" for c in judged.checks)


def test_overrides_first_match_wins_and_keep_other_defaults() -> None:
    text = """version: 1
defaults: {p95: 50ms, p99: 60ms}
endpoints:
  - match: "GET /slow*"
    p95: 500ms
  - match: "/slow"
    p95: 1ms
"""
    verdict = evaluate(results(endpoint("/slow", SLOW), endpoint("/a", FAST)), rules(text))
    got = {(c.endpoint, c.metric): c for c in verdict.checks}
    assert got[("GET /slow", "p95")].limit == 500  # first match, not the 1ms one
    assert got[("GET /slow", "p99")].limit == 60  # default kept
    assert got[("GET /slow", "p99")].outcome is Outcome.BREACHED
    assert got[("GET /a", "p95")].limit == 50


def test_required_endpoint_missing_fails() -> None:
    text = """version: 1
endpoints:
  - match: "/login"
    method: POST
    required: true
"""
    verdict = evaluate(results(endpoint("/a", FAST)), rules(text))
    assert [(c.metric, c.outcome, c.level) for c in verdict.checks] == [
        ("required", Outcome.MISSING, Level.FAIL)
    ]
    present = evaluate(results(endpoint("/login", FAST, method="POST")), rules(text))
    assert present.status is Status.PASS


def test_unnamed_endpoint_gets_defaults() -> None:
    text = "version: 1\ndefaults: {p99: 30ms}\nendpoints:\n  - match: /other\n    p99: 1s\n"
    verdict = evaluate(results(endpoint("/unnamed", FAST)), rules(text))
    assert outcomes(verdict) == {("GET /unnamed", "p99"): (Outcome.BREACHED, Level.FAIL)}


EXAMPLE = Path(__file__).resolve().parents[2] / "thresholds" / "example.yml"
# The demo's endpoints, so that every entry of example.yml matches one: /api/items/[id]
# warns on p95, search fails p95 and p99, POST /api/items fails its fail-ratio (1 of 30),
# the aggregate fails its rps floor (34 req/s < 50) and has no exception data.
EXAMPLE_RUN = results(
    endpoint("/api/items", FAST),
    endpoint("/api/items/[id]", [15.0] * 90 + [50.0] * 10),
    endpoint("/api/search?q", [400.0] * 95 + [2000.0] * 5),
    endpoint("/api/login", [300.0] * 10, method="POST"),
    endpoint("/api/items", [100.0] * 30, method="POST", failures=1),
)
W, F = Level.WARN, Level.FAIL
PASS, BREACHED = Outcome.PASS, Outcome.BREACHED
# (endpoint, metric) -> measured, limit, level counted, outcome, where in example.yml
EXAMPLE_CHECKS = {
    ("GET /api/items", "p95"): (10, 500, None, PASS, "defaults.p95"),
    ("GET /api/items", "p99"): (40, 800, None, PASS, "defaults.p99"),
    ("GET /api/items", "fail-ratio"): (0.0, 0.01, None, PASS, "defaults.fail-ratio"),
    ("GET /api/items", "p66"): (10, 15, None, PASS, "endpoints[3].p66"),
    ("GET /api/items", "p80"): (10, 25, None, PASS, "endpoints[3].p80"),
    ("GET /api/items", "p90"): (10, 35, None, PASS, "endpoints[3].p90"),
    ("GET /api/items", "p98"): (40, 80, None, PASS, "endpoints[3].p98"),
    ("POST /api/items", "p99"): (100, 800, None, PASS, "defaults.p99"),
    ("POST /api/items", "fail-ratio"): (1 / 30, 0.01, F, BREACHED, "defaults.fail-ratio"),
    ("POST /api/items", "p95"): (100, 300, None, PASS, "endpoints[4].p95"),
    ("POST /api/items", "rps"): (3.0, 2.0, None, PASS, "endpoints[4].rps"),
    ("GET /api/items/[id]", "fail-ratio"): (0.0, 0.01, None, PASS, "defaults.fail-ratio"),
    ("GET /api/items/[id]", "p50"): (15, 20, None, PASS, "endpoints[2].p50"),
    ("GET /api/items/[id]", "p95"): (50, 40, W, BREACHED, "endpoints[2].p95"),
    ("GET /api/items/[id]", "p75"): (15, 30, None, PASS, "endpoints[2].p75"),
    ("GET /api/items/[id]", "p99"): (50, 100, None, PASS, "endpoints[2].p99"),
    ("POST /api/login", "p95"): (300, 500, None, PASS, "defaults.p95"),
    ("POST /api/login", "avg"): (300, 500, None, PASS, "endpoints[1].avg"),
    ("POST /api/login", "max"): (300, 2000, None, PASS, "endpoints[1].max"),
    ("POST /api/login", "fail-ratio"): (0.0, 0.001, None, PASS, "endpoints[1].fail-ratio"),
    ("GET /api/search?q", "p99"): (2000, 1000, F, BREACHED, "defaults.p99"),
    ("GET /api/search?q", "fail-ratio"): (0.0, 0.01, None, PASS, "defaults.fail-ratio"),
    ("GET /api/search?q", "p95"): (2000, 1500, F, BREACHED, "endpoints[0].p95"),
    ("GET /api/search?q", "p99.9"): (2000, 3000, None, PASS, "endpoints[0].p99.9"),
    # groups: GET /api/items and /api/items/[id] merged (200 requests, the 10 slowest at
    # 50 ms: p95 50); Writes: POST /api/login and POST /api/items, avg (3000 + 3000) / 40
    ("Item reads", "p95"): (50, 100, None, PASS, "groups[0].p95"),
    ("Item reads", "fail-ratio"): (0.0, 0.005, None, PASS, "groups[0].fail-ratio"),
    ("Writes", "avg"): (150.0, 120, W, BREACHED, "groups[1].avg"),
    ("Aggregated", "rps"): (34.0, 50, F, BREACHED, "aggregate.rps"),
    ("Aggregated", "fail-ratio"): (1 / 340, 0.01, None, PASS, "aggregate.fail-ratio"),
    ("Aggregated", "p95"): (400, 800, None, PASS, "aggregate.p95"),
    ("Aggregated", "exceptions"): (None, 0, W, Outcome.NO_DATA, "aggregate.exceptions"),
    # no samples of the backend in these results: no-data, never a pass
    ("backend", "rss"): (None, 256e6, W, Outcome.NO_DATA, "resources.rss"),
    ("backend", "cpu"): (None, 1.5, W, Outcome.NO_DATA, "resources.cpu"),
    ("backend", "rss-growth"): (None, 5e6, W, Outcome.NO_DATA, "resources.rss-growth"),
    ("backend", "connections"): (None, 200, W, Outcome.NO_DATA, "resources.connections"),
    # Numbers read from URLs: none were read for this run (no metrics.json), never a pass.
    ("cache hit rate", "value"): (None, 0.9, W, Outcome.NO_DATA, "metrics[0].min"),
    ("DB connections in use", "peak"): (None, 50, W, Outcome.NO_DATA, "metrics[1].max"),
}


def test_example_thresholds_file_evaluates() -> None:
    verdict = evaluate(EXAMPLE_RUN, parse(EXAMPLE.read_text(), str(EXAMPLE)))
    got = {
        (c.endpoint, c.metric): (c.measured, c.limit, c.counts_at, c.outcome, c.where)
        for c in verdict.checks
    }
    assert set(got) == set(EXAMPLE_CHECKS)
    for key, (measured, limit, level, outcome, where) in EXAMPLE_CHECKS.items():
        m, lim, lvl, out, at = got[key]
        assert (m == pytest.approx(measured) if measured is not None else m is None), key
        assert (lim, lvl, out) == (pytest.approx(limit), level, outcome), key
        assert at.startswith(f"{EXAMPLE}:") and at.endswith(f"(at {where})"), (key, at)
    assert verdict.status is Status.FAIL


def test_example_thresholds_file_requires_the_login() -> None:
    without_login = results(*(e for e in EXAMPLE_RUN.endpoints if e.name != "/api/login"))
    verdict = evaluate(without_login, parse(EXAMPLE.read_text(), str(EXAMPLE)))
    (required,) = [c for c in verdict.checks if c.metric == "required"]
    assert (required.endpoint, required.outcome, required.counts_at) == (
        "POST /api/login", Outcome.MISSING, Level.FAIL)
    assert required.where.endswith("(at endpoints[1])"), required.where


def test_percentile_follows_locusts_rule_not_textbook_nearest_rank() -> None:
    # 100 samples, N*p whole: Locust reads position floor(N*p), one above nearest-rank.
    run = results(endpoint("/a", [10.0] * 95 + [40.0] * 5))
    assert measure(run.endpoints[0], Metric.P95) == 40
