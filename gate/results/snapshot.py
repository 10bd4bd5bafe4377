"""A Locust environment's stats (on a master, the merged worker stats) taken as
`gate.core.model.Results`: the endpoints with their exact histograms, the Aggregated row,
the failures, the exceptions raised in the locustfile and what the run was (`RunMeta`).

And the figures of an interval of the run: `take` copies every entry's counts and
histogram (and the aggregate's, and the failure counts) at a boundary (a stage's start,
the end of the warm-up); `between` subtracts two copies, which gives exactly the figures
of the requests Locust recorded between them (its stats are cumulative), percentiles
included. A window's min and max are its histogram's lowest and highest buckets.

Imported only when results are written (see gate.results.plugin), so it imports the model
at the top."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import locust
from locust.stats import StatsError

from gate.core.model import (
    EndpointStats,
    FailureGroup,
    RaisedException,
    Results,
    RunMeta,
    SecondSample,
    Source,
    Window,
    with_requests,
)
from gate.results import crashes
from gate.results.fingerprint import (
    fingerprint,
    ignores_common_options,
    load_options,
    locustfile_paths,
    shape_name,
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
    stats = environment.stats
    start_time = float(stats.total.start_time)
    last = stats.total.last_request_timestamp
    last_ts = float(last) if last is not None else None
    entries = sorted(stats.entries.values(), key=lambda e: (e.name, e.method or ""))
    return Results(
        source=Source.PLUGIN,
        meta=_meta(
            environment,
            start_time=start_time,
            end_time=end_time if end_time is not None else time.time(),
            peak_users=peak_users,
            completed=completed,
            end_reason=end_reason,
        ),
        endpoints=with_requests(
            _endpoint(e, e.method or "", e.name, start_time, last_ts) for e in entries
        ),
        total=_endpoint(stats.total, "", "Aggregated", start_time, last_ts),
        failures=_failures(stats),
        series=tuple(series),
        exceptions=_exceptions(environment),
    )


# num_requests, num_failures, num_none_requests, total_response_time,
# total_content_length, response_times: one entry's running figures at a moment.
_Counts = tuple[int, int, int, float, int, dict[int, int]]


@dataclass(frozen=True)
class Copy:
    """Locust's running stats at one moment (`take`), to subtract (`between`)."""

    at: float  # epoch seconds when it was taken
    entries: dict[tuple[str, str], _Counts]
    total: _Counts
    errors: dict[tuple[str, str, str], int]


def _counts(entry: Any) -> _Counts:
    return (
        int(entry.num_requests), int(entry.num_failures), int(entry.num_none_requests),
        float(entry.total_response_time), int(entry.total_content_length),
        dict(entry.response_times),
    )  # fmt: skip


def take(stats: Any, at: float | None = None) -> Copy:
    """A copy of `stats` now: cheap (counts and one dict per entry), nothing computed."""
    return Copy(
        at=time.time() if at is None else at,
        entries={(e.method or "", e.name): _counts(e) for e in stats.entries.values()},
        total=_counts(stats.total),
        errors=_error_counts(stats),
    )  # fmt: skip


def _error_counts(stats: Any) -> dict[tuple[str, str, str], int]:
    counts: dict[tuple[str, str, str], int] = {}
    for err in stats.errors.values():
        key = (err.method or "", err.name, StatsError.parse_error(err.error))
        counts[key] = counts.get(key, 0) + int(err.occurrences)
    return counts


_EMPTY: _Counts = (0, 0, 0, 0.0, 0, {})


