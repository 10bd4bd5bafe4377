"""The series the plugin samples while Locust runs: users, requests, failures and the
histogram of each second, as differences between one look at Locust's running totals and
the next, and the peak user count.

Bounded, so long runs stay small: the first `EXACT_SECONDS` (10 minutes, which covers a
typical CI run whole, and any warm-up) stay one sample per second; after them, samples
go into slices of a common width, and when there are more than `MAX_MERGED` such slices
the width doubles and neighbouring slices are merged pairwise (1 s, 2 s, 4 s, ...). Every
slice keeps the exact histogram, counts and peak users of its own interval (merging adds
histograms bucket by bucket, nothing is sampled or estimated), so the series still adds
up to the run's totals; only the time resolution coarsens as the run grows: 64 s per
slice after 8 hours. At most `EXACT_SECONDS + MAX_MERGED` samples: the plugin's memory and
the series in results.json stay the same size whether the run lasts an hour or a day.
Chosen over streaming the series to disk or a binary/compressed section because it keeps
results.json plain JSON that any tool reads, with nothing to reassemble, and every
consumer (the load chart, sanity checks) works on the same `SecondSample`s, reading a
slice's width from `seconds`. `Slices` is generic over what a slice holds: `run` bounds
its samples of the backend's processes the same way (`gate.harness.resources`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar, cast

if TYPE_CHECKING:  # gate.core is imported on first use: see gate.results.plugin
    from gate.core.model import SecondSample

logger = logging.getLogger("locust-gate")

EXACT_SECONDS = 600  # the first 10 minutes: one sample per second
MAX_MERGED = 600  # then at most this many slices before neighbours merge pairwise


def merged(first: SecondSample, second: SecondSample) -> SecondSample:
    """One slice covering both (`second` follows `first`): counts and histograms added."""
    from gate.core import histogram  # noqa: PLC0415 (see gate.results.plugin)

    return replace(
        first,
        seconds=second.t + second.seconds - first.t,
        users=max(first.users, second.users),
        requests=first.requests + second.requests,
        failures=first.failures + second.failures,
        histogram=histogram.merge([first.histogram, second.histogram]),
    )


class Slice(Protocol):
    """What `Slices` needs of a sample: where it starts and how long it is (seconds)."""

    @property
    def t(self) -> float: ...

    @property
    def seconds(self) -> float: ...


S = TypeVar("S", bound=Slice)


class Slices(Generic[S]):
    """A run's samples in time order, bounded as the module docstring says; `merge` makes
    one slice of two neighbours (default: `merged`, for `SecondSample`s)."""

    def __init__(self, *, exact_seconds: int = EXACT_SECONDS, max_merged: int = MAX_MERGED,
                 merge: Callable[[S, S], S] | None = None):
        self.exact_seconds = exact_seconds
        self.max_merged = max_merged
        self.width = 1  # of the slices after the exact ones (the last may be shorter)
        self._merge = merge or cast("Callable[[S, S], S]", merged)
        self._exact: list[S] = []
        self._merged: list[S] = []

    def __len__(self) -> int:
        return len(self._exact) + len(self._merged)

    @property
    def samples(self) -> tuple[S, ...]:
        return (*self._exact, *self._merged)

    @property
    def end(self) -> float | None:
        """Where the last sample ends (seconds since the start), None before the first."""
        last = self._merged[-1] if self._merged else self._exact[-1] if self._exact else None
        return None if last is None else last.t + last.seconds

    def add(self, sample: S) -> None:
        """Append `sample`, which starts where (or after) the last one ends."""
        if sample.t < self.exact_seconds and not self._merged:
            self._exact.append(sample)
            return
        tail = self._merged
        if tail and self._slot(tail[-1].t) == self._slot(sample.t):
            tail[-1] = self._merge(tail[-1], sample)
        else:
            tail.append(sample)
        if len(tail) > self.max_merged:
            self.width *= 2
            self._merged = self._regrouped(tail)

    def _slot(self, t: float) -> float:
        return (t - self.exact_seconds) // self.width

    def _regrouped(self, tail: list[S]) -> list[S]:
        """Neighbours that now share a slot of the doubled width, merged."""
        out: list[S] = []
        for sample in tail:
            if out and self._slot(out[-1].t) == self._slot(sample.t):
                out[-1] = self._merge(out[-1], sample)
            else:
                out.append(sample)
        return out


class Series:
    """One run's samples, and Locust's totals at the last sample (to take differences)."""

    def __init__(self, environment: Any) -> None:
        self.env = environment
        self.slices: Slices[SecondSample] = Slices()
        self.peak_users = 0
        self._prev_hist: dict[int, int] = {}
        self._prev_requests = 0
        self._prev_failures = 0

    @property
    def samples(self) -> tuple[SecondSample, ...]:
        return self.slices.samples

    def note_users(self, count: int) -> None:
        self.peak_users = max(self.peak_users, int(count))

    def sample(self, t: int) -> None:
        """Add what came in since the last sample as second `t` of the run."""
        from gate.core.model import SecondSample  # noqa: PLC0415 (see gate.results.plugin)

        total = self.env.stats.total
        requests, failures = int(total.num_requests), int(total.num_failures)
        hist = {int(k): int(v) for k, v in total.response_times.items()}
        if requests < self._prev_requests:  # stats were reset (--reset-stats)
            self._prev_hist, self._prev_requests, self._prev_failures = {}, 0, 0
        delta = {k: v - self._prev_hist.get(k, 0) for k, v in hist.items()}
        runner = self.env.runner
        users = int(runner.user_count) if runner is not None else 0
        self.peak_users = max(self.peak_users, users)
        self.slices.add(
            SecondSample(
                t=t,
                users=users,
                requests=requests - self._prev_requests,
                failures=max(0, failures - self._prev_failures),
                histogram={k: v for k, v in sorted(delta.items()) if v > 0},
            )
        )
        self._prev_hist, self._prev_requests, self._prev_failures = hist, requests, failures

    def every_second(self, started_at: float) -> None:
        """Greenlet body: one sample per second of the run until killed."""
        import gevent  # noqa: PLC0415 (Locust's process has it; run's bounds its samples here too)

        t = 0
        while True:
            gevent.sleep(max(0.0, started_at + t + 1 - time.time()))
            try:
                self.sample(t)
            except Exception:
                logger.exception("locust-gate: sampling failed (ignored)")
            t += 1

    def final(self, started_at: float) -> None:
        """One last sample of what came in since the sampler's last one, if anything."""
        total = self.env.stats.total
        end = self.slices.end
        if end is not None and int(total.num_requests) == self._prev_requests:
            return
        t = int(time.time() - started_at)
        self.sample(t if end is None else max(t, int(end)))
