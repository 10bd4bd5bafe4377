"""Write a first thresholds file from one run or several (`locust-gate thresholds init`,
and `thresholds suggest` from a store's runs).

Pure: `render(runs, source=...)` returns the YAML text. The file is meant to hold: a next
run of the same code against the same server passes it. So a latency limit is not "what
was measured plus a margin" but an upper bound of what a next run can measure at that
request count: a percentile read from n requests is itself noisy (order statistics: the
count of requests below the true p95 is binomial), so the limit is the run's own
histogram read at a higher rank, widened by the spread between runs when there are
several, plus headroom for a busier machine, rounded up to a value people write. An
endpoint with too few requests for a percentile (`needed_requests`: a p95 needs 100)
gets no limit of its own for it, and a comment saying so. Limits go into a `defaults:`
block; an endpoint gets an override only when it really differs (much slower than the
rest, or failing). Names go into quoted YAML strings only, never into comments.
"""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from gate.core import histogram
from gate.core.measure import measure
from gate.core.model import EndpointStats, Results
from gate.core.reading import band, needed_requests
from gate.core.relative import DEFAULT_MIN_REQUESTS
from gate.core.rules import Metric, Unit
from gate.core.units import format_limit, format_value

SCHEMA_NAME = "thresholds.schema.json"
METRICS = (Metric.P95, Metric.P99)
# One-sided 99 %: the bound on a next run's percentile, from this run's histogram.
Z = 2.33
HEADROOM = 0.2  # latency limits: 20 % over that bound (a busier machine) ...
MIN_HEADROOM_MS = 30.0  # ... and at least 30 ms (a busy machine adds tens of ms to a request)
# An endpoint whose limit is more than this many times the typical one gets its own;
# the others share the default (the largest of theirs).
OVERRIDE_FACTOR = 3.0
FAIL_RATIO_FLOOR = 0.01
MIN_REQUESTS = DEFAULT_MIN_REQUESTS
# Values people write: 10, 12, 15, 20, 25, 30, 35, 40, 45, 50, 60, 70, 80, 90, 100 ms ...
# (steps of at most 1.25x: finer would be read as measured, coarser would hide a 2x slowdown).
HUMAN_STEPS = (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0, 6.0, 7.0, 8.0, 9.0)


def human_ceil(value: float) -> float:
    """The smallest value of HUMAN_STEPS x 10^k that is >= `value` (0 stays 0).

    Every such value of 10 ms or more is a Locust bucket (10 ms steps to 1 s, 100 ms to
    10 s), so a limit never falls between two values Locust can measure."""
    if value <= 0:
        return 0.0
    decade = 10.0 ** math.floor(math.log10(value))
    for step in (*HUMAN_STEPS, 10.0):
        candidate = round(step * decade, 9)
        if candidate >= value * (1 - 1e-9):
            return candidate
    return round(10 * decade, 9)  # pragma: no cover (10.0 always qualifies)


@dataclass(frozen=True, kw_only=True)
class Endpoint:
    """One endpoint (or the aggregate) across the runs: its entry in each run, in order;
    None where a run did not make it."""

    key: str
    entries: tuple[EndpointStats | None, ...]

    @property
    def present(self) -> list[EndpointStats]:
        return [e for e in self.entries if e is not None]

    @property
    def fewest(self) -> int:
        """Requests of the run with the fewest (0 when a run lacks it): what a limit
        must hold at, since a next run may be like that one."""
        return min((e.timed_requests if e else 0) for e in self.entries)

    @property
    def slowest(self) -> float:
        return max(e.max_response_time for e in self.present)


def latency_limit(point: Endpoint, metric: Metric) -> float | None:
    """The limit for `metric` that a next run of the same code passes (see the module
    docstring); None when a run has too few requests to estimate it."""
    fraction = metric.fraction
    assert fraction is not None
    values = [v for e in point.present if (v := measure(e, metric)) is not None]
    if point.fewest < needed_requests(metric, MIN_REQUESTS) or not values:
        return None  # (no value: a CSV that lacks this percentile's column)
    bound = _spread_bound(values, metric)
    hists = [e.histogram for e in point.present]
    if all(h is not None for h in hists):
        pooled = histogram.merge([h for h in hists if h is not None])
        total = sum(pooled.values())
        # A next run's estimate and this one's both vary: their variances add.
        sigma = math.sqrt(fraction * (1 - fraction) * (1 / point.fewest + 1 / total))
        rank = min(1.0, fraction + Z * sigma)
        bound = max(bound, float(histogram.percentile(pooled, total, rank)))
    return with_headroom(bound)


def with_headroom(bound: float) -> float:
    """HEADROOM (at least MIN_HEADROOM_MS) over `bound`, rounded up to a human value."""
    return human_ceil(max(bound * (1 + HEADROOM), bound + MIN_HEADROOM_MS))


def _spread_bound(values: Sequence[float], metric: Metric) -> float:
    """What the runs' own spread allows: the noise band's top with 3 runs or more, the
    largest value plus the range with 2, the value with 1."""
    noise = band(values, metric)
    if noise is not None:
        return noise[1]
    return max(values) + (max(values) - min(values))


