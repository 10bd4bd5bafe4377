"""Build results from raw response times for the pure-logic (unit) tier.

Response times go through Locust's bucketing (gate.core.histogram.bucket, tested equal to
locust.stats.bucket_response_time), exactly as a real run would record them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from gate.core import compare, histogram
from gate.core.inputs import Inputs
from gate.core.model import (
    EndpointStats,
    FailureGroup,
    Results,
    RunMeta,
    SecondSample,
    Source,
    aggregate,
)
from gate.core.relative import Baseline, BaselineRules, PastRun
from gate.core.rules import Level
from gate.core.ruleset import Thresholds
from gate.core.verdict import BaselineRef, Check

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


def past(run: Results, *, commit: str | None = "c0ffee", branch: str | None = "main") -> PastRun:
    """A stored run as the comparison reads it."""
    return PastRun(results=run, commit=commit, branch=branch)


@dataclass(frozen=True, kw_only=True)
class Compared:
    """What the comparison adds to a verdict: its checks, the runs it names, its warnings."""

    checks: tuple[Check, ...]
    ref: BaselineRef | None
    warnings: tuple[str, ...]


def compared(
    current: Results, history: Sequence[Results | PastRun], rules: BaselineRules, *,
    store: str = "s", on_inconclusive: Level = Level.WARN, on_too_few: Level | None = None,
    allow_mismatch: bool = False,
) -> Compared:
    """`current` against `history` (oldest first) through the core's relative kind of check
    (`gate.core.compare`), as `evaluate` runs it with a baseline."""
    runs = tuple(h if isinstance(h, PastRun) else past(h) for h in history)
    inputs = Inputs(
        results=current,
        thresholds=Thresholds(path="t.yml", baseline=rules, on_inconclusive=on_inconclusive,
                              on_too_few=on_too_few),
        baseline=Baseline(store=store, runs=runs, allow_mismatch=allow_mismatch),
    )
    return Compared(checks=tuple(compare.checks(inputs)), ref=compare.reference(inputs),
                    warnings=tuple(compare.warnings(inputs)))
