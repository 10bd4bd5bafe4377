"""report.md (Jinja2): the full report of a judged run, and of a run whose harness failed.

Also the Jinja2 environment (`template`) and the load chart (`chart`) that the PR
comment's renderer, `gate.reports.review`, shares. Jinja2 itself is imported on first use.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from gate import __version__
from gate.core.measure import measure
from gate.core.model import EndpointStats, Results, SecondSample
from gate.core.rules import Level, Metric, Unit
from gate.core.verdict import Check, Status, Verdict, by_severity, problems
from gate.errors import HarnessError
from gate.reports import baselinefit, escape, grouptable, pairs, readings, resources
from gate.reports.context import ReportContext, duration, fmt, fmt_limit, too_few, verdict_word
from gate.reports.stagetable import stages_view

if TYPE_CHECKING:
    import jinja2

# A PR comment holds 65,536 characters: long tables are cut and point to verdict.json.
MAX_PROBLEM_ROWS = 50
MAX_ENDPOINT_ROWS = 100
MAX_CHECK_ROWS = 200
MAX_MARKDOWN_CHARS = 60_000  # under GitHub's 65,536 for a comment, with room to spare
MAX_WARNINGS = 20
# The tables of report.md in the order they give up rows when it is too long.
_CUT_ORDER = ("checks", "groups", "endpoints", "warnings", "failure_groups", "exceptions",
              "problems")
CHART_POINTS = 60
# The verdict's icon, in report.md and in the PR comment alike.
STATUS_ICONS = {Status.PASS: "✅", Status.WARN: "⚠️", Status.FAIL: "❌", Status.ERROR: "💥"}
# By `Check.counts_at`: the level at which a check lowers the verdict (None: it does not).
_CHECK_ICONS = {None: "✅", Level.WARN: "⚠️", Level.FAIL: "❌"}
# A heavy minus sign: too few requests to judge, reported without counting (gate.core.thin).
TOO_FEW_ICON = "\u2796"


def check_icon(check: Check) -> str:
    """The check's mark: by `counts_at`, and TOO_FEW_ICON for one too thin to judge that does not
    count (it is not a pass)."""
    if check.counts_at is None and check.too_few:
        return TOO_FEW_ICON
    return _CHECK_ICONS[check.counts_at]
_TABLE_METRICS = (Metric.P50, Metric.P95, Metric.P99, Metric.MAX)


def headline(status: Status, profile: str | None = None) -> str:
    """`❌ Load test gate: **FAIL**`: the first line of report.md, the PR comment and the job
    summary, with the verdict spelled as the console spells it (`verdict_word`); a run of a
    profile says which (`❌ Load test gate (stress): **FAIL**`). `profile` comes from the
    results, which anyone could have written: it is escaped here."""
    named = f" ({escape.markdown(profile, limit=40)})" if profile else ""
    return f"{STATUS_ICONS[status]} Load test gate{named}: **{verdict_word(status)}**"


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

    Escaping makes names longer (`|` becomes `\\|`, `<` `&lt;`), so the bound is on the rendered
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
    warnings = ctx.warnings
    total = results.total
    return {
        "headline": headline(verdict.status, results.meta.profile),
        "requests": f"{total.num_requests:,}",
        "failures": f"{total.num_failures:,}",
        "fail_ratio": fmt(total.fail_ratio, Unit.RATIO),
        "rps": fmt(measure(total, Metric.RPS), Unit.RPS),
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
        **grouptable.view(ctx, icon=row_icon, limit=MAX_ENDPOINT_ROWS),
        **readings.view(results, verdict.checks, check_icon),
        "pairs": pairs.view(ctx),
        "chart": chart(results),
        **stages_view(results),
        "resources": resources.view(results),
        "exceptions": [
            {
                "message": escape.markdown(e.message, limit=300),
                "where": escape.markdown(e.where, limit=200) if e.where else "-",
                "count": f"{e.count:,}",
            }
            for e in raised[:MAX_PROBLEM_ROWS]
        ],
        "exceptions_cut": max(0, len(raised) - MAX_PROBLEM_ROWS),
        "exception_count": f"{results.exception_count:,}" if raised else "",
        "incomplete": escape.markdown(results.meta.end_reason or "", limit=300)
        if results.meta.completed is False
        else "",
        "notes": [escape.markdown(n, limit=1000) for n in ctx.notes],
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
        return {"baseline": None, "fit": None, "compared": [], "compared_cut": 0}
    compared = [c for c in by_severity(verdict.checks) if c.comparison is not None]
    when = datetime.fromtimestamp(ref.time, UTC).strftime("%Y-%m-%d %H:%M UTC") if ref.time else "?"
    branch = f" of {ref.branch}" if ref.branch else ""
    runs = f"median of {ref.runs} runs{branch}" if ref.runs > 1 else f"1 run{branch}"
    head = f"{runs}, latest {(ref.commit or 'unknown commit')[:12]} at {when}, from {ref.store}"
    return {
        "baseline": escape.markdown(head, limit=300),
        "fit": baselinefit.view(ref),
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
    return {  # numbers in our own format: nothing to escape
        **_check_row(check),
        "baseline": fmt(comparison.baseline, check.unit),
        "change": change,
        "band": f"{fmt(band[0], check.unit)} to {fmt(band[1], check.unit)}" if band else "-",
    }


def _check_row(check: Check) -> dict[str, str]:
    return {
        "icon": check_icon(check),
        "endpoint": escape.markdown(check.endpoint or "(run)", limit=120),
        "metric": escape.markdown(check.metric),
        "measured": fmt(check.measured, check.unit),  # numbers in our own format
        "limit": fmt_limit(check),
        "outcome": check.outcome.value + too_few(check),
        "message": escape.markdown(check.message, limit=300),
    }


def row_icon(mine: Sequence[Check]) -> str:
    """The mark of a table row from its checks: the worst problem, else too few to judge,
    else a pass; `·` for a row nothing checked."""
    worst = problems(mine)
    return check_icon((worst or [c for c in mine if c.too_few] or mine)[0]) if mine else "·"


def _endpoint_row(entry: EndpointStats, verdict: Verdict) -> dict[str, str]:
    mine = [c for c in verdict.checks if c.endpoint == entry.key and c.name == entry.name]
    row = {
        "icon": row_icon(mine),
        "endpoint": escape.markdown(entry.key, limit=120),
        "requests": f"{entry.num_requests:,}",
        "failures": f"{entry.num_failures:,}",
        "rps": fmt(measure(entry, Metric.RPS), Unit.RPS),  # the median of a repeated run
    }
    for metric in _TABLE_METRICS:
        row[metric.value] = fmt(measure(entry, metric), Unit.MS)
    return row


def chart(results: Results) -> dict[str, str] | None:
    """A Mermaid xychart of requests/s and failures/s over the run, at most 60 points.

    Each point is an equal span of the run's time, labelled with its start, its rate the
    requests of the samples starting in it over their seconds: a long run's samples are
    wider later in the run (see gate.results.series), and a count of samples would squeeze
    those hours. The point where a stage starts, the warm-up ends or the cool-down starts
    says so in its label (`12 ▸spike`): Mermaid's xychart draws no vertical markers."""
    series = results.series
    if len(series) < 2:
        return None
    first = min(s.t for s in series)
    span = max(1, max(s.t + s.seconds for s in series) - first)
    step = max(1, -(-span // CHART_POINTS))
    groups: dict[int, list[SecondSample]] = {}
    for sample in series:
        groups.setdefault((sample.t - first) // step, []).append(sample)
    windows = [groups[i] for i in sorted(groups)]
    marks = _marks(results)
    labels = [_label(first + i * step, step, marks) for i in sorted(groups)]
    rps = [sum(s.requests for s in w) / sum(s.seconds for s in w) for w in windows]
    fps = [sum(s.failures for s in w) / sum(s.seconds for s in w) for w in windows]
    top = max([*rps, 1.0])
    return {
        "x": ", ".join(f'"{label}"' for label in labels),
        "rps": ", ".join(f"{v:.1f}" for v in rps),
        "fps": ", ".join(f"{v:.1f}" for v in fps),
        "ymax": f"{top * 1.1:.0f}",
    }


def _marks(results: Results) -> list[tuple[float, str]]:
    """(seconds since the start, word) for each stage start and each end of a cut."""
    marks = [(w.start, f"▸{_chart_word(w.name)}") for w in results.stages]
    cut = results.cut
    if cut is not None and results.series:
        end = max(s.t + s.seconds for s in results.series)
        marks += [(cut.warmup, "▸measured")] if cut.warmup else []
        marks += [(end - cut.cooldown, "▸cool-down")] if cut.cooldown else []
    return marks


def _label(start: int, step: int, marks: list[tuple[float, str]]) -> str:
    # To the nearest second: the shape's ticks and the series' seconds are a few ms apart.
    words = [word for at, word in marks if start <= round(at) < start + step]
    return " ".join([str(start), *words])


def _chart_word(name: str) -> str:
    """A name from the results file inside a quoted Mermaid label: only characters that
    cannot end the quote or start anything (stage names are validated the same way)."""
    return "".join(c if c.isascii() and (c.isalnum() or c in "_.-") else "?" for c in name)[:32]


def render_error_markdown(error: HarnessError, *, profile: str | None = None) -> str:
    """report.md for a run whose harness failed: the stage, what, where, fix, log tail."""
    return template("error.md.j2").render(
        headline=headline(Status.ERROR, profile),
        stage=escape.markdown(error.stage),
        what=escape.markdown(error.what, limit=500),
        where=escape.markdown(error.where or "", limit=500),
        fix=escape.markdown(error.fix or "", limit=1000),
        log_tail=[escape.markdown(line, limit=300)
                  for line in (error.log_tail or "").splitlines()],
        version=__version__,
    )
