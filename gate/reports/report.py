"""Render a verdict: console table, verdict.json, report.md (Jinja2) and junit.xml.

Rendering is pure (text in, text out); `gate.commands.checking` writes the files. User-derived text
(endpoint names, failure messages) is escaped here, per sink, before any template sees it.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from gate import __version__
from gate.core.measure import measure
from gate.core.model import EndpointStats, Results
from gate.core.rules import Level, Metric, Unit
from gate.core.units import format_value
from gate.core.verdict import (
    VERDICT_SCHEMA,
    VERDICT_VERSION,
    BaselineRef,
    Check,
    Comparison,
    Outcome,
    Status,
    Verdict,
    by_severity,
    problems,
)
from gate.errors import HarnessError, exit_code
from gate.reports import escape

if TYPE_CHECKING:
    import jinja2

# A PR comment holds 65,536 characters: long tables are cut and point to verdict.json.
MAX_PROBLEM_ROWS = 50
MAX_ENDPOINT_ROWS = 100
MAX_CHECK_ROWS = 200
MAX_CONSOLE_REASONS = 20
MAX_CONSOLE_ROWS = 40  # a screenful; the rest is in the report files
MAX_CONSOLE_WARNINGS = 10
MAX_MARKDOWN_CHARS = 60_000  # under GitHub's 65,536 for a comment, with room to spare
MAX_WARNINGS = 20
# The tables of report.md in the order they give up rows when it is too long.
_CUT_ORDER = ("checks", "endpoints", "warnings", "failure_groups", "exceptions", "problems")
CHART_POINTS = 60
_ICONS = {Status.PASS: "✅", Status.WARN: "⚠️", Status.FAIL: "❌", Status.ERROR: "💥"}
# By `Check.counts_at`: the level at which a check lowers the verdict (None: it does not).
_CHECK_ICONS = {None: "✅", Level.WARN: "⚠️", Level.FAIL: "❌"}
_CHECK_MARKS = {None: "ok", Level.WARN: "WARN", Level.FAIL: "FAIL"}
_TABLE_METRICS = (Metric.P50, Metric.P95, Metric.P99, Metric.MAX)


@dataclass(frozen=True, kw_only=True)
class ReportContext:
    verdict: Verdict
    results: Results
    results_path: str
    thresholds_path: str


# --- verdict.json -------------------------------------------------------------------------


def verdict_dict(ctx: ReportContext) -> dict[str, Any]:
    results, verdict = ctx.results, ctx.verdict
    total = results.total
    meta = results.meta
    return {
        "schema": VERDICT_SCHEMA,
        "version": VERDICT_VERSION,
        "verdict": verdict.status.value,
        "exit_code": exit_code(verdict.status),
        "reasons": list(verdict.reasons),
        "generator": f"locust-gate {__version__}",
        "results": {"path": ctx.results_path, "source": results.source.value,
                    "exact": results.exact},
        "thresholds": ctx.thresholds_path,
        "run": {
            "start_time": meta.start_time,
            "end_time": meta.end_time,
            "duration_s": round(meta.end_time - meta.start_time, 3),
            "users": meta.users,
            "host": meta.host,
            "locust_version": meta.locust_version,
            "fingerprint": meta.fingerprint,
            "shape": meta.shape,
            "peak_users": meta.peak_users,
            "completed": meta.completed,
            "end_reason": meta.end_reason,
        },
        "totals": {
            "requests": verdict.totals.requests,
            "failures": verdict.totals.failures,
            "fail_ratio": total.fail_ratio,
            "rps": total.rps,
            "endpoints": verdict.totals.endpoints,
            "checks": verdict.totals.checks,
            "by_outcome": dict(verdict.totals.by_outcome),
        },
        "checks": [_check_dict(c) for c in verdict.checks],
        "exceptions": None
        if results.exceptions is None
        else [
            {"message": e.message, "count": e.count, "where": e.where}
            for e in results.exceptions
        ],
        "baseline": _baseline_dict(verdict.baseline),
        "warnings": _warnings(ctx),
    }


def _warnings(ctx: ReportContext) -> list[str]:
    """What the reader should know that did not change the verdict: about the source of
    the numbers, and rules that checked nothing."""
    return [*ctx.results.warnings, *ctx.verdict.warnings]


def _baseline_dict(ref: BaselineRef | None) -> dict[str, Any] | None:
    """The baseline's identity (issue 8); None when no baseline was compared with."""
    if ref is None:
        return None
    return {"store": ref.store, "commit": ref.commit, "branch": ref.branch, "time": ref.time,
            "runs": ref.runs}


