"""The steps of `locust-gate run`, up to and including Locust; judging is `gate.commands.checking`.

0. claim the output directory (`gate.harness.sweep.claimed`, unless the caller holds
   it): one run at a time; stop and report what a killed earlier run left there; remove
   the previous run's outputs; plan the load (`plan_load`: a LoadTestShape nobody can
   bound -> UserError); start the guardian that sweeps this run's marked processes even
   if the gate is killed;
1. busy-port check (only when the gate starts the backend) -> UserError, nothing started;
2. seed command -> HarnessError(stage="seed") with the tail of its output, also when it
   is still running after `seed-timeout`;
3. start the backend in its own session, output in OUTPUT/backend.log -> stage "start";
4. health poll -> stage "health" on timeout, "start" if the backend exits meanwhile;
5. Locust headless with the gate plugin, output in OUTPUT/locust.log and on stderr; with
   a LoadTestShape (`gate.harness.shape`) no -u/-r/-t, and the deadline comes from the
   shape's stages or `max-run-time`. Locust's --html report is not asked for, and
   --json-file replaces its final console table: both sort the stats entries and raise
   on a locustfile's own `stats.get(name, None)` entries; the plugin's results are the data;
6. while Locust runs, watch the backend -> stage "backend" if it dies: a harness
   failure, not a latency regression;
7. Locust exiting non-zero, or without results.json -> stage "locust";
8. stop Locust and the backend (whole process trees) in `finally`, always; then stop
   whatever else carries the run's environment mark (daemons that left the trees).

Signals: while `orchestrate` runs, SIGINT, SIGTERM and SIGHUP (a CI runner cancelling a
job sends SIGINT, then SIGTERM, then kills) raise `Interrupted`, so the `finally` blocks
stop Locust and the backend. Starting a process and the cleanup are shielded: a signal
arriving then is held and raised right after. Repeated signals while stopping are
ignored, so the runner's SIGTERM after its SIGINT does not cut the cleanup short (they
stay ignored until the process exits).
`Interrupted` is a HarnessError with stage "interrupted" and exit code 128 + the signal
number (130 for SIGINT, 143 for SIGTERM), the shell convention for death by a signal, so
CI shows "cancelled" rather than a gate verdict.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import TextIO

from gate.errors import HarnessError, Interrupted, UserError
from gate.files import outputs
from gate.harness import health, process, sweep
from gate.harness.config import RunConfig
from gate.harness.shape import Shape, detect
from gate.results import plugin_path

STOP_GRACE = 5.0  # seconds between SIGTERM and SIGKILL for Locust and the backend
LOCUST_OVERRUN = 120.0  # seconds Locust may take beyond its run time before it is killed
_HANDLED_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


@dataclass(frozen=True, kw_only=True)
class LoadPlan:
    """How Locust is told the load, and how long it may take."""

    shape: Shape | None  # a LoadTestShape that ignores -u/-r/-t drives the load
    deadline: float  # seconds from Locust's start until it is stopped as hung
    summary: str  # for the progress output


def plan_load(config: RunConfig) -> LoadPlan:
    """Decide from the config and the locustfile's source; UserError, before anything
    starts, when a shape runs and nothing bounds how long it may take."""
    found = detect(config.locustfile) if config.shape is not False else None
    if config.shape and found is None:  # defined elsewhere and imported: Locust still uses it
        found = Shape(name="LoadTestShape", duration=None, common_options=False)
    shape = found if found is not None and not found.common_options else None
    if config.max_run_time is not None:
        deadline = config.max_run_time
        bound = f"stopped after max-run-time {config.max_run_time:g}s"
    elif shape is None:
        deadline = config.run_time + LOCUST_OVERRUN
        bound = f"stopped if still running {LOCUST_OVERRUN:g}s later"
    elif shape.duration is not None:
        deadline = shape.duration + LOCUST_OVERRUN
        bound = f"stopped if still running {LOCUST_OVERRUN:g}s after the last stage"
    else:
        raise UserError(
            f"the locustfile's load shape {shape.name} decides how long the run lasts, and "
            "the gate cannot tell how long that is, so it could not stop a run that hangs",
            where=f"{config.locustfile} (class {shape.name})",
            fix="set `max-run-time: 10m` (the longest the run may take) in locust-gate.yml "
            "or pass --max-run-time; or give the shape literal `stages` with a `duration` "
            "each, or a `time_limit` in seconds",
        )
    if shape is None:
        summary = f"for {config.run_time}s ({bound})"
    else:
        length = f"about {shape.duration:g}s" if shape.duration is not None else "its own time"
        summary = (
            f"with the load shape {shape.name} for {length} (users, spawn-rate and run-time "
            f"do not apply; {bound})"
        )
    return LoadPlan(shape=shape, deadline=deadline, summary=summary)


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


class _SignalGuard:
    """Turns SIGINT/SIGTERM/SIGHUP into `Interrupted`, except inside `shielded()`."""

    def __init__(self) -> None:
        self.received: int | None = None
        self._raised = False
        self._shield = 0
        self._previous: dict[int, object] = {}

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        if self.received is not None:
            return  # already stopping: do not interrupt the cleanup
        self.received = signum
        if self._shield == 0:
            self._raised = True
            raise Interrupted(signum)

    def install(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return  # signal handlers can only be set from the main thread
        for sig in _HANDLED_SIGNALS:
            self._previous[sig] = signal.signal(sig, self._handle)

    def restore(self) -> None:
        if self.received is not None:
            # Interrupted: keep ignoring repeats (the runner's SIGTERM after its SIGINT)
            # for the few steps left before exit, so the exit code stays 128 + first signal.
            return
        for sig, previous in self._previous.items():
            signal.signal(sig, previous)  # type: ignore[arg-type]
        self._previous.clear()

    @contextlib.contextmanager
    def shielded(self) -> Iterator[None]:
        self._shield += 1
        try:
            yield
        finally:
            self._shield -= 1
        self.raise_pending()

    def raise_pending(self) -> None:
        if self._shield == 0 and self.received is not None and not self._raised:
            self._raised = True
            raise Interrupted(self.received)


def orchestrate(
    config: RunConfig,
    *,
    plugin: Path | None = None,
    progress: TextIO | None = None,
    claim: sweep.Claim | None = None,
) -> RunResult:
    """Seed, start, health-check, run Locust, stop. UserError before anything started,
    HarnessError (with `stage`) for harness failures, Interrupted on a signal; in every
    case nothing started here is left running. `claim` is the output directory's, when
    the caller holds it (`run` does, to write the reports under it); else it is taken
    here for the run."""
    guard = _SignalGuard()
    guard.install()
    try:
        plugin, progress = plugin or plugin_path(), progress or sys.stderr
        if claim is not None:
            return _run(config, claim, guard, plugin, progress)
        outputs.ensure_directory(config.output_dir, what="directory", option="output-dir")
        with sweep.claimed(config.output_dir) as own:
            return _run(config, own, guard, plugin, progress)
    finally:
        guard.restore()


def _run(
    config: RunConfig, claim: sweep.Claim, guard: _SignalGuard, plugin: Path, progress: TextIO
) -> RunResult:
    if claim.leftovers is not None:
        _say(progress, claim.leftovers.message())
    plan = plan_load(config)
    if config.start:
        _check_ports(config)  # after the claim's sweep: a dead run's backend no longer holds it
    with sweep.guarded(claim.mark):
        try:
            return _run_marked(config, guard, plugin, progress, mark=claim.mark, plan=plan)
        finally:
            with guard.shielded():
                _sweep(claim.mark, progress)


def _sweep(mark: str, progress: TextIO) -> None:
    """Stop what escaped the process trees (double-forked or setsid'ed daemons)."""
    stopped = sweep.stop_marked(mark, grace=STOP_GRACE)
    if stopped:
        _say(progress, f"stopped {len(stopped)} process(es) left in the background by the "
             "seed or start command: " + "; ".join(stopped))


def _run_marked(
    config: RunConfig,
    guard: _SignalGuard,
    plugin: Path,
    progress: TextIO,
    *,
    mark: str,
    plan: LoadPlan,
) -> RunResult:
    began = time.monotonic()
    out = config.output_dir
    results = out / "results.json"  # the claim removed the previous run's
    outputs.ensure_directory(config.workdir, what="directory", option="workdir")
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **config.env, sweep.MARK_VARIABLE: mark}

    seed_log = out / "seed.log" if config.seed else None
    if config.seed and seed_log is not None:
        _say(progress, f"seeding: {config.seed}")
        _seed(config, log=seed_log, env=env, guard=guard)

    backend: process.Managed | None = None
    locust: process.Managed | None = None
    backend_log = out / "backend.log" if config.start else None
    backend_code: int | None = None
    locust_log = out / "locust.log"
    locust_code = -1
    try:
        if config.start and backend_log is not None:
            _say(progress, f"starting the backend: {config.start}")
            with guard.shielded():
                backend = _start_backend(config.start, log=backend_log, cwd=config.workdir, env=env)
            _wait_healthy(config, backend, progress)
            backend.remember_tree()
        elif config.health:
            _wait_healthy(config, None, progress)

        command = locust_command(config, plugin=plugin, results=results, shape=plan.shape)
        _say(progress, f"running Locust {plan.summary}: {' '.join(command)}")
        with guard.shielded():
            locust = process.start(
                command,
                log_path=locust_log,
                name="locust",
                cwd=config.source.parent if config.source else None,
                env={**os.environ, "PYTHONUNBUFFERED": "1", sweep.MARK_VARIABLE: mark},
                tee=progress,
            )
        locust_code = _watch(config, locust, backend, deadline=plan.deadline)
        locust = None
        if locust_code != 0:
            raise HarnessError(
                f"Locust exited with {process.describe_exit(locust_code)}",
                stage="locust",
                where=str(locust_log),
                fix="see the Locust log: a locustfile error, a bad option in locust-args, "
                "or an exception in an event listener (the gate runs Locust with "
                "--exit-code-on-error 0, so failed requests alone do not make it exit non-zero)",
                log_tail=process.tail(locust_log),
            )
        if not results.is_file():
            raise HarnessError(
                f"Locust finished but wrote no results file ({results})",
                stage="locust",
                where=str(locust_log),
                fix=f"check that the gate plugin ({plugin}) was loaded; see the Locust log",
                log_tail=process.tail(locust_log),
            )
    finally:
        with guard.shielded():
            if locust is not None:
                process.stop(locust, grace=STOP_GRACE)
            if backend is not None:
                backend_code = process.stop(backend, grace=STOP_GRACE)
    return RunResult(
        output_dir=out,
        results=results,
        csv_prefix=out / "locust",
        locust_log=locust_log,
        locust_exit_code=locust_code,
        seed_log=seed_log,
        backend_log=backend_log,
        backend_pid=backend.pid if backend is not None else None,
        backend_exit_code=backend_code,
        duration=time.monotonic() - began,
    )


