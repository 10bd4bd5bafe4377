"""The data of report.md's "Metrics read" section (`templates/metrics.md.j2`): what was
read for each entry of the thresholds' `metrics:` section, where, how often, and the
numbers; every text from the endpoint or the thresholds escaped for Markdown here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gate.core.model import MetricReading, Results
from gate.core.rules import Unit
from gate.core.verdict import Check, Scope, by_severity
from gate.reports import escape
from gate.reports.context import fmt

MAX_ROWS = 50


Icon = Callable[[Check], str]


def view(results: Results, checks: tuple[Check, ...], icon: Icon) -> dict[str, Any]:
    """`metrics` (rows) and `metrics_cut` for the template; `icon` marks a row by the
    worst of its checks (`gate.reports.markdown.check_icon`)."""
    readings = results.metrics or ()
    worst: dict[str, Check] = {}
    for check in by_severity(c for c in checks if c.scope is Scope.EXTERNAL):
        worst.setdefault(check.endpoint, check)
    return {
        "metrics": [_row(r, worst.get(r.name), icon) for r in readings[:MAX_ROWS]],
        "metrics_cut": max(0, len(readings) - MAX_ROWS),
    }


def _row(reading: MetricReading, check: Check | None, icon: Icon) -> dict[str, str]:
    if reading.during:
        when = f"each second during the load: {reading.samples + reading.failed:,} reads"
        number = (f"peak {fmt(reading.peak, Unit.NUMBER)}, lowest "
                  f"{fmt(reading.lowest, Unit.NUMBER)}") if reading.samples else "-"
    else:
        when = "after the load"
        number = fmt(reading.peak, Unit.NUMBER) if reading.samples else "-"
    failed = (escape.markdown(f"{reading.failed:,}: {reading.error}", limit=300)
              if reading.failed else "-")
    return {
        "icon": icon(check) if check is not None else "",
        "name": escape.markdown(reading.name, limit=120),
        "what": escape.markdown(reading.what, limit=200),
        "url": escape.markdown(reading.url, limit=200),
        "when": when,
        "number": number,
        "failed": failed,
    }
