"""A history as series: trend tables, Mermaid charts and step changes.

Pure functions over stored runs (oldest first). Only comparable runs are used
(`comparable`: the same fingerprint as the newest, i.e. the same locustfile and load
options), and a metric only from runs with enough requests for it (`reading.
needed_requests`: a p95 needs 100); what was left out is said, one line per reason with
counts. A step change is a sustained shift: the last `STEP_RUNS` runs all outside the
noise band (median +- NOISE_MADS scaled MADs) of at least `MIN_HISTORY_FOR_BAND` runs
before them, on the same side — one slow run is noise, three in a row is a shift.
(`thresholds suggest` writes limits from such a history with `gate.thresholds.init`.)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from gate.baseline.stored import StoredRun
from gate.core.measure import measure
from gate.core.model import AGGREGATED, EndpointStats
from gate.core.reading import MIN_HISTORY_FOR_BAND, band, count, needed_requests
from gate.core.relative import DEFAULT_MIN_REQUESTS
from gate.core.rules import Metric
from gate.core.units import format_value
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


@dataclass(frozen=True, kw_only=True)
class History:
    """The runs a trend uses (oldest first), and why the others were left out."""

    runs: tuple[StoredRun, ...]
    left_out: tuple[str, ...] = ()  # one line per reason, with counts


def comparable(runs: Sequence[StoredRun]) -> History:
    """The runs made like the newest one (same fingerprint): a run of another locustfile,
    user count, run time or host differs by that, not by the code under test."""
    if not runs:
        return History(runs=())
    newest = runs[-1].fingerprint
    kept = tuple(r for r in runs if r.fingerprint == newest)
    dropped = len(runs) - len(kept)
    if not dropped:
        return History(runs=kept)
    why = ("another locustfile or other load options than the newest run (their "
           "fingerprints differ)" if newest else "a fingerprint, and the newest run has none "
           "(read from Locust's CSV or --json-file)")
    return History(runs=kept, left_out=(f"left out {dropped} of {len(runs)} runs: made with "
                                        f"{why}",))


def thin(runs: Sequence[StoredRun]) -> list[str]:
    """One line per metric: the values left out because their run had too few requests."""
    lines = []
    for metric in TREND_METRICS:
        need = needed_requests(metric, DEFAULT_MIN_REQUESTS)
        cells = [(key, run) for key in keys(runs) for run in runs
                 if (e := entry(run, key)) is not None and 0 < count(e, metric) < need]
        if cells:
            endpoints = len({key for key, _ in cells})
            lines.append(f"left out {len(cells)} {metric.value} value(s) of {endpoints} "
                         f"endpoint(s): fewer than the {need:,} requests a {metric.value} "
                         "needs in that run")
    return lines


def keys(runs: Sequence[StoredRun]) -> list[str]:
    """Every endpoint key in the history, sorted, with the aggregate last."""
    found = {e.key for run in runs for e in run.results.endpoints}
    return [*sorted(found), AGGREGATED]


def entry(run: StoredRun, key: str) -> EndpointStats | None:
    if key == AGGREGATED:
        return run.results.total
    return next((e for e in run.results.endpoints if e.key == key), None)


def series(runs: Sequence[StoredRun], key: str, metric: Metric) -> list[float | None]:
    """The metric per run; None where the run lacks the endpoint or made too few requests
    of it to estimate the metric (`thin` says how many)."""
    need = needed_requests(metric, DEFAULT_MIN_REQUESTS)
    out: list[float | None] = []
    for run in runs:
        found = entry(run, key)
        enough = found is not None and count(found, metric) >= need
        out.append(measure(found, metric) if found is not None and enough else None)
    return out


def step(values: Sequence[float | None], metric: Metric) -> tuple[str, float, float] | None:
    """(direction, median before, median after) when the last STEP_RUNS values all lie
    beyond the noise band of at least MIN_HISTORY_FOR_BAND values before them; None
    otherwise (also when the last runs lack the value: too few requests is no shift)."""
    if len(values) < STEP_RUNS or any(v is None for v in values[-STEP_RUNS:]):
        return None
    known = [v for v in values if v is not None]
    before, after = known[:-STEP_RUNS], known[-STEP_RUNS:]
    noise = band(before, metric)
    if noise is None or len(before) < MIN_HISTORY_FOR_BAND:
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


def notes(history: History) -> list[str]:
    """What the trend left out and why: runs not comparable, values from too few requests."""
    return [*history.left_out, *thin(history.runs)]


def render_text(runs: Sequence[StoredRun], title: str, left_out: Sequence[str] = ()) -> str:
    """Per endpoint, one row per run: time, commit, p50, p95, rps, fail ratio ("-": none,
    or too few requests for it); then what was left out, and the step changes."""
    lines = [title, *left_out]
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


def render_markdown(runs: Sequence[StoredRun], title: str, left_out: Sequence[str] = ()) -> str:
    """A `## Trend` section with one Mermaid chart of p50 and p95 per endpoint."""
    out = [f"### Trend: {escape.markdown(title, limit=200)}", ""]
    if left_out:
        out += [*(f"- {escape.markdown(line)}" for line in left_out), ""]
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
            "x = run time (UTC); a gap is a run without this endpoint or with too few requests "
            "for the metric (drawn as 0).",
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