def locust_command(
    config: RunConfig, *, plugin: Path, results: Path, shape: Shape | None = None
) -> list[str]:
    """The Locust command line; no -u/-r/-t when `shape` drives the load. Tags go last:
    `--tags a b` takes every word up to the next option, so nothing positional may follow."""
    out = config.output_dir
    load = (
        []
        if shape is not None
        else ["-u", str(config.users), "-r", f"{config.spawn_rate:g}", "-t", f"{config.run_time}s"]
    )
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        f"{config.locustfile},{plugin}",
        "--headless",
        *load,
        "--csv",
        str(out / "locust"),
        # Also keeps Locust from printing its final table, which sorts the stats entries
        # and raises on a locustfile's `stats.get(name, None)` entries (exit code 1).
        "--json-file",
        str(out / "locust"),
        "--gate-results",
        str(results),
        "--exit-code-on-error",
        "0",
    ]
    if config.host:
        command += ["--host", config.host]
    if config.processes:
        command += ["--processes", str(config.processes)]
    command += config.locust_args
    if config.tags:
        command += ["--tags", *config.tags]
    if config.exclude_tags:
        command += ["--exclude-tags", *config.exclude_tags]
    return command


def _say(progress: TextIO, text: str) -> None:
    with contextlib.suppress(OSError, ValueError):
        progress.write(f"locust-gate: {text}\n")
        progress.flush()