def _comparison_dict(comparison: Comparison | None) -> dict[str, Any] | None:
    if comparison is None:
        return None
    ratio = comparison.change_ratio
    return {
        "baseline": comparison.baseline,
        "change": comparison.change,
        "change_ratio": ratio,
        "change_percent": None if ratio is None else round(ratio * 100, 2),
        "band": list(comparison.band) if comparison.band is not None else None,
        "shift": comparison.shift,
    }


def _check_dict(check: Check) -> dict[str, Any]:
    return {
        "scope": check.scope.value,
        "endpoint": check.endpoint,
        "method": check.method,
        "name": check.name,
        "metric": check.metric,
        "unit": check.unit.value,
        "measured": check.measured,
        "limit": check.limit,
        "limits": dict(check.limits),
        "bound": check.bound.value,
        "outcome": check.outcome.value,
        "level": check.level.value if check.level else None,
        "message": check.message,
        "where": check.where,
        "comparison": _comparison_dict(check.comparison),
    }


def error_verdict_dict(error: HarnessError) -> dict[str, Any]:
    """verdict.json for a run whose harness failed: nothing was judged."""
    return {
        "schema": VERDICT_SCHEMA,
        "version": VERDICT_VERSION,
        "verdict": Status.ERROR.value,
        "exit_code": error.exit_code,
        "reasons": [f"{error.stage}: {error.what}"],
        "generator": f"locust-gate {__version__}",
        "error": {
            "stage": error.stage,
            "message": error.what,
            "where": error.where,
            "fix": error.fix,
            "log_tail": error.log_tail,
        },
        "checks": [],
    }


def to_json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


# --- console ------------------------------------------------------------------------------


