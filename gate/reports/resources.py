"""The data of report.md's "Backend resources" section (`templates/resources.md.j2`).

A table of the peak and the mean of each resource over the samples `run` took of the
backend's process tree, and a Mermaid chart of memory, CPU and users over the run, on
the load chart's time axis (seconds since the run's start). Memory, CPU and users have
different units and Mermaid's xychart has one y axis, so each line is drawn as a
percentage of its own peak, and the legend says what 100 % is for each.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gate.core.model import ResourceSample, Results, SecondSample
from gate.core.rules import Unit
from gate.reports import escape
from gate.reports.context import fmt

CHART_POINTS = 60  # as the load chart
# Fixed colours, so that the legend can name them (Mermaid's theme would choose its own).
PALETTE = "#2563eb, #dc2626, #16a34a"
LEGEND = ("🟦 memory", "🟥 CPU", "🟩 users")
MAX_WARNINGS = 5


def view(results: Results) -> dict[str, Any] | None:
    """The section's template data; None when the run has no samples of the backend."""
    usage = results.backend
    if usage is None or not usage.samples:
        return None
    return {
        "rows": _rows(usage.samples),
        "samples": f"{len(usage.samples):,}",
        "chart": chart(usage.samples, results.series),
        "warnings": [escape.markdown(w, limit=500) for w in usage.warnings[:MAX_WARNINGS]],
    }


def _rows(samples: Sequence[ResourceSample]) -> list[dict[str, str]]:
    seconds = sum(s.seconds for s in samples)

    def mean(values: Sequence[float]) -> float:
        return sum(v * s.seconds for v, s in zip(values, samples, strict=True)) / seconds

    table = (
        ("memory (RSS)", [float(s.rss) for s in samples], Unit.BYTES),
        ("CPU (100 % = one core)", [s.cpu for s in samples], Unit.CORES),
        ("TCP connections", [float(s.connections) for s in samples], Unit.COUNT),
        ("threads", [float(s.threads) for s in samples], Unit.COUNT),
        ("processes", [float(s.processes) for s in samples], Unit.COUNT),
    )
    return [
        {"resource": name, "peak": fmt(max(values), unit), "mean": _mean(mean(values), unit)}
        for name, values, unit in table
    ]


def _mean(value: float, unit: Unit) -> str:
    """Means of counts keep a decimal: 2.5 connections is what the samples say."""
    return f"{value:,.1f}" if unit is Unit.COUNT else fmt(value, unit)


def chart(samples: Sequence[ResourceSample], series: Sequence[SecondSample]
          ) -> dict[str, str] | None:
    """Memory, CPU and users per equal span of the run (at most CHART_POINTS), each a
    percentage of its own peak; a span without a sample repeats the one before."""
    if len(samples) < 2:
        return None
    first = min(0.0, samples[0].t)
    end = max(samples[-1].t + samples[-1].seconds,
              max((s.t + s.seconds for s in series), default=0))
    step = max(1, -(-int(end - first) // CHART_POINTS))
    count = max(1, -(-int(end - first) // step))
    memory = _spans(count, first, step, [(s.t, float(s.rss), s.seconds) for s in samples],
                    mean=False)
    cpu = _spans(count, first, step, [(s.t, s.cpu, s.seconds) for s in samples], mean=True)
    users = _spans(count, first, step,
                   [(float(s.t), float(s.users), float(s.seconds)) for s in series], mean=False)
    peaks = {"memory": max(memory), "cpu": max(cpu), "users": max(users)}
    return {
        "palette": PALETTE,
        "x": ", ".join(f'"{int(first) + i * step}"' for i in range(count)),
        "memory": _percents(memory, peaks["memory"]),
        "cpu": _percents(cpu, peaks["cpu"]),
        "users": _percents(users, peaks["users"]),
        "legend": " · ".join((
            f"{LEGEND[0]} (100 % = {fmt(peaks['memory'], Unit.BYTES)})",
            f"{LEGEND[1]} (100 % = {fmt(peaks['cpu'], Unit.CORES)} of one core)",
            f"{LEGEND[2]} (100 % = {peaks['users']:,.0f})",
        )),
    }


def _spans(count: int, first: float, step: int, points: Sequence[tuple[float, float, float]],
           *, mean: bool) -> list[float]:
    """One value per span from the (start, value, seconds) points starting in it: their
    peak, or their mean weighted by seconds; a span without points repeats the one before."""
    groups: dict[int, list[tuple[float, float]]] = {}
    for t, value, seconds in points:
        groups.setdefault(min(count - 1, int((t - first) // step)), []).append((value, seconds))
    out: list[float] = []
    for i in range(count):
        group = groups.get(i)
        if group is None:
            out.append(out[-1] if out else 0.0)
        elif mean:
            out.append(sum(v * w for v, w in group) / sum(w for _, w in group))
        else:
            out.append(max(v for v, _ in group))
    return out


def _percents(values: Sequence[float], peak: float) -> str:
    return ", ".join(f"{(v / peak * 100 if peak > 0 else 0.0):.0f}" for v in values)
