"""Unit tier: what the verdict used to hide (exceptions, rules that match nothing,
incomplete runs, repeated reasons), on results built from raw response times."""

from __future__ import annotations

from dataclasses import replace

from gate.core.evaluate import evaluate
from gate.core.model import RaisedException, Results
from gate.core.rules import Level
from gate.core.verdict import Outcome, Status
from gate.thresholds.parser import parse
from tests.factory import endpoint, results

FAST = [10.0] * 30
CRASH = RaisedException(message="'User' object has no attribute 'token'", count=4,
                        where="locustfile.py:22 in checkout")


def verdict_of(text: str, run: Results, **kwargs: bool):  # type: ignore[no-untyped-def]
    return evaluate(run, parse(text, "t.yml"), **kwargs)


def with_exceptions(run: Results, *found: RaisedException) -> Results:
    return replace(run, exceptions=found)


def check(verdict, metric: str):  # type: ignore[no-untyped-def]
    return next(c for c in verdict.checks if c.metric == metric)


# --- exceptions --------------------------------------------------------------------------


def test_exceptions_fail_by_default() -> None:
    verdict = verdict_of("version: 1\ndefaults: {p95: 1s}\n", with_exceptions(results(
        endpoint("/a", FAST)), CRASH))
    found = check(verdict, "exceptions")
    assert verdict.status is Status.FAIL
    assert (found.outcome, found.level, found.measured) == (Outcome.BREACHED, Level.FAIL, 4)
    assert "4 exceptions" in found.message and "locustfile.py:22 in checkout" in found.message
    assert found.scope == "aggregate" and found.endpoint == "Aggregated"


def test_no_exceptions_pass_and_the_level_is_the_users() -> None:
    clean = verdict_of("version: 1\ndefaults: {p95: 1s}\n", with_exceptions(results(
        endpoint("/a", FAST))))
    assert check(clean, "exceptions").outcome is Outcome.PASS and clean.status is Status.PASS
    warn = verdict_of("version: 1\naggregate: {exceptions: {warn: 0}}\n",
                 with_exceptions(results(endpoint("/a", FAST)), CRASH))
    assert warn.status is Status.WARN and check(warn, "exceptions").level is Level.WARN
    allowed = verdict_of("version: 1\naggregate: {exceptions: 5}\n",
                    with_exceptions(results(endpoint("/a", FAST)), CRASH))
    assert allowed.status is Status.PASS
    off = verdict_of("version: 1\ndefaults: {p95: 1s}\naggregate: {exceptions: off}\n",
                with_exceptions(results(endpoint("/a", FAST)), CRASH))
    assert off.status is Status.PASS and all(c.metric != "exceptions" for c in off.checks)


def test_sources_without_exceptions_skip_the_default_but_not_a_written_rule() -> None:
    run = results(endpoint("/a", FAST))  # exceptions=None: e.g. Locust's --json-file
    assert all(c.metric != "exceptions" for c in verdict_of("version: 1\ndefaults: {p95: 1s}\n",
                                                       run).checks)
    written = verdict_of("version: 1\naggregate: {exceptions: 0}\n", run)
    assert check(written, "exceptions").outcome is Outcome.NO_DATA


# --- rules that match nothing ------------------------------------------------------------


def test_exact_name_is_tried_before_the_glob() -> None:
    run = results(endpoint("/support/ticket/[id]", [300.0] * 30))
    verdict = verdict_of(
        'version: 1\nendpoints:\n  - {match: "/support/ticket/[id]", p95: 100ms}\n', run)
    assert check(verdict, "p95").outcome is Outcome.BREACHED
    assert verdict.warnings == ()
    with_method = verdict_of(
        'version: 1\nendpoints:\n  - {match: "GET /support/ticket/[id]", p95: 1s}\n', run)
    assert check(with_method, "p95").outcome is Outcome.PASS


def test_a_rule_that_matches_nothing_is_a_warning_everywhere() -> None:
    verdict = verdict_of(
        "version: 1\ndefaults: {p95: 1s}\nendpoints:\n"
        "  - {match: /api/itmes, p95: 100ms}\n  - {match: /nothing*, p95: 100ms}\n",
        results(endpoint("/api/items", FAST)),
    )
    assert verdict.status is Status.PASS  # a warning, not a verdict change
    assert len(verdict.warnings) == 2
    assert "endpoints[0] '/api/itmes'" in verdict.warnings[0]
    assert "t.yml:4" in verdict.warnings[0] and "did you mean '/api/items'" in verdict.warnings[0]
    assert "matched no endpoint" in verdict.warnings[1]


def test_a_rule_shadowed_by_an_earlier_one_is_a_warning() -> None:
    verdict = verdict_of(
        "version: 1\nendpoints:\n  - {match: '/api/*', p95: 1s}\n  - {match: /api/a, p95: 1ms}\n",
        results(endpoint("/api/a", FAST)),
    )
    assert len(verdict.warnings) == 1 and "taken by an earlier entry" in verdict.warnings[0]


def test_required_rule_that_matches_nothing_stays_a_failure_not_a_warning() -> None:
    verdict = verdict_of("version: 1\nendpoints:\n  - {match: /login, required: true}\n",
                    results(endpoint("/a", FAST)))
    assert verdict.status is Status.FAIL and verdict.warnings == ()
    assert check(verdict, "required").outcome is Outcome.MISSING


# --- incomplete runs ---------------------------------------------------------------------


def test_an_incomplete_run_cannot_pass_unless_allowed() -> None:
    run = results(endpoint("/a", FAST))
    cut = replace(run, meta=replace(run.meta, completed=False, end_reason="interrupted: SIGINT"))
    verdict = verdict_of("version: 1\ndefaults: {p95: 1s}\n", cut)
    found = check(verdict, "completed")
    assert verdict.status is Status.FAIL and found.outcome is Outcome.INCOMPLETE
    assert "interrupted: SIGINT" in found.message and "--allow-incomplete" in found.message
    allowed = verdict_of("version: 1\ndefaults: {p95: 1s}\n", cut, allow_incomplete=True)
    assert allowed.status is Status.WARN
    unknown = verdict_of("version: 1\ndefaults: {p95: 1s}\n", run)  # csv/json-file: cannot tell
    assert unknown.status is Status.PASS


# --- reasons -----------------------------------------------------------------------------


def test_one_reason_per_endpoint_and_cause() -> None:
    verdict = verdict_of("version: 1\non-too-few-requests: warn\n"
                    "defaults: {p50: 1s, p95: 1s, p99: 1s, min-requests: 50}\n",
                    results(endpoint("/a", FAST)))
    assert verdict.reasons == (
        "GET /a: 30 requests, fewer than min-requests 50: too few to judge (p50, p95, p99)",
    )
