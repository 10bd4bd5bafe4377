"""Judge results against thresholds: pure functions, no I/O.

Every rule becomes one `Check` with a measured value, a limit, an outcome and a level.
Lack of data is never a pass: a run with zero requests fails; a metric that cannot be
computed is no-data at the file's `on-inconclusive` level; an endpoint with fewer requests
than `min-requests` is inconclusive, reported with what it needs at the file's
`on-too-few-requests` level (none by default), and a run in which nothing could be judged
for lack of requests is inconclusive at `on-inconclusive` (`gate.core.thin`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Protocol

from gate.core import thin
from gate.core.measure import (
    EndpointMeasurement,
    ExceptionCount,
    Measurement,
    Subject,
    measure,
)
from gate.core.model import Results
from gate.core.rules import (
    EndpointRules,
    Level,
    Metric,
    Rule,
    Thresholds,
    Unit,
    default_exceptions_rule,
)
from gate.core.units import format_value
from gate.core.verdict import (
    BaselineRef,
    Bound,
    Check,
    Outcome,
    Scope,
    Totals,
    Verdict,
    count_outcomes,
    decide,
    problems,
)

__all__ = ["Baseline", "evaluate", "judge", "measure", "reasons", "unmatched_rules"]

ALLOW_INCOMPLETE_FLAG = "--allow-incomplete"


class Baseline(Protocol):
    """A baseline ready to compare with: the stored run(s) already loaded by the edge.

    `checks` is pure: given this run and the thresholds it returns the baseline-relative
    checks (outcome `regressed`, `improved`, `new`, or `pass`, with `comparison` set);
    they are judged with the absolute checks, which do not change.
    """

    @property
    def ref(self) -> BaselineRef: ...

    def checks(self, results: Results, thresholds: Thresholds) -> Sequence[Check]: ...


def evaluate(
    results: Results,
    thresholds: Thresholds,
    baseline: Baseline | None = None,
    *,
    allow_incomplete: bool = False,
) -> Verdict:
    """Judge `results`. A run that did not complete fails unless `allow_incomplete`, which
    lowers that check to a warning (it is still shown)."""
    checks = thin.settle([
        *_run_checks(results),
        *_completion_checks(results, allow_incomplete=allow_incomplete),
        *_endpoint_checks(results, thresholds),
        *_required_checks(results, thresholds),
        *_aggregate_checks(results, thresholds),
        *_exception_checks(results, thresholds),
        *(baseline.checks(results, thresholds) if baseline is not None else ()),
    ], on_inconclusive=thresholds.on_inconclusive)
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
        reasons=tuple(reasons(checks)),
        warnings=tuple(unmatched_rules(results, thresholds)),
        baseline=baseline.ref if baseline is not None else None,
    )


def _run_checks(results: Results) -> list[Check]:
    """A run that made zero requests is never a pass, whatever the thresholds say."""
    if results.total.num_requests > 0:
        return []
    return [
        _count_failure(
            Subject(scope=Scope.RUN, label=""),
            metric="requests",
            outcome=Outcome.NO_DATA,
            message="the run made no requests: nothing was measured "
            "(check the host, the --tags and that the users' tasks run)",
        )
    ]


def _completion_checks(results: Results, *, allow_incomplete: bool) -> list[Check]:
    """A run cut short (SIGINT, SIGTERM, a crash) measured only part of the load."""
    if results.meta.completed is not False:
        return []
    reason = results.meta.end_reason or "the load test did not run to its end"
    check = _count_failure(
        Subject(scope=Scope.RUN, label=""),
        metric="completed",
        outcome=Outcome.INCOMPLETE,
        message=f"the run did not complete, so it cannot pass (rerun it, or pass "
        f"{ALLOW_INCOMPLETE_FLAG} to judge it anyway): {reason}",
    )
    return [replace(check, level=Level.WARN) if allow_incomplete else check]


def _endpoint_checks(results: Results, thresholds: Thresholds) -> list[Check]:
    checks: list[Check] = []
    for entry in sorted(results.endpoints, key=lambda e: (e.name, e.method)):
        rules, min_requests = thresholds.rules_for(entry.method, entry.name, entry.members)
        for rule in rules:
            checks.append(
                judge(EndpointMeasurement(entry=entry), rule, min_requests,
                      thresholds.on_inconclusive, on_too_few=thresholds.on_too_few)
            )
    return checks


def _required_checks(results: Results, thresholds: Thresholds) -> list[Check]:
    checks: list[Check] = []
    for override in thresholds.endpoints:
        if not override.required:
            continue
        present = [
            e
            for e in results.endpoints
            if override.matcher.matches_any(e.method, e.name, e.members) and e.num_requests > 0
        ]
        if present:
            continue
        pattern = override.matcher.describe()
        checks.append(
            _count_failure(
                Subject(
                    scope=Scope.ENDPOINT,
                    label=pattern,
                    method=override.matcher.method or "",
                    name=pattern,
                ),
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
    total = EndpointMeasurement(entry=results.total)
    return [
        judge(total, rule, thresholds.aggregate_min_requests, thresholds.on_inconclusive,
              on_too_few=thresholds.on_too_few)
        for rule in thresholds.aggregate
        if rule.metric is not Metric.EXCEPTIONS  # a count of the run: _exception_checks
    ]


def _exception_checks(results: Results, thresholds: Thresholds) -> list[Check]:
    """Exceptions raised in the locustfile, judged against `aggregate.exceptions` (0 at
    level fail unless the file says otherwise). Sources that do not record exceptions
    (Locust's --json-file) skip the implicit rule; a rule the user wrote is no-data there."""
    rule = thresholds.exceptions
    if rule is None:
        return []
    count = results.exception_count
    if count is None and rule == default_exceptions_rule():
        return []
    check = judge(ExceptionCount(count=count), rule, 0, thresholds.on_inconclusive)
    if check.outcome is Outcome.BREACHED and results.exceptions:
        top = results.exceptions[0]
        at = f" at {top.where}" if top.where else ""
        more = len(results.exceptions) - 1
        check = replace(
            check,
            message=f"{count:,} exceptions raised in the locustfile (users' tasks crashed; "
            f"most often: {top.message}{at}"
            + (f"; and {more} other kinds" if more else "")
            + f"), limit {format_value(check.limit, rule.metric.unit)} ({check.level})",
        )
    return [check]


def unmatched_rules(results: Results, thresholds: Thresholds) -> list[str]:
    """One warning per endpoint rule that applies to no endpoint of this run, so checked
    nothing (a mistyped name, or a glob that selects nothing). `required` rules are left
    out: they already fail as missing."""
    # Which entry each endpoint takes, found once (per entry it would be quadratic).
    taken = {id(thresholds.override_for(e.method, e.name, e.members))
             for e in results.endpoints}
    return [
        _unmatched_message(results, index, override)
        for index, override in enumerate(thresholds.endpoints)
        if not override.required and id(override) not in taken
    ]


def _unmatched_message(results: Results, index: int, override: EndpointRules) -> str:
    pattern = override.matcher.describe()
    taken = [e for e in results.endpoints
             if override.matcher.matches_any(e.method, e.name, e.members)]
    if taken:
        return (
            f"endpoints[{index}] {pattern!r} ({override.where}) checked nothing: every endpoint "
            "it matches is taken by an earlier entry (the first match wins); move it up"
        )
    names = [e.key for e in results.endpoints] + [e.name for e in results.endpoints]
    close = _closest(override.matcher.pattern, names, cutoff=0.6)
    hint = f"; did you mean {close!r}?" if close is not None else ""
    return (
        f"endpoints[{index}] {pattern!r} ({override.where}) matched no endpoint of this run, "
        f"so its rules checked nothing{hint}"
    )


def _closest(word: str, names: Sequence[str], *, cutoff: float) -> str | None:
    """What `difflib.get_close_matches(word, names, n=1, cutoff=cutoff)` returns, about
    five times faster on thousands of names: a name must beat the best one so far, so the
    cheap upper bounds (`real_quick_ratio`, `quick_ratio`) rule most out before `ratio`."""
    import difflib  # noqa: PLC0415 (only a rule that matched nothing pays for it)

    matcher = difflib.SequenceMatcher()
    matcher.set_seq2(word)  # difflib's order: seq2 is the one analysed once
    best: tuple[float, str] | None = None
    for name in names:
        matcher.set_seq1(name)
        floor = cutoff if best is None else best[0]
        if matcher.real_quick_ratio() >= floor and matcher.quick_ratio() >= floor:
            score = matcher.ratio()
            # ties go to the greater name, as get_close_matches's (score, name) ordering
            if score >= cutoff and (best is None or (score, name) > best):
                best = (score, name)
    return best[1] if best is not None else None


def _count_failure(
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


def judge(
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


def reasons(checks: Sequence[Check]) -> list[str]:
    """One line per endpoint and cause that lowered the verdict, fail level first: the
    checks of one endpoint that share a message (e.g. too few requests to judge any of
    its metrics) make one line that names their metrics."""
    grouped: dict[tuple[str, str], list[str]] = {}
    for c in problems(checks):
        grouped.setdefault((c.endpoint or "run", c.message or c.outcome.value), []).append(
            c.metric
        )
    return [
        f"{endpoint}: {message}" + (f" ({', '.join(metrics)})" if len(metrics) > 1 else "")
        for (endpoint, message), metrics in grouped.items()
    ]
