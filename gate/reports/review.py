"""The Markdown reviewers read: the sticky PR comment (`comment.md`) and the job summary.

A verdict at a glance (mark, endpoints failed/warned/inconclusive, load, baseline), then
the checks with the failing and regressed ones first and the rest folded, the top failure
messages, the load chart with a legend, and links to the workflow run. Rendering is pure;
`fit` makes the text fit a sink's limit (65,536 characters for a comment, 1 MiB for a step
summary) by dropping the least important parts first and saying what was cut, never the
headline and, while anything else is left to drop, never a failing row.

Every value from the run (endpoint names, failure messages, branch names) goes through
`gate.reports.escape.markdown` before the template sees it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import PurePath, PurePosixPath
from typing import Any

from gate.core.rules import Level, Unit
from gate.core.verdict import Check, Outcome, Status
from gate.reports import escape
from gate.reports.report import ReportContext, chart, duration, fmt, fmt_limit, template

COMMENT_LIMIT = 65_536  # characters: GitHub refuses longer issue comments
SUMMARY_LIMIT = 1024 * 1024  # bytes: GitHub drops larger step summaries
FOLD_AT = 10  # more rows than this: the passing ones go into a <details> block
MAX_FAILURE_GROUPS = 10
_ICONS = {Status.PASS: "✅", Status.WARN: "⚠️", Status.FAIL: "❌", Status.ERROR: "💥"}


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


def render(ctx: ReportContext, *, links: Links | None, root: str | None,
           budget: Budget = Budget(), limit_name: str = "") -> str:
    return template("review.md.j2").render(**_view(ctx, links, root, budget, limit_name))


def fit(ctx: ReportContext, *, links: Links | None, root: str | None, limit: int,
        size: Callable[[str], int] = len, limit_name: str = "") -> str:
    """`render` within `limit` (as measured by `size`): drops the chart, then passing rows,
    then failure messages, then (last) failing rows beyond the first ones; the text says
    what was cut. The headline is always kept."""

    def attempt(budget: Budget) -> str:
        return render(ctx, links=links, root=root, budget=budget, limit_name=limit_name)

    text = attempt(Budget())
    if size(text) <= limit:
        return text
    problems, others = _split(ctx.verdict.checks)
    budget = Budget(chart=False)
    if size(attempt(budget)) <= limit:
        return attempt(budget)
    steps: Sequence[tuple[str, int]] = (
        ("others", len(others)),
        ("failure_groups", min(MAX_FAILURE_GROUPS, len(ctx.results.failures))),
        ("problems", len(problems)),
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


def _view(ctx: ReportContext, links: Links | None, root: str | None, budget: Budget,
          limit_name: str) -> dict[str, Any]:
    verdict, results = ctx.verdict, ctx.results
    problems, others = _split(verdict.checks)
    shown_problems = problems if budget.problems is None else problems[: budget.problems]
    shown_others = others if budget.others is None else others[: budget.others]
    failures = sorted(results.failures, key=lambda f: -f.occurrences)
    shown_failures = failures[: budget.failure_groups]
    with_baseline = any(c.comparison is not None for c in verdict.checks)
    mermaid = chart(results) if budget.chart else None
    cut = {
        "rows": (len(problems) - len(shown_problems)) + (len(others) - len(shown_others)),
        "failing_rows": len(problems) - len(shown_problems),
        "failure_groups": min(len(failures), MAX_FAILURE_GROUPS) - len(shown_failures),
        "chart": budget.chart is False and chart(results) is not None,
    }
    total = results.total
    return {
        "icon": _ICONS[verdict.status],
        "status": verdict.status.value.upper(),
        "endpoints": _endpoint_counts(verdict.checks),
        "requests": f"{total.num_requests:,}",
        "failures": f"{total.num_failures:,}",
        "fail_ratio": fmt(total.fail_ratio, Unit.RATIO),
        "rps": fmt(total.rps, Unit.RPS),
        "duration": duration(results.meta.end_time - results.meta.start_time),
        "users": results.meta.users,
        "exact": results.exact,
        "source": results.source.value,
        "baseline": _baseline(ctx) if verdict.baseline else None,
        "with_baseline": with_baseline,
        "problems": [_row(c) for c in shown_problems],
        "others": [_row(c) for c in shown_others],
        "fold": len(problems) + len(others) > FOLD_AT,
        "failure_groups": [
            {
                "endpoint": escape.markdown(f"{f.method} {f.name}".strip(), limit=120),
                "error": escape.markdown(f.error, limit=300),
                "count": f"{f.occurrences:,}",
            }
            for f in shown_failures
        ],
        "failure_groups_total": len(failures),
        "chart": mermaid,
        "links": links,
        "thresholds": escape.markdown(relative(ctx.thresholds_path, root), limit=200),
        "cut": cut if any(cut.values()) else None,
        "limit_name": limit_name,
        "warnings": [escape.markdown(w, limit=500) for w in results.warnings],
    }


def _endpoint_counts(checks: Sequence[Check]) -> dict[str, int]:
    """Endpoints checked, and how many failed, warned (and did not fail), were inconclusive."""
    by_endpoint: dict[str, list[Check]] = {}
    for check in checks:
        if check.scope == "endpoint":
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


def _baseline(ctx: ReportContext) -> dict[str, str]:
    ref = ctx.verdict.baseline
    assert ref is not None
    when = (datetime.fromtimestamp(ref.time, UTC).strftime("%Y-%m-%d %H:%M UTC")
            if ref.time is not None else "")
    return {
        "commit": escape.markdown((ref.commit or "")[:12], limit=12),
        "branch": escape.markdown(ref.branch or "", limit=100),
        "date": when,
        "runs": f"{ref.runs:,} run{'s' if ref.runs != 1 else ''}",
        "store": escape.markdown(ref.store, limit=100),
    }


def _row(check: Check) -> dict[str, str]:
    if check.counts_at is not None:
        icon = "❌" if check.counts_at is Level.FAIL else "⚠️"
    else:
        icon = {Outcome.REGRESSED: "📉", Outcome.IMPROVED: "📈", Outcome.NEW: "🆕"}.get(
            check.outcome, "✅")
    outcome = check.outcome.value
    if check.counts_at is not None:
        outcome += f" ({check.counts_at.value})"
    comparison = check.comparison
    baseline = change = ""
    if comparison is not None:
        baseline = fmt(comparison.baseline, check.unit)
        change = _change(comparison.change, comparison.change_ratio, check.unit)
    return {
        "icon": icon,
        "endpoint": escape.markdown(check.endpoint or "(run)", limit=120),
        "metric": escape.markdown(check.metric, limit=40),
        "current": escape.markdown(fmt(check.measured, check.unit)),
        "baseline": escape.markdown(baseline),
        "change": escape.markdown(change),
        "limit": escape.markdown(fmt_limit(check)),
        "outcome": outcome,  # our own words (an enum and a level): nothing to escape
    }


def _change(change: float, ratio: float | None, unit: Unit) -> str:
    """`+12 ms (+8.0 %)`: the absolute change in the metric's unit and the relative one."""
    sign = "+" if change > 0 else "-" if change < 0 else "±"
    text = f"{sign}{fmt(abs(change), unit)}"
    if ratio is not None:
        text += f" ({'+' if ratio > 0 else '-' if ratio < 0 else '±'}{abs(ratio) * 100:.1f} %)"
    return text
