"""What the plugin prints to stderr while Locust runs: the progress line (its format and
the greenlet that prints it every few seconds) and the line saying results were written."""

from __future__ import annotations

import logging
import math
import sys
import time
from typing import TYPE_CHECKING, Any

import gevent

from gate.results import flags
from gate.results.fingerprint import ignores_common_options, shape_name

if TYPE_CHECKING:  # gate.core is imported on first use: see gate.results.plugin
    from gate.core.model import Results

logger = logging.getLogger("locust-gate")


def say(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def _clock(seconds: float) -> str:
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def progress_line(
    *,
    elapsed: float,
    run_time: float | None,
    users: int,
    target_users: int | None,
    rps: float,
    requests: int,
    failures: int,
    shape: str | None = None,
) -> str:
    """`[locust-gate] 00:12 elapsed, 00:48 left | users 10/10 | 153.2 req/s | ...`.

    With a LoadTestShape there is no run time to count down (the shape decides when the
    run ends) and the target is the shape's current stage."""
    when = f"{_clock(elapsed)} elapsed"
    if run_time and not shape:
        when += f", {_clock(math.ceil(max(0.0, run_time - elapsed)))} left"
    who = f"users {users}/{target_users}" if target_users is not None else f"users {users}"
    if shape:
        who += f" (shape {shape})"
    ratio = f" ({failures / requests:.2%})" if requests else ""
    return (
        f"[locust-gate] {when} | {who} | {rps:,.1f} req/s | {requests:,} requests"
        f" | {failures:,} failures{ratio}"
    )


def every(environment: Any, started_at: float, interval: float) -> None:
    """Greenlet body: a progress line every `interval` seconds until killed."""
    last_time, last_requests = started_at, 0
    while True:
        gevent.sleep(interval)
        try:
            now = time.time()
            total = environment.stats.total
            requests = int(total.num_requests)
            if requests < last_requests:
                last_requests = 0
            rps = (requests - last_requests) / (now - last_time) if now > last_time else 0.0
            last_time, last_requests = now, requests
            runner = environment.runner
            run_time = flags.option(environment, "run_time", None)
            line = progress_line(
                elapsed=now - started_at,
                run_time=float(run_time) if run_time else None,
                users=int(runner.user_count),
                target_users=getattr(runner, "target_user_count", None),
                rps=rps,
                requests=requests,
                failures=int(total.num_failures),
                shape=shape_name(environment) if ignores_common_options(environment) else None,
            )
            say(line)
        except Exception:
            logger.exception("locust-gate: progress line failed (ignored)")


def written_line(*, verb: str, target: str, results: Results, completed: bool) -> str:
    """`[locust-gate] wrote results.json: 1,234 requests, 5 failures, 3 endpoints`."""
    exceptions = results.exception_count or 0
    return (
        f"[locust-gate] {verb} {target}: {results.total.num_requests:,} requests, "
        f"{results.total.num_failures:,} failures, {len(results.endpoints)} endpoints"
        + (f", {exceptions:,} exceptions in the locustfile" if exceptions else "")
        + ("" if completed else " (incomplete: interrupted)")
    )
