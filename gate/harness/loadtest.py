"""Locust while it runs: its start, the watch over it and the backend, what its end means.

Locust's output goes to OUTPUT/locust.log and is copied to the progress stream. While it
runs, the backend is watched: its death is the stage "backend" (`gate.harness.backend`).
Locust still running at the plan's deadline, exiting non-zero, or exiting without
results.json is the stage "locust".

Except for one case: Locust's own report writers (the --csv writer, the --html writer,
its final table) run as greenlets, and one that raises makes Locust exit 2 at the end
(a name with a lone surrogate, which the CSV writer cannot encode; an entry made by
`stats.get(name, None)`, which the HTML writer cannot sort). The gate plugin writes
results.json before those run, so when it says the load test ended on its own, the run
is judged from it, and the exit code becomes a warning in the reports
(`locust_warning`), never a reason to throw the run away.
"""

from __future__ import annotations

import os
import re
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


def require_results(code: int, *, results: Path, log: Path, plugin: Path) -> str | None:
    """Locust's exit `code` was 0 and it wrote `results`, or a HarnessError says which not;
    or it exited with an error after the plugin wrote the complete results: the warning
    to report then."""
    if code > 0 and _complete(results):
        return locust_warning(code, log)
    if code != 0 and _GAVE_UP in process.tail(log, lines=50):
        raise HarnessError(
            "Locust's master gave up waiting for its workers: not all of them connected "
            "within workers-wait",
            stage="locust",
            where=str(log),
            fix="start the workers so they reach the master (`locust -f locustfile.py "
            "--worker --master-host HOST --master-port PORT`, see the README's distributed "
            "recipes), check master-bind, or raise workers-wait",
            log_tail=process.tail(log),
        )
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
    return None


def _complete(results: Path) -> bool:
    """results.json is readable and says the load test ended on its own (not by a signal)."""
    from gate.errors import UserError  # noqa: PLC0415 (only on this rare path)
    from gate.results import resultsfile  # noqa: PLC0415

    try:
        return resultsfile.read(results).meta.completed is True
    except UserError:
        return False


_GAVE_UP = "Gave up waiting for workers to connect"  # Locust's own message
_ERROR_LINE = re.compile(r"^[A-Za-z_][\w.]*(?:Error|Exception)\b.*$", re.MULTILINE)
_ERROR_CHARS = 300  # one line of Locust's traceback in a warning: bounded


def locust_warning(code: int, log: Path) -> str:
    """What the reports say when Locust exited `code` after writing complete results."""
    errors = _ERROR_LINE.findall(process.tail(log, lines=200))
    last = f" (the last error in {log.name}: {errors[-1][:_ERROR_CHARS]})" if errors else ""
    return (
        f"Locust exited with {process.describe_exit(code)} after the load test ended{last}: "
        "one of its own report writers (CSV, HTML, its final table) or an event listener "
        "failed. The gate plugin had written the complete results, so the run is judged "
        "from results.json; Locust's own CSV and JSON files may be incomplete"
    )
