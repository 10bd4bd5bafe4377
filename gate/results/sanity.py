"""Refuse results that contradict themselves, whichever reader produced them.

A damaged or hand-edited file can be well-formed and still impossible: negative counts,
more failures than requests (a "1000 %" failure ratio), a histogram of 100,000 samples
for 42 requests, a run that ends before it starts or in the year 10^300. Judging such
numbers would print a verdict about nothing, so `check` refuses them with exit 2,
naming the file, the entry and the fix. `gate.results.loader.load_results` calls it for every
source, so no reader can forget.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from gate.core.model import EndpointStats, Results
from gate.errors import UserError, location

MAX_COUNT = 10**15  # more requests than any load test makes
MAX_EPOCH = 32_503_680_000.0  # the year 3000, in Unix seconds
_FIX = (
    "regenerate the results with an unmodified Locust run; if Locust itself wrote this, "
    "please report it with the file attached"
)


def check(results: Results, file: str) -> None:
    """UserError for the first contradiction in `results` (read from `file`)."""
    problem = next(_problems(results), None)
    if problem is not None:
        where, what = problem
        raise UserError(
            f"results file {file} contradicts itself: {what}",
            where=location(file, key=where),
            fix=_FIX,
        )


def _problems(results: Results) -> Iterator[tuple[str, str]]:
    meta = results.meta
    for name, stamp in (("start_time", meta.start_time), ("end_time", meta.end_time)):
        if not (math.isfinite(stamp) and 0 <= stamp <= MAX_EPOCH):
            yield f"meta.{name}", f"the run's {name} {stamp:.6g} is not a plausible time"
    if meta.end_time < meta.start_time:
        yield "meta.end_time", "the run ends before it starts"
    for index, entry in enumerate(results.endpoints):
        yield from _entry_problems(entry, f"endpoints[{index}] ({entry.key})")
    yield from _entry_problems(results.total, "total")
    yield from _stage_problems(results)
    for index, group in enumerate(results.failures):
        if not 0 <= group.occurrences <= MAX_COUNT:
            yield f"failures[{index}]", f"{group.occurrences} occurrences of a failure"
    for index, raised in enumerate(results.exceptions or ()):
        if not 0 <= raised.count <= MAX_COUNT:
            yield f"exceptions[{index}]", f"an exception raised {raised.count} times"
    for index, sample in enumerate(results.series):
        counts = (sample.users, sample.requests, sample.failures)
        if not all(0 <= count <= MAX_COUNT for count in counts):
            yield f"series[{index}]", "a negative or impossibly large count"
        elif sample.failures > sample.requests:
            yield f"series[{index}]", "more failures than requests in one sample"


def _stage_problems(results: Results) -> Iterator[tuple[str, str]]:
    for index, window in enumerate(results.stages):
        key = f"stages[{index}]"
        for inner, entry in enumerate(window.endpoints):
            yield from _entry_problems(entry, f"{key}.endpoints[{inner}] ({entry.key})")
        yield from _entry_problems(window.total, f"{key}.total")
        if window.total.num_requests > results.total.num_requests and results.cut is None:
            yield f"{key}.total", "a stage has more requests than the whole run"


def _entry_problems(entry: EndpointStats, key: str) -> Iterator[tuple[str, str]]:
    counts = {
        "num_requests": entry.num_requests,
        "num_failures": entry.num_failures,
        "num_none_requests": entry.num_none_requests,
    }
    for name, count in counts.items():
        if not 0 <= count <= MAX_COUNT:
            yield f"{key}.{name}", f"{name} is {count}, not a count between 0 and {MAX_COUNT:.0e}"
            return
    if entry.num_failures > entry.num_requests:
        yield key, (
            f"{entry.num_failures:,} failures but only {entry.num_requests:,} requests "
            f"(a {entry.num_failures / max(1, entry.num_requests):.0%} failure ratio)"
        )
    if entry.num_none_requests > entry.num_requests:
        yield key, "more requests without a response time than requests"
    if entry.histogram is not None:
        samples = sum(entry.histogram.values())
        if samples > entry.timed_requests:
            yield f"{key}.response_times", (
                f"the histogram holds {samples:,} response times for "
                f"{entry.timed_requests:,} timed requests"
            )
    times = (entry.total_response_time, entry.max_response_time, entry.min_response_time or 0)
    if not all(math.isfinite(t) and t >= 0 for t in times):
        yield key, "a negative or infinite response time"