def _health_target(config: RunConfig) -> str | None:
    """`health`, or a TCP check of the host's port when the gate starts the backend."""
    if config.health:
        return config.health
    if config.start and config.host:
        endpoint = health.endpoint_of(config.host)
        return str(endpoint) if endpoint else None
    return None


def _check_ports(config: RunConfig) -> None:
    targets = [t for t in (config.host, config.health) if t]
    seen: set[health.Endpoint] = set()
    for target in targets:
        endpoint = health.endpoint_of(target)
        if endpoint is None or endpoint in seen:
            continue
        seen.add(endpoint)
        if health.port_in_use(endpoint.host, endpoint.port):
            raise UserError(
                f"port {endpoint.port} on {endpoint.host} is already in use, so the backend "
                "could not listen there; nothing was started",
                where=f"{target} (from {'host' if target == config.host else 'health'})",
                fix=f"stop what listens there (find it with `ss -ltnp 'sport = :{endpoint.port}'`"
                f" or `lsof -i :{endpoint.port}`; often a backend left over from an earlier "
                "run), or move host, health and the start command to a free port",
            )


def _seed(config: RunConfig, *, log: Path, env: dict[str, str], guard: _SignalGuard) -> None:
    command, cwd = config.seed or "", config.workdir
    seeder: process.Managed | None = None
    where = f"seed: {command} (in {cwd}; output in {log})"
    try:
        with guard.shielded():
            seeder = process.start(command, log_path=log, name="seed", cwd=cwd, env=env)
        code = process.wait(seeder, timeout=config.seed_timeout)
    except OSError as exc:
        raise HarnessError(
            f"the seed command could not be started: {exc}", stage="seed", where=f"seed: {command}"
        ) from exc
    except subprocess.TimeoutExpired:
        raise HarnessError(
            f"the seed command was still running after {config.seed_timeout:g}s and was "
            "stopped",
            stage="seed",
            where=where,
            fix="see its output below: it may wait for input or a service; raise "
            "seed-timeout (or --seed-timeout) if it is only slow",
            log_tail=_stopped_tail(seeder, log, guard),
        ) from None
    finally:
        if seeder is not None:
            with guard.shielded():
                process.stop(seeder, grace=2.0)  # anything it left in the background
    if code != 0:
        raise HarnessError(
            f"the seed command failed with {process.describe_exit(code)}",
            stage="seed",
            where=where,
            fix="run the seed command by hand in that directory to see why",
            log_tail=process.tail(log),
        )