def fail_ratio_limit(point: Endpoint) -> float:
    """At least FAIL_RATIO_FLOOR; above it, an upper bound of a next run's ratio."""
    present = point.present
    failures = sum(e.num_failures for e in present)
    total = sum(e.num_requests for e in present)
    if not failures or not total:
        return FAIL_RATIO_FLOOR
    ratio = failures / total
    fewest = max(1, min(e.num_requests for e in present))
    sigma = math.sqrt(ratio * (1 - ratio) * (1 / fewest + 1 / total))
    return max(FAIL_RATIO_FLOOR, min(1.0, human_ceil(ratio + Z * sigma)))


def shared_default(limits: Sequence[float]) -> float | None:
    """The default for a metric: the largest limit that is not OVERRIDE_FACTOR times the
    typical (lower median) one; the endpoints above it get their own."""
    if not limits:
        return None
    typical = statistics.median_low(limits)
    return max(limit for limit in limits if limit <= OVERRIDE_FACTOR * typical)


@dataclass(frozen=True, kw_only=True)
class Plan:
    """What the file says: defaults per metric, and the overrides per endpoint key."""

    defaults: dict[Metric, float]
    overrides: dict[str, list[str]]  # key -> its lines under `- name:`
    thin: dict[Metric, int]  # endpoints with too few requests for the metric


def endpoints_of(runs: Sequence[Results]) -> list[Endpoint]:
    keys = sorted({e.key for run in runs for e in run.endpoints})
    by_key = [{e.key: e for e in run.endpoints} for run in runs]
    return [Endpoint(key=k, entries=tuple(run.get(k) for run in by_key)) for k in keys]


def plan(points: Sequence[Endpoint]) -> Plan:
    limits = {m: {p.key: latency_limit(p, m) for p in points} for m in METRICS}
    defaults = _defaults(limits)
    overrides: dict[str, list[str]] = {}
    for point in points:
        lines = [
            line for m in METRICS
            if (line := _override(point, m, limits[m][point.key], defaults.get(m))) is not None
        ]
        ratio = fail_ratio_limit(point)
        if ratio > FAIL_RATIO_FLOOR and _may_be_judged(point.fewest):
            measured = sum(e.num_failures for e in point.present) / sum(
                e.num_requests for e in point.present)
            lines.append(_line(f"    fail-ratio: {_ratio(ratio)}",
                               f"measured {format_value(measured, Unit.RATIO)}: expected?"))
        if lines:
            overrides[point.key] = lines
    thin = {m: sum(1 for p in points if limits[m][p.key] is None) for m in METRICS}
    return Plan(defaults=defaults, overrides=overrides, thin=thin)


def _defaults(limits: dict[Metric, dict[str, float | None]]) -> dict[Metric, float]:
    """The shared limit per metric. A p99 default only when every endpoint that has a p95
    limit has enough requests for a p99 too (else it would be an `off` line on most
    endpoints), and never below the p95 default."""
    p95 = shared_default([v for v in limits[Metric.P95].values() if v is not None])
    if p95 is None:
        return {}
    defaults = {Metric.P95: p95}
    with_p95 = [key for key, value in limits[Metric.P95].items() if value is not None]
    if all(limits[Metric.P99][key] is not None for key in with_p95):
        p99 = shared_default([v for v in limits[Metric.P99].values() if v is not None])
        defaults[Metric.P99] = max(p95, p99 or p95)
    return defaults


def _override(point: Endpoint, metric: Metric, limit: float | None,
              default: float | None) -> str | None:
    """The endpoint's own line for `metric`, or None when the default fits it."""
    if default is None:
        return None
    if limit is None:
        # Too few requests to estimate: the default still applies unless even its
        # slowest request, with the same headroom, would breach it (from so few
        # requests a percentile is the slowest one or two). An endpoint that will not
        # reach min-requests in a next run either is only ever inconclusive there (and
        # may not be made at all: its entry would then warn that it matched nothing).
        if with_headroom(point.slowest) <= default or not _may_be_judged(point.fewest):
            return None
        need = needed_requests(metric, MIN_REQUESTS)
        return _line(f"    {metric.value}: off",
                     f"{point.fewest:,} requests: a {metric.value} needs {need:,}")
    if limit <= default:
        return None
    measured = max(v for e in point.present if (v := measure(e, metric)) is not None)
    return _line(f"    {metric.value}: {_ms(limit)}",
                 f"measured {format_value(measured, Unit.MS)} from {point.fewest:,} requests")


def _may_be_judged(requests: int) -> bool:
    """Whether a next run may make min-requests of an endpoint this run made `requests`
    of (a count of events: Poisson, so up to about 3 sqrt(n) more)."""
    return requests + 3 * math.sqrt(requests) >= MIN_REQUESTS


