"""The Locust plugin's implementation: exact, complete results (results.json) at the end.

Importing this module registers nothing; `gate.plugin` (the public entry) calls `register`.

Load it in one of two ways (Locust 2.47's `-f` takes comma-separated `.py` paths, a
directory or a URL; it does not take a module name such as `gate.plugin`)::

    locust -f locustfile.py,$(python -m gate.plugin) ...   # prints this file's path
    locust -f locustfile.py,path/to/gate/plugin.py ...

or put `import gate.plugin  # noqa: F401` in the locustfile. Loading it both ways is
harmless: the listeners are registered once, by the module `gate.plugin`.

Options: `--gate-results PATH` (default results.json) and `--gate-progress-interval
SECONDS` (default 5, 0 turns the progress line off).

On the local or master runner only, it writes the stats (`environment.stats`; on a master
the merged worker stats) with `gate.results.resultsfile.write`, atomically, three times:
when the test stops (`test_stop`), again whenever a worker's final report arrives after
that, and at `quitting`. Locust writes its own reports (--html) between `test_stop` and
`quitting`, and when one of them raises (e.g. a locustfile called
`environment.stats.get(name, None)`, and the --html writer cannot sort the entry it made)
`quitting` never comes: the copy written at `test_stop` keeps the run. The results say
whether the run completed: `quitting` before `test_stop` means Locust was shut down by a
signal (SIGINT, SIGTERM) in the middle of the load, and `check` will not pass that.

While the test runs it samples the aggregate once a second (users, requests, failures
and the histogram of that second) and prints a progress line to stderr. In distributed
mode the master only learns of requests when workers report (every 3 s), so the
per-second series lags by up to 3 s there; the totals are exact.

No listener lets an exception escape (Locust would exit with code 2): errors are logged.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gevent
import locust
from locust.runners import WorkerRunner
from locust.stats import StatsError

from gate.results import plugin_path

if TYPE_CHECKING:  # the runtime imports of gate.* are deferred: see _bootstrap()
    from gate.core.model import Results, SecondSample

logger = logging.getLogger("locust-gate")

DEFAULT_RESULTS = "results.json"
DEFAULT_PROGRESS_INTERVAL = 5.0


# --------------------------------------------------------------------------- formatting


def _say(line: str) -> None:
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


# --------------------------------------------------------------------------- fingerprint


def _locustfile_paths(spec: str | None) -> list[Path]:
    """The locustfiles named by `-f` (comma-separated files or directories), minus us."""
    if not spec:
        return []
    ours = plugin_path()
    found: list[Path] = []
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        path = Path(part)
        candidates = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        for candidate in candidates:
            try:
                if candidate.resolve() == ours:
                    continue
            except OSError:
                pass
            found.append(candidate)
    return found


def shape_name(environment: Any) -> str | None:
    """The class name of the LoadTestShape driving the run, or None."""
    shape = getattr(environment, "shape_class", None)
    return type(shape).__name__ if shape is not None else None


def _ignores_common_options(environment: Any) -> bool:
    """True when a LoadTestShape runs that does not read -u/-r/-t (Locust ignores them)."""
    shape = getattr(environment, "shape_class", None)
    return shape is not None and not getattr(shape, "use_common_options", False)


def load_options(options: Any, *, shape: str | None = None) -> dict[str, Any]:
    """The options that change the load, normalised so equal load compares equal. With a
    shape that ignores -u/-r/-t (`shape` given), those are None and the shape counts."""

    def tags(value: Any) -> list[str]:
        return sorted(str(v) for v in value) if value else []

    ignored = shape is not None
    users = None if ignored else getattr(options, "num_users", None)
    spawn_rate = None if ignored else getattr(options, "spawn_rate", None)
    run_time = None if ignored else getattr(options, "run_time", None)
    host = getattr(options, "host", None)
    processes = getattr(options, "processes", None)
    return {
        "users": int(users) if users is not None else None,
        "spawn_rate": float(spawn_rate) if spawn_rate is not None else None,
        "run_time": float(run_time) if run_time is not None else None,
        "host": str(host).rstrip("/") if host else None,
        "tags": tags(getattr(options, "tags", None)),
        "exclude_tags": tags(getattr(options, "exclude_tags", None)),
        "processes": int(processes) if processes else None,
        **({"shape": shape} if shape is not None else {}),
    }


def fingerprint(locustfiles: Iterable[Path], normalised: dict[str, Any]) -> str:
    """sha256 over the locustfile contents (order and location independent) and options."""
    digests = []
    for path in locustfiles:
        try:
            digests.append(hashlib.sha256(path.read_bytes()).hexdigest())
        except OSError:
            digests.append("unreadable:" + path.name)
    payload = json.dumps({"locustfiles": sorted(digests), "options": normalised}, sort_keys=True)
    return "sha256:" + hashlib.sha256(payload.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- collecting


class _Collector:
    """Per-environment state on the local or master runner."""

    def __init__(self, environment: Any) -> None:
        self.env = environment
        self.started_at: float | None = None
        self.samples: list[SecondSample] = []
        self._prev_hist: dict[int, int] = {}
        self._prev_requests = 0
        self._prev_failures = 0
        self._greenlets: list[Any] = []
        self.written = False
        self.peak_users = 0
        self.test_stopped = False  # test_stop came: the load test ended on its own
        self.quit_seen = False
        self.reported: tuple[int, int] | None = None  # (requests, failures) last printed
        self.end_reason: str | None = None

    # ---- options
    def option(self, name: str, default: Any) -> Any:
        options = getattr(self.env, "parsed_options", None)
        value = getattr(options, name, None) if options is not None else None
        return default if value is None else value

    # ---- sampling
    def _sample(self, t: int) -> None:
        from gate.core.model import SecondSample  # noqa: PLC0415 (see _bootstrap)

        total = self.env.stats.total
        requests, failures = int(total.num_requests), int(total.num_failures)
        hist = {int(k): int(v) for k, v in total.response_times.items()}
        if requests < self._prev_requests:  # stats were reset (--reset-stats)
            self._prev_hist, self._prev_requests, self._prev_failures = {}, 0, 0
        delta = {k: v - self._prev_hist.get(k, 0) for k, v in hist.items()}
        runner = self.env.runner
        users = int(runner.user_count) if runner is not None else 0
        self.peak_users = max(self.peak_users, users)
        self.samples.append(
            SecondSample(
                t=t,
                users=users,
                requests=requests - self._prev_requests,
                failures=max(0, failures - self._prev_failures),
                histogram={k: v for k, v in sorted(delta.items()) if v > 0},
            )
        )
        self._prev_hist, self._prev_requests, self._prev_failures = hist, requests, failures

    def _sampler(self) -> None:
        assert self.started_at is not None
        t = 0
        while True:
            gevent.sleep(max(0.0, self.started_at + t + 1 - time.time()))
            try:
                self._sample(t)
            except Exception:
                logger.exception("locust-gate: sampling failed (ignored)")
            t += 1

    def _progress(self, interval: float) -> None:
        assert self.started_at is not None
        last_time, last_requests = self.started_at, 0
        while True:
            gevent.sleep(interval)
            try:
                now = time.time()
                total = self.env.stats.total
                requests = int(total.num_requests)
                if requests < last_requests:
                    last_requests = 0
                rps = (requests - last_requests) / (now - last_time) if now > last_time else 0.0
                last_time, last_requests = now, requests
                runner = self.env.runner
                run_time = self.option("run_time", None)
                line = progress_line(
                    elapsed=now - self.started_at,
                    run_time=float(run_time) if run_time else None,
                    users=int(runner.user_count),
                    target_users=getattr(runner, "target_user_count", None),
                    rps=rps,
                    requests=requests,
                    failures=int(total.num_failures),
                    shape=shape_name(self.env) if _ignores_common_options(self.env) else None,
                )
                _say(line)
            except Exception:
                logger.exception("locust-gate: progress line failed (ignored)")

    def start(self) -> None:
        self.stop()
        self.started_at = time.time()
        self.samples = []
        self._prev_hist, self._prev_requests, self._prev_failures = {}, 0, 0
        self.written = False
        self.peak_users = 0
        self.test_stopped = self.quit_seen = False
        self.reported = None
        self.end_reason = None
        self._greenlets.append(gevent.spawn(self._sampler))
        interval = float(self.option("gate_progress_interval", DEFAULT_PROGRESS_INTERVAL))
        if interval > 0:
            self._greenlets.append(gevent.spawn(self._progress, interval))

    def stop(self) -> None:
        for greenlet in self._greenlets:
            greenlet.kill(block=False)
        self._greenlets = []

    # ---- results
    def note_users(self, count: int) -> None:
        self.peak_users = max(self.peak_users, int(count))

    def on_test_stop(self) -> None:
        """The load test ended on its own: write the results now, before Locust's own
        report writers run (they may raise, and then `quitting` never comes)."""
        if self.quit_seen or self.started_at is None:
            return  # test_stop after quitting: a signal shut Locust down mid-run
        self.test_stopped = True
        self.end_reason = self._why_stopped()
        self.stop()
        self._final_sample()
        self.write()

    def on_worker_report(self) -> None:
        """On a master, workers' last reports arrive after test_stop: keep the file current."""
        if self.test_stopped and not self.quit_seen:
            self._final_sample()
            self.write()

    def on_quitting(self) -> None:
        self.quit_seen = True
        self.stop()
        if self.started_at is None:
            return  # no test ever started (e.g. the locustfile failed to load)
        if not self.test_stopped:
            self.end_reason = (
                "interrupted: Locust was shut down by a signal before the load test ended"
            )
        self._final_sample()
        self.write()

    def _why_stopped(self) -> str:
        runner = self.env.runner
        if shape_name(self.env) is not None and gevent.getcurrent() is getattr(
            runner, "shape_greenlet", None
        ):
            return f"the load shape {shape_name(self.env)} ended"
        run_time = self.option("run_time", None)
        assert self.started_at is not None
        if run_time and time.time() - self.started_at >= float(run_time) - 1:
            return f"the run time of {float(run_time):g}s was reached"
        return "the load test was stopped (by the locustfile or the runner)"

    def _final_sample(self) -> None:
        """One last sample of what came in since the sampler's last one, if anything."""
        assert self.started_at is not None
        total = self.env.stats.total
        if self.samples and int(total.num_requests) == self._prev_requests:
            return
        t = int(time.time() - self.started_at)
        if self.samples:
            t = max(t, self.samples[-1].t + 1)
        self._sample(t)

    def write(self) -> None:
        from gate.results import resultsfile  # noqa: PLC0415 (see _bootstrap)

        target = str(self.option("gate_results", DEFAULT_RESULTS))
        results = build_results(
            self.env,
            series=self.samples,
            end_time=time.time(),
            peak_users=self.peak_users,
            completed=self.test_stopped,
            end_reason=self.end_reason,
        )
        resultsfile.write(target, results)
        self.written = True
        counts = (results.total.num_requests, results.total.num_failures)
        if counts == self.reported:
            return  # rewritten with the same numbers: say it once
        verb = "wrote" if self.reported is None else "updated"
        self.reported = counts
        exceptions = results.exception_count or 0
        _say(
            f"[locust-gate] {verb} {target}: {results.total.num_requests:,} requests, "
            f"{results.total.num_failures:,} failures, {len(results.endpoints)} endpoints"
            + (f", {exceptions:,} exceptions in the locustfile" if exceptions else "")
            + ("" if self.test_stopped else " (incomplete: interrupted)")
        )


