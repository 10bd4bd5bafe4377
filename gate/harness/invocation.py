"""How Locust is invoked: the load plan (`plan_load`) and the command line (`locust_command`).

The plan says what drives the load (-u/-r/-t, the gate's `stages:` run by the plugin's
shape, or a LoadTestShape found by `gate.harness.shape`) and how
long Locust may take before it is stopped as hung: the run
time plus `LOCUST_OVERRUN`, the shape's stages plus `LOCUST_OVERRUN`, or `max-run-time`.
A shape nobody can bound is a UserError before anything starts, and so is a user class
the locustfile does not define (`gate.harness.userclasses`).

The command runs Locust headless with the gate plugin. Locust's --html report is not
asked for, and --json-file replaces its final console table: both sort the stats entries
and raise on a locustfile's own `stats.get(name, None)` entries; the plugin's results
are the data. The user classes are Locust's positional class names, right after `-f`
(their weights are `--config-users`); the profile reaches the plugin as `--gate-profile`,
which records it in results.json and in the run's fingerprint.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from pathlib import Path

from gate.errors import UserError
from gate.harness import stages as staging
from gate.harness import userclasses
from gate.harness.config import RunConfig, free_port
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
    starts, when a shape runs and nothing bounds how long it may take, or when a user
    class named by `user-classes` is not one of the locustfile's."""
    if config.workers and config.processes:
        raise UserError(
            "processes and workers are both set: Locust runs either its own worker "
            "processes on this machine or a master for workers started elsewhere",
            where="locust-gate.yml (processes, workers)",
            fix="keep `processes: N` for one large runner, or `workers: N` with workers "
            "started elsewhere",
        )
    userclasses.require_known(
        config.user_classes, config.locustfile,
        cwd=config.source.parent if config.source else None,
    )  # fmt: skip
    found = detect(config.locustfile) if config.shape is not False else None
    if config.shape and found is None:  # defined elsewhere and imported: Locust still uses it
        found = Shape(name="LoadTestShape", duration=None, common_options=False)
    plan = _staged(config, found) if config.stages else _unstaged(config, found)
    if not config.workers:
        return plan
    # Whatever drives the load, a master first waits for its workers.
    return LoadPlan(shape=plan.shape, deadline=plan.deadline + config.workers_wait,
                    summary=f"{plan.summary}, as a master waiting up to "
                    f"{config.workers_wait:g}s for {config.workers} workers on "
                    f"{config.master_bind}")


def _unstaged(config: RunConfig, found: Shape | None) -> LoadPlan:
    """-u/-r/-t, or a locustfile's own shape, bounded by what can be known of its length."""
    shape = found if found is not None and not found.common_options else None
    if shape is not None and (config.warmup or config.cooldown):
        raise UserError(
            f"warmup and cooldown cut the run time, and the locustfile's load shape "
            f"{shape.name} decides the run's length instead",
            where=f"{config.locustfile} (class {shape.name})",
            fix="build the warm-up into the shape, or use the gate's `stages:` (each stage "
            "has its own figures), or remove warmup and cooldown",
        )
    if config.max_run_time is not None:
        deadline = config.max_run_time
        bound = f"stopped after max-run-time {config.max_run_time:g}s"
    elif shape is None:
        deadline = _locust_run_time(config) + LOCUST_OVERRUN
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
        cut = _cut_words(config)
        summary = f"for {config.run_time}s{cut} ({bound})"
    else:
        length = f"about {shape.duration:g}s" if shape.duration is not None else "its own time"
        summary = (
            f"with the load shape {shape.name} for {length} (users, spawn-rate and run-time "
            f"do not apply; {bound})"
        )
    return LoadPlan(shape=shape, deadline=deadline, summary=summary)


def _staged(config: RunConfig, found: Shape | None) -> LoadPlan:
    """The gate's own load shape runs `stages`; a locustfile's shape would fight it."""
    if found is not None:
        raise UserError(
            f"`stages` runs the gate's load shape, and the locustfile defines its own "
            f"LoadTestShape {found.name}: Locust can run only one",
            where=f"{config.source or 'command line'} (stages) and {config.locustfile} "
            f"(class {found.name})",
            fix="remove `stages` to let the locustfile's shape drive the load, or remove "
            "the shape class from the locustfile (or set `shape: false` and keep `stages`)"
            if config.shape is not True
            else "remove `stages`, or `shape: true`",
        )
    if config.warmup or config.cooldown:
        raise UserError(
            "warmup and cooldown cut a run-time, and `stages` has no run-time: each stage "
            "already has its own figures",
            where=f"{config.source or 'command line'} (stages)",
            fix="make the warm-up a first stage (e.g. {name: warmup, ...}) and write the "
            "rules for the stages that count under `stages:` in the thresholds file",
        )
    total = staging.total_seconds(config.stages)
    if config.max_run_time is not None:
        deadline = config.max_run_time
        bound = f"stopped after max-run-time {config.max_run_time:g}s"
    else:
        deadline = total + LOCUST_OVERRUN
        bound = f"stopped if still running {LOCUST_OVERRUN:g}s after the last stage"
    names = ", ".join(s.name for s in config.stages)
    summary = f"in {len(config.stages)} stages ({names}) for {total:g}s ({bound})"
    return LoadPlan(shape=None, deadline=deadline, summary=summary)


def _locust_run_time(config: RunConfig) -> int:
    """Locust's -t: the warm-up, then `run-time` of measured load, then the cool-down."""
    return math.ceil(config.warmup + config.run_time + config.cooldown)


def _cut_words(config: RunConfig) -> str:
    parts = [f"after a {config.warmup:g}s warm-up"] if config.warmup else []
    parts += [f"before a {config.cooldown:g}s cool-down"] if config.cooldown else []
    return " measured " + " and ".join(parts) if parts else ""


def _master(config: RunConfig) -> list[str]:
    """A master that waits `workers-wait` for `workers` workers; Locust gives up (exit 1,
    "Gave up waiting for workers") when they do not all come (`workers_missing`)."""
    if config.processes:
        # Locust's own workers on this machine: its master would listen on every interface
        # at 5557, where a stranger could feed it stats and two runs side by side collide.
        port = str(free_port())
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
        if shape is not None or config.stages
        else ["-u", str(config.users), "-r", f"{config.spawn_rate:g}",
              "-t", f"{_locust_run_time(config)}s"]
    )  # fmt: skip
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        f"{config.locustfile},{plugin}",
        *userclasses.positional(config.user_classes),
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
    if config.stages:
        command += ["--gate-stages", staging.encode(config.stages)]
    if config.warmup:
        command += ["--gate-warmup", f"{config.warmup:g}"]
    if config.cooldown:
        command += ["--gate-cooldown", f"{config.cooldown:g}"]
    if config.thresholds is not None:  # the plugin watches its `abort:` rules, if any
        command += ["--gate-thresholds", str(config.thresholds.resolve())]
    if config.host:
        command += ["--host", config.host]
    if config.profile:
        command += ["--gate-profile", config.profile]
    command += userclasses.locust_arguments(config.user_classes)
    if config.processes:
        command += ["--processes", str(config.processes)]
    command += _master(config)
    command += config.locust_args
    if config.tags:
        command += ["--tags", *config.tags]
    if config.exclude_tags:
        command += ["--exclude-tags", *config.exclude_tags]
    return command
