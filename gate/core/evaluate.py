"""Judge results against thresholds: pure functions, no I/O.

Every rule becomes one `Check` with a measured value, a limit, an outcome and a level.
Lack of data is never a pass: a run with zero requests fails; a metric that cannot be
computed is no-data at the file's `on-inconclusive` level; an endpoint with fewer requests
than `min-requests` is inconclusive, reported with what it needs at the file's
`on-too-few-requests` level (none by default), and a run in which nothing could be judged
for lack of requests is inconclusive at `on-inconclusive` (`gate.core.thin`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from gate.core import external, groups, paired, resources, stages, thin
from gate.core.abort import abort_checks
from gate.core.inputs import Inputs
from gate.core.judging import count_failure, judge_rule
from gate.core.measure import EndpointMeasurement, ExceptionCount, Subject
from gate.core.model import Results
from gate.core.rules import (
    EndpointRules,
    Level,
    Metric,
    Thresholds,
    default_exceptions_rule,
)
from gate.core.units import format_value
from gate.core.verdict import (
    BaselineRef,
    Check,
    Outcome,
    Scope,
    Totals,
    Verdict,
    count_outcomes,
    problems,
    status_of,
)

if TYPE_CHECKING:
    from gate.core.relative import Baseline

__all__ = ["KINDS", "Inputs", "evaluate", "reasons", "unmatched_rules"]

ALLOW_INCOMPLETE_FLAG = "--allow-incomplete"


Kind = Callable[[Inputs], Sequence[Check]]


def evaluate(
    results: Results,
    thresholds: Thresholds,
    baseline: Baseline | None = None,
    *,
    allow_incomplete: bool = False,
) -> Verdict:
    """Judge `results` in one pass over every kind of check (`KINDS`): the status decided
    once, the reasons built once. A run that did not complete fails unless
    `allow_incomplete`, which lowers that check to a warning (it is still shown)."""
    inputs = Inputs(results=results, thresholds=thresholds, baseline=baseline,
                    allow_incomplete=allow_incomplete)
    checks = thin.settle(
        [check for kind in KINDS for check in kind(inputs)],
        on_inconclusive=thresholds.on_inconclusive,
    )
    total = results.total
    totals = Totals(
        requests=total.num_requests,
        failures=total.num_failures,
        endpoints=len(results.endpoints),
        checks=len(checks),
        by_outcome=count_outcomes(checks),
    )
    return Verdict(
        status=status_of(checks),
        checks=tuple(checks),
        totals=totals,
        reasons=tuple(reasons(checks)),
        warnings=(*_baseline_warnings(inputs), *unmatched_rules(results, thresholds)),
        baseline=_baseline_ref(inputs),
    )


def _run_checks(inputs: Inputs) -> list[Check]:
    """A run that made zero requests is never a pass, whatever the thresholds say."""
    results = inputs.results
    if results.total.num_requests > 0:
        return []
    return [
        count_failure(
            Subject(scope=Scope.RUN, label=""),
            metric="requests",
            outcome=Outcome.NO_DATA,
            message="the run made no requests: nothing was measured "
            "(check the host, the --tags and that the users' tasks run)",
        )
    ]


def _completion_checks(inputs: Inputs) -> list[Check]:
    """A run cut short (SIGINT, SIGTERM, a crash) measured only part of the load."""
    results, allow_incomplete = inputs.results, inputs.allow_incomplete
    if results.meta.completed is not False:
        return []
    reason = results.meta.end_reason or "the load test did not run to its end"
    check = count_failure(
        Subject(scope=Scope.RUN, label=""),
        metric="completed",
        outcome=Outcome.INCOMPLETE,
        message=f"the run did not complete, so it cannot pass (rerun it, or pass "
        f"{ALLOW_INCOMPLETE_FLAG} to judge it anyway): {reason}",
    )
    return [replace(check, level=Level.WARN) if allow_incomplete else check]


def _endpoint_checks(inputs: Inputs) -> list[Check]:
    results, thresholds = inputs.results, inputs.thresholds
    checks: list[Check] = []
    for entry in sorted(results.endpoints, key=lambda e: (e.name, e.method)):
        rules, min_requests = thresholds.rules_for(entry.method, entry.name, entry.members)
        for rule in rules:
            checks.append(
                judge_rule(EndpointMeasurement(entry=entry), rule, min_requests,
                      thresholds.on_inconclusive, on_too_few=thresholds.on_too_few)
            )
    return checks


def _required_checks(inputs: Inputs) -> list[Check]:
    results, thresholds = inputs.results, inputs.thresholds
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
            count_failure(
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


def _aggregate_checks(inputs: Inputs) -> list[Check]:
    results, thresholds = inputs.results, inputs.thresholds
    if results.total.num_requests == 0:
        return []  # the run check already fails it; no second message for the same cause
    total = EndpointMeasurement(entry=results.total)
    return [
        judge_rule(total, rule, thresholds.aggregate_min_requests, thresholds.on_inconclusive,
              on_too_few=thresholds.on_too_few)
        for rule in thresholds.aggregate
        if rule.metric is not Metric.EXCEPTIONS  # a count of the run: _exception_checks
    ]


def _exception_checks(inputs: Inputs) -> list[Check]:
    """Exceptions raised in the locustfile, judged against `aggregate.exceptions` (0 at
    level fail unless the file says otherwise). Sources that do not record exceptions
    (Locust's --json-file) skip the implicit rule; a rule the user wrote is no-data there."""
    results, thresholds = inputs.results, inputs.thresholds
    rule = thresholds.exceptions
    if rule is None:
        return []
    count = results.exception_count
    if count is None and rule == default_exceptions_rule():
        return []
    check = judge_rule(ExceptionCount(count=count), rule, 0, thresholds.on_inconclusive)
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


def _abort_checks(inputs: Inputs) -> Sequence[Check]:
    return abort_checks(inputs.results.meta.aborted)


# The comparison with stored runs (`gate.core.compare`) is imported only with a baseline:
# its modules (the reading, the shift, the relative rules) cost a `check` without one
# about 11 ms of start-up (its import after evaluate's, median of 7 on the dev VM).
def _baseline_checks(inputs: Inputs) -> Sequence[Check]:
    if inputs.baseline is None:
        return ()
    from gate.core import compare  # noqa: PLC0415 (see above)

    return compare.checks(inputs)


def _baseline_warnings(inputs: Inputs) -> Sequence[str]:
    if inputs.baseline is None:
        return ()
    from gate.core import compare  # noqa: PLC0415 (see above)

    return compare.warnings(inputs)


def _baseline_ref(inputs: Inputs) -> BaselineRef | None:
    if inputs.baseline is None:
        return None
    from gate.core import compare  # noqa: PLC0415 (see above)

    return compare.reference(inputs)


# Every kind of check, in report order. A new kind (a group, a stage, the backend's
# resources, an external metric, a paired comparison) is one module with a function
# `checks(inputs: Inputs) -> Sequence[Check]` that judges through
# `gate.core.judging.judge_rule`, and one entry here.
KINDS: tuple[Kind, ...] = (
    _run_checks,
    _completion_checks,
    _endpoint_checks,
    _required_checks,
    groups.checks,
    _aggregate_checks,
    _exception_checks,
    stages.checks,
    external.checks,
    _abort_checks,
    _baseline_checks,
    resources.checks,
    paired.checks,
)


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
    ] + groups.unmatched(results, thresholds)  # a group that selects nothing, the same way


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
