"""A Locust environment's stats (on a master, the merged worker stats) taken as
`gate.core.model.Results`: the endpoints with their exact histograms, the Aggregated row,
the failures, the exceptions raised in the locustfile and what the run was (`RunMeta`).

Imported only when results are written (see gate.results.plugin), so it imports the model
at the top."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
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
