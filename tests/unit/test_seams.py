"""The seams for what comes next: measured values from other sources, a baseline, and the
one answer to "does this check count, at which level" (`Check.counts_at`)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from gate.core.evaluate import evaluate
from gate.core.judging import judge_rule as judge
from gate.core.measure import (
    SOURCES,
    EndpointMeasurement,
    ExceptionCount,
    Subject,
    UnknownMetric,
    measure,
)
from gate.core.model import aggregate
from gate.core.relative import Baseline, PastRun
from gate.core.rules import Bound, Level, Limit, Metric, Rule, Unit
from gate.core.verdict import BaselineRef, Check, Outcome, Scope, Status, by_severity, status_of
from gate.errors import ExitCode, exit_code
from gate.thresholds.parser import parse
from tests.factory import START, endpoint, results

FAST = [10.0] * 100
SLOW = [300.0] * 100


def _check(outcome: Outcome, level: Level | None) -> Check:
    return Check(
        scope=Scope.ENDPOINT, endpoint="GET /a", method="GET", name="/a", metric="p95",
        unit=Unit.MS, measured=1.0, limit=2.0, outcome=outcome, level=level,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("outcome", "level", "counts_at"),
    [
        (Outcome.PASS, None, None),
        (Outcome.BREACHED, Level.FAIL, Level.FAIL),
        (Outcome.INCONCLUSIVE, Level.WARN, Level.WARN),
        (Outcome.IMPROVED, Level.FAIL, None),  # an improvement never lowers the verdict
        (Outcome.NEW, Level.WARN, None),
        (Outcome.REGRESSED, Level.WARN, Level.WARN),
    ],
)
def test_counts_at(outcome: Outcome, level: Level | None, counts_at: Level | None) -> None:
    check = _check(outcome, level)
    assert check.counts_at is counts_at
    expected = {None: Status.PASS, Level.WARN: Status.WARN, Level.FAIL: Status.FAIL}[counts_at]
    assert status_of([check]) is expected


def test_by_severity_puts_fail_then_warn_first_and_keeps_order_within() -> None:
    checks = [
        _check(Outcome.PASS, None),
        _check(Outcome.NO_DATA, Level.WARN),
        _check(Outcome.BREACHED, Level.FAIL),
        _check(Outcome.IMPROVED, Level.FAIL),
        _check(Outcome.MISSING, Level.FAIL),
    ]
    ordered = by_severity(checks)
    assert [c.outcome for c in ordered] == [
        Outcome.BREACHED, Outcome.MISSING, Outcome.NO_DATA, Outcome.PASS, Outcome.IMPROVED,
    ]  # fmt: skip


def test_enum_fields_accept_their_string_values() -> None:
    check = Check(
        scope="aggregate", endpoint="Aggregated", method="", name="Aggregated",  # type: ignore[arg-type]
        metric="rps", unit="req/s", measured=5.0, limit=1.0, bound="min",  # type: ignore[arg-type]
        outcome=Outcome.PASS, level=None,
    )  # fmt: skip
    assert (check.scope, check.unit, check.bound) == (Scope.AGGREGATE, Unit.RPS, Bound.MIN)
    with pytest.raises(ValueError, match="sideways"):
        Check(**{**check.__dict__, "bound": "sideways"})


@dataclass(frozen=True)
class Reading:
    """A measured value that is not Locust's: e.g. the backend's peak memory in MB."""

    subject: Subject
    reading: float | None

    def value(self, metric: Metric) -> float | None:
        return self.reading


def test_a_value_from_another_source_is_judged_like_an_endpoint() -> None:
    rule = Rule(metric=Metric.MAX, limits=(Limit(value=500.0, level=Level.WARN),), where="x")
    backend = Subject(scope=Scope.RESOURCE, label="backend")  # samples None: never "too few"
    check = judge(Reading(backend, 612.0), rule, min_requests=20, on_inconclusive=Level.FAIL)
    assert (check.scope, check.endpoint, check.outcome, check.counts_at) == (
        Scope.RESOURCE, "backend", Outcome.BREACHED, Level.WARN,
    )  # fmt: skip
    missing = judge(Reading(backend, None), rule, min_requests=20, on_inconclusive=Level.FAIL)
    assert (missing.outcome, missing.counts_at) == (Outcome.NO_DATA, Level.FAIL)


def test_a_group_of_endpoints_is_judged_on_their_merged_histogram() -> None:
    login, logout = endpoint("/auth/login", FAST), endpoint("/auth/logout", SLOW)
    group = EndpointMeasurement(
        entry=aggregate([login, logout], start_time=START), scope=Scope.GROUP, label="auth"
    )
    rule = Rule(metric=Metric.P50, limits=(Limit(value=100.0, level=Level.FAIL),))
    check = judge(group, rule, min_requests=201, on_inconclusive=Level.WARN)
    assert (check.scope, check.endpoint) == (Scope.GROUP, "auth")
    assert check.outcome is Outcome.INCONCLUSIVE
    check = judge(group, rule, min_requests=200, on_inconclusive=Level.WARN)
    assert check.outcome is Outcome.BREACHED and check.measured == 300  # p50 of 100+100


def test_evaluate_with_a_baseline_adds_its_checks_and_keeps_the_absolute_ones() -> None:
    # The baseline is data the edge loaded (its stored runs); the core compares in one pass.
    thresholds = parse("version: 1\ndefaults: {p95: 1s}\n"
                       "baseline: {p95: {max-increase: {fail: 15%}}}\n", "t.yml")
    now = results(endpoint("/a", SLOW))
    before = PastRun(results=results(endpoint("/a", FAST)), commit="abc", branch="main")
    ref = BaselineRef(store="baseline.json", commit="abc", branch="main",
                      time=before.time, runs=1)
    alone = evaluate(now, thresholds)
    compared = evaluate(now, thresholds, Baseline(store="baseline.json", runs=(before,)))
    assert alone.status is Status.PASS and alone.baseline is None
    assert compared.checks[: len(alone.checks)] == alone.checks
    extra = compared.checks[len(alone.checks) :]
    assert [(c.outcome, c.counts_at) for c in extra] == [(Outcome.REGRESSED, Level.FAIL)]
    assert extra[0].comparison is not None and extra[0].comparison.change == 290
    assert compared.status is Status.FAIL and compared.baseline == ref
    assert compared.reasons and compared.totals.by_outcome["regressed"] == 1


def test_every_metric_has_a_named_source_and_an_unknown_one_is_an_internal_error() -> None:
    assert set(SOURCES) == set(Metric)  # a metric added without a source fails here
    entry = endpoint("/a", [30.0] * 60 + [300.0] * 40, failures=5)  # 100 requests in 10 s
    with pytest.raises(UnknownMetric, match="no source for metric 'p42'") as err:
        measure(entry, "p42")  # type: ignore[arg-type]  # what a new, unwired metric is
    assert exit_code(err.value) == ExitCode.INTERNAL_ERROR  # a bug: exit 3, not a number
    # each metric reads its own number (before, anything unnamed fell through to rps)
    assert (measure(entry, Metric.P50), measure(entry, Metric.P95)) == (30, 300)
    assert (measure(entry, Metric.MAX), measure(entry, Metric.AVG)) == (300, 138)
    assert (measure(entry, Metric.FAIL_RATIO), measure(entry, Metric.RPS)) == (0.05, 10)
    assert measure(entry, Metric.EXCEPTIONS) is None  # a count of the run: ExceptionCount
    assert ExceptionCount(count=3).value(Metric.EXCEPTIONS) == 3
    with pytest.raises(UnknownMetric, match="ExceptionCount"):
        ExceptionCount(count=3).value(Metric.P95)
