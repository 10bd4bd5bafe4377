"""The backend's resources judged: the `resources:` section's rules against the samples
`locust-gate run` took of the backend's process tree while the load ran.

    resources:
      rss: 512MB            # peak resident memory of the process tree
      cpu: 150%             # mean CPU over the load (100 % = one core)
      rss-growth: 5MB/min   # the leak rule
      connections: 200      # peak open TCP connections
      min-samples: 30       # samples after warm-up the leak rule needs (default 30)

`rss` is the highest sample, `cpu` the mean over every sample weighted by its length,
`connections` the highest sample. The leak rule (`rss-growth`) is the Theil-Sen slope
of resident memory over time (the median of the slopes between every pair of samples,
so a warm-up step, a garbage collection or a cache filling once moves it little) over
the *steady part* of the run: the samples that start after the later of the first third
of the sampled time and the moment the users first reached their peak. With fewer than
`min-samples` samples there, the check is `inconclusive` (at `on-inconclusive`); with
no samples at all (`check` on results that `run` did not sample) every rule is
`no-data`: never a pass.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from gate.core.judging import judge_rule
from gate.core.measure import Subject
from gate.core.model import BackendUsage, ResourceSample, SecondSample
from gate.core.rules import Level, Metric, Rule
from gate.core.verdict import Check, Outcome, Scope

if TYPE_CHECKING:
    from gate.core.inputs import Inputs

__all__ = ["Usage", "checks", "steady", "theil_sen"]

MAX_SLOPE_POINTS = 400  # Theil-Sen is quadratic: a long run's samples are thinned evenly
LABEL = "backend"


def steady(samples: Sequence[ResourceSample], series: Sequence[SecondSample]
           ) -> tuple[ResourceSample, ...]:
    """The samples after warm-up: those starting after the later of the first third of the
    sampled time and the first second at which the users reached their peak."""
    if not samples:
        return ()
    first = samples[0].t
    span = samples[-1].t + samples[-1].seconds - first
    cut = first + span / 3
    peak = max((s.users for s in series), default=0)
    if peak > 0:
        cut = max(cut, next(s.t + s.seconds for s in series if s.users >= peak))
    return tuple(s for s in samples if s.t >= cut)


def theil_sen(points: Sequence[tuple[float, float]]) -> float | None:
    """The median of the slopes between every pair of points (x apart); None for fewer
    than two distinct x."""
    if len(points) > MAX_SLOPE_POINTS:
        step = len(points) / MAX_SLOPE_POINTS
        points = [points[int(i * step)] for i in range(MAX_SLOPE_POINTS)]
    slopes = [
        (y2 - y1) / (x2 - x1)
        for i, (x1, y1) in enumerate(points)
        for x2, y2 in points[i + 1:]
        if x2 != x1
    ]
    return statistics.median(slopes) if slopes else None


@dataclass(frozen=True, kw_only=True)
class Usage:
    """The backend's samples as a `Measurement` (see `gate.core.measure`)."""

    backend: BackendUsage | None
    series: Sequence[SecondSample] = ()

    @property
    def subject(self) -> Subject:
        return Subject(scope=Scope.RESOURCE, label=LABEL, name=LABEL)

    @property
    def samples(self) -> tuple[ResourceSample, ...]:
        return self.backend.samples if self.backend is not None else ()

    def value(self, metric: Metric) -> float | None:
        samples = self.samples
        if not samples:
            return None
        if metric is Metric.RSS:
            return float(max(s.rss for s in samples))
        if metric is Metric.CONNECTIONS:
            return float(max(s.connections for s in samples))
        if metric is Metric.CPU:
            seconds = sum(s.seconds for s in samples)
            return sum(s.cpu * s.seconds for s in samples) / seconds if seconds > 0 else None
        if metric is Metric.RSS_GROWTH:
            points = [(s.t + s.seconds / 2, float(s.rss)) for s in self.steady()]
            slope = theil_sen(points)
            return None if slope is None else slope * 60  # bytes per minute
        return None

    def steady(self) -> tuple[ResourceSample, ...]:
        return steady(self.samples, self.series)


def checks(inputs: Inputs) -> Sequence[Check]:
    """One check per rule of the `resources:` section (none without the section)."""
    section = inputs.thresholds.resources
    if section is None:
        return ()
    usage = Usage(backend=inputs.results.backend, series=inputs.results.series)
    on_inconclusive = inputs.thresholds.on_inconclusive
    return tuple(_judged(usage, rule, section.min_samples, on_inconclusive)
                 for rule in section.rules)


def _judged(usage: Usage, rule: Rule, min_samples: int, level: Level) -> Check:
    if not usage.samples:
        check = judge_rule(usage, rule, 0, level)
        return replace(check, message=(
            f"{rule.metric.value}: no samples of the backend's processes, so nothing was "
            "measured: `locust-gate run` samples the process tree of its `start` command "
            "(or the processes of `resources-pidfile`) while the load runs; these results "
            "have none"))
    if rule.metric is Metric.RSS_GROWTH:
        return _growth(usage, rule, min_samples, level)
    return judge_rule(usage, rule, 0, level)


def _growth(usage: Usage, rule: Rule, min_samples: int, on_inconclusive: Level) -> Check:
    window = usage.steady()
    check = judge_rule(usage, rule, 0, on_inconclusive)
    if len(window) < min_samples:
        after = f" from {window[0].t:.0f} s on" if window else ""
        return replace(
            check, measured=None, outcome=Outcome.INCONCLUSIVE, level=on_inconclusive,
            message=f"rss-growth: too short to tell a leak from a warm-up: {len(window)} "
            f"samples after warm-up{after}, the leak rule needs {min_samples} (one a second); "
            "run longer, or lower resources.min-samples",
        )
    how = (f"Theil-Sen slope of {len(window)} samples after warm-up, from "
           f"{window[0].t:.0f} s on")
    message = f"{check.message}; {how}" if check.message else how
    return replace(check, message=message)
