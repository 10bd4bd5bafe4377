"""The Markdown reviewers read: the sticky PR comment (`comment.md`) and the job summary.

A verdict at a glance (mark, endpoints failed/warned/inconclusive, load, baseline), then
the checks with the failing and regressed ones first and the rest folded, the top failure
messages, the load chart with a legend, and links to the workflow run. Rendering is pure;
`fit` makes the text fit a sink's limit (65,536 characters for a comment, 1 MiB for a step
summary) by dropping the least important parts first and saying what was cut, never the
headline and, while anything else is left to drop, never a failing row.

Every value from the run (endpoint names, failure messages, branch names) goes through
`gate.reports.escape.markdown` (the baseline's commit through `escape.code`) before the
template sees it; the verdict's headline is `markdown.headline`, as in report.md.
`fit_verdict` renders the same comment from a verdict alone (what a fork-safe second
stage re-reads from an artifact's verdict.json: no failure messages, no chart).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import PurePath, PurePosixPath
from typing import Any

from gate.core.measure import measure
from gate.core.rules import Level, Metric, Unit
from gate.core.verdict import BaselineRef, Check, Outcome, Scope, Status, Verdict
from gate.reports import baselinefit, escape, grouptable
from gate.reports.context import ReportContext, duration, fmt, fmt_limit, too_few
from gate.reports.markdown import TOO_FEW_ICON, chart, headline, row_icon, template

COMMENT_LIMIT = 65_536  # characters: GitHub refuses longer issue comments
SUMMARY_LIMIT = 1024 * 1024  # bytes: GitHub drops larger step summaries
FOLD_AT = 10  # more rows than this: the passing ones go into a <details> block
MAX_FAILURE_GROUPS = 10
MAX_GROUPS = 20  # rows of the groups table (each names at most grouptable.MAX_MEMBERS)


@dataclass(frozen=True, kw_only=True)
class Links:
    """Where the run lives on GitHub (from GITHUB_SERVER_URL/REPOSITORY/RUN_ID)."""

    run_url: str
    artifacts_url: str

    @staticmethod
    def from_env(env: Mapping[str, str]) -> Links | None:
        server = env.get("GITHUB_SERVER_URL", "").rstrip("/")
        repo = env.get("GITHUB_REPOSITORY", "")
        run_id = env.get("GITHUB_RUN_ID", "")
        if not (server and repo and run_id.isdigit()):
            return None
        run = f"{server}/{repo}/actions/runs/{run_id}"
        return Links(run_url=run, artifacts_url=f"{run}#artifacts")


@dataclass(frozen=True, kw_only=True)
class Budget:
    """How much of each part to show; `fit` lowers these until the text fits."""

    problems: int | None = None  # failing/regressed/warned rows (None: all)
    others: int | None = None  # the folded passing rows
    failure_groups: int = MAX_FAILURE_GROUPS
    chart: bool = True


def relative(path: str, root: str | None) -> str:
    """A path as a reviewer should see it: relative to the repository (`root`), never the
    runner's absolute path; an absolute path outside the repository shows its last part."""
    if not path:
        return path
    pure = PurePath(path)
    if not pure.is_absolute():
        return PurePosixPath(*pure.parts).as_posix() if pure.parts else path
    if root:
        try:
            return PurePosixPath(*pure.relative_to(root).parts).as_posix() or "."
        except ValueError:
            pass
    return pure.name


@dataclass(frozen=True, kw_only=True)
class Load:
    """The run's numbers in the headline."""

    requests: int
    failures: int
    fail_ratio: float | None
    rps: float | None
    duration_s: float
    users: int | None
    exact: bool
    source: str  # a `gate.core.model.Source` value, shown when the numbers are inexact
    profile: str | None = None  # the locust-gate.yml profile of the run, in the headline


def render(ctx: ReportContext, *, links: Links | None, root: str | None,
           budget: Budget = Budget(), limit_name: str = "") -> str:
    return _render(_parts(ctx, links, root), budget, limit_name)


