"""Checks on numbers the backend exposes at a URL: the thresholds' `metrics:` section.

    metrics:
      - name: cache hit rate
        url: http://127.0.0.1:{port}/api/cache/stats   # JSON, read after the load
        json: cache.hit_rate                           # a dotted path
        min: 0.8
      - name: DB connections in use
        prometheus: http://127.0.0.1:{port}/metrics    # Prometheus' text format
        metric: db_connections_in_use
        labels: {pool: main}
        max: {warn: 40, fail: 50}
        during: true          # read each second while the load runs: the peak is judged

An `ExternalMetric` says what to read; the edge (`gate.harness.metrics`) reads it and
hands over a `gate.core.model.MetricReading` on `Results.metrics`, so judging stays pure.
Each `min:`/`max:` limit is one check through `gate.core.judging.judge_rule`: `max` judges
the number (with `during: true` the peak of the reads), `min` the number (the lowest).
A reading that gave no number (unreachable, a missing path or metric, not a number) is a
failed check whose message says which; a metric with no reading at all (`check` on
results without metrics.json) is no-data at `on-inconclusive`. Never a pass.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from gate.core.judging import judge_rule
from gate.core.measure import Subject
from gate.core.model import MetricReading
from gate.core.rules import Bound, Level, Metric, Rule
from gate.core.sections import ExternalMetric
from gate.core.units import format_value
from gate.core.verdict import Check, Outcome, Scope

if TYPE_CHECKING:
    from gate.core.inputs import Inputs

__all__ = ["checks"]


@dataclass(frozen=True, kw_only=True)
class _Reading:
    """A reading as a `Measurement`: the peak for a ceiling, the lowest for a floor."""

    subject: Subject
    reading: MetricReading | None

    def value(self, metric: Metric) -> float | None:
        if self.reading is None or self.reading.samples == 0:
            return None
        return self.reading.lowest if metric.is_floor else self.reading.peak


def checks(inputs: Inputs) -> list[Check]:
    """One check per limit of every entry of the `metrics:` section."""
    thresholds = inputs.thresholds
    read = inputs.results.metrics
    readings: Mapping[str, MetricReading] = {r.name: r for r in read or ()}
    return [
        _check(entry, rule, readings.get(entry.name), read_at_all=read is not None,
               on_inconclusive=thresholds.on_inconclusive)
        for entry in thresholds.metrics
        for rule in entry.rules
    ]


def _check(entry: ExternalMetric, rule: Rule, reading: MetricReading | None, *,
           read_at_all: bool, on_inconclusive: Level) -> Check:
    subject = Subject(scope=Scope.EXTERNAL, label=entry.name, name=entry.name)
    stale = reading is not None and (reading.what, reading.during) != (entry.what, entry.during)
    judged = judge_rule(_Reading(subject=subject, reading=None if stale else reading), rule, 0,
                        on_inconclusive)
    shown = replace(judged, metric=_statistic(rule.metric, during=entry.during))
    if reading is None or stale:
        return replace(shown, message=_unread(entry, reading, read_at_all=read_at_all))
    if reading.samples == 0:  # the URL was read and gave no number: the check fails
        return replace(shown, level=Level.FAIL,
                       message=f"{entry.what}: no number could be read: {reading.error}")
    return replace(shown, message=_message(shown, reading))


def _statistic(metric: Metric, *, during: bool) -> str:
    """What the check judged, in the metric column: the number read after the load, or
    the peak (a `max:`) or lowest (a `min:`) of the reads while it ran."""
    if not during:
        return "value"
    return "lowest" if metric.is_floor else "peak"


def _unread(entry: ExternalMetric, reading: MetricReading | None, *, read_at_all: bool) -> str:
    if reading is not None:
        return (f"this run read {reading.what}" + (" during the load" if reading.during else "")
                + f", the thresholds now ask for {entry.what}"
                + (" during the load" if entry.during else "") + ": run the load test again")
    if read_at_all:
        return "this run's metrics.json has no reading of it: run the load test again"
    return ("not read: `locust-gate run` reads the metrics and stores them in metrics.json "
            "next to results.json, and none was found for these results")


def _message(check: Check, reading: MetricReading) -> str:
    """The breach (or nothing), and how the number was read when that matters."""
    parts: list[str] = []
    if check.outcome is Outcome.BREACHED and check.limit is not None and check.level is not None:
        sign = "<" if check.bound is Bound.MIN else ">"
        parts.append(f"{check.metric} {format_value(check.measured, check.unit)} {sign} limit "
                     f"{format_value(check.limit, check.unit)} ({check.level.value})")
    if reading.during:
        parts.append(f"{reading.samples:,} reads, one a second while the load ran")
    if reading.failed:
        parts.append(f"{reading.failed:,} reads gave no number (the last: {reading.error})")
    return "; ".join(parts)

