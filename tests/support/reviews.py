"""Report contexts for the review (PR comment / job summary) tests: hostile names, a
baseline comparison (constructed: the comparison itself is another module's job), and a
report far over GitHub's comment limit."""

from __future__ import annotations

from dataclasses import replace

from gate.core.evaluate import evaluate
from gate.core.model import FailureGroup, SecondSample
from gate.core.rules import Level
from gate.core.verdict import BaselineRef, Comparison, Outcome, Status, Verdict
from gate.reports.context import ReportContext
from gate.thresholds.parser import parse
from tests.factory import endpoint, results

HOSTILE = [
    "/api/items",
    "/a|b`c`",
    "<b>bold</b> @octocat",
    "/two\nlines::error::x",
    "</details><!-- x --> <img src=x onerror=alert(1)>",
    "@org/team ping [link](https://evil.example) ![i](https://evil.example/i.png)",
]
THRESHOLDS = """version: 1
on-too-few-requests: warn
defaults:
  p95: {warn: 50ms, fail: 300ms}
  fail-ratio: 5%
  min-requests: 10
endpoints:
  - match: /api/items
    p95: 20ms
aggregate:
  rps: 5
"""


def hostile(*, with_baseline: bool = True) -> ReportContext:
    entries = [
        endpoint(HOSTILE[0], [10.0] * 90 + [30.0] * 10),
        endpoint(HOSTILE[1], [120.0] * 30 + [400.0] * 10, method="POST"),
        endpoint(HOSTILE[2], [8.0] * 5),
        endpoint(HOSTILE[3], [60.0] * 20),
        endpoint(HOSTILE[4], [5.0] * 40, failures=4),
        endpoint(HOSTILE[5], [7.0] * 40),
    ]
    failures = [
        FailureGroup(method="GET", name=HOSTILE[4],
                     error="HTTPError('500 | <i>x</i> `y`')\n</details>@admin", occurrences=4),
    ]
    series = [SecondSample(t=i, users=5, requests=20 + i, failures=i % 2) for i in range(10)]
    run = results(*entries, failures=failures, series=series)
    verdict = evaluate(run, parse(THRESHOLDS, "/repo/thresholds/t.yml"))
    if with_baseline:
        verdict = _with_baseline(verdict)
    return ReportContext(verdict=verdict, results=run,
                         results_path="/repo/out/results.json",
                         thresholds_path="/repo/thresholds/t.yml")


def _with_baseline(verdict: Verdict) -> Verdict:
    """As issue 8's comparison will fill them: the p95 of /api/items regressed from 18 ms,
    the last endpoint's p95 improved, the rest have a baseline and no change."""
    checks = []
    for original in verdict.checks:
        check = original
        if check.metric == "p95" and check.measured is not None:
            if check.endpoint == "GET /api/items":
                check = replace(check, outcome=Outcome.REGRESSED, level=Level.FAIL,
                                comparison=Comparison(baseline=18.0, change=12.0,
                                                      change_ratio=12 / 18))
            elif check.endpoint.startswith("GET @org"):
                check = replace(check, outcome=Outcome.IMPROVED, level=None,
                                comparison=Comparison(baseline=9.0, change=-2.0,
                                                      change_ratio=-2 / 9))
            else:
                check = replace(check, comparison=Comparison(
                    baseline=check.measured, change=0.0, change_ratio=0.0))
        checks.append(check)
    return replace(verdict, checks=tuple(checks), baseline=BaselineRef(
        store="git:perf-baseline", commit="0123456789abcdef0123", branch="main`|<b>",
        time=1_700_000_000.0, runs=5))


def huge(endpoints: int = 600, failing: int = 40) -> ReportContext:
    """A report of hundreds of endpoints with long names, `failing` of them over the limit
    (named FAILING-n), far over 65,536 characters."""
    pad = "x" * 60
    entries = []
    for i in range(endpoints):
        slow = i < failing
        entries.append(endpoint(f"/{'FAILING' if slow else 'ok'}-{i}/{pad}",
                                [400.0 if slow else 10.0] * 20))
    failures = [FailureGroup(method="GET", name=f"/e{i}", error="boom " * 50, occurrences=i + 1)
                for i in range(30)]
    series = [SecondSample(t=i, users=5, requests=20, failures=0) for i in range(120)]
    run = results(*entries, failures=failures, series=series)
    verdict = evaluate(run, parse(THRESHOLDS, "thresholds/t.yml"))
    assert verdict.status is Status.FAIL
    return ReportContext(verdict=verdict, results=run, results_path="out/results.json",
                         thresholds_path="thresholds/t.yml")
