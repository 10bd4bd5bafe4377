"""One rule against one measured value: the single place a limit is compared.

Every kind of check (endpoints, the aggregate, and the kinds that plug into
`gate.core.evaluate.KINDS`) turns a `Measurement` and a `Rule` into a `Check` here, so
levels, bounds, too-few-requests and no-data read the same everywhere.
"""

from __future__ import annotations

from dataclasses import replace

from gate.core import thin
from gate.core.measure import Measurement, Subject
from gate.core.rules import Bound, Level, Rule, Unit
from gate.core.units import format_value
from gate.core.verdict import Check, Outcome

__all__ = ["count_failure", "judge_rule"]


def count_failure(
    subject: Subject, *, metric: str, outcome: Outcome, message: str, where: str = ""
) -> Check:
    """A fail-level check that something happened at least once, and it did not."""
    return subject.check(
        metric=metric,
        unit=Unit.COUNT,
        measured=0,
        limit=1,
        limits={Level.FAIL.value: 1},
        bound=Bound.MIN,
        outcome=outcome,
        level=Level.FAIL,
        message=message,
        where=where,
    )


def judge_rule(
    measurement: Measurement, rule: Rule, min_requests: int, on_inconclusive: Level,
    *, on_too_few: Level | None = None,
) -> Check:
    """One rule against one measured subject: pass, breached (at the first level hit),
    inconclusive (too few samples, at `on_too_few`: None reports it without counting) or
    no-data (at `on_inconclusive`)."""
    subject = measurement.subject
    measured = measurement.value(rule.metric)
    unit = rule.metric.unit
    passed = subject.check(
        metric=rule.metric.value,
        unit=unit,
        measured=measured,
        limit=_tightest(rule),
        limits={lim.level.value: lim.value for lim in rule.limits},
        bound=Bound.MIN if rule.metric.is_floor else Bound.MAX,
        outcome=Outcome.PASS,
        level=None,
        where=rule.where,
    )
    if subject.samples is not None and subject.samples < min_requests:
        return thin.reported(
            passed, on_too_few=on_too_few, needs=min_requests, requests=subject.samples,
            message=f"{subject.samples} requests, fewer than min-requests "
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
