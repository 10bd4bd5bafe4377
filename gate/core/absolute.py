"""The kinds of check the thresholds file's own top level makes (`gate.core.evaluate.KINDS`
runs them; `gate.core.stages` runs them again on each stage's figures): the run made
requests and ran to its end, each endpoint against its rules, the required endpoints, the
aggregate, the exceptions raised in the locustfile.
"""

from __future__ import annotations

from dataclasses import replace

from gate.core.inputs import Inputs
from gate.core.judging import count_failure, judge_rule
from gate.core.measure import EndpointMeasurement, ExceptionCount, Subject
from gate.core.rules import Level, Metric, default_exceptions_rule
from gate.core.units import format_value
from gate.core.verdict import Check, Outcome, Scope

ALLOW_INCOMPLETE_FLAG = "--allow-incomplete"


def run_checks(inputs: Inputs) -> list[Check]:
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


def completion_checks(inputs: Inputs) -> list[Check]:
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


def endpoint_checks(inputs: Inputs) -> list[Check]:
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


def required_checks(inputs: Inputs) -> list[Check]:
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


def aggregate_checks(inputs: Inputs) -> list[Check]:
    results, thresholds = inputs.results, inputs.thresholds
    if results.total.num_requests == 0:
        return []  # the run check already fails it; no second message for the same cause
    total = EndpointMeasurement(entry=results.total)
    return [
        judge_rule(total, rule, thresholds.aggregate_min_requests, thresholds.on_inconclusive,
              on_too_few=thresholds.on_too_few)
        for rule in thresholds.aggregate
        if rule.metric is not Metric.EXCEPTIONS  # a count of the run: exception_checks
    ]


def exception_checks(inputs: Inputs) -> list[Check]:
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
