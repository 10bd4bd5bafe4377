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
from gate.core.rules import Level, Matcher, Metric, Unit
from gate.core.units import format_value
from gate.core.verdict import Bound, Check, Outcome, Scope

__all__ = ["DEFAULT_WINDOW", "AbortRule", "Tally", "Trip", "abort_checks", "window_value"]

DEFAULT_WINDOW = 10.0  # seconds: long enough for a p95 of a few requests a second


@dataclass(frozen=True, kw_only=True)
class AbortRule:
    """One `abort:` entry, values in the metric's canonical unit (ms, ratio, req/s)."""

    metric: Metric
    bound: Bound  # MAX: `above` (trips when the value exceeds it); MIN: `below`
    limit: float
    hold: float  # seconds the condition must hold without a break (`for:`)
    window: float = DEFAULT_WINDOW  # seconds the value is computed over
    matcher: Matcher | None = None  # None: every request (the aggregate)
    index: int = 0  # its position in the file's `abort:` list
    where: str = ""

    def breached(self, value: float | None) -> bool:
        """Whether `value` meets the condition; no value (no requests) never does."""
        if value is None:
            return False
        return value < self.limit if self.bound is Bound.MIN else value > self.limit

    def describe(self) -> str:
        """`abort[0] fail-ratio above 20.0 % for 10s (over 10s of GET /x)`."""
        side = "below" if self.bound is Bound.MIN else "above"
        what = self.matcher.describe() if self.matcher is not None else "all requests"
        return (
            f"abort[{self.index}] {self.metric.value} {side} "
            f"{format_value(self.limit, self.metric.unit)} for {self.hold:g}s "
            f"(over the last {self.window:g}s of {what})"
        )


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


@dataclass(frozen=True, kw_only=True)
class Trip:
    """An abort rule that held: what the run records and the verdict shows."""

    rule: str  # AbortRule.describe()
    metric: Metric
    bound: Bound
    value: float  # the metric's value when it tripped
    limit: float
    at: float  # seconds since the run started
    where: str = ""
    planned: float | None = None  # the run time that was planned, if one was

    def message(self) -> str:
        unit = self.metric.unit
        sign = "<" if self.bound is Bound.MIN else ">"
        saved = ""
        if self.planned is not None and self.planned > self.at:
            saved = f"; stopping early saved about {_clock(self.planned - self.at)} of CI time"
        return (
            f"the run was aborted at {_clock(self.at)}: {self.metric.value} "
            f"{format_value(self.value, unit)} {sign} {format_value(self.limit, unit)}, "
            f"{self.rule}{saved}"
        )


def _clock(seconds: float) -> str:
    whole = max(0, round(seconds))
    minutes, secs = divmod(whole, 60)
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


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
