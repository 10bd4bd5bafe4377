"""The per-second series the plugin samples while Locust runs: users, requests, failures
and the histogram of each second, as differences between one look at Locust's running
totals and the next, and the peak user count."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

import gevent

if TYPE_CHECKING:  # gate.core is imported on first use: see gate.results.plugin
    from gate.core.model import SecondSample

logger = logging.getLogger("locust-gate")


class Series:
    """One run's samples, and Locust's totals at the last sample (to take differences)."""

    def __init__(self, environment: Any) -> None:
        self.env = environment
        self.samples: list[SecondSample] = []
        self.peak_users = 0
        self._prev_hist: dict[int, int] = {}
        self._prev_requests = 0
        self._prev_failures = 0

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
        self.samples.append(
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
        if self.samples and int(total.num_requests) == self._prev_requests:
            return
        t = int(time.time() - started_at)
        if self.samples:
            t = max(t, self.samples[-1].t + 1)
        self.sample(t)
