"""The seed command: run to completion before the backend starts, bounded by `seed-timeout`.

It runs in its own session in the working directory, output in OUTPUT/seed.log. Failing to
start, exiting non-zero, or still running after `seed-timeout` is a HarnessError at stage
"seed" with the tail of its output; whatever it left in the background is stopped.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from gate.errors import HarnessError
from gate.harness import process
from gate.harness.config import RunConfig
from gate.harness.interrupts import SignalGuard


def run_seed(config: RunConfig, *, log: Path, env: dict[str, str], guard: SignalGuard) -> None:
    """Run the seed command to its end, or raise HarnessError(stage="seed")."""
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


def _stopped_tail(managed: process.Managed | None, log: Path, guard: SignalGuard) -> str:
    """The log's tail once the process is stopped and its output fully written."""
    if managed is not None:
        with guard.shielded():
            process.stop(managed, grace=2.0)
    return process.tail(log)
