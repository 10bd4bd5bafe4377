"""The steps of `locust-gate run`, up to and including Locust; judging is `gate.commands.checking`.

This module runs the steps in order, prints the progress lines, and makes sure whatever was
started is stopped; each step's mechanics and error messages live in its own module.

0. claim the output directory (`gate.harness.sweep.claimed`, unless the caller holds
   it): one run at a time; stop and report what a killed earlier run left there; remove
   the previous run's outputs; plan the load (`gate.harness.invocation.plan_load`: a
   LoadTestShape nobody can bound -> UserError); start the guardian that sweeps this
   run's marked processes even if the gate is killed;
1. busy-port check (only when the gate starts the backend) -> UserError, nothing started
   (`gate.harness.backend`);
2. seed command -> HarnessError(stage="seed") with the tail of its output, also when it
   is still running after `seed-timeout` (`gate.harness.seed`);
3. start the backend in its own session, output in OUTPUT/backend.log -> stage "start";
4. health poll -> stage "health" on timeout, "start" if the start command exits non-zero
   meanwhile (exiting 0 it daemonised: the poll goes on, and the daemon, found by the
   mark, is watched and stopped like the backend);
5. Locust headless with the gate plugin (`gate.harness.invocation`), output in
   OUTPUT/locust.log and on stderr; with a LoadTestShape (`gate.harness.shape`) no
   -u/-r/-t, and the deadline comes from the shape's stages or `max-run-time`;
6. while Locust runs, watch the backend -> stage "backend" if it dies: a harness
   failure, not a latency regression (`gate.harness.loadtest`); sample what
   `gate.harness.during` lists (the backend's resources), added to results.json after;
   and read the thresholds' `during: true` metrics once a second (`gate.harness.metrics`);
7. Locust exiting non-zero, or without results.json -> stage "locust"; unless the
   plugin's results say the load test ended on its own: then one of Locust's own report
   writers failed, and the run is judged with a warning (`RunResult.warnings`); then
   read the other metrics (the backend still runs) and write OUTPUT/metrics.json; with
   `repeat: N`, steps 5 to 7 N times back to back, the runs pooled (`Steps.repeated`);
8. stop Locust and the backend (whole process trees) in `finally`, always; then stop
   whatever else carries the run's environment mark (daemons that left the trees).

Signals (`gate.harness.interrupts`): while `orchestrate` runs, SIGINT, SIGTERM and SIGHUP
raise `Interrupted` (exit code 128 + the signal number), so the `finally` blocks stop
Locust and the backend; starting a process and the cleanup are shielded.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from gate.core.model import MetricReading
from gate.core.pooling import pool
from gate.core.sections import ExternalMetric
from gate.files import outputs
from gate.harness import during, metrics, process, sweep
from gate.harness.backend import (
    adopt_daemon,
    check_ports,
    health_target,
    start_backend,
    wait_until_healthy,
)
from gate.harness.config import RunConfig
from gate.harness.interrupts import SignalGuard
from gate.harness.invocation import LoadPlan, locust_command, plan_load
from gate.harness.loadtest import require_results, start_locust, watch
from gate.harness.seed import run_seed
from gate.results import metricsfile, plugin_path, resultsfile

STOP_GRACE = 5.0  # seconds between SIGTERM and SIGKILL for Locust and the backend


@dataclass(frozen=True, kw_only=True)
class RunResult:
    """What a completed run left behind, for `check` and for the report."""

    output_dir: Path
    results: Path  # exact results written by the gate plugin
    csv_prefix: Path  # Locust --csv prefix (OUTPUT/locust_stats.csv, ...)
    locust_log: Path
    locust_exit_code: int
    seed_log: Path | None
    backend_log: Path | None
    backend_pid: int | None
    # The backend's exit code after the gate stopped it (e.g. -15 for SIGTERM), or None
    # when there was no `start` command.
    backend_exit_code: int | None
    duration: float  # seconds, whole run including seed and startup
    # What the reports must say besides the checks (Locust exited with an error after
    # the plugin wrote complete results: one of its own report writers failed).
    warnings: tuple[str, ...] = ()


def orchestrate(
    config: RunConfig,
    *,
    plugin: Path | None = None,
    progress: TextIO | None = None,
    claim: sweep.Claim | None = None,
    external: Sequence[ExternalMetric] = (),
) -> RunResult:
    """Seed, start, health-check, run Locust, stop. UserError before anything started,
    HarnessError (with `stage`) for harness failures, Interrupted on a signal; in every
    case nothing started here is left running. `claim` is the output directory's, when
    the caller holds it (`run` does, to write the reports under it); else it is taken
    here for the run. `external`: the thresholds' `metrics:`, read during and after the
    load into OUTPUT/metrics.json (`gate.harness.metrics`)."""
    guard = SignalGuard()
    guard.install()
    try:
        plugin, progress = plugin or plugin_path(), progress or sys.stderr
        read = metrics.targets(external, config.host)  # a URL it cannot resolve: nothing ran
        if claim is not None:
            return _run(config, claim, guard, plugin, progress, read=read)
        outputs.ensure_directory(config.output_dir, what="directory", option="output-dir")
        with sweep.claimed(config.output_dir) as own:
            return _run(config, own, guard, plugin, progress, read=read)
    finally:
        guard.restore()


def _run(
    config: RunConfig, claim: sweep.Claim, guard: SignalGuard, plugin: Path, progress: TextIO,
    *, read: tuple[metrics.Target, ...],
) -> RunResult:
    if claim.leftovers is not None:
        say(progress, claim.leftovers.message())
    plan = plan_load(config)
    if config.start:
        check_ports(config)  # after the claim's sweep: a dead run's backend no longer holds it
    with sweep.guarded(claim.mark):
        try:
            return _run_marked(config, guard, plugin, progress, mark=claim.mark, plan=plan,
                               read=read)
        finally:
            with guard.shielded():
                sweep_marked(claim.mark, progress)


def sweep_marked(mark: str, progress: TextIO) -> None:
    """Stop what escaped the process trees (double-forked or setsid'ed daemons)."""
    stopped = sweep.stop_marked(mark, grace=STOP_GRACE)
    if stopped:
        say(progress, f"stopped {len(stopped)} process(es) left in the background by the "
             "seed or start command: " + "; ".join(stopped))


def _run_marked(
    config: RunConfig,
    guard: SignalGuard,
    plugin: Path,
    progress: TextIO,
    *,
    mark: str,
    plan: LoadPlan,
    read: tuple[metrics.Target, ...],
) -> RunResult:
    run = Steps(config=config, guard=guard, plugin=plugin, progress=progress, mark=mark, plan=plan,
                read=read)
    outputs.ensure_directory(config.workdir, what="directory", option="workdir")
    env = backend_env(config, mark)
    run.seed(env)
    try:
        run.prepare_backend(env)
        if config.repeat > 1:
            run.repeated(config.repeat)
        else:
            run.load_test()
    finally:
        run.stop()
    return run.result()


def backend_env(config: RunConfig, mark: str) -> dict[str, str]:
    """The environment of the seed and start commands: the config's `env` and the mark."""
    return {**os.environ, "PYTHONUNBUFFERED": "1", **config.env, sweep.MARK_VARIABLE: mark}


@dataclass(kw_only=True)
class Steps:
    """One run's steps after the claim, and the processes they started: kept here so
    that `stop` finds whatever is running, whichever step failed. `gate.harness.rounds`
    drives one per side."""

    config: RunConfig
    guard: SignalGuard
    plugin: Path
    progress: TextIO
    mark: str
    plan: LoadPlan
    read: tuple[metrics.Target, ...] = ()  # the thresholds' metrics: (gate.harness.metrics)
    began: float = field(default_factory=time.monotonic)
    backend: process.Managed | None = None
    locust: process.Managed | None = None  # None again once `watch` has stopped it
    backend_code: int | None = None
    locust_code: int = -1
    warnings: tuple[str, ...] = ()
    # The `during: true` metrics' reads of the load tests so far (`run --repeat`).
    sampled: dict[str, MetricReading] = field(default_factory=dict)

    @property
    def results(self) -> Path:
        return self.config.output_dir / "results.json"  # the claim removed the previous run's

    @property
    def seed_log(self) -> Path | None:
        return self.config.output_dir / "seed.log" if self.config.seed else None

    @property
    def backend_log(self) -> Path | None:
        return self.config.output_dir / "backend.log" if self.config.start else None

    @property
    def locust_log(self) -> Path:
        return self.config.output_dir / "locust.log"

    def seed(self, env: dict[str, str]) -> None:
        if self.config.seed and self.seed_log is not None:
            say(self.progress, f"seeding: {self.config.seed}")
            run_seed(self.config, log=self.seed_log, env=env, guard=self.guard)

    def prepare_backend(self, env: dict[str, str]) -> None:
        """Start the backend when the gate starts it; wait for health when there is a target."""
        config = self.config
        if config.start and self.backend_log is not None:
            say(self.progress, f"starting the backend: {config.start}")
            with self.guard.shielded():
                self.backend = start_backend(
                    config.start, log=self.backend_log, cwd=config.workdir, env=env
                )
            self._wait_healthy()
            self.backend.remember_tree()
            if (daemon := adopt_daemon(self.backend, self.mark)) is not None:
                say(self.progress, daemon)
        elif config.health:
            self._wait_healthy()

    def _wait_healthy(self) -> None:
        target = health_target(self.config)
        if target is None:
            return
        say(self.progress, f"waiting up to {self.config.health_timeout:g}s for {target}")
        wait_until_healthy(self.config, self.backend, target)
        say(self.progress, f"healthy: {target}")

    def load_test(self, *, results: Path | None = None, log: Path | None = None) -> None:
        """Locust from its start to its results, the backend watched meanwhile; `results`
        and `log` elsewhere than the run's own (a round of `gate.harness.rounds`)."""
        results, log = results or self.results, log or self.locust_log
        command = locust_command(self.config, plugin=self.plugin, results=results,
                                 shape=self.plan.shape)
        say(self.progress, f"running Locust {self.plan.summary}: {' '.join(command)}")
        # What is sampled while the load runs (the backend's resources, the thresholds'
        # `during: true` metrics), stopped however it ends.
        with (during.sampling(self.config, self.backend) as samplers,
              metrics.sampling(self.read) as sampler):
            with self.guard.shielded():
                self.locust = start_locust(
                    self.config, command, log=log, mark=self.mark, tee=self.progress
                )
            self.locust_code = watch(
                self.config, self.locust, self.backend, deadline=self.plan.deadline,
                grace=STOP_GRACE,
            )
            self.locust = None
        warning = require_results(
            self.locust_code, results=results, log=log, plugin=self.plugin
        )
        if warning is not None:
            say(self.progress, f"warning: {warning}")
            self.warnings += (warning,)
        for each in samplers:
            each.save(results)
        self._read_metrics(sampler)

    def repeated(self, times: int) -> None:
        """`run --repeat N`: Locust `times` times against the one backend, back to back
        (OUTPUT/repeat-K.json, OUTPUT/locust-repeat-K.log), then their results pooled with
        each run's own figures kept (`gate.core.pooling`) into OUTPUT/results.json. A run
        that an abort rule stopped ends the series: it already fails the gate."""
        out = self.config.output_dir
        runs = []
        with outputs.owned(out, repeat_files(times), option="--output-dir"):
            for k in range(1, times + 1):
                say(self.progress, f"repeat {k} of {times}")
                self.load_test(results=out / f"repeat-{k}.json",
                               log=out / f"locust-repeat-{k}.log")
                runs.append(resultsfile.read(out / f"repeat-{k}.json"))
                if runs[-1].meta.aborted is not None:
                    say(self.progress, f"repeat {k} was stopped by an abort rule: no more "
                        "repeats")
                    break
        resultsfile.write(self.results, pool(runs, repeated=True))
        say(self.progress, f"{len(runs)} runs pooled into {self.results}: every metric is "
            "judged as its median across them")

    def _read_metrics(self, sampler: metrics.Sampler) -> None:
        """The metrics read after the load (the backend still runs), with those sampled
        during it (and during the earlier load tests of `run --repeat`), into
        OUTPUT/metrics.json in the thresholds' order."""
        if not self.read:
            return
        say(self.progress, f"reading {len(self.read)} metric(s): "
            + ", ".join(sorted({target.shown for target in self.read})))
        for reading in sampler.readings():
            earlier = self.sampled.get(reading.name)
            self.sampled[reading.name] = (reading if earlier is None
                                          else metrics.combined(earlier, reading))
        read = {r.name: r for r in (*self.sampled.values(), *metrics.read_after(self.read))}
        metricsfile.write(self.config.output_dir / metricsfile.NAME,
                          [read[target.metric.name] for target in self.read])

    def stop(self) -> None:
        """Stop Locust (unless `watch` did) and the backend, whole trees, signals held."""
        with self.guard.shielded():
            if self.locust is not None:
                process.stop(self.locust, grace=STOP_GRACE)
            if self.backend is not None:
                self.backend_code = process.stop(self.backend, grace=STOP_GRACE)

    def result(self) -> RunResult:
        out = self.config.output_dir
        return RunResult(
            output_dir=out,
            results=self.results,
            csv_prefix=out / "locust",
            locust_log=self.locust_log,
            locust_exit_code=self.locust_code,
            seed_log=self.seed_log,
            backend_log=self.backend_log,
            backend_pid=self.backend.pid if self.backend is not None else None,
            backend_exit_code=self.backend_code,
            duration=time.monotonic() - self.began,
            warnings=self.warnings,
        )


def repeat_files(times: int) -> tuple[str, ...]:
    """What `run --repeat` writes into OUTPUT besides the single run's files."""
    return tuple(name for k in range(1, times + 1)
                 for name in (f"repeat-{k}.json", f"locust-repeat-{k}.log"))


def say(progress: TextIO, text: str) -> None:
    with contextlib.suppress(OSError, ValueError):
        progress.write(f"locust-gate: {text}\n")
        progress.flush()