def build_results(
    environment: Any,
    *,
    series: Iterable[SecondSample] = (),
    end_time: float | None = None,
    peak_users: int | None = None,
    completed: bool | None = None,
    end_reason: str | None = None,
) -> Results:
    """A `gate.core.model.Results` from a Locust environment's (final) stats."""
    from gate.core.model import (  # noqa: PLC0415 (see _bootstrap)
        EndpointStats,
        FailureGroup,
        Results,
        RunMeta,
        Source,
        with_requests,
    )
    from gate.results import crashes  # noqa: PLC0415 (see _bootstrap)

    stats = environment.stats
    start_time = float(stats.total.start_time)
    last = stats.total.last_request_timestamp
    last_ts = float(last) if last is not None else None

    def convert(entry: Any, method: str, name: str) -> EndpointStats:
        return EndpointStats(
            method=method,
            name=name,
            num_requests=int(entry.num_requests),
            num_failures=int(entry.num_failures),
            num_none_requests=int(entry.num_none_requests),
            histogram={int(k): int(v) for k, v in sorted(entry.response_times.items()) if v},
            total_response_time=float(entry.total_response_time),
            min_response_time=(
                float(entry.min_response_time) if entry.min_response_time is not None else None
            ),
            max_response_time=float(entry.max_response_time),
            total_content_length=int(entry.total_content_length),
            start_time=start_time,
            last_request_timestamp=last_ts,
            requests_per_second={int(k): int(v) for k, v in sorted(entry.num_reqs_per_sec.items())},
            failures_per_second={int(k): int(v) for k, v in sorted(entry.num_fail_per_sec.items())},
        )

    entries = sorted(stats.entries.values(), key=lambda e: (e.name, e.method or ""))
    endpoints = with_requests(convert(e, e.method or "", e.name) for e in entries)
    total = convert(stats.total, "", "Aggregated")
    failures = tuple(
        FailureGroup(
            method=err.method or "",
            name=err.name,
            error=StatsError.parse_error(err.error),
            occurrences=int(err.occurrences),
        )
        for err in sorted(stats.errors.values(), key=lambda e: (e.name, e.method or ""))
    )
    options = getattr(environment, "parsed_options", None)
    shape = shape_name(environment)
    ignored = _ignores_common_options(environment)
    normalised = load_options(options, shape=shape if ignored else None)
    runner = getattr(environment, "runner", None)
    raised = getattr(runner, "exceptions", None) or {}
    exceptions = crashes.group(
        (str(row.get("msg", "")), int(row.get("count", 0)), str(row.get("traceback", "")))
        for row in raised.values()
    )
    files = _locustfile_paths(getattr(options, "locustfile", None))
    host = environment.host or normalised["host"]
    meta = RunMeta(
        start_time=start_time,
        end_time=end_time if end_time is not None else time.time(),
        users=normalised["users"],
        spawn_rate=normalised["spawn_rate"],
        host=str(host) if host else None,
        locust_version=str(getattr(locust, "__version__", "")) or None,
        locustfile=",".join(str(f) for f in files) or None,
        fingerprint=fingerprint(files, normalised),
        run_time=normalised["run_time"],
        processes=normalised["processes"],
        tags=tuple(normalised["tags"]),
        exclude_tags=tuple(normalised["exclude_tags"]),
        options={k: json.dumps(v) for k, v in normalised.items()},
        shape=shape,
        peak_users=peak_users,
        completed=completed,
        end_reason=end_reason,
    )
    return Results(
        source=Source.PLUGIN,
        meta=meta,
        endpoints=endpoints,
        total=total,
        failures=failures,
        series=tuple(series),
        exceptions=exceptions,
    )


