"""The seams for what comes next: measured values from other sources, a baseline, and the
one answer to "does this check count, at which level" (`Check.counts_at`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pytest

from gate.core.evaluate import evaluate
from gate.core.judging import judge_rule as judge
from gate.core.measure import EndpointMeasurement, Subject
from gate.core.model import Results, aggregate
from gate.core.rules import Level, Limit, Metric, Rule, Thresholds, Unit
from gate.core.verdict import (
    BaselineRef,
    Bound,
    Check,
    Comparison,
    Outcome,
    Scope,
    Status,
    by_severity,
    decide,
)
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
    assert decide([check]) is expected


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


@dataclass(frozen=True)
class LastRun:
    """A baseline the way gate/baseline plugs in: a ref and a pure comparison."""

    ref: BaselineRef
    before: Results

    def checks(self, results: Results, thresholds: Thresholds) -> Sequence[Check]:
        out = []
        for entry in results.endpoints:
            old = self.before.endpoint(entry.method, entry.name)
            assert old is not None
            now, was = EndpointMeasurement(entry=entry), EndpointMeasurement(entry=old)
            measured, baseline = now.value(Metric.P95), was.value(Metric.P95)
            assert measured is not None and baseline is not None
            worse = measured > baseline * 1.15
            out.append(
                now.subject.check(
                    metric="p95", unit=Unit.MS, measured=measured, limit=baseline * 1.15,
                    outcome=Outcome.REGRESSED if worse else Outcome.PASS,
                    level=Level.FAIL if worse else None,
                    comparison=Comparison(
                        baseline=baseline, change=measured - baseline,
                        change_ratio=(measured - baseline) / baseline,
                    ),
                )
            )
        return out


def test_evaluate_with_a_baseline_adds_its_checks_and_keeps_the_absolute_ones() -> None:
    thresholds = parse("version: 1\ndefaults: {p95: 1s}\n", "t.yml")
    now = results(endpoint("/a", SLOW))
    ref = BaselineRef(store="baseline.json", commit="abc", branch="main", time=START, runs=1)
    alone = evaluate(now, thresholds)
    compared = evaluate(now, thresholds, LastRun(ref, results(endpoint("/a", FAST))))
    assert alone.status is Status.PASS and alone.baseline is None
    assert compared.checks[: len(alone.checks)] == alone.checks
    extra = compared.checks[len(alone.checks) :]
    assert [(c.outcome, c.counts_at) for c in extra] == [(Outcome.REGRESSED, Level.FAIL)]
    assert extra[0].comparison is not None and extra[0].comparison.change == 290
    assert compared.status is Status.FAIL and compared.baseline == ref
    assert compared.reasons and compared.totals.by_outcome["regressed"] == 1
