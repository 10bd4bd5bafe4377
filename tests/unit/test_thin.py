"""Thin data (gate.core.thin): checks with too few requests are reported with what they
need, do not lower the verdict unless asked, and a run that judged nothing never passes."""

from __future__ import annotations

from pathlib import Path

from gate.core import thin
from gate.core.evaluate import evaluate
from gate.core.model import Results
from gate.core.reading import needed_requests
from gate.core.relative import DEFAULT_MIN_REQUESTS, Baseline, PastRun, default_rules
from gate.core.rules import Level, Metric
from gate.core.verdict import Outcome, Status
from gate.reports import console, markdown, review
from gate.reports.context import ReportContext
from gate.thresholds.parser import parse
from tests.factory import compared, endpoint, results

ABSOLUTE = "version: 1\ndefaults: {p95: 1s, fail-ratio: 1%}\n"


def _run(scale: float = 1.0) -> Results:
    """Like the demo: two endpoints with 60-70 requests, two with a handful."""
    return results(
        endpoint("/api/items", [10.0 * scale] * 60 + [14.0 * scale] * 10),
        endpoint("/api/search", [23.0 * scale] * 55 + [29.0 * scale] * 5),
        endpoint("/api/login", [32.0 * scale] * 5, method="POST"),
        endpoint("/api/items", [9.0 * scale] * 15, method="POST"),
    )


def _stored(run: Results) -> PastRun:
    return PastRun(results=run, commit="c0ffee", branch="main")


def _judged(text: str, history: int = 4) -> tuple[ReportContext, list[str]]:
    rules = parse(text, "t.yml")
    current = _run()
    verdict = evaluate(current, rules,
                       Baseline(store="dir/", runs=tuple(_stored(_run()) for _ in range(history))))
    ctx = ReportContext(verdict=verdict, results=current, results_path="r.json",
                        thresholds_path="t.yml")
    return ctx, ctx.notes


def test_an_unchanged_run_with_thin_endpoints_passes_and_says_what_it_needs() -> None:
    ctx, notes = _judged(ABSOLUTE)
    verdict = ctx.verdict
    assert verdict.status is Status.PASS, verdict.reasons
    thin_p95 = [c for c in verdict.checks if c.metric == "p95" and c.too_few]
    assert len(thin_p95) == 4  # every endpoint's p95 needs 100 requests to be compared
    assert {(c.needs, c.counts_at) for c in thin_p95} == {(100, None)}
    assert all("needs 100" in c.message for c in thin_p95)
    # most relative checks are thin: one line says so, and what would judge them
    (line,) = [n for n in notes if "too few requests" in n]
    assert line.startswith("4 of 4 endpoints had too few requests to judge 8 checks, "
                           "reported but not counted (on-too-few-requests): ")
    assert "p95 needs 100" in line and "p50 needs 20" in line
    assert "x the requests (a longer run-time, or more users)" in line
    assert f"note: {line}" in console.render_console(ctx)
    assert "too few requests to judge" in markdown.render_markdown(ctx)
    assert "too few requests to judge" in review.render(ctx, links=None, root=None)


def test_thin_checks_count_when_the_file_asks() -> None:
    ctx, _ = _judged("version: 1\non-too-few-requests: warn\n" + ABSOLUTE[11:])
    assert ctx.verdict.status is Status.WARN
    ctx, _ = _judged("version: 1\non-too-few-requests: fail\n" + ABSOLUTE[11:])
    assert ctx.verdict.status is Status.FAIL


def test_a_comparison_that_judged_nothing_is_not_a_pass() -> None:
    tiny = results(endpoint("/a", [5.0] * 8), endpoint("/b", [6.0] * 9))
    result = compared(tiny, [_stored(tiny)] * 3, default_rules(), store="dir/",
                      on_inconclusive=Level.WARN)
    assert all(c.too_few for c in result.checks), result.checks
    # a relative-only file (no absolute rule): the comparison is all there is
    verdict = evaluate(tiny, parse("version: 1\nbaseline: {history: 3}\n", "t.yml"),
                       Baseline(store="dir/", runs=(_stored(tiny),) * 3))
    assert verdict.status is Status.WARN
    assert verdict.reasons[0].startswith("run: nothing could be judged: all ")


def test_summary_only_when_most_checks_are_thin() -> None:
    verdict = evaluate(_run(), parse("version: 1\ndefaults: {p95: 1s, min-requests: 10}\n",
                                     "t.yml"))
    assert [c.endpoint for c in verdict.checks if c.too_few] == ["POST /api/login"]
    assert thin.summary(verdict.checks) is None  # 1 endpoint of 4


def test_needed_requests_in_the_readme() -> None:
    """The README's table of the requests each metric needs is the code's."""
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    for metric in Metric:
        if metric.fraction is not None:
            need = needed_requests(metric, DEFAULT_MIN_REQUESTS)
            assert f"| `{metric.value}` | {need:,} |" in readme, (metric, need)
    assert f"| `max`, `avg`, `fail-ratio`, `rps` | {DEFAULT_MIN_REQUESTS} |" in readme
    assert Outcome.INCONCLUSIVE.value in readme
