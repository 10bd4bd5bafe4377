"""`check --warmup/--cooldown`: a warm-up and cool-down cut after the fact.

Exact cuts are made while the run goes on (`run --warmup`, the plugin's `--gate-warmup`:
copies of every endpoint's stats at the boundaries, `gate.results.boundaries`). After the
fact only the plugin's series is left: one slice per second for the first 10 minutes (then
wider, see `gate.results.series`), each with the aggregate's exact histogram, requests and
failures. So the aggregate is cut at the slices' resolution (the warm-up ends at the
first slice that starts at or after it, the cool-down starts at the last slice boundary at
or before it; `Cut.resolution` is the width of the slices there, and every report says
it); the series has no per-endpoint figures, so endpoints keep the whole run's figures and
a warning says so. The aggregate's average comes from its buckets. Locust's CSV and
--json-file have no such series: refused.
"""

from __future__ import annotations

from dataclasses import replace

from gate.core import histogram
from gate.core.model import Cut, EndpointStats, Results, SecondSample, Source
from gate.errors import UserError

_EXACT_HINT = (
    "give the warm-up when the run starts instead: `warmup:` in locust-gate.yml (or "
    "`run --warmup`), or the plugin's `--gate-warmup SECONDS` on the Locust command line; "
    "then every endpoint is cut exactly"
)


def trim(results: Results, *, warmup: float, cooldown: float, file: str) -> Results:
    """`results` with the aggregate's first `warmup` and last `cooldown` seconds removed."""
    if results.source is not Source.PLUGIN or not results.series:
        raise UserError(
            f"--warmup and --cooldown need the gate plugin's results.json; {file} is "
            f"{_what(results)}, which has no per-second histogram to cut",
            where=file,
            fix=_EXACT_HINT,
        )
    if results.cut is not None:
        raise UserError(
            f"{file} is already cut (warm-up {results.cut.warmup:g}s, cool-down "
            f"{results.cut.cooldown:g}s, made while the run went on): cutting again would "
            "remove seconds twice",
            where=file,
            fix="drop --warmup and --cooldown, or rerun with the warm-up you want",
        )
    end = max(s.t + s.seconds for s in results.series)
    kept = [s for s in results.series if s.t >= warmup and s.t + s.seconds <= end - cooldown]
    if not kept:
        raise UserError(
            f"--warmup {warmup:g}s and --cooldown {cooldown:g}s leave nothing of {file}: "
            f"its series covers {end}s",
            where=file,
            fix="cut less, or run longer",
        )
    first, last = kept[0], kept[-1]
    widths = [s.seconds for s in (first, last)]
    cut = Cut(warmup=float(first.t), cooldown=float(end - last.t - last.seconds),
              resolution=float(max(widths)))  # fmt: skip
    note = (
        f"warm-up {cut.warmup:g}s and cool-down {cut.cooldown:g}s cut after the fact from "
        f"the per-second series, at its resolution of {cut.resolution:g}s, from the "
        "aggregate only: results.json has no per-endpoint series, so the endpoints are "
        f"judged over the whole run; {_EXACT_HINT}"
    )
    start = results.meta.start_time
    return replace(
        results,
        total=_total(kept, start + first.t, start + last.t + last.seconds),
        cut=cut,
        warnings=(*results.warnings, note),
    )


def _what(results: Results) -> str:
    if results.source is Source.CSV:
        return "a Locust --csv output"
    if results.source is Source.JSON_FILE:
        return "a Locust --json-file output"
    return "a results.json without a series"


def _total(samples: list[SecondSample], start: float, end: float) -> EndpointStats:
    hist = histogram.merge([s.histogram for s in samples])
    requests = sum(s.requests for s in samples)
    return EndpointStats(
        method="",
        name="Aggregated",
        num_requests=requests,
        num_failures=sum(s.failures for s in samples),
        histogram=hist,
        total_response_time=float(sum(bucket * count for bucket, count in hist.items())),
        min_response_time=float(min(hist)) if hist else None,
        max_response_time=float(max(hist)) if hist else 0.0,
        total_content_length=0,
        start_time=start,
        last_request_timestamp=end if requests else None,
        # Requests without a response time are not in the histogram: counted as such.
        num_none_requests=max(0, requests - sum(hist.values())),
    )