# --------------------------------------------------------------------------- listeners


def _guarded(what: str, func: Callable[..., None]) -> Callable[..., None]:
    def listener(*args: Any, **kwargs: Any) -> None:
        try:
            func(*args, **kwargs)
        except Exception:
            logger.exception("locust-gate: %s failed (ignored, the run goes on)", what)

    listener.__name__ = f"locust_gate_{what.replace(' ', '_')}"
    return listener


def _is_worker(environment: Any) -> bool:
    return isinstance(getattr(environment, "runner", None), WorkerRunner)


def _add_arguments(parser: Any, **_kwargs: Any) -> None:
    parser.add_argument(
        "--gate-results",
        metavar="PATH",
        default=DEFAULT_RESULTS,
        include_in_web_ui=False,
        help="locust-gate: where to write the exact results at the end of the run "
        f"(default {DEFAULT_RESULTS})",
    )
    parser.add_argument(
        "--gate-progress-interval",
        metavar="SECONDS",
        type=float,
        default=DEFAULT_PROGRESS_INTERVAL,
        include_in_web_ui=False,
        help="locust-gate: print a progress line to stderr every SECONDS (0 = off, default 5)",
    )


_COLLECTORS: dict[int, _Collector] = {}


def _on_init(environment: Any, **_kwargs: Any) -> None:
    if _is_worker(environment):
        return
    _COLLECTORS[id(environment)] = _Collector(environment)