def render(
    runs: Sequence[Results], *, source: str, schema: str = f"./{SCHEMA_NAME}",
    command: str = "thresholds init",
) -> str:
    """The commented thresholds file for `runs` (one or more runs of the same test, read
    from `source` by `locust-gate COMMAND`)."""
    points = endpoints_of(runs)
    made = plan(points)
    lines = [f"# yaml-language-server: $schema={schema}",
             f"# Written by `locust-gate {command}` from {json.dumps(source)}:",
             *_header(runs, points, made)]
    lines += [
        "version: 1",
        _line("on-inconclusive: warn", "too few requests to judge: warn (or fail), never pass"),
        "",
        _line("defaults:", "every endpoint, also ones this run did not make"),
    ]
    for metric in METRICS:
        lines.append(_default_line(metric, made))
    lines += [
        _line(f"  fail-ratio: {_ratio(FAIL_RATIO_FLOOR)}", ""),
        _line(f"  min-requests: {MIN_REQUESTS}", "fewer requests than this: inconclusive"),
    ]
    if made.overrides:
        lines += ["", _line("endpoints:", "where an endpoint differs; the first match wins")]
        for key, own in made.overrides.items():
            lines += [f"  - name: {json.dumps(key)}", *own]
    lines += ["", _line("aggregate:", "the whole run"), *_aggregate(runs)]
    return "\n".join(lines) + "\n"


def _header(runs: Sequence[Results], points: Sequence[Endpoint], made: Plan) -> list[str]:
    requests = [r.total.num_requests for r in runs]
    what = (f"{requests[0]:,} requests" if len(runs) == 1
            else f"{len(runs)} runs of {min(requests):,} to {max(requests):,} requests")
    p95, p99 = (needed_requests(m, MIN_REQUESTS) for m in METRICS)
    lines = [
        f"#   {what}, {len(points)} endpoints ({runs[-1].source.value}).",
        "# Each latency limit is what a next run of the same code can measure at these",
        "# request counts: a percentile read from few requests is noisy, so the histogram",
        "# is read at a higher rank" + (", and the spread between the runs is added"
                                      if len(runs) > 1 else "") + ";",
        f"# then {HEADROOM:.0%} (at least {MIN_HEADROOM_MS:g} ms) is added for a busier "
        "machine, and the sum rounded up",
        "# to 10, 12, 15, 20, 25, 30, 35, 40, 45, 50, 60, 70, 80 or 90 ms x 10^k.",
        "# Several runs (`thresholds init R1 R2 R3`) give limits that hold better.",
        f"# A p95 needs {p95:,} requests per run, a p99 {p99:,}: with fewer there is no "
        "limit to estimate:",
        "# run longer, or give per-id URLs one name (Locust's `name=`).",
    ]
    for metric in METRICS:
        if made.thin[metric]:
            lines.append(f"#   {made.thin[metric]} of {len(points)} endpoints had too few "
                         f"requests for a {metric.value} limit of their own.")
    if not all(r.exact for r in runs):
        lines.append("# These numbers come from Locust's CSV, which misses the last second.")
    return lines


def _default_line(metric: Metric, made: Plan) -> str:
    default = made.defaults.get(metric)
    need = needed_requests(metric, MIN_REQUESTS)
    if default is not None:
        return _line(f"  {metric.value}: {_ms(default)}", "what the endpoints share")
    return _line(f"  # {metric.value}: off", f"{made.thin[metric]:,} endpoint(s) made fewer "
                 f"than the {need:,} requests a {metric.value} needs")


def _line(text: str, comment: str) -> str:
    return f"{text.ljust(28)}# {comment}" if comment else text


def _aggregate(runs: Sequence[Results]) -> list[str]:
    total = Endpoint(key="Aggregated", entries=tuple(r.total for r in runs))
    lines = []
    p95 = latency_limit(total, Metric.P95)
    if p95 is not None:
        lines.append(_line(f"  p95: {_ms(p95)}", "every request of the run together"))
    measured = sum(r.total.num_failures for r in runs) / max(
        1, sum(r.total.num_requests for r in runs))
    lines.append(_line(f"  fail-ratio: {_ratio(fail_ratio_limit(total))}",
                       f"measured {format_value(measured, Unit.RATIO)}"))
    rps = min((v for r in runs if (v := r.total.rps)), default=None)
    if rps:
        # Throughput depends on the users, their wait times and the machine: only a
        # suggestion, left for the user to switch on.
        lines.append(_line(f"  # rps: {format_limit(human_ceil(rps / 2), Unit.RPS)}",
                           f"a floor? measured {format_value(rps, Unit.RPS)}"))
    return lines + _exceptions(runs)


def _exceptions(runs: Sequence[Results]) -> list[str]:
    counts = [r.exception_count for r in runs]
    if any(c is None for c in counts):  # a rule the source cannot measure: only no-data
        return [_line("  # exceptions: 0", "this source does not record them; the plugin does")]
    count = sum(c for c in counts if c is not None)
    lines = [_line("  exceptions: 0", f"unhandled exceptions in the locustfile: {count:,}")]
    if count:
        lines.append("  # (fix the locustfile, or write {warn: 0} to only warn about them)")
    return lines


def _ms(value: float) -> str:
    return format_limit(value, Unit.MS)


def _ratio(value: float) -> str:
    return format_limit(value, Unit.RATIO)
