"""The console table `check` prints into a CI log, with its reasons, warnings and summary.

The one renderer every `check` runs, so it imports only `context` and `escape`: a check
without --report-dir loads no Markdown, JUnit or verdict.json code.
"""

from __future__ import annotations

from collections.abc import Sequence

from gate.core.model import Results
from gate.core.rules import Level
from gate.core.verdict import Check, by_severity, problems
from gate.reports import escape
from gate.reports.context import ReportContext, fmt, fmt_limit, too_few, verdict_word

MAX_CONSOLE_REASONS = 20
MAX_CONSOLE_ROWS = 40  # a screenful; the rest is in the report files
MAX_CONSOLE_WARNINGS = 10
# By `Check.counts_at`: the level at which a check lowers the verdict (None: it does not).
_CHECK_MARKS = {None: "ok", Level.WARN: "WARN", Level.FAIL: "FAIL"}
TOO_FEW_MARK = "--"  # too few requests to judge, reported without counting (gate.core.thin)


def render_console(ctx: ReportContext, *, report_dir: object = None) -> str:
    """A plain table that reads well in a CI log: problems first, at most a screenful of
    rows (the rest is counted and the report files named), then a summary line."""
    verdict = ctx.verdict
    rows = [("", "endpoint", "metric", "measured", "limit", "outcome")]
    ordered = by_severity(verdict.checks)
    for check in ordered[:MAX_CONSOLE_ROWS]:
        rows.append(
            (
                TOO_FEW_MARK if check.too_few and check.counts_at is None
                else _CHECK_MARKS[check.counts_at],
                escape.console(check.endpoint or "(run)", limit=60),
                check.metric,
                fmt(check.measured, check.unit),
                fmt_limit(check),
                check.outcome.value + (f" ({check.level.value})" if check.level else "")
                + too_few(check),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
             for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    if len(ordered) > MAX_CONSOLE_ROWS:
        lines.append(_rows_cut(ordered[MAX_CONSOLE_ROWS:], report_dir))
    reasons = verdict.reasons
    lines.extend(f"why: {escape.console(r, limit=200)}" for r in reasons[:MAX_CONSOLE_REASONS])
    if len(reasons) > MAX_CONSOLE_REASONS:
        lines.append(f"why: ...and {len(reasons) - MAX_CONSOLE_REASONS} more (see verdict.json)")
    lines.extend(_exception_lines(ctx.results))
    lines.extend(f"note: {escape.console(n, limit=1000)}" for n in ctx.notes)
    warnings = ctx.warnings
    shown = warnings[:MAX_CONSOLE_WARNINGS]
    lines.extend(f"warning: {escape.console(w, limit=500)}" for w in shown)
    if len(warnings) > len(shown):
        lines.append(f"warning: ...and {len(warnings) - len(shown)} more (see verdict.json)")
    lines.append(_summary_line(ctx))
    return "\n".join(lines) + "\n"


def _exception_lines(results: Results) -> list[str]:
    """One line per kind of exception raised in the locustfile, most frequent first."""
    raised = results.exceptions or ()
    lines = [
        f"exception: {e.count:,} x {escape.console(e.message, limit=200)}"
        + (f" (at {escape.console(e.where, limit=200)})" if e.where else "")
        for e in raised[:MAX_CONSOLE_REASONS]
    ]
    if len(raised) > MAX_CONSOLE_REASONS:
        lines.append(f"exception: ...and {len(raised) - MAX_CONSOLE_REASONS} more kinds "
                     "(see verdict.json)")
    return lines


def _rows_cut(hidden: Sequence[Check], report_dir: object) -> str:
    against = sum(1 for c in hidden if c.counts_at is not None)
    where = (
        f"all are in {report_dir}/report.md and verdict.json"
        if report_dir is not None
        else "pass --report-dir to get them all in report.md and verdict.json"
    )
    return f"... {len(hidden):,} more checks ({against:,} of them not passed): {where}"


def _summary_line(ctx: ReportContext) -> str:
    v = ctx.verdict
    against = len(problems(v.checks))
    exceptions = ctx.results.exception_count
    return (
        f"locust-gate: {verdict_word(v.status)} - {v.totals.checks} checks, "
        f"{against} not passed; {v.totals.requests:,} requests, "
        f"{v.totals.failures:,} failures, "
        + (f"{exceptions:,} exceptions, " if exceptions else "")
        + f"{v.totals.endpoints} endpoints "
        f"({ctx.results.source.value}{'' if ctx.results.exact else ', inexact'})"
    )