def _collector(environment: Any) -> _Collector | None:
    if _is_worker(environment):
        return None
    collector = _COLLECTORS.get(id(environment))
    if collector is None or collector.env is not environment:
        collector = _COLLECTORS[id(environment)] = _Collector(environment)
    return collector


def _on_test_start(environment: Any, **_kwargs: Any) -> None:
    collector = _collector(environment)
    if collector is not None:
        collector.start()


def _writing_collector(environment: Any) -> _Collector | None:
    """The collector, when this process writes results (local or master, command line)."""
    collector = _collector(environment)
    if collector is None:
        return None
    if getattr(environment, "parsed_options", None) is None:
        logger.debug("locust-gate: no parsed options (library use); not writing results")
        collector.stop()
        return None
    return collector


def _on_test_stop(environment: Any, **_kwargs: Any) -> None:
    collector = _writing_collector(environment)
    if collector is not None:
        collector.on_test_stop()


def _on_worker_report(environment: Any | None = None, **_kwargs: Any) -> None:
    for collector in list(_COLLECTORS.values()):
        if environment is None or collector.env is environment:
            collector.on_worker_report()


def _on_spawning_complete(user_count: int, **_kwargs: Any) -> None:
    for collector in list(_COLLECTORS.values()):
        collector.note_users(user_count)


def _on_quitting(environment: Any, **_kwargs: Any) -> None:
    collector = _writing_collector(environment)
    if collector is not None:
        collector.on_quitting()


def register(events: Any) -> None:
    """Attach the plugin's listeners to a Locust `Events` object (done once on import)."""
    events.init_command_line_parser.add_listener(_guarded("adding options", _add_arguments))
    events.init.add_listener(_guarded("init", _on_init))
    events.test_start.add_listener(_guarded("test start", _on_test_start))
    events.test_stop.add_listener(_guarded("writing results at test stop", _on_test_stop))
    events.worker_report.add_listener(_guarded("updating results", _on_worker_report))
    events.spawning_complete.add_listener(_guarded("counting users", _on_spawning_complete))
    events.quitting.add_listener(_guarded("writing results", _on_quitting))