def _stopped_tail(managed: process.Managed | None, log: Path, guard: _SignalGuard) -> str:
    """The log's tail once the process is stopped and its output fully written."""
    if managed is not None:
        with guard.shielded():
            process.stop(managed, grace=2.0)
    return process.tail(log)


def _log_fix(log: Path | None, fix: str) -> str:
    """`fix`, which points at the log's tail below, or the fact that the log is empty."""
    if log is not None and process.tail(log):
        return fix
    return fix.replace("see the backend log below", f"the backend printed nothing ({log})")


def _start_backend(command: str, *, log: Path, cwd: Path, env: dict[str, str]) -> process.Managed:
    try:
        return process.start(command, log_path=log, name="backend", cwd=cwd, env=env)
    except OSError as exc:
        raise HarnessError(
            f"the backend could not be started: {exc}", stage="start", where=f"start: {command}"
        ) from exc


def _wait_healthy(config: RunConfig, backend: process.Managed | None, progress: TextIO) -> None:
    target = _health_target(config)
    log = backend.log_path if backend is not None else None
    if target is None:
        return
    _say(progress, f"waiting up to {config.health_timeout:g}s for {target}")
    try:
        health.wait_healthy(
            target,
            timeout=config.health_timeout,
            exited=backend.poll if backend is not None else None,
        )
    except health.BackendExited as exc:
        raise HarnessError(
            f"the backend exited with {process.describe_exit(exc.code)} before it became healthy",
            stage="start",
            where=f"start: {config.start} (output in {log})",
            fix=_log_fix(log, "see the backend log below; run the start command by hand to "
                         "reproduce"),
            log_tail=process.tail(log) if log else None,
        ) from exc
    except health.HealthTimeout as exc:
        raise HarnessError(
            f"the backend was not healthy after {exc.timeout:g}s: {target} "
            f"(last probe: {exc.last})",
            stage="health",
            where=f"health: {target}" + (f" (backend output in {log})" if log else ""),
            fix="check that the start command listens where `health` points, and that the "
            "health endpoint answers 2xx; raise health-timeout if it is only slow",
            log_tail=process.tail(log) if log else None,
        ) from exc
    _say(progress, f"healthy: {target}")


def _watch(
    config: RunConfig, locust: process.Managed, backend: process.Managed | None, *, deadline: float
) -> int:
    """Wait for Locust to finish while watching the backend; stop it after `deadline` s."""
    limit = deadline
    deadline = time.monotonic() + limit
    next_snapshot = 0.0
    while True:
        if time.monotonic() >= next_snapshot:
            # Remember the trees now: a child orphaned later is still found by stop().
            for managed in (locust, backend):
                if managed is not None:
                    managed.remember_tree()
            next_snapshot = time.monotonic() + 1.0
        code = locust.poll()
        if backend is not None and (backend_code := backend.poll()) is not None:
            process.stop(locust, grace=STOP_GRACE)
            raise HarnessError(
                f"the backend exited with {process.describe_exit(backend_code)} during the "
                "load test",
                stage="backend",
                where=f"start: {config.start} (output in {backend.log_path})",
                fix=_log_fix(backend.log_path, "this is a harness failure, not a regression: "
                             "the backend crashed or was killed (out of memory?); see the "
                             "backend log below"),
                log_tail=process.tail(backend.log_path),
            )
        if code is not None:
            process.wait(locust)
            process.stop(locust, grace=STOP_GRACE)  # closes the log; reaps leftovers
            return code
        if time.monotonic() > deadline:
            process.stop(locust, grace=STOP_GRACE)
            raise HarnessError(
                f"Locust was still running after {limit:g}s and was stopped",
                stage="locust",
                where=str(locust.log_path),
                fix="see the Locust log; a user that never yields, or a large --stop-timeout; "
                "for a load shape that runs longer, raise max-run-time",
                log_tail=process.tail(locust.log_path),
            )
        time.sleep(0.1)
