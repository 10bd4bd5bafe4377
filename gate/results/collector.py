"""One Locust environment's collector on the local or master runner: starts and stops the
sampling and progress greenlets, tells how the load test ended, and writes results.json
(at test_stop, again for workers' late reports, and at quitting)."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import gevent

from gate.results import flags, progress
from gate.results.abortwatch import AbortRules, AbortWatch, abortwatch_for
from gate.results.fingerprint import shape_name
from gate.results.series import Series

if TYPE_CHECKING:
    from gate.core.model import Trip
    from gate.results.boundaries import Boundaries
    from gate.results.loadshape import Stage


class Collector:
    """Per-environment state on the local or master runner."""

    def __init__(self, environment: Any, *, abort_rules: AbortRules | None = None) -> None:
        self.env = environment
        self.abort_rules = abort_rules
        self.started_at: float | None = None
        self.series = Series(environment)
        self._greenlets: list[Any] = []
        self.test_stopped = False  # test_stop came: the load test ended on its own
        self.quit_seen = False
        self.reported: tuple[int, int] | None = None  # (requests, failures) last printed
        self.end_reason: str | None = None
        self.stages: tuple[Stage, ...] = ()  # the gate's stages, when its shape runs
        self.boundaries: Boundaries | None = None
        self.abort: AbortWatch | None = None

    def start(self) -> None:
        self.stop()
        self.started_at = time.time()
        self.series = Series(self.env)
        self.test_stopped = self.quit_seen = False
        self.reported = None
        self.end_reason = None
        self._greenlets.append(gevent.spawn(self.series.every_second, self.started_at))
        self._start_boundaries()
        self.abort = abortwatch_for(self.env, self.started_at, self._stop_early,
                                    self.abort_rules)
        if self.abort is not None:
            self._greenlets.append(gevent.spawn(self.abort.every_second))
        interval = float(
            flags.option(self.env, "gate_progress_interval", flags.DEFAULT_PROGRESS_INTERVAL)
        )
        if interval > 0:
            self._greenlets.append(
                gevent.spawn(progress.every, self.env, self.started_at, interval)
            )

    def _start_boundaries(self) -> None:
        """Copies of the stats at stage starts, the warm-up's end, the cool-down's start."""
        warmup = float(flags.option(self.env, "gate_warmup", 0.0))
        cooldown = float(flags.option(self.env, "gate_cooldown", 0.0))
        self.boundaries = None
        if not (self.stages or warmup > 0 or cooldown > 0):
            return
        from gate.results.boundaries import Boundaries  # noqa: PLC0415 (see gate.results.plugin)

        run_time = flags.option(self.env, "run_time", None)
        self.boundaries = Boundaries(
            self.env, stages=self.stages, warmup=warmup, cooldown=cooldown,
            run_time=float(run_time) if run_time else None,
        )  # fmt: skip
        assert self.started_at is not None
        self._greenlets += self.boundaries.timers(self.started_at)

    def stage_started(self, index: int) -> None:
        """The gate's load shape entered stage `index`."""
        if self.boundaries is not None:
            self.boundaries.stage_started(index)

    def stop(self) -> None:
        for greenlet in self._greenlets:
            greenlet.kill(block=False)
        self._greenlets = []

    def note_users(self, count: int) -> None:
        self.series.note_users(count)

    def on_test_stop(self) -> None:
        """The load test ended on its own: write the results now, before Locust's own
        report writers run (they may raise, and then `quitting` never comes)."""
        if self.quit_seen or self.started_at is None:
            return  # test_stop after quitting: a signal shut Locust down mid-run
        self.test_stopped = True
        self.end_reason = self._why_stopped()
        self.stop()
        self._write_final()

    def on_worker_report(self) -> None:
        """On a master, workers' last reports arrive after test_stop: keep the file current."""
        if self.test_stopped and not self.quit_seen:
            self._write_final()

    def on_quitting(self) -> None:
        self.quit_seen = True
        self.stop()
        if self.started_at is None:
            return  # no test ever started (e.g. the locustfile failed to load)
        if not self.test_stopped:
            self.end_reason = (
                "interrupted: Locust was shut down by a signal before the load test ended"
            )
        self._write_final()

    def _stop_early(self, trip: Trip) -> None:
        """An abort rule held: stop Locust as its run time would (test_stop, then quit),
        from a greenlet of its own (this one is the watch, which stopping kills)."""
        progress.say(f"[locust-gate] stopping the run early: {trip.message()}")
        gevent.spawn(self.env.runner.quit)

    def _why_stopped(self) -> str:
        if self.abort is not None and self.abort.trip is not None:
            return f"stopped early by {self.abort.trip.rule}"
        runner = self.env.runner
        if shape_name(self.env) is not None and gevent.getcurrent() is getattr(
            runner, "shape_greenlet", None
        ):
            return f"the load shape {shape_name(self.env)} ended"
        run_time = flags.option(self.env, "run_time", None)
        assert self.started_at is not None
        if run_time and (_in_run_time_stop()
                         or time.time() - self.started_at >= float(run_time) - 1):
            return f"the run time of {float(run_time):g}s was reached"
        return "the load test was stopped (by the locustfile or the runner)"

    def _write_final(self) -> None:
        """A last sample of what came in since the sampler's last one, then the file."""
        assert self.started_at is not None
        self.series.final(self.started_at)
        self.write()

    def write(self) -> None:
        from gate.results import resultsfile, snapshot  # noqa: PLC0415 (see gate.results.plugin)

        target = str(flags.option(self.env, "gate_results", flags.DEFAULT_RESULTS))
        results = snapshot.build_results(
            self.env,
            series=self.series.samples,
            end_time=time.time(),
            peak_users=self.series.peak_users,
            completed=self.test_stopped,
            end_reason=self.end_reason,
        )
        if self.boundaries is not None:
            results = self.boundaries.applied(results)
        if self.abort is not None and self.abort.trip is not None:
            results = replace(results, meta=replace(results.meta, aborted=self.abort.trip))
        resultsfile.write(target, results)
        counts = (results.total.num_requests, results.total.num_failures)
        if counts == self.reported:
            return  # rewritten with the same numbers: say it once
        verb = "wrote" if self.reported is None else "updated"
        self.reported = counts
        progress.say(
            progress.written_line(
                verb=verb, target=target, results=results, completed=self.test_stopped
            )
        )


def _in_run_time_stop() -> bool:
    """Whether Locust's --run-time timer is stopping the test: test_stop then fires in the
    greenlet that `locust.main` spawned `run_time` after the start to run its
    `stop_and_optionally_quit`. Read from the greenlet, not only from the clock: a process
    starved of CPU while it starts (a busy CI machine) starts the plugin's clock late."""
    run = getattr(gevent.getcurrent(), "_run", None)
    return (getattr(run, "__module__", None) == "locust.main"
            and getattr(run, "__name__", None) == "stop_and_optionally_quit")
