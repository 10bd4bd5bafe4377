"""The shared shift of a run: the latency that load on the machine adds to every endpoint.

On a shared CI machine, most of the run-to-run noise of a load test is shared by every
request of the run: Locust's client, the server's event loop and the machine's other jobs
add about the same time to each response, whatever the endpoint. A run on a busy machine
is slower everywhere; a regression is usually slower in one place. So for each endpoint,
each run's *shared shift* is the median, over the run's other endpoints (the controls,
with enough requests), of how far each moved from its own baseline median; subtracting it
removes the shared part of the noise and leaves the endpoint's own change.

The shift is additive (milliseconds, not a ratio): measured on the demo under load, an
added shift brought the run-to-run spread of search's p50 from 1.25 ms to about 0.75 ms,
while a ratio made it worse (fast endpoints' relative noise leaks into slow ones).
docs/benchmarks.md has the figures. Pure functions; `gate.core.compare` uses them.
"""

from __future__ import annotations

import bisect
import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from gate.core.model import EndpointStats, Results

MIN_CONTROLS = 2  # other endpoints needed to estimate a run's shift (one is its own noise)

Key = tuple[str, str]  # (method, name)
Value = Callable[[EndpointStats], float | None]  # the metric of an endpoint, None: too few


@dataclass(frozen=True, kw_only=True)
class RunShift:
    """One run's deviations from the baseline, to read any endpoint's shift from."""

    deviations: tuple[float, ...]  # sorted: each control's value minus its baseline median
    own: Mapping[Key, float]  # each endpoint's own deviation, to leave it out

    def seen_by(self, key: Key) -> float | None:
        """The shift for endpoint `key`: the median deviation of the *other* endpoints
        (None with fewer than MIN_CONTROLS of them)."""
        values = self.deviations
        mine = self.own.get(key)
        count = len(values) - (mine is not None)
        if count < MIN_CONTROLS:
            return None
        skip = bisect.bisect_left(values, mine) if mine is not None else len(values)

        def nth(k: int) -> float:  # k-th of the others, in order
            return values[k if k < skip else k + 1]

        middle = count // 2
        if count % 2:
            return nth(middle)
        return (nth(middle - 1) + nth(middle)) / 2


def centers(history: Sequence[Results], value: Value) -> dict[Key, float]:
    """Each endpoint's baseline median over the history runs where it has a value."""
    seen: dict[Key, list[float]] = {}
    for results in history:
        for entry in results.endpoints:
            v = value(entry)
            if v is not None:
                seen.setdefault((entry.method, entry.name), []).append(v)
    return {key: statistics.median(values) for key, values in seen.items()}


def run_shift(results: Results, center: Mapping[Key, float], value: Value) -> RunShift:
    """The deviations of one run's endpoints (those with a value and a baseline) from
    their baseline medians. The Aggregated row is not a control: it mixes the others."""
    own: dict[Key, float] = {}
    for entry in results.endpoints:
        key = (entry.method, entry.name)
        v = value(entry)
        if v is not None and key in center:
            own[key] = v - center[key]
    return RunShift(deviations=tuple(sorted(own.values())), own=own)
