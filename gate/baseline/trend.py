"""A history as series: trend tables, Mermaid charts, step changes, suggested limits.

Pure functions over stored runs (oldest first). A step change is a sustained shift: the
last `STEP_RUNS` runs all outside the noise band (median +- NOISE_MADS scaled MADs) of
the runs before them, on the same side — one slow run is noise, three in a row is a shift.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from gate.baseline.reading import band, needed_requests, resolution
from gate.baseline.stored import StoredRun
from gate.core.evaluate import measure
from gate.core.model import AGGREGATED, EndpointStats
from gate.core.relative import DEFAULT_MIN_REQUESTS
from gate.core.rules import Metric
from gate.core.units import format_limit, format_value
from gate.reports import escape

STEP_RUNS = 3
TREND_METRICS = (Metric.P50, Metric.P95, Metric.RPS, Metric.FAIL_RATIO)
MAX_CHARTS = 12


@dataclass(frozen=True, kw_only=True)
class Step:
    endpoint: str
    metric: Metric
    direction: str  # "up" | "down"
    before: float  # the median before the shift
    after: float  # the median of the last STEP_RUNS runs


def keys(runs: Sequence[StoredRun]) -> list[str]:
    """Every endpoint key in the history, sorted, with the aggregate last."""
    found = {e.key for run in runs for e in run.results.endpoints}
    return [*sorted(found), AGGREGATED]


def entry(run: StoredRun, key: str) -> EndpointStats | None:
    if key == AGGREGATED:
        return run.results.total
    return next((e for e in run.results.endpoints if e.key == key), None)


def series(runs: Sequence[StoredRun], key: str, metric: Metric) -> list[float | None]:
    out: list[float | None] = []
    for run in runs:
        found = entry(run, key)
        out.append(measure(found, metric) if found is not None and found.num_requests else None)
    return out


def step(values: Sequence[float | None], metric: Metric) -> tuple[str, float, float] | None:
    """(direction, median before, median after) when the last STEP_RUNS values all lie
    beyond the noise band of the values before them; None otherwise."""
    known = [v for v in values if v is not None]
    before, after = known[:-STEP_RUNS], known[-STEP_RUNS:]
    noise = band(before, metric)
    if noise is None or len(after) < STEP_RUNS:
        return None
    mid_before, mid_after = sorted(before)[len(before) // 2], sorted(after)[STEP_RUNS // 2]
    if all(v > noise[1] for v in after):
        return ("up", mid_before, mid_after)
    if all(v < noise[0] for v in after):
        return ("down", mid_before, mid_after)
    return None


def steps(runs: Sequence[StoredRun]) -> list[Step]:
    found = []
    for key in keys(runs):
        for metric in TREND_METRICS:
            shift = step(series(runs, key, metric), metric)
            if shift is not None:
                found.append(Step(endpoint=key, metric=metric, direction=shift[0],
                                  before=shift[1], after=shift[2]))
    return found


def _when(run: StoredRun) -> str:
    return datetime.fromtimestamp(run.time, UTC).strftime("%m-%d %H:%M")


def _cell(value: float | None, metric: Metric) -> str:
    return "-" if value is None else format_value(value, metric.unit)


def render_text(runs: Sequence[StoredRun], title: str) -> str:
    """Per endpoint, one row per run: time, commit, p50, p95, rps, fail ratio."""
    lines = [title]
    for key in keys(runs):
        lines.append("")
        lines.append(escape.console(key, limit=100))
        rows = [("time (UTC)", "commit", *(m.value for m in TREND_METRICS))]
        columns = [series(runs, key, m) for m in TREND_METRICS]
        for i, run in enumerate(runs):
            rows.append((_when(run), (run.git.commit or "-")[:10],
                         *(_cell(col[i], m) for col, m in zip(columns, TREND_METRICS,
                                                             strict=True))))
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        lines.extend("  " + "  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True))
                     for row in rows)
    for shift in steps(runs):
        lines.append(_step_text(shift, console=True))
    return "\n".join(lines) + "\n"


def _step_text(shift: Step, *, console: bool) -> str:
    name = escape.console(shift.endpoint) if console else escape.markdown(shift.endpoint)
    return (
        f"step change: {name} {shift.metric.value} went {shift.direction} from "
        f"{format_value(shift.before, shift.metric.unit)} to "
        f"{format_value(shift.after, shift.metric.unit)} over the last {STEP_RUNS} runs "
        "(beyond the noise band of the runs before)"
    )


def render_markdown(runs: Sequence[StoredRun], title: str) -> str:
    """A `## Trend` section with one Mermaid chart of p50 and p95 per endpoint."""
    out = [f"### Trend: {escape.markdown(title, limit=200)}", ""]
    shifts = steps(runs)
    out.extend(f"> [!WARNING]\n> {_step_text(s, console=False)}\n" for s in shifts)
    labels = ", ".join(f'"{_when(r)}"' for r in runs)
    chosen = keys(runs)[-MAX_CHARTS:] if len(keys(runs)) > MAX_CHARTS else keys(runs)
    for key in chosen:
        p50 = series(runs, key, Metric.P50)
        p95 = series(runs, key, Metric.P95)
        known = [v for v in (*p50, *p95) if v is not None]
        if not known:
            continue
        top = max(known) * 1.2
        out += [
            f"**{escape.markdown(key, limit=120)}** — legend: line 1 = p50, line 2 = p95 (ms); "
            "x = run time (UTC); a gap is a run without this endpoint (drawn as 0).",
            "",
            "```mermaid",
            "xychart-beta",
            f'    title "{_mermaid_text(key)}"',
            f"    x-axis [{labels}]",
            f'    y-axis "ms" 0 --> {math.ceil(top)}',
            f"    line [{', '.join(f'{v or 0:.0f}' for v in p50)}]",
            f"    line [{', '.join(f'{v or 0:.0f}' for v in p95)}]",
            "```",
            "",
        ]
    return "\n".join(out)


def _mermaid_text(text: str) -> str:
    """A Mermaid title: no quotes, brackets or newlines that would end the string."""
    return "".join(c if c.isalnum() or c in " /._-{}" else " " for c in text)[:80]


# --- thresholds suggest -------------------------------------------------------------------


def round_up(value: float) -> float:
    """Up to a Locust bucket edge and to two significant digits (a limit people read)."""
    step_size = max(resolution(Metric.P95, value), 10 ** max(0, math.floor(math.log10(
        max(value, 1))) - 1))
    return float(math.ceil(value / step_size - 1e-9) * step_size)


def suggested_limit(values: Sequence[float], metric: Metric) -> float | None:
    """The upper edge of the noise band (at least one bucket above the median), rounded
    up; None with fewer than three runs."""
    noise = band(values, metric)
    if noise is None:
        return None
    return round_up(noise[1])


def suggest(runs: Sequence[StoredRun], source: str) -> str:
    """A thresholds file with absolute limits from the history, with how they were made."""
    first, last = _when(runs[0]), _when(runs[-1])
    lines = [
        "# yaml-language-server: $schema=./thresholds.schema.json",
        f"# Suggested by `locust-gate thresholds suggest` from {len(runs)} runs in {source}",
        f"# ({first} .. {last} UTC). Each p95/p99 limit is the upper edge of that metric's",
        "# run-to-run noise band (median + 3 x 1.4826 x MAD over the runs), at least one",
        "# Locust bucket above the median, rounded up to a bucket and two significant digits.",
        "# Metrics with too few requests per run to estimate are left out. Review before use.",
        "version: 1",
        "defaults:",
        "  fail-ratio: 1%",
        f"  min-requests: {DEFAULT_MIN_REQUESTS}",
    ]
    endpoint_lines: list[str] = []
    aggregate: list[str] = []
    for key in keys(runs):
        limits = _limits(runs, key)
        if not limits:
            continue
        if key == AGGREGATED:
            aggregate = ["aggregate:", *(f"  {m}: {v}" for m, v in limits)]
            continue
        sample = next(e for r in runs if (e := entry(r, key)) is not None)
        endpoint_lines += [f"  - name: {_yaml_string(sample.name)}"]
        if sample.method:
            endpoint_lines.append(f"    method: {sample.method}")
        endpoint_lines += [f"    {m}: {v}" for m, v in limits]
    if endpoint_lines:
        lines += ["endpoints:", *endpoint_lines]
    lines += aggregate
    return "\n".join(lines) + "\n"


def _limits(runs: Sequence[StoredRun], key: str) -> list[tuple[str, str]]:
    out = []
    for metric in (Metric.P95, Metric.P99):
        need = needed_requests(metric, DEFAULT_MIN_REQUESTS)
        values = [
            v for r in runs
            if (e := entry(r, key)) is not None and e.timed_requests >= need
            and (v := measure(e, metric)) is not None
        ]
        limit = suggested_limit(values, metric)
        if limit is not None:
            out.append((metric.value, format_limit(limit, metric.unit)))
    return out


def _yaml_string(text: str) -> str:
    """A YAML double-quoted scalar (JSON's escaping is valid YAML)."""
    return json.dumps(text, ensure_ascii=True)
