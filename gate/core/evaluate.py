"""Judge results against thresholds: pure functions, no I/O.

Every rule becomes one `Check` with a measured value, a limit, an outcome and a level.
Lack of data is never a pass: a run with zero requests fails; an endpoint with fewer
requests than `min-requests`, or a metric that cannot be computed, is inconclusive /
no-data at the file's `on-inconclusive` level.
"""

from __future__ import annotations

from dataclasses import replace

from gate.core.model import AGGREGATED, EndpointStats, Results
from gate.core.rules import Level, Metric, Rule, Thresholds
from gate.core.units import format_value
from gate.core.verdict import Check, Outcome, Totals, Verdict, count_outcomes, decide


def evaluate(results: Results, thresholds: Thresholds) -> Verdict:
    checks = [
        *_run_checks(results),
        *_endpoint_checks(results, thresholds),
        *_required_checks(results, thresholds),
        *_aggregate_checks(results, thresholds),
    ]
    total = results.total
    totals = Totals(
        requests=total.num_requests,
        failures=total.num_failures,
        endpoints=len(results.endpoints),
        checks=len(checks),
        by_outcome=count_outcomes(checks),
    )
    return Verdict(
        status=decide(checks),
        checks=tuple(checks),
        totals=totals,
        reasons=tuple(_reasons(checks)),
    )


def measure(entry: EndpointStats, metric: Metric) -> float | None:
    """The value of one metric for one endpoint (or the aggregate); None without data."""
    fraction = metric.fraction
    if fraction is not None:
        return entry.percentile(fraction)
    if metric is Metric.MAX:
        return entry.max_response_time if entry.timed_requests > 0 else None
    if metric is Metric.AVG:
        return entry.avg_response_time
    if metric is Metric.FAIL_RATIO:
        return entry.fail_ratio
    return entry.rps


def _run_checks(results: Results) -> list[Check]:
    """A run that made zero requests is never a pass, whatever the thresholds say."""
    if results.total.num_requests > 0:
        return []
    return [
        _count_failure(
            scope="run",
            endpoint="",
            method="",
            metric="requests",
            outcome=Outcome.NO_DATA,
            message="the run made no requests: nothing was measured "
            "(check the host, the --tags and that the users' tasks run)",
        )
    ]


def _endpoint_checks(results: Results, thresholds: Thresholds) -> list[Check]:
    checks: list[Check] = []
    for entry in sorted(results.endpoints, key=lambda e: (e.name, e.method)):
        rules, min_requests = thresholds.rules_for(entry.method, entry.name)
        for rule in rules:
            checks.append(_judge(entry, rule, min_requests, thresholds.on_inconclusive))
    return checks


def _required_checks(results: Results, thresholds: Thresholds) -> list[Check]:
    checks: list[Check] = []
    for override in thresholds.endpoints:
        if not override.required:
            continue
        present = [
            e
            for e in results.endpoints
            if override.matcher.matches(e.method, e.name) and e.num_requests > 0
        ]
        if present:
            continue
        pattern = override.matcher.describe()
        checks.append(
            _count_failure(
                scope="endpoint",
                endpoint=pattern,
                method=override.matcher.method or "",
                metric="required",
                outcome=Outcome.MISSING,
                message=f"required endpoint {pattern!r} made no requests in this run",
                where=override.where,
            )
        )
    return checks


def _aggregate_checks(results: Results, thresholds: Thresholds) -> list[Check]:
    if results.total.num_requests == 0:
        return []  # the run check already fails it; no second message for the same cause
    return [
        _judge(results.total, rule, thresholds.aggregate_min_requests, thresholds.on_inconclusive)
        for rule in thresholds.aggregate
    ]


def _count_failure(
    *, scope: str, endpoint: str, method: str, metric: str, outcome: Outcome, message: str,
    where: str = "",
) -> Check:
    """A fail-level check that something happened at least once, and it did not."""
    return Check(
        scope=scope,
        endpoint=endpoint,
        method=method,
        name=endpoint,
        metric=metric,
        unit="count",
        measured=0,
        limit=1,
        limits={Level.FAIL.value: 1},
        bound="min",
        outcome=outcome,
        level=Level.FAIL,
        message=message,
        where=where,
    )


def _judge(entry: EndpointStats, rule: Rule, min_requests: int, on_inconclusive: Level) -> Check:
    measured = measure(entry, rule.metric)
    unit = rule.metric.unit
    passed = Check(
        scope="aggregate" if entry.name == AGGREGATED and not entry.method else "endpoint",
        endpoint=entry.key,
        method=entry.method,
        name=entry.name,
        metric=rule.metric.value,
        unit=unit.value,
        measured=measured,
        limit=_tightest(rule),
        limits={lim.level.value: lim.value for lim in rule.limits},
        bound="min" if rule.metric.is_floor else "max",
        outcome=Outcome.PASS,
        level=None,
        where=rule.where,
    )
    if entry.num_requests < min_requests:
        return replace(
            passed,
            outcome=Outcome.INCONCLUSIVE,
            level=on_inconclusive,
            message=f"{entry.num_requests} requests, fewer than min-requests "
            f"{min_requests}: too few to judge",
        )
    if measured is None:
        return replace(
            passed,
            outcome=Outcome.NO_DATA,
            level=on_inconclusive,
            message=f"{rule.metric.value} could not be computed from this run's data",
        )
    for level in (Level.FAIL, Level.WARN):
        limit = rule.limit(level)
        if limit is not None and _breaches(measured, limit.value, floor=rule.metric.is_floor):
            sign = "<" if rule.metric.is_floor else ">"
            return replace(
                passed,
                limit=limit.value,
                outcome=Outcome.BREACHED,
                level=level,
                message=f"{rule.metric.value} {format_value(measured, unit)} {sign} "
                f"limit {format_value(limit.value, unit)} ({level.value})",
            )
    return passed


def _breaches(measured: float, limit: float, *, floor: bool) -> bool:
    return measured < limit if floor else measured > limit


def _tightest(rule: Rule) -> float | None:
    """The limit shown on a pass: warn if there is one (it is the first one hit), else fail."""
    for level in (Level.WARN, Level.FAIL):
        limit = rule.limit(level)
        if limit is not None:
            return limit.value
    return None


def _reasons(checks: list[Check]) -> list[str]:
    """One line per check that lowered the verdict, fail level first."""
    against = [c for c in checks if c.outcome.counts_against]
    against.sort(key=lambda c: 0 if c.level is Level.FAIL else 1)
    return [
        f"{c.endpoint or 'run'}: {c.message or c.outcome.value}" for c in against
    ]
