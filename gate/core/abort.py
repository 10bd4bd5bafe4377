"""Abort rules: stop a run early when a condition holds, continuously, for a while.

    abort:
      - metric: fail-ratio          # any per-endpoint metric the gate knows
        above: 20%                  # or `below:` for a floor such as rps
        for: 10s                    # the condition must hold this long, without a break
      - match: "GET /api/search*"   # optional: the endpoints it watches (as endpoints:)
        metric: p95
        above: 5s
        for: 20s
        window: 10s                 # the sliding window the metric is computed on

The plugin evaluates the rules live (`gate.results.abortwatch`) once a second on the local
or master runner, each on the last `window` seconds of the watched requests (the
difference of two copies of Locust's running totals and histograms, so a windowed p95 is
the exact percentile of the requests completed in that window), and stops Locust when one
has held for `for`. What it records (`Trip`) travels in results.json, and the kind of check
here turns it into a failing check of the verdict. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from gate.core import histogram
from gate.core.model import Trip
from gate.core.rules import Level, Metric, Unit
from gate.core.verdict import Check, Outcome, Scope

__all__ = ["Tally", "abort_checks", "window_value"]

@dataclass(frozen=True, kw_only=True)
class Tally:
    """Running totals of the watched requests at one moment: the difference of two is a
    window. `histogram` is Locust's bucketed response times (bucket ms -> count)."""

    at: float  # seconds since the run started
    requests: int
    failures: int
    total_response_time: float
    histogram: Mapping[int, int] = field(default_factory=dict)


def window_value(metric: Metric, older: Tally, newer: Tally) -> float | None:
    """`metric` over the requests between two tallies; None when it has no value (no
    requests in the window, except rps, whose value is then 0)."""
    seconds = newer.at - older.at
    requests = newer.requests - older.requests
    if metric is Metric.RPS:
        return requests / seconds if seconds > 0 else None
    if requests <= 0:
        return None
    if metric is Metric.FAIL_RATIO:
        return (newer.failures - older.failures) / requests
    if metric is Metric.AVG:
        return (newer.total_response_time - older.total_response_time) / requests
    return _latency(metric, older, newer)


def _latency(metric: Metric, older: Tally, newer: Tally) -> float | None:
    """A percentile or the max of the window's histogram (newer minus older, per bucket)."""
    hist = {
        bucket: count - older.histogram.get(bucket, 0)
        for bucket, count in newer.histogram.items()
        if count - older.histogram.get(bucket, 0) > 0
    }
    timed = sum(hist.values())
    if timed == 0:
        return None
    if metric is Metric.MAX:
        return float(max(hist))
    fraction = metric.fraction
    if fraction is None:  # the parser admits per-endpoint metrics only
        raise ValueError(f"an abort rule cannot watch {metric.value}")
    return float(histogram.percentile(hist, timed, fraction))


def abort_checks(trip: Trip | None) -> Sequence[Check]:
    """The failing check of a run an abort rule stopped; nothing for a run it did not."""
    if trip is None:
        return ()
    unit: Unit = trip.metric.unit
    return (
        Check(
            scope=Scope.RUN,
            endpoint="",
            method="",
            name="",
            metric="abort",
            unit=unit,
            measured=trip.value,
            limit=trip.limit,
            limits={Level.FAIL.value: trip.limit},
            bound=trip.bound,
            outcome=Outcome.BREACHED,
            level=Level.FAIL,
            message=trip.message(),
            where=trip.where,
        ),
    )