def render_console(ctx: ReportContext, *, report_dir: object = None) -> str:
    """A plain table that reads well in a CI log: problems first, at most a screenful of
    rows (the rest is counted and the report files named), then a summary line."""
    verdict = ctx.verdict
    rows = [("", "endpoint", "metric", "measured", "limit", "outcome")]
    ordered = by_severity(verdict.checks)
    for check in ordered[:MAX_CONSOLE_ROWS]:
        rows.append(
            (
                _CHECK_MARKS[check.counts_at],
                escape.console(check.endpoint or "(run)", limit=60),
                check.metric,
                fmt(check.measured, check.unit),
                fmt_limit(check),
                check.outcome.value + (f" ({check.level.value})" if check.level else ""),
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
    warnings = _warnings(ctx)
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
        f"locust-gate: {v.status.value.upper()} - {v.totals.checks} checks, "
        f"{against} not passed; {v.totals.requests:,} requests, "
        f"{v.totals.failures:,} failures, "
        + (f"{exceptions:,} exceptions, " if exceptions else "")
        + f"{v.totals.endpoints} endpoints "
        f"({ctx.results.source.value}{'' if ctx.results.exact else ', inexact'})"
    )


def fmt(value: float | None, unit: Unit) -> str:
    return "-" if value is None else format_value(value, unit)


def fmt_limit(check: Check) -> str:
    if check.limit is None:
        return "-"
    return f"{check.bound.sign} {fmt(check.limit, check.unit)}"


# --- report.md ----------------------------------------------------------------------------


def template(name: str) -> jinja2.Template:
    """A template from gate/reports/templates (report.md, the PR comment's review.md)."""
    return _environment().get_template(name)


@functools.cache
def _environment() -> jinja2.Environment:
    # Imported here: only a run that writes report.md pays for Jinja2 (about 20-40 ms).
    import jinja2  # noqa: PLC0415

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("gate.reports", "templates"),
        # Compiling the template costs about 10 ms of each `check`; Jinja2 keeps the
        # compiled code in the user's own cache folder in the temp dir, keyed by the
        # template's checksum, so an edited template is never served stale.
        bytecode_cache=jinja2.FileSystemBytecodeCache(),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # noqa: S701 (Markdown, not HTML: gate.reports.escape escapes every value first)
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


def render_markdown(ctx: ReportContext) -> str:
    """report.md, at most MAX_MARKDOWN_CHARS characters (a PR comment holds 65,536).

    Escaping makes names longer (`|` becomes `&#124;`), so the bound is on the rendered
    text: while it is too long, the least important table still showing rows loses half
    of them (all checks, endpoints, warnings, failure messages, and last the problems,
    whose fail-level rows come first). The headline is never cut."""
    tmpl = template("report.md.j2")
    view = _markdown_view(ctx)
    text = tmpl.render(**view)
    for name in _CUT_ORDER:
        while len(text) > MAX_MARKDOWN_CHARS and view[name]:
            keep = len(view[name]) // 2
            view[f"{name}_cut"] += len(view[name]) - keep
            view[name] = view[name][:keep]
            text = tmpl.render(**view)
    return text


def _markdown_view(ctx: ReportContext) -> dict[str, Any]:
    verdict, results = ctx.verdict, ctx.results
    needs_attention = problems(verdict.checks)
    endpoints = sorted(results.endpoints, key=lambda e: (e.name, e.method))
    failures = sorted(results.failures, key=lambda f: -f.occurrences)
    raised = results.exceptions or ()
    warnings = _warnings(ctx)
    total = results.total
    return {
        "icon": _ICONS[verdict.status],
        "status": verdict.status.value,
        "requests": f"{total.num_requests:,}",
        "failures": f"{total.num_failures:,}",
        "fail_ratio": fmt(total.fail_ratio, Unit.RATIO),
        "rps": fmt(total.rps, Unit.RPS),
        "endpoint_count": len(results.endpoints),
        "duration": duration(results.meta.end_time - results.meta.start_time),
        "source": results.source.value,
        "exact": results.exact,
        "problems": [_check_row(c) for c in needs_attention[:MAX_PROBLEM_ROWS]],
        "problems_cut": max(0, len(needs_attention) - MAX_PROBLEM_ROWS),
        "endpoints": [_endpoint_row(e, verdict) for e in endpoints[:MAX_ENDPOINT_ROWS]],
        "endpoints_cut": max(0, len(endpoints) - MAX_ENDPOINT_ROWS),
        "aggregate": _endpoint_row(total, verdict),
        "checks": [_check_row(c) for c in verdict.checks[:MAX_CHECK_ROWS]],
        "checks_cut": max(0, len(verdict.checks) - MAX_CHECK_ROWS),
        "failure_groups": [
            {
                "endpoint": escape.markdown(f"{f.method} {f.name}".strip(), limit=120),
                "error": escape.markdown(f.error, limit=300),
                "count": f"{f.occurrences:,}",
            }
            for f in failures[:MAX_PROBLEM_ROWS]
        ],
        "failure_groups_cut": max(0, len(failures) - MAX_PROBLEM_ROWS),
        **_baseline_view(verdict),
        "chart": chart(results),
        "exceptions": [
            {
                "message": escape.markdown(e.message, limit=300),
                "where": escape.markdown(e.where or "-", limit=200),
                "count": f"{e.count:,}",
            }
            for e in raised[:MAX_PROBLEM_ROWS]
        ],
        "exceptions_cut": max(0, len(raised) - MAX_PROBLEM_ROWS),
        "exception_count": f"{results.exception_count:,}" if raised else "",
        "incomplete": escape.markdown(results.meta.end_reason or "", limit=300)
        if results.meta.completed is False
        else "",
        "warnings": [escape.markdown(w, limit=1000) for w in warnings[:MAX_WARNINGS]],
        "warnings_cut": max(0, len(warnings) - MAX_WARNINGS),
        "thresholds": escape.markdown(ctx.thresholds_path, limit=200),
        "locust_version": escape.markdown(results.meta.locust_version or "unknown"),
        "version": __version__,
    }


def _baseline_view(verdict: Verdict) -> dict[str, Any]:
    """Current, baseline and change side by side (issue 8); empty without a baseline."""
    ref = verdict.baseline
    if ref is None:
        return {"baseline": None, "compared": [], "compared_cut": 0}
    compared = [c for c in by_severity(verdict.checks) if c.comparison is not None]
    when = datetime.fromtimestamp(ref.time, UTC).strftime("%Y-%m-%d %H:%M UTC") if ref.time else "?"
    branch = f" of {ref.branch}" if ref.branch else ""
    runs = f"median of {ref.runs} runs{branch}" if ref.runs > 1 else f"1 run{branch}"
    head = f"{runs}, latest {(ref.commit or 'unknown commit')[:12]} at {when}, from {ref.store}"
    return {
        "baseline": escape.markdown(head, limit=300),
        "compared": [_compared_row(c) for c in compared[:MAX_CHECK_ROWS]],
        "compared_cut": max(0, len(compared) - MAX_CHECK_ROWS),
    }


def _compared_row(check: Check) -> dict[str, str]:
    comparison = check.comparison
    assert comparison is not None
    ratio = comparison.change_ratio
    sign = "+" if comparison.change >= 0 else "-"
    change = f"{sign}{fmt(abs(comparison.change), check.unit)}"
    if ratio is not None:
        change += f" ({ratio * 100:+.1f} %)"
    band = comparison.band
    return {
        **_check_row(check),
        "baseline": escape.markdown(fmt(comparison.baseline, check.unit)),
        "change": escape.markdown(change),
        "band": escape.markdown(
            f"{fmt(band[0], check.unit)} to {fmt(band[1], check.unit)}" if band else "-"
        ),
    }


def _check_row(check: Check) -> dict[str, str]:
    return {
        "icon": _CHECK_ICONS[check.counts_at],
        "endpoint": escape.markdown(check.endpoint or "(run)", limit=120),
        "metric": escape.markdown(check.metric),
        "measured": escape.markdown(fmt(check.measured, check.unit)),
        "limit": escape.markdown(fmt_limit(check)),
        "outcome": check.outcome.value,
        "message": escape.markdown(check.message, limit=300),
    }


def _endpoint_row(entry: EndpointStats, verdict: Verdict) -> dict[str, str]:
    mine = [c for c in verdict.checks if c.endpoint == entry.key and c.name == entry.name]
    worst = problems(mine)
    row = {
        "icon": _CHECK_ICONS[worst[0].counts_at if worst else None] if mine else "·",
        "endpoint": escape.markdown(entry.key, limit=120),
        "requests": f"{entry.num_requests:,}",
        "failures": f"{entry.num_failures:,}",
        "rps": fmt(entry.rps, Unit.RPS),
    }
    for metric in _TABLE_METRICS:
        row[metric.value] = fmt(measure(entry, metric), Unit.MS)
    return row


def duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    minutes, secs = divmod(seconds, 60)
    return f"{minutes}m {secs:02d}s" if minutes else f"{secs}s"


def chart(results: Results) -> dict[str, str] | None:
    """A Mermaid xychart of requests/s and failures/s over the run, at most 60 points."""
    series = results.series
    if len(series) < 2:
        return None
    step = max(1, -(-len(series) // CHART_POINTS))
    windows = [series[i : i + step] for i in range(0, len(series), step)]
    labels = [str(w[0].t) for w in windows]
    rps = [sum(s.requests for s in w) / len(w) for w in windows]
    fps = [sum(s.failures for s in w) / len(w) for w in windows]
    top = max([*rps, 1.0])
    return {
        "x": ", ".join(f'"{label}"' for label in labels),
        "rps": ", ".join(f"{v:.1f}" for v in rps),
        "fps": ", ".join(f"{v:.1f}" for v in fps),
        "ymax": f"{top * 1.1:.0f}",
    }


def render_error_markdown(error: HarnessError) -> str:
    """report.md for a run whose harness failed: the stage, what, where, fix, log tail."""
    return template("error.md.j2").render(
        stage=escape.markdown(error.stage),
        what=escape.markdown(error.what, limit=500),
        where=escape.markdown(error.where or "", limit=500),
        fix=escape.markdown(error.fix or "", limit=1000),
        log_tail=[escape.markdown(line, limit=300) or "&#8203;"
                  for line in (error.log_tail or "").splitlines()],
        version=__version__,
    )


# --- junit.xml ----------------------------------------------------------------------------


def render_junit(ctx: ReportContext) -> str:
    """One test case per check. Fail-level outcomes are <failure>; inconclusive or no-data
    at warn level are <skipped>; warn-level breaches pass with the message in system-out."""
    import xml.etree.ElementTree as ET  # noqa: PLC0415 (only junit.xml needs it, not the console)

    verdict = ctx.verdict
    failed = sum(1 for c in verdict.checks if c.counts_at is Level.FAIL)
    skipped = sum(1 for c in verdict.checks if _is_skipped(c))
    suite = ET.Element(
        "testsuite",
        name="locust-gate",
        tests=str(len(verdict.checks)),
        failures=str(failed),
        errors="0",
        skipped=str(skipped),
        timestamp=datetime.fromtimestamp(ctx.results.meta.end_time, UTC).isoformat(),
    )
    for check in verdict.checks:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=escape.xml(check.endpoint or "run"),
            name=escape.xml(check.metric),
        )
        text = escape.xml(_junit_message(check))
        if check.counts_at is Level.FAIL:
            ET.SubElement(case, "failure", message=text, type=check.outcome.value).text = text
        elif _is_skipped(check):
            ET.SubElement(case, "skipped", message=text)
        elif check.counts_at is Level.WARN:
            ET.SubElement(case, "system-out").text = f"WARNING: {text}"
        else:
            ET.SubElement(case, "system-out").text = text
    root = ET.Element("testsuites", name="locust-gate")
    root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def render_junit_error(error: HarnessError) -> str:
    """junit.xml for a run whose harness failed: one test case in error, so a CI test tab
    shows red rather than the previous run's green."""
    import xml.etree.ElementTree as ET  # noqa: PLC0415 (only junit.xml needs it, not the console)

    suite = ET.Element(
        "testsuite", name="locust-gate", tests="1", failures="0", errors="1", skipped="0",
        timestamp=datetime.now(UTC).isoformat(),
    )
    case = ET.SubElement(suite, "testcase", classname="run", name=escape.xml(error.stage))
    message = escape.xml(f"{error.stage}: {error.what}")
    node = ET.SubElement(case, "error", message=message, type=error.stage)
    node.text = escape.xml(error.render())
    root = ET.Element("testsuites", name="locust-gate")
    root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _is_skipped(check: Check) -> bool:
    """Too little data at warn level: nothing was judged, which JUnit calls skipped."""
    return check.counts_at is Level.WARN and check.outcome in (
        Outcome.INCONCLUSIVE,
        Outcome.NO_DATA,
    )


def _junit_message(check: Check) -> str:
    head = (
        f"{check.metric}: measured {fmt(check.measured, check.unit)}, "
        f"limit {fmt_limit(check)}, outcome {check.outcome.value}"
    )
    return f"{head} - {check.message}" if check.message else head
