"""Build results from raw response times for the pure-logic (unit) tier.

Response times go through Locust's bucketing (gate.core.histogram.bucket, tested equal to
locust.stats.bucket_response_time), exactly as a real run would record them.
"""

from __future__ import annotations

from collections.abc import Sequence

from gate.core import histogram
from gate.core.model import (
    EndpointStats,
    FailureGroup,
    Results,
    RunMeta,
    SecondSample,
    Source,
    aggregate,
)

START = 1_700_000_000.0


def endpoint(
    name: str,
    times: Sequence[float],
    *,
    method: str = "GET",
    failures: int = 0,
    duration: float = 10.0,
) -> EndpointStats:
    hist: dict[int, int] = {}
    for rt in times:
        key = histogram.bucket(rt)
        hist[key] = hist.get(key, 0) + 1
    return EndpointStats(
        method=method,
        name=name,
        num_requests=len(times),
        num_failures=failures,
        histogram=hist,
        total_response_time=float(sum(times)),
        min_response_time=min(times) if times else None,
        max_response_time=max(times) if times else 0.0,
        total_content_length=100 * len(times),
        start_time=START,
        last_request_timestamp=START + duration if times else None,
    )


def results(
    *entries: EndpointStats,
    failures: Sequence[FailureGroup] = (),
    series: Sequence[SecondSample] = (),
) -> Results:
    return Results(
        source=Source.PLUGIN,
        meta=RunMeta(start_time=START, end_time=START + 10.0, users=5, host="http://127.0.0.1",
                     locust_version="2.47.0"),
        endpoints=tuple(entries),
        total=aggregate(entries, start_time=START),
        failures=tuple(failures),
        series=tuple(series),
    )
