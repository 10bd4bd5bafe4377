"""Render a verdict: console table, verdict.json, report.md (Jinja2) and junit.xml.

Rendering is pure (text in, text out); `gate.commands.checking` writes the files. User-derived text
(endpoint names, failure messages) is escaped here, per sink, before any template sees it.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import jinja2

from gate import __version__
from gate.core.evaluate import measure
from gate.core.model import EndpointStats, Results
from gate.core.rules import Level, Metric, Unit
from gate.core.units import format_value
from gate.core.verdict import VERDICT_SCHEMA, VERDICT_VERSION, Check, Outcome, Status, Verdict
from gate.errors import HarnessError
from gate.reports import escape

# A PR comment holds 65,536 characters: long tables are cut and point to verdict.json.
MAX_PROBLEM_ROWS = 50
MAX_ENDPOINT_ROWS = 100
MAX_CHECK_ROWS = 200
MAX_CONSOLE_REASONS = 20
CHART_POINTS = 60
_ICONS = {Status.PASS: "✅", Status.WARN: "⚠️", Status.FAIL: "❌", Status.ERROR: "💥"}
_TABLE_METRICS = (Metric.P50, Metric.P95, Metric.P99, Metric.MAX)


@dataclass(frozen=True, kw_only=True)
class ReportContext:
    verdict: Verdict
    results: Results
    results_path: str
    thresholds_path: str


def exit_code(status: Status) -> int:
    return {Status.PASS: 0, Status.WARN: 0, Status.FAIL: 1, Status.ERROR: 2}[status]


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
        "warnings": _warnings(ctx),
    }


def _warnings(ctx: ReportContext) -> list[str]:
    """What the reader should know that did not change the verdict: about the source of
    the numbers, and rules that checked nothing."""
    return [*ctx.results.warnings, *ctx.verdict.warnings]


def _check_dict(check: Check) -> dict[str, Any]:
    return {
        "scope": check.scope,
        "endpoint": check.endpoint,
        "method": check.method,
        "name": check.name,
        "metric": check.metric,
        "unit": check.unit,
        "measured": check.measured,
        "limit": check.limit,
        "limits": dict(check.limits),
        "bound": check.bound,
        "outcome": check.outcome.value,
        "level": check.level.value if check.level else None,
        "message": check.message,
        "where": check.where,
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


def render_console(ctx: ReportContext) -> str:
    """A plain table that reads well in a CI log: problems first, then a summary line."""
    verdict = ctx.verdict
    rows = [("", "endpoint", "metric", "measured", "limit", "outcome")]
    for check in _ordered(verdict.checks):
        rows.append(
            (
                _mark(check),
                escape.console(check.endpoint or "(run)", limit=60),
                check.metric,
                _fmt(check.measured, check.unit),
                _fmt_limit(check),
                check.outcome.value + (f" ({check.level.value})" if check.level else ""),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
             for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    reasons = verdict.reasons
    lines.extend(f"why: {escape.console(r, limit=200)}" for r in reasons[:MAX_CONSOLE_REASONS])
    if len(reasons) > MAX_CONSOLE_REASONS:
        lines.append(f"why: ...and {len(reasons) - MAX_CONSOLE_REASONS} more (see verdict.json)")
    lines.extend(
        f"exception: {e.count:,} x {escape.console(e.message, limit=200)}"
        + (f" (at {escape.console(e.where, limit=200)})" if e.where else "")
        for e in (ctx.results.exceptions or ())[:MAX_CONSOLE_REASONS]
    )
    lines.extend(f"warning: {escape.console(w)}" for w in _warnings(ctx))
    lines.append(_summary_line(ctx))
    return "\n".join(lines) + "\n"


def _summary_line(ctx: ReportContext) -> str:
    v = ctx.verdict
    against = sum(1 for c in v.checks if c.outcome.counts_against)
    exceptions = ctx.results.exception_count
    return (
        f"locust-gate: {v.status.value.upper()} - {v.totals.checks} checks, "
        f"{against} not passed; {v.totals.requests:,} requests, "
        f"{v.totals.failures:,} failures, "
        + (f"{exceptions:,} exceptions, " if exceptions else "")
        + f"{v.totals.endpoints} endpoints "
        f"({ctx.results.source.value}{'' if ctx.results.exact else ', inexact'})"
    )


def _mark(check: Check) -> str:
    if not check.outcome.counts_against:
        return "ok"
    return "FAIL" if check.level is Level.FAIL else "WARN"


def _ordered(checks: Sequence[Check]) -> list[Check]:
    def rank(c: Check) -> int:
        if not c.outcome.counts_against:
            return 2
        return 0 if c.level is Level.FAIL else 1

    return sorted(checks, key=rank)


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "count":
        return f"{value:,.0f}"
    return format_value(value, Unit(unit))


def _fmt_limit(check: Check) -> str:
    if check.limit is None:
        return "-"
    sign = "≥" if check.bound == "min" else "≤"
    return f"{sign} {_fmt(check.limit, check.unit)}"


# --- report.md ----------------------------------------------------------------------------

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("gate.reports", "templates"),
    undefined=jinja2.StrictUndefined,
    autoescape=False,  # noqa: S701 (Markdown, not HTML: gate.reports.escape escapes every value first)
    keep_trailing_newline=True,
    trim_blocks=True,
    lstrip_blocks=True,
)


def render_markdown(ctx: ReportContext) -> str:
    return _ENV.get_template("report.md.j2").render(**_markdown_view(ctx))


def _markdown_view(ctx: ReportContext) -> dict[str, Any]:
    verdict, results = ctx.verdict, ctx.results
    problems = [c for c in _ordered(verdict.checks) if c.outcome.counts_against]
    endpoints = sorted(results.endpoints, key=lambda e: (e.name, e.method))
    failures = sorted(results.failures, key=lambda f: -f.occurrences)
    total = results.total
    return {
        "icon": _ICONS[verdict.status],
        "status": verdict.status.value,
        "requests": f"{total.num_requests:,}",
        "failures": f"{total.num_failures:,}",
        "fail_ratio": _fmt(total.fail_ratio, "ratio"),
        "rps": _fmt(total.rps, "req/s"),
        "endpoint_count": len(results.endpoints),
        "duration": _duration(results.meta.end_time - results.meta.start_time),
        "source": results.source.value,
        "exact": results.exact,
        "problems": [_check_row(c) for c in problems[:MAX_PROBLEM_ROWS]],
        "problems_cut": max(0, len(problems) - MAX_PROBLEM_ROWS),
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
        "chart": _chart(results),
        "exceptions": [
            {
                "message": escape.markdown(e.message, limit=300),
                "where": escape.markdown(e.where or "-", limit=200),
                "count": f"{e.count:,}",
            }
            for e in (results.exceptions or ())[:MAX_PROBLEM_ROWS]
        ],
        "exception_count": f"{results.exception_count or 0:,}",
        "incomplete": escape.markdown(results.meta.end_reason or "", limit=300)
        if results.meta.completed is False
        else "",
        "warnings": [escape.markdown(w, limit=None) for w in _warnings(ctx)],
        "thresholds": escape.markdown(ctx.thresholds_path, limit=200),
        "locust_version": escape.markdown(results.meta.locust_version or "unknown"),
        "version": __version__,
    }


def _check_row(check: Check) -> dict[str, str]:
    icon = {None: "✅", Level.WARN: "⚠️", Level.FAIL: "❌"}[
        check.level if check.outcome.counts_against else None
    ]
    return {
        "icon": icon,
        "endpoint": escape.markdown(check.endpoint or "(run)", limit=120),
        "metric": escape.markdown(check.metric),
        "measured": escape.markdown(_fmt(check.measured, check.unit)),
        "limit": escape.markdown(_fmt_limit(check)),
        "outcome": check.outcome.value,
        "message": escape.markdown(check.message, limit=300),
    }


def _endpoint_row(entry: EndpointStats, verdict: Verdict) -> dict[str, str]:
    mine = [c for c in verdict.checks if c.endpoint == entry.key and c.name == entry.name]
    levels = {c.level for c in mine if c.outcome.counts_against}
    icon = "❌" if Level.FAIL in levels else "⚠️" if Level.WARN in levels else "✅"
    row = {
        "icon": icon if mine else "·",
        "endpoint": escape.markdown(entry.key, limit=120),
        "requests": f"{entry.num_requests:,}",
        "failures": f"{entry.num_failures:,}",
        "rps": _fmt(entry.rps, "req/s"),
    }
    for metric in _TABLE_METRICS:
        row[metric.value] = _fmt(measure(entry, metric), "ms")
    return row


def _duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    minutes, secs = divmod(seconds, 60)
    return f"{minutes}m {secs:02d}s" if minutes else f"{secs}s"


def _chart(results: Results) -> dict[str, str] | None:
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
    return _ENV.get_template("error.md.j2").render(
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
    verdict = ctx.verdict
    failed = sum(1 for c in verdict.checks if c.outcome.counts_against and c.level is Level.FAIL)
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
        if check.outcome.counts_against and check.level is Level.FAIL:
            ET.SubElement(case, "failure", message=text, type=check.outcome.value).text = text
        elif _is_skipped(check):
            ET.SubElement(case, "skipped", message=text)
        elif check.outcome.counts_against:
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
    return (
        check.outcome in (Outcome.INCONCLUSIVE, Outcome.NO_DATA) and check.level is Level.WARN
    )


def _junit_message(check: Check) -> str:
    head = (
        f"{check.metric}: measured {_fmt(check.measured, check.unit)}, "
        f"limit {_fmt_limit(check)}, outcome {check.outcome.value}"
    )
    return f"{head} - {check.message}" if check.message else head
