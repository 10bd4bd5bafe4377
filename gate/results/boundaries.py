"""The moments at which the plugin copies Locust's stats, and the figures between them.

A stage's start (the gate's load shape calls `stage_started` in the tick that changes the
users), the end of the warm-up and the start of the cool-down (timers from the start of
the test): at each, every entry's counts and histogram are copied (`snapshot.take`), and
at the end the figures of each interval are the difference of two copies
(`snapshot.between`), exact because Locust's stats are cumulative. So a stage's p95 is the
p95 of the requests Locust recorded during that stage, not an average of per-second
figures, and a warm-up cut removes the first seconds from every metric of every endpoint,
latencies included.

A request is recorded when its response arrives, so a request in flight at a boundary
counts in the interval in which it ended. In distributed mode the master's stats lag the
workers' by up to their report interval (3 s), and so do the copies taken there.

Imported on the local or master runner only, when a test starts with stages, a warm-up or
a cool-down (see `gate.results.plugin`).
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import gevent

from gate.core.model import Cut, Results, Window
from gate.results import snapshot

if TYPE_CHECKING:
    from gate.results.loadshape import Stage


class Boundaries:
    """One test's planned boundaries and the copies taken at them."""

    def __init__(
        self,
        environment: Any,
        *,
        stages: tuple[Stage, ...] = (),
        warmup: float = 0.0,
        cooldown: float = 0.0,
        run_time: float | None = None,
    ) -> None:
        self.env = environment
        self.stages = stages
        self.warmup = warmup
        self.cooldown = cooldown
        self.run_time = run_time
        # The first stage starts with the test: its copy is taken when the test starts
        # (Locust fires test_start after the shape's first tick, not before).
        self.stage_copies: list[tuple[int, snapshot.Copy]] = (
            [(0, snapshot.take(environment.stats))] if stages else []
        )
        self.warmup_copy: snapshot.Copy | None = None
        self.cooldown_copy: snapshot.Copy | None = None

    @property
    def cuts(self) -> bool:
        return self.warmup > 0 or self.cooldown > 0

    def timers(self, started_at: float) -> list[Any]:
        """Greenlets that take the warm-up and cool-down copies at their moments."""
        greenlets = []
        if self.warmup > 0:
            greenlets.append(gevent.spawn(self._at, started_at + self.warmup, "warmup_copy"))
        if self.cooldown > 0 and self.run_time is not None:
            moment = started_at + max(0.0, self.run_time - self.cooldown)
            greenlets.append(gevent.spawn(self._at, moment, "cooldown_copy"))
        return greenlets

    def _at(self, moment: float, slot: str) -> None:
        gevent.sleep(max(0.0, moment - time.time()))
        setattr(self, slot, snapshot.take(self.env.stats))

    def stage_started(self, index: int) -> None:
        """Called by the gate's load shape in the tick that moves into stage `index`."""
        if index == 0 or not 0 < index < len(self.stages):
            return
        self.stage_copies.append((index, snapshot.take(self.env.stats)))

    def applied(self, results: Results) -> Results:
        """`results` (the whole run) with each stage's figures and the cut applied, from
        the copies taken so far and one taken now (the end)."""
        final = snapshot.take(self.env.stats)
        run_start = results.meta.start_time
        if self.stage_copies:
            results = replace(results, stages=self._windows(final, run_start))
        if not self.cuts:
            return results
        # A run that ended inside its warm-up measured nothing: an empty window (the run
        # check then fails it for making no requests), never the warm-up's numbers.
        earlier = self.warmup_copy if self.warmup > 0 else None
        later = self.cooldown_copy or final
        if self.warmup > 0 and earlier is None:
            earlier = final
        endpoints, total, failures = snapshot.between(earlier, later)
        return replace(
            results,
            endpoints=endpoints,
            total=total,
            failures=failures,
            cut=Cut(warmup=self.warmup, cooldown=self.cooldown),
        )

    def _windows(self, final: snapshot.Copy, run_start: float) -> tuple[Window, ...]:
        windows = []
        for position, (index, copy) in enumerate(self.stage_copies):
            following = self.stage_copies[position + 1 :]
            later = following[0][1] if following else final
            stage = self.stages[index]
            windows.append(snapshot.window(
                stage.name, copy, later, run_start=run_start,
                users=stage.users, spawn_rate=stage.spawn_rate,
            ))  # fmt: skip
        return tuple(windows)
