"""Locust while it runs: its start, the watch over it and the backend, what its end means.

Locust's output goes to OUTPUT/locust.log and is copied to the progress stream. While it
runs, the backend is watched: its death is the stage "backend" (`gate.harness.backend`).
Locust still running at the plan's deadline, exiting non-zero, or exiting without
results.json is the stage "locust".
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TextIO

from gate.errors import HarnessError
from gate.harness import process, sweep
from gate.harness.backend import crashed
from gate.harness.config import RunConfig


def start_locust(
    config: RunConfig, command: list[str], *, log: Path, mark: str, tee: TextIO
) -> process.Managed:
    """Locust in its own session, in the config file's directory (if any), with the run's mark."""
    return process.start(
        command,
        log_path=log,
        name="locust",
        cwd=config.source.parent if config.source else None,
        env={**os.environ, "PYTHONUNBUFFERED": "1", sweep.MARK_VARIABLE: mark},
        tee=tee,
    )


def watch(
    config: RunConfig,
    locust: process.Managed,
    backend: process.Managed | None,
    *,
    deadline: float,
    grace: float,
) -> int:
    """Wait for Locust to finish while watching the backend; stop it after `deadline` s.
    Locust is stopped (with `grace`) before this returns or raises."""
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
        if backend is not None and (backend_code := backend.ended()) is not None:
            process.stop(locust, grace=grace)
            raise crashed(config, backend, backend_code)
        if code is not None:
            process.wait(locust)
            process.stop(locust, grace=grace)  # closes the log; reaps leftovers
            return code
        if time.monotonic() > deadline:
            process.stop(locust, grace=grace)
            raise HarnessError(
                f"Locust was still running after {limit:g}s and was stopped",
                stage="locust",
                where=str(locust.log_path),
                fix="see the Locust log; a user that never yields, or a large --stop-timeout; "
                "for a load shape that runs longer, raise max-run-time",
                log_tail=process.tail(locust.log_path),
            )
        time.sleep(0.1)


def require_results(code: int, *, results: Path, log: Path, plugin: Path) -> None:
    """Locust's exit `code` was 0 and it wrote `results`, or a HarnessError says which not."""
    if code != 0:
        raise HarnessError(
            f"Locust exited with {process.describe_exit(code)}",
            stage="locust",
            where=str(log),
            fix="see the Locust log: a locustfile error, a bad option in locust-args, "
            "or an exception in an event listener (the gate runs Locust with "
            "--exit-code-on-error 0, so failed requests alone do not make it exit non-zero)",
            log_tail=process.tail(log),
        )
    if not results.is_file():
        raise HarnessError(
            f"Locust finished but wrote no results file ({results})",
            stage="locust",
            where=str(log),
            fix=f"check that the gate plugin ({plugin}) was loaded; see the Locust log",
            log_tail=process.tail(log),
        )
