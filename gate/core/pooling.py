"""Several runs of the same load as one `Results`: the head's rounds of `run --against-ref`
(pooled, for the absolute rules) and the runs of `run --repeat N` (pooled, each entry also
holding its N runs' own figures, so that every metric is judged as their median:
`gate.core.measure`).

Each endpoint's histograms and counts are added (`gate.core.model.merged`), its throughput
is over the sum of its active spans (what ran in between does not count), failures and
exceptions are added. The per-second series is left out: it would have gaps between the
runs. Of repeated runs, the stages every run has are pooled stage by stage, and the
backend's samples are kept on one timeline (the backend ran through all of them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from gate.core.model import (
    BackendUsage,
    EndpointStats,
    FailureGroup,
    RaisedException,
    Results,
    Window,
    merged,
    with_requests,
)


def pool(runs: Sequence[Results], *, repeated: bool = False) -> Results:
    """`runs` (at least one, in the order they ran) as one; `repeated`: keep each run's
    own figures on every entry (`EndpointStats.repeats`), in the order of `runs`."""
    first, last = runs[0], runs[-1]
    keys = dict.fromkeys((e.method, e.name) for run in runs for e in run.endpoints)
    meta = replace(
        first.meta, end_time=last.meta.end_time,
        run_time=sum(run.meta.run_time or 0.0 for run in runs) or None,
        completed=all(run.meta.completed for run in runs)
        if all(run.meta.completed is not None for run in runs) else None,
        end_reason=next((run.meta.end_reason for run in runs if run.meta.completed is False),
                        first.meta.end_reason),
        aborted=next((run.meta.aborted for run in runs if run.meta.aborted is not None), None),
    )
    pooled = Results(
        source=first.source, meta=meta,
        endpoints=tuple(_entry([run.endpoint(m, n) for run in runs], repeated)
                        for m, n in keys),
        total=_entry([run.total for run in runs], repeated),
        failures=_failures(runs), exceptions=_exceptions(runs),
        warnings=tuple(dict.fromkeys(w for run in runs for w in run.warnings)),
    )
    if not repeated:
        return pooled
    return replace(pooled, stages=_stages(runs), cut=first.cut, backend=_backend(runs))


def runs_of(results: Results) -> tuple[Results, ...]:
    """The runs a repeated run was made of, each with its own endpoints and aggregate
    (the rest, the failures and the timeline, are the whole's); any other run alone.
    `thresholds init` reads them as the several runs whose spread its limits include."""
    count = len(results.total.repeats)
    if not count:
        return (results,)
    return tuple(
        replace(results, endpoints=with_requests(e.repeats[k] for e in results.endpoints
                                                 if len(e.repeats) == count),
                total=results.total.repeats[k], failures=(), exceptions=None, stages=(),
                backend=None)
        for k in range(count))


def _entry(found: Sequence[EndpointStats | None], repeated: bool) -> EndpointStats:
    """One endpoint's entries (None: a run that never requested it) as one."""
    entries = [e for e in found if e is not None]
    spans = sum(e.last_request_timestamp - e.start_time for e in entries
                if e.last_request_timestamp is not None)
    lasts = [e.last_request_timestamp for e in entries if e.last_request_timestamp is not None]
    start = max(lasts) - spans if lasts else entries[0].start_time
    one = merged(entries, method=entries[0].method, name=entries[0].name, start_time=start,
                 members=tuple(dict.fromkeys(m for e in entries for m in e.members)))
    if not repeated:
        return one
    shape = entries[0]
    return replace(one, repeats=tuple(
        e if e is not None else _empty(shape) for e in found))


def _empty(like: EndpointStats) -> EndpointStats:
    """The entry of a run that made no such request: no value of any metric, so too few
    requests to judge the median (`gate.core.measure.requests` is 0)."""
    return EndpointStats(
        method=like.method, name=like.name, num_requests=0, num_failures=0, histogram={},
        total_response_time=0.0, min_response_time=None, max_response_time=0.0,
        total_content_length=0, start_time=like.start_time, last_request_timestamp=None,
        members=like.members,
    )


def _stages(runs: Sequence[Results]) -> tuple[Window, ...]:
    """The stages every run has (a run stopped early may lack the last), pooled."""
    names = [w.name for w in runs[0].stages
             if all(any(o.name == w.name for o in run.stages) for run in runs)]
    pooled = []
    for name in names:
        windows = [next(w for w in run.stages if w.name == name) for run in runs]
        keys = dict.fromkeys((e.method, e.name) for w in windows for e in w.endpoints)
        pooled.append(replace(
            windows[0],
            endpoints=tuple(_entry([_find(w, m, n) for w in windows], True) for m, n in keys),
            total=_entry([w.total for w in windows], True),
        ))
    return tuple(pooled)


def _find(window: Window, method: str, name: str) -> EndpointStats | None:
    return next((e for e in window.endpoints if e.method == method and e.name == name), None)


def _backend(runs: Sequence[Results]) -> BackendUsage | None:
    """The backend's samples of every run on the first run's timeline."""
    usages = [(run.meta.start_time, run.backend) for run in runs if run.backend is not None]
    if not usages:
        return None
    start = runs[0].meta.start_time
    return BackendUsage(
        samples=tuple(replace(s, t=s.t + began - start)
                      for began, usage in usages for s in usage.samples),
        warnings=tuple(dict.fromkeys(w for _, usage in usages for w in usage.warnings)),
    )


def _failures(runs: Sequence[Results]) -> tuple[FailureGroup, ...]:
    counts: dict[tuple[str, str, str], int] = {}
    for run in runs:
        for f in run.failures:
            key = (f.method, f.name, f.error)
            counts[key] = counts.get(key, 0) + f.occurrences
    return tuple(FailureGroup(method=m, name=n, error=e, occurrences=c)
                 for (m, n, e), c in counts.items())


def _exceptions(runs: Sequence[Results]) -> tuple[RaisedException, ...] | None:
    if any(run.exceptions is None for run in runs):
        return None
    found: dict[tuple[str, str], RaisedException] = {}
    for run in runs:
        for e in run.exceptions or ():
            key = (e.message, e.where)
            seen = found.get(key)
            found[key] = e if seen is None else replace(seen, count=seen.count + e.count)
    return tuple(found.values())