def fit_verdict(verdict: Verdict, *, load: Load, thresholds: str, warnings: Sequence[str],
                links: Links | None, limit: int, caution: str = "") -> str:
    """The comment for a verdict without its results (from verdict.json): the headline,
    the checks, the warnings, and `caution` (plain text, escaped here) under the
    headline; within `limit` characters as `fit` does it."""
    common = _common(verdict, load, links, thresholds=thresholds, warnings=warnings,
                     failure_groups_total=0)
    common["caution"] = escape.markdown(caution, limit=1000) if caution else None
    problems, others = _split(verdict.checks)
    parts = _Parts(common=common, problems=[_row(c) for c in problems],
                   others=[_row(c) for c in others], failure_groups=[], chart=None)
    return _fit(parts, limit=limit, size=len, limit_name="GitHub's comment limit")


def _render(parts: _Parts, budget: Budget, limit_name: str) -> str:
    return template("review.md.j2").render(**_view(parts, budget, limit_name))


def fit(ctx: ReportContext, *, links: Links | None, root: str | None, limit: int,
        size: Callable[[str], int] = len, limit_name: str = "") -> str:
    """`render` within `limit` (as measured by `size`): drops the chart, then passing rows,
    then failure messages, then (last) failing rows beyond the first ones; the text says
    what was cut. The headline is always kept."""
    # The parts are made once: each attempt only slices rows and renders.
    return _fit(_parts(ctx, links, root), limit=limit, size=size, limit_name=limit_name)


def error_markdown(*, stage: str, what: str, fix: str) -> str:
    """The comment and summary of a run whose harness failed (nothing was judged)."""
    text = (f"## {headline(Status.ERROR)} "
            f"({escape.markdown(stage, limit=100)})\n\n{escape.markdown(what, limit=2000)}\n")
    if fix:
        text += f"\nFix: {escape.markdown(fix, limit=1000)}\n"
    return text


def _fit(parts: _Parts, *, limit: int, size: Callable[[str], int], limit_name: str) -> str:
    def attempt(budget: Budget) -> str:
        return _render(parts, budget, limit_name)

    text = attempt(Budget())
    if size(text) <= limit:
        return text
    budget = Budget(chart=False)
    if size(attempt(budget)) <= limit:
        return attempt(budget)
    steps: Sequence[tuple[str, int]] = (
        ("others", len(parts.others)),
        ("failure_groups", len(parts.failure_groups)),
        ("problems", len(parts.problems)),
    )
    for name, count in steps:
        without = _with(budget, name, 0)
        if size(attempt(without)) <= limit:
            # the most rows of this kind that still fit: binary search on the count
            low, high = 0, count
            while low < high:
                mid = (low + high + 1) // 2
                if size(attempt(_with(budget, name, mid))) <= limit:
                    low = mid
                else:
                    high = mid - 1
            return attempt(_with(budget, name, low))
        budget = without
    # Even the headline alone is over the limit (only with absurd limits): hard cut.
    text = attempt(budget)
    while size(text) > limit:
        text = text[: max(0, len(text) - (size(text) - limit) - 1)]
    return text


def _with(budget: Budget, name: str, count: int) -> Budget:
    if name == "others":
        return replace(budget, others=count)
    if name == "failure_groups":
        return replace(budget, failure_groups=count)
    return replace(budget, problems=count)


def _split(checks: Sequence[Check]) -> tuple[list[Check], list[Check]]:
    """Rows that need a reviewer (failed, regressed, warned, inconclusive: most important
    first) and the rest (passing, improved, new)."""

    def rank(check: Check) -> int:
        if check.counts_at is not None:
            base = 0 if check.counts_at is Level.FAIL else 2
            return base + (0 if check.outcome is Outcome.REGRESSED else 1)
        return 4 if check.outcome is Outcome.REGRESSED else 5

    problems: list[Check] = []
    others: list[Check] = []
    for check in checks:  # one pass: a membership test per check would be quadratic
        needs_review = check.counts_at is not None or check.outcome is Outcome.REGRESSED
        (problems if needs_review else others).append(check)
    return sorted(problems, key=rank), others


