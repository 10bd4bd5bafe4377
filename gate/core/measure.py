"""Where a check's measured value comes from: the seam between data and judgement.

A rule is judged against a `Measurement`: something that names what was measured (its
`Subject`: scope, label, how many samples back the value) and gives a metric's value.
Today every measurement is an endpoint or the aggregate (`EndpointMeasurement`, over
`EndpointStats`), or the run's count of exceptions raised in the locustfile
(`ExceptionCount`). A group of endpoints is an `EndpointMeasurement` of their
`model.aggregate` with scope `group`; the backend's memory or a number read from a URL
is a small class with `subject` and `value()`: `gate.core.judging.judge_rule` turns any of
them into a `Check` the same way, and the verdict model does not change.

Every metric's source is named in one table, `SOURCES` (Metric -> how it is read from an
`EndpointStats`): a metric without an entry is a bug, and measuring it raises
`UnknownMetric` (exit 3) rather than measuring some other number.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from gate.core.model import AGGREGATED, EndpointStats
from gate.core.rules import RESOURCE_METRICS, Metric
from gate.core.verdict import Check, Scope


@dataclass(frozen=True, kw_only=True)
class Subject:
    """What a measured value is about, as every report names it."""

    scope: Scope
    label: str  # `METHOD NAME`, `Aggregated`, a group's name, `backend`, a URL's metric
    method: str = ""
    name: str = ""
    # How many requests back the value (judged against min-requests); None for a value
    # that is not a sample of requests (a memory reading), which is never "too few".
    samples: int | None = None

    def check(self, **fields: Any) -> Check:
        """A Check about this subject; `fields` are the rest of Check's fields."""
        return Check(
            scope=self.scope, endpoint=self.label, method=self.method, name=self.name, **fields
        )


class Measurement(Protocol):
    """A source of measured values for rules (see the module docstring)."""

    @property
    def subject(self) -> Subject: ...

    def value(self, metric: Metric) -> float | None:
        """The metric's value in its canonical unit; None when it cannot be computed."""
        ...


class UnknownMetric(LookupError):
    """A metric with no source in `SOURCES`: a bug (a metric added without saying where
    its value comes from), so it ends as an internal error, exit 3 (`gate.errors`)."""

    def __init__(self, metric: object, where: str) -> None:
        super().__init__(f"no source for metric {metric!r} in {where}")


def _percentile(fraction: float) -> Callable[[EndpointStats], float | None]:
    def read(entry: EndpointStats) -> float | None:
        return entry.percentile(fraction)

    return read


def _max(entry: EndpointStats) -> float | None:
    return entry.max_response_time if entry.timed_requests > 0 else None


def _none(entry: EndpointStats) -> float | None:
    """A count of the whole run, not of one endpoint: measured by `ExceptionCount`."""
    return None


def _backend(entry: EndpointStats) -> None:
    """A figure of the backend's process tree, not of an endpoint: measured by
    `gate.core.resources.Usage`."""
    return None


def _url(entry: EndpointStats) -> None:
    """A number read from a URL (the `metrics:` section), not a figure of an endpoint:
    measured by `gate.core.external`."""
    return None


# Every metric and where an endpoint's (or the aggregate's) value of it comes from.
SOURCES: Mapping[Metric, Callable[[EndpointStats], float | None]] = {
    **{m: _percentile(f) for m in Metric if (f := m.fraction) is not None},
    Metric.MAX: _max,
    Metric.AVG: lambda entry: entry.avg_response_time,
    Metric.FAIL_RATIO: lambda entry: entry.fail_ratio,
    Metric.RPS: lambda entry: entry.rps,
    Metric.EXCEPTIONS: _none,
    **dict.fromkeys(RESOURCE_METRICS, _backend),
    Metric.READING_MIN: _url,
    Metric.READING_MAX: _url,
}


def measure(entry: EndpointStats, metric: Metric) -> float | None:
    """The value of one metric for one endpoint (or the aggregate); None without data.
    Of a repeated run's entry, the median of the runs that have a value (`median_of`).
    Raises `UnknownMetric` for a metric `SOURCES` does not name."""
    source = SOURCES.get(metric)
    if source is None:
        raise UnknownMetric(metric, "gate.core.measure.SOURCES (add its entry)")
    if entry.repeats:
        return median_of(source(run) for run in entry.repeats)
    return source(entry)


def median_of(values: Iterable[float | None]) -> float | None:
    """The median of the values that exist (`run --repeat N` judges each metric's median
    across the N runs: one slow run out of three moves it not at all); None when none does."""
    found = [v for v in values if v is not None]
    return statistics.median(found) if found else None


def requests(entry: EndpointStats) -> int:
    """The requests a value of `entry` rests on: its own, or for a repeated run's entry
    the fewest of any one run (each run's value is computed from that run alone)."""
    if entry.repeats:
        return min(run.num_requests for run in entry.repeats)
    return entry.num_requests


@dataclass(frozen=True, kw_only=True)
class EndpointMeasurement:
    """An endpoint, the aggregate, or (scope `group`) the aggregate of several endpoints."""

    entry: EndpointStats
    scope: Scope | None = None  # None: endpoint, or aggregate for Locust's Aggregated row
    label: str | None = None  # None: the entry's `METHOD NAME`
    _subject: Subject = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        entry = self.entry
        is_total = entry.name == AGGREGATED and not entry.method
        subject = Subject(
            scope=self.scope or (Scope.AGGREGATE if is_total else Scope.ENDPOINT),
            label=self.label or entry.key,
            method=entry.method,
            name=entry.name,
            samples=requests(entry),
        )
        object.__setattr__(self, "_subject", subject)

    @property
    def subject(self) -> Subject:
        return self._subject

    def value(self, metric: Metric) -> float | None:
        return measure(self.entry, metric)


@dataclass(frozen=True, kw_only=True)
class ExceptionCount:
    """The unhandled exceptions raised in the locustfile during the whole run, shown on
    the aggregate's row. A count of events, not a sample of requests, so never too few
    to judge; None when the source does not record exceptions (no data)."""

    count: int | None

    @property
    def subject(self) -> Subject:
        return Subject(scope=Scope.AGGREGATE, label=AGGREGATED, name=AGGREGATED)

    def value(self, metric: Metric) -> float | None:
        if metric is not Metric.EXCEPTIONS:
            raise UnknownMetric(metric, "ExceptionCount (it measures exceptions only)")
        return None if self.count is None else float(self.count)
