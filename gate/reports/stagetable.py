"""The data of report.md's "Stages" section (`templates/stages.md.j2`): one row per stage
of the run (p50, p95, fail ratio, rps, users, from the stage's own exact figures), and
what was cut as warm-up and cool-down, exactly or at which resolution. Names come from
the results file, so every value is escaped for Markdown here."""

from __future__ import annotations

from typing import Any

from gate.core.measure import measure
from gate.core.model import Results, Window
from gate.core.rules import Metric, Unit
from gate.reports import escape
from gate.reports.context import duration, fmt


def stages_view(results: Results) -> dict[str, Any]:
    """`stages` (rows) and `cut` (a sentence, or "") for the template."""
    return {"stages": [_row(w) for w in results.stages], "cut": _cut_sentence(results)}


def _row(window: Window) -> dict[str, str]:
    total = window.total
    return {
        "name": escape.markdown(window.name, limit=64),
        "users": "-" if window.users is None else f"{window.users:,}",
        "span": f"{duration(window.start)} to {duration(window.end)}",
        "requests": f"{total.num_requests:,}",
        "p50": fmt(measure(total, Metric.P50), Unit.MS),
        "p95": fmt(measure(total, Metric.P95), Unit.MS),
        "fail_ratio": fmt(total.fail_ratio, Unit.RATIO),
        "rps": fmt(measure(total, Metric.RPS), Unit.RPS),
    }


def _cut_sentence(results: Results) -> str:
    cut = results.cut
    if cut is None:
        return ""
    parts = [f"the first {cut.warmup:g}s (warm-up)"] if cut.warmup else []
    parts += [f"the last {cut.cooldown:g}s (cool-down)"] if cut.cooldown else []
    how = (
        "exactly: every endpoint's stats were copied at the boundaries while the run went on"
        if cut.resolution is None
        else f"after the fact from the per-second series, at its resolution of "
        f"{cut.resolution:g}s, for the aggregate only"
    )
    return f"Left out of the figures: {' and '.join(parts) or 'nothing'}, {how}."
