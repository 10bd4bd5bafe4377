"""How one value is read against its history: Locust's bucket resolution, percentiles
within a bucket, the requests a metric needs, the history's noise band, and the reading
itself (regressed, improved, pass, or too noisy to judge). Pure functions, shared by the
comparison (`gate.core.compare`), the trends (`gate.baseline.trend`), the thin-data
policy (`gate.core.thin`) and `thresholds init`: it lives in the core so that each of them
reads it from below.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, replace

from gate.core.measure import measure, median_of
from gate.core.model import EndpointStats
from gate.core.relative import RelativeRule
from gate.core.rules import Level, Metric, Unit
from gate.core.verdict import Outcome

# A percentile needs this many requests above it (N * (1 - p)) to be estimated: p99
# from 40 requests rests on 0.4 of a request, so it is inconclusive.
MIN_TAIL_REQUESTS = 5
# The history's noise band: median +- NOISE_MADS scaled MADs (1.4826 * MAD estimates the
# standard deviation of normal noise, so 3 is ~3 sigma).
NOISE_MADS = 3.0
MIN_HISTORY_FOR_BAND = 3  # fewer runs than this: the rule's tolerance alone decides
MAD_TO_SIGMA = 1.4826


def resolution(metric: Metric, value: float) -> float:
    """The smallest change Locust's numbers can show at `value`: one bucket for
    percentiles (1 ms below 100 ms, 10 ms below 1 s, 100 ms below 10 s, then 1 s)."""
    if metric.fraction is None:
        return 0.0
    if value < 100:
        return 1.0
    if value < 1000:
        return 10.0
    if value < 10000:
        return 100.0
    return 1000.0


def needed_requests(metric: Metric, min_requests: int) -> int:
    """Requests needed to judge `metric`: min-requests, and for a percentile enough requests
    above it (p99 needs 500, p95 100, p50 20 with the defaults)."""
    fraction = metric.fraction
    if fraction is None or fraction >= 1:
        return min_requests
    return max(min_requests, math.ceil(round(MIN_TAIL_REQUESTS / (1 - fraction), 6)))


def fine(entry: EndpointStats, metric: Metric) -> float | None:
    """`metric` with sub-bucket resolution: a percentile interpolated linearly within the
    Locust bucket that holds it (a bucket of value v and width w holds [v - w/2, v + w/2));
    other metrics as measured. Of a repeated run's entry, the median across its runs."""
    if entry.repeats:
        return median_of(fine(run, metric) for run in entry.repeats)
    fraction = metric.fraction
    hist = entry.histogram
    total = entry.timed_requests
    if fraction is None or not hist or total <= 0:
        return measure(entry, metric)
    position = min(int(total * fraction), total - 1)  # Locust's 0-based rank
    seen = 0
    for value in sorted(hist):
        count = hist[value]
        if position < seen + count:
            width = resolution(metric, value)
            return value - width / 2 + width * (position - seen + 0.5) / count
        seen += count
    return float(max(hist))


def band(values: Sequence[float], metric: Metric) -> tuple[float, float] | None:
    """median +- NOISE_MADS scaled MADs, at least one bucket wide, and at least as wide as
    every value the history holds (heavy tails: what the history has already shown is not
    a change); None below MIN_HISTORY_FOR_BAND runs."""
    if len(values) < MIN_HISTORY_FOR_BAND:
        return None
    center = statistics.median(values)
    half = _spread(values, metric)
    return (min(center - half, *values), max(center + half, *values))


def _spread(values: Sequence[float], metric: Metric) -> float:
    """NOISE_MADS scaled MADs, at least one bucket: the band's half-width before tails."""
    center = statistics.median(values)
    mad = statistics.median(abs(v - center) for v in values)
    return max(NOISE_MADS * MAD_TO_SIGMA * mad, resolution(metric, center))


def count(entry: EndpointStats, metric: Metric) -> int:
    """The requests a metric is computed over (latencies leave out untimed requests); of
    a repeated run's entry, the fewest of any one run (`gate.core.measure.requests`)."""
    if entry.repeats:
        return min(count(run, metric) for run in entry.repeats)
    return entry.timed_requests if metric.unit is Unit.MS else entry.num_requests


def _limit(
    center: float, sign: float, allowed: float, noise: tuple[float, float] | None
) -> float:
    """The value beyond which the rule flags a regression (tolerance and band)."""
    edge = center + sign * allowed
    if noise is None:
        return edge
    return max(edge, noise[1]) if sign > 0 else min(edge, noise[0])


def moved(noise: tuple[float, float] | None, shift: float | None) -> tuple[float, float] | None:
    """The band in measured terms: with the shift, where this run's value was expected."""
    if noise is None or shift is None:
        return noise
    return (noise[0] + shift, noise[1] + shift)


@dataclass(frozen=True, kw_only=True)
class Reading:
    """A value read against its history: as measured, or with the shared shift removed."""

    center: float  # the history's median (shift removed when `shift` is set)
    noise: tuple[float, float] | None  # the history's band, same terms as `center`
    allowed: dict[Level, float]  # the change each level allows
    limits: dict[Level, float]  # in measured terms: the value beyond which a level breaks
    spread: float  # the band's half-width before tails
    value: float  # the value read, same terms as `center`
    outcome: Outcome  # regressed, improved, pass, or inconclusive (too noisy)
    level: Level | None = None
    shift: float | None = None  # this run's shared shift, removed before reading
    # Whether that shift is one the history has shown (inside the band of its runs' shifts):
    # a larger one may be the whole service changing, which the shift would hide.
    ordinary: bool = True


def read(
    value: float, fine_value: float, values: Sequence[float], fine_values: Sequence[float],
    rule: RelativeRule, *, shift: float | None = None,
) -> Reading:
    """Judge `value` (bucketed) and `fine_value` (within-bucket) against the history."""
    metric = rule.metric
    center = statistics.median(values)
    noise = band(fine_values, metric)
    sign = -1.0 if rule.decrease else 1.0
    bad = sign * (value - center)  # > 0: worse
    floor = max(rule.min_delta, resolution(metric, max(center, value)))
    allowed = {level: max(tol * center, floor) for level, tol in rule.tolerance.items()}
    limits = {lv: _limit(center, sign, allowed[lv], noise) + (shift or 0.0) for lv in allowed}
    spread = _spread(fine_values, metric) if noise is not None else 0.0
    reading = Reading(center=center, noise=noise, allowed=allowed, limits=limits,
                      spread=spread, value=fine_value, outcome=Outcome.PASS, shift=shift)
    outside_bad = noise is None or sign * fine_value > sign * (noise[1] if sign > 0 else noise[0])
    outside_good = noise is None or sign * fine_value < sign * (noise[0] if sign > 0 else noise[1])
    too_noisy = bool(center) and spread / center > max(rule.tolerance.values())
    if noise is not None and outside_bad and bad > min(allowed.values()) and too_noisy:
        return replace(reading, outcome=Outcome.INCONCLUSIVE)
    for level in (Level.FAIL, Level.WARN):
        if level in allowed and bad > allowed[level] and outside_bad:
            return replace(reading, outcome=Outcome.REGRESSED, level=level)
    if -bad > min(allowed.values()) and outside_good:
        return replace(reading, outcome=Outcome.IMPROVED)
    return reading
