"""How Locust is invoked: the load plan (`plan_load`) and the command line (`locust_command`).

The plan says what drives the load (-u/-r/-t, or a LoadTestShape found by
`gate.harness.shape`) and how long Locust may take before it is stopped as hung: the run
time plus `LOCUST_OVERRUN`, the shape's stages plus `LOCUST_OVERRUN`, or `max-run-time`.
A shape nobody can bound is a UserError before anything starts.

The command runs Locust headless with the gate plugin. Locust's --html report is not
asked for, and --json-file replaces its final console table: both sort the stats entries
and raise on a locustfile's own `stats.get(name, None)` entries; the plugin's results
are the data.
"""

from __future__ import annotations

import math
import socket
import sys
from dataclasses import dataclass
from pathlib import Path

from gate.errors import UserError
from gate.harness.config import RunConfig
from gate.harness.shape import Shape, detect

LOCUST_OVERRUN = 120.0  # seconds Locust may take beyond its run time before it is killed


@dataclass(frozen=True, kw_only=True)
class LoadPlan:
    """How Locust is told the load, and how long it may take."""

    shape: Shape | None  # a LoadTestShape that ignores -u/-r/-t drives the load
    deadline: float  # seconds from Locust's start until it is stopped as hung
    summary: str  # for the progress output


def plan_load(config: RunConfig) -> LoadPlan:
    """Decide from the config and the locustfile's source; UserError, before anything
    starts, when a shape runs and nothing bounds how long it may take."""
    if config.workers and config.processes:
        raise UserError(
            "processes and workers are both set: Locust runs either its own worker "
            "processes on this machine or a master for workers started elsewhere",
            where="locust-gate.yml (processes, workers)",
            fix="keep `processes: N` for one large runner, or `workers: N` with workers "
            "started elsewhere",
        )
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
    if config.workers:
        deadline += config.workers_wait
        summary += (f", as a master waiting up to {config.workers_wait:g}s for "
                    f"{config.workers} workers on {config.master_bind}")
    return LoadPlan(shape=shape, deadline=deadline, summary=summary)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _master(config: RunConfig) -> list[str]:
    """A master that waits `workers-wait` for `workers` workers; Locust gives up (exit 1,
    "Gave up waiting for workers") when they do not all come (`workers_missing`)."""
    if config.processes:
        # Locust's own workers on this machine: its master would listen on every interface
        # at 5557, where a stranger could feed it stats and two runs side by side collide.
        port = str(_free_port())
        return ["--master-bind-host", "127.0.0.1", "--master-bind-port", port,
                "--master-port", port]
    if not config.workers:
        return []
    host, _, port = config.master_bind.rpartition(":")
    return ["--master", "--expect-workers", str(config.workers),
            "--expect-workers-max-wait", str(math.ceil(config.workers_wait)),
            "--master-bind-host", host, "--master-bind-port", port]


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
    if config.thresholds is not None:  # the plugin watches its `abort:` rules, if any
        command += ["--gate-thresholds", str(config.thresholds.resolve())]
    if config.host:
        command += ["--host", config.host]
    if config.processes:
        command += ["--processes", str(config.processes)]
    command += _master(config)
    command += config.locust_args
    if config.tags:
        command += ["--tags", *config.tags]
    if config.exclude_tags:
        command += ["--exclude-tags", *config.exclude_tags]
    return command