@dataclass(frozen=True, kw_only=True)
class _Parts:
    """The view before any cut: rows escaped and formatted once, so that `fit`'s attempts
    (a binary search, up to ~30 renders) only slice them."""

    common: dict[str, Any]  # what no budget changes
    problems: list[dict[str, str]]  # most important first
    others: list[dict[str, str]]
    failure_groups: list[dict[str, str]]  # the MAX_FAILURE_GROUPS most frequent
    chart: dict[str, str] | None


def _parts(ctx: ReportContext, links: Links | None, root: str | None) -> _Parts:
    verdict, results = ctx.verdict, ctx.results
    problems, others = _split(verdict.checks)
    failures = sorted(results.failures, key=lambda f: -f.occurrences)
    total = results.total
    load = Load(requests=total.num_requests, failures=total.num_failures,
                fail_ratio=total.fail_ratio, rps=measure(total, Metric.RPS),
                duration_s=results.meta.end_time - results.meta.start_time,
                users=results.meta.users, exact=results.exact, source=results.source.value,
                profile=results.meta.profile)
    common = _common(verdict, load, links, thresholds=relative(ctx.thresholds_path, root),
                     warnings=ctx.warnings, failure_groups_total=len(failures))
    common["notes"] = [escape.markdown(n, limit=500) for n in ctx.notes]
    common.update(grouptable.view(ctx, icon=row_icon, limit=MAX_GROUPS))
    return _Parts(
        common=common,
        problems=[_row(c) for c in problems],
        others=[_row(c) for c in others],
        failure_groups=[
            {
                "endpoint": escape.markdown(f"{f.method} {f.name}".strip(), limit=120),
                "error": escape.markdown(f.error, limit=300),
                "count": f"{f.occurrences:,}",
            }
            for f in failures[:MAX_FAILURE_GROUPS]
        ],
        chart=chart(results),
    )


def _common(verdict: Verdict, load: Load, links: Links | None, *, thresholds: str,
            warnings: Sequence[str], failure_groups_total: int) -> dict[str, Any]:
    """What no budget changes, escaped."""
    return {
        "headline": headline(verdict.status, load.profile),
        "caution": None,
        "endpoints": _endpoint_counts(verdict.checks),
        "group_counts": _endpoint_counts(verdict.checks, scope=Scope.GROUP),
        "requests": f"{load.requests:,}",
        "failures": f"{load.failures:,}",
        "fail_ratio": fmt(load.fail_ratio, Unit.RATIO),
        "rps": fmt(load.rps, Unit.RPS),
        "duration": duration(load.duration_s),
        "users": load.users,
        "exact": load.exact,
        "source": escape.markdown(load.source, limit=20),
        "baseline": _baseline(verdict.baseline) if verdict.baseline else None,
        "fit": baselinefit.view(verdict.baseline),
        "with_baseline": any(c.comparison is not None for c in verdict.checks),
        "fold": len(verdict.checks) > FOLD_AT,
        "failure_groups_total": failure_groups_total,
        "links": links,
        "thresholds": escape.markdown(thresholds, limit=200),
        "warnings": [escape.markdown(w, limit=500) for w in warnings],
        "notes": [],
        "groups": [],  # the groups table (`grouptable`): only with the run's results
        "groups_cut": 0,
    }


