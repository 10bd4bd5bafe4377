"""The groups table of report.md and the PR comment (`templates/groups.md.j2`).

One row per `groups:` entry, in the file's order: its mark (from its checks), its figures
from the merged entry (`gate.core.groups.entry`: Locust's own numbers over the members'
merged histograms) and its members. Group names come from the thresholds file, which a
pull request can change, and members from the run: both are escaped for Markdown here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from gate.core.measure import measure
from gate.core.model import EndpointStats
from gate.core.rules import Metric, Unit
from gate.core.verdict import Check, Scope
from gate.reports import escape
from gate.reports.context import ReportContext, fmt

MAX_MEMBERS = 8  # members named per group; the rest are counted
_FIGURES = (Metric.AVG, Metric.P50, Metric.P95, Metric.P99, Metric.MAX)


def view(ctx: ReportContext, *, icon: Callable[[Sequence[Check]], str],
         limit: int) -> dict[str, Any]:
    """`groups` (at most `limit` rows) and `groups_cut` (the rows left out), for the
    template; `icon` marks a row from its checks (`gate.reports.markdown.row_icon`)."""
    by_group: dict[str, list[Check]] = {}
    for check in ctx.verdict.checks:
        if check.scope is Scope.GROUP:
            by_group.setdefault(check.endpoint, []).append(check)
    rows = [_row(entry, icon(by_group.get(entry.name, ()))) for entry in ctx.groups[:limit]]
    return {"groups": rows, "groups_cut": max(0, len(ctx.groups) - limit)}


def _row(entry: EndpointStats, mark: str) -> dict[str, str]:
    shown = [escape.markdown(name, limit=80) for name in entry.members[:MAX_MEMBERS]]
    more = len(entry.members) - len(shown)
    if more:
        shown.append(f"and {more:,} more")
    row = {
        "icon": mark,
        "name": escape.markdown(entry.name, limit=120),
        "requests": f"{entry.num_requests:,}",
        "failures": f"{entry.num_failures:,} ({fmt(entry.fail_ratio, Unit.RATIO)})",
        "rps": fmt(measure(entry, Metric.RPS), Unit.RPS),  # the median of a repeated run
        "members": " · ".join(shown) if shown else "none: matched no endpoint",
    }
    for metric in _FIGURES:
        row[metric.value] = fmt(measure(entry, metric), Unit.MS)
    return row
