"""results.json's `meta.aborted`: the abort rule that stopped the run, written and read.

    "aborted": {"rule", "metric", "bound", "value", "limit", "at", "where", "planned"}
               or null (no rule stopped the run; files older than version 3 have none)
"""

from __future__ import annotations

from typing import Any

from gate.core.model import Trip
from gate.core.rules import Bound, Metric
from gate.results.jsondata import JsonReader

KEY = "aborted"


def trip_out(trip: Trip | None) -> dict[str, Any] | None:
    if trip is None:
        return None
    return {
        "rule": trip.rule,
        "metric": trip.metric.value,
        "bound": trip.bound.value,
        "value": trip.value,
        "limit": trip.limit,
        "at": trip.at,
        "where": trip.where,
        "planned": trip.planned,
    }


def trip_in(r: JsonReader, meta: dict[str, Any]) -> Trip | None:
    value = meta.get(KEY)
    if value is None:
        return None
    key = f"meta.{KEY}"
    data = r.obj(value, key)
    metric = r.string(data, "metric", key)
    bound = r.string(data, "bound", key)
    if metric not in {m.value for m in Metric} or bound not in {b.value for b in Bound}:
        r.fail(f"`{key}` names an unknown metric {metric!r} or bound {bound!r}", key)
    return Trip(
        rule=r.string(data, "rule", key),
        metric=Metric(metric),
        bound=Bound(bound),
        value=r.number(data, "value", key),
        limit=r.number(data, "limit", key),
        at=r.number(data, "at", key),
        where=r.string(data, "where", key, default=""),
        planned=r.opt_number(data, "planned", key),
    )