def between(
    earlier: Copy | None, later: Copy
) -> tuple[tuple[EndpointStats, ...], EndpointStats, tuple[FailureGroup, ...]]:
    """The endpoints, the aggregate and the failures of the requests recorded between two
    copies (`earlier` None: since the start). Stats reset in between (--reset-stats)
    make `later` smaller: it then counts from the reset."""
    start = earlier.at if earlier is not None else later.at
    before = earlier.entries if earlier is not None else {}
    reset = earlier is not None and later.total[0] < earlier.total[0]
    if reset:
        before = {}
    endpoints = with_requests(
        _window_entry(key, before.get(key, _EMPTY), counts, start, later.at)
        for key, counts in sorted(later.entries.items(), key=lambda kv: (kv[0][1], kv[0][0]))
    )
    earlier_total = _EMPTY if earlier is None or reset else earlier.total
    total = _window_entry(("", "Aggregated"), earlier_total, later.total, start, later.at)
    errors_before = earlier.errors if earlier is not None and not reset else {}
    failures = tuple(
        FailureGroup(method=method, name=name, error=error,
                     occurrences=count - errors_before.get((method, name, error), 0))
        for (method, name, error), count in sorted(later.errors.items(),
                                                   key=lambda kv: (kv[0][1], kv[0][0]))
        if count > errors_before.get((method, name, error), 0)
    )  # fmt: skip
    return endpoints, total, failures


def _window_entry(
    key: tuple[str, str], before: _Counts, after: _Counts, start: float, end: float
) -> EndpointStats:
    method, name = key
    hist = {k: v - before[5].get(k, 0) for k, v in sorted(after[5].items())}
    hist = {int(k): v for k, v in hist.items() if v > 0}
    requests = after[0] - before[0]
    return EndpointStats(
        method=method,
        name=name,
        num_requests=requests,
        num_failures=after[1] - before[1],
        num_none_requests=after[2] - before[2],
        histogram=hist,
        total_response_time=max(0.0, after[3] - before[3]),
        min_response_time=float(min(hist)) if hist else None,
        max_response_time=float(max(hist)) if hist else 0.0,
        total_content_length=after[4] - before[4],
        start_time=start,
        last_request_timestamp=end if requests else None,
    )


def window(
    name: str, earlier: Copy | None, later: Copy, *, run_start: float,
    users: int | None = None, spawn_rate: float | None = None,
) -> Window:
    """A named interval (a stage) between two copies."""
    endpoints, total, _failures = between(earlier, later)
    start = earlier.at if earlier is not None else run_start
    return Window(
        name=name, start=start - run_start, end=later.at - run_start,
        users=users, spawn_rate=spawn_rate, endpoints=endpoints, total=total,
    )  # fmt: skip


def _endpoint(
    entry: Any, method: str, name: str, start_time: float, last_ts: float | None
) -> EndpointStats:
    """One Locust StatsEntry; every entry gets the run-wide span (start, last request)."""
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
        # Not Locust's num_reqs_per_sec/num_fail_per_sec: one count per endpoint and second
        # of the run (the size of results.json v1 over hours), judged by nothing; the
        # bounded aggregate series (gate.results.series) has the run's course.
    )


def _failures(stats: Any) -> tuple[FailureGroup, ...]:
    return tuple(
        FailureGroup(
            method=err.method or "",
            name=err.name,
            error=StatsError.parse_error(err.error),
            occurrences=int(err.occurrences),
        )
        for err in sorted(stats.errors.values(), key=lambda e: (e.name, e.method or ""))
    )


def _exceptions(environment: Any) -> tuple[RaisedException, ...]:
    """The runner's exceptions (on a master, the workers' too), most frequent first."""
    runner = getattr(environment, "runner", None)
    raised = getattr(runner, "exceptions", None) or {}
    return crashes.group(
        (str(row.get("msg", "")), int(row.get("count", 0)), str(row.get("traceback", "")))
        for row in raised.values()
    )


def _meta(
    environment: Any,
    *,
    start_time: float,
    end_time: float,
    peak_users: int | None,
    completed: bool | None,
    end_reason: str | None,
) -> RunMeta:
    options = getattr(environment, "parsed_options", None)
    shape = shape_name(environment)
    ignored = ignores_common_options(environment)
    normalised = load_options(options, shape=shape if ignored else None)
    files = locustfile_paths(getattr(options, "locustfile", None))
    host = environment.host or normalised["host"]
    return RunMeta(
        start_time=start_time,
        end_time=end_time,
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
        profile=normalised.get("profile"),
        peak_users=peak_users,
        completed=completed,
        end_reason=end_reason,
    )