def _view(parts: _Parts, budget: Budget, limit_name: str) -> dict[str, Any]:
    problems = parts.problems if budget.problems is None else parts.problems[: budget.problems]
    others = parts.others if budget.others is None else parts.others[: budget.others]
    failure_groups = parts.failure_groups[: budget.failure_groups]
    cut = {
        "rows": (len(parts.problems) - len(problems)) + (len(parts.others) - len(others)),
        "failing_rows": len(parts.problems) - len(problems),
        "failure_groups": len(parts.failure_groups) - len(failure_groups),
        "chart": budget.chart is False and parts.chart is not None,
    }
    return {
        **parts.common,
        "problems": problems,
        "others": others,
        "failure_groups": failure_groups,
        "chart": parts.chart if budget.chart else None,
        "cut": cut if any(cut.values()) else None,
        "limit_name": limit_name,
    }


def _endpoint_counts(checks: Sequence[Check], *, scope: Scope = Scope.ENDPOINT,
                     ) -> dict[str, int]:
    """Endpoints (or groups) checked, and how many failed, warned (and did not fail), were
    inconclusive."""
    by_endpoint: dict[str, list[Check]] = {}
    for check in checks:
        if check.scope is scope:
            by_endpoint.setdefault(check.endpoint, []).append(check)
    failed = warned = inconclusive = regressed = improved = 0
    for mine in by_endpoint.values():
        levels = {c.counts_at for c in mine}
        failed += Level.FAIL in levels
        warned += Level.FAIL not in levels and Level.WARN in levels
        inconclusive += any(c.outcome is Outcome.INCONCLUSIVE for c in mine)
        was_regressed = any(c.outcome is Outcome.REGRESSED for c in mine)
        regressed += was_regressed
        improved += not was_regressed and any(c.outcome is Outcome.IMPROVED for c in mine)
    return {"checked": len(by_endpoint), "failed": failed, "warned": warned,
            "inconclusive": inconclusive, "regressed": regressed, "improved": improved}


def _baseline(ref: BaselineRef) -> dict[str, str]:
    when = (datetime.fromtimestamp(ref.time, UTC).strftime("%Y-%m-%d %H:%M UTC")
            if ref.time is not None else "")
    return {
        "commit": escape.code(ref.commit[:12]) if ref.commit else "",
        "branch": escape.markdown(ref.branch or "", limit=100),
        "date": when,
        "runs": f"{ref.runs:,} run{'s' if ref.runs != 1 else ''}",
        "store": escape.markdown(ref.store, limit=100),
    }


def _row(check: Check) -> dict[str, str]:
    if check.counts_at is not None:
        icon = "❌" if check.counts_at is Level.FAIL else "⚠️"
    elif check.too_few:
        icon = TOO_FEW_ICON
    else:
        icon = {Outcome.REGRESSED: "📉", Outcome.IMPROVED: "📈", Outcome.NEW: "🆕"}.get(
            check.outcome, "✅")
    outcome = check.outcome.value
    if check.counts_at is not None:
        outcome += f" ({check.counts_at.value})"
    outcome += too_few(check)
    comparison = check.comparison
    baseline = change = ""
    if comparison is not None:
        baseline = fmt(comparison.baseline, check.unit)
        change = _change(comparison.change, comparison.change_ratio, check.unit)
    return {
        "icon": icon,
        "endpoint": escape.markdown(check.endpoint or "(run)", limit=120),
        "metric": escape.markdown(check.metric, limit=40),
        "current": fmt(check.measured, check.unit),  # numbers in our own format
        "baseline": baseline,
        "change": change,
        "limit": fmt_limit(check),
        "outcome": outcome,  # our own words (an enum and a level): nothing to escape
    }


def _change(change: float, ratio: float | None, unit: Unit) -> str:
    """`+12 ms (+8.0 %)`: the absolute change in the metric's unit and the relative one."""
    sign = "+" if change > 0 else "-" if change < 0 else "±"
    text = f"{sign}{fmt(abs(change), unit)}"
    if ratio is not None:
        text += f" ({'+' if ratio > 0 else '-' if ratio < 0 else '±'}{abs(ratio) * 100:.1f} %)"
    return text
