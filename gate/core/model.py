"""The results model: what one Locust run measured, independent of where it was read from.

Pure data. Readers (`gate.results.resultsfile`, `.csvreader`, `.jsonfile`) build it;
`gate.core.evaluate` judges it. All times are milliseconds unless the name says otherwise;
timestamps are Unix epoch seconds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from gate.core import histogram
from gate.core.rules import Bound, Metric
from gate.core.units import format_value


class Source(StrEnum):
    """Where the numbers came from; only the plugin's results are complete."""

    PLUGIN = "plugin"  # gate.plugin at the `quitting` event: exact and complete
    JSON_FILE = "json-file"  # Locust --json-file: exact histograms, no error messages
    CSV = "csv"  # Locust --csv: rewritten once a second, misses the last second


@dataclass(frozen=True, kw_only=True)
class FailureGroup:
    """One distinct failure message of one endpoint, with how often it occurred."""

    method: str
    name: str
    error: str
    occurrences: int


@dataclass(frozen=True, kw_only=True)
class RaisedException:
    """One distinct unhandled exception raised in the locustfile (a user's task crashed).

    Locust logs these and keeps the user running the next task; they never show up as
    failed requests, so they are kept apart and judged on their own (`exceptions`)."""

    message: str
    count: int
    where: str  # the innermost frame of the traceback: `file:line in function`
    traceback: str = ""


@dataclass(frozen=True, kw_only=True)
class EndpointStats:
    """Everything measured for one (method, name) pair, or for the aggregate.

    `histogram` maps Locust's bucketed response time (ms) to a count, exactly as Locust
    keeps it; percentiles are computed from it with Locust's own rule. It is None when
    the source had no histogram (the CSV route), and then `csv_percentiles` holds the
    integer percentiles Locust printed.
    """

    method: str
    name: str
    num_requests: int
    num_failures: int
    histogram: Mapping[int, int] | None
    total_response_time: float
    min_response_time: float | None
    max_response_time: float
    total_content_length: int
    # The run-wide span, as Locust divides every row's count by it for Requests/s.
    start_time: float
    last_request_timestamp: float | None
    # Requests logged without a response time; Locust leaves them out of avg/percentiles.
    num_none_requests: int = 0
    # Locust's per-second counts of this entry (epoch second -> count), as read from a
    # --json-file or a results.json of version 1; the plugin no longer records them.
    requests_per_second: Mapping[int, int] = field(default_factory=dict)
    failures_per_second: Mapping[int, int] = field(default_factory=dict)
    csv_percentiles: Mapping[float, float] = field(default_factory=dict)
    csv_rps: float | None = None
    # The raw request names merged into this endpoint by `gate.core.names.group` (ids and
    # query strings); empty for an endpoint read as it is.
    members: tuple[str, ...] = ()
    # `run --repeat N`: this entry in each of the N runs (an empty entry for a run that
    # never requested it), while the entry itself is their sum. Every metric is then the
    # median across them (`gate.core.measure`), each resting on its own run's requests.
    repeats: tuple[EndpointStats, ...] = ()

    @property
    def key(self) -> str:
        """`METHOD NAME`, the form thresholds and reports use."""
        return f"{self.method} {self.name}" if self.method else self.name

    @property
    def timed_requests(self) -> int:
        """Requests that have a response time: the count percentiles and avg are over."""
        return self.num_requests - self.num_none_requests

    @property
    def avg_response_time(self) -> float | None:
        timed = self.timed_requests
        return self.total_response_time / timed if timed > 0 else None

    @property
    def fail_ratio(self) -> float | None:
        return self.num_failures / self.num_requests if self.num_requests else None

    @property
    def rps(self) -> float | None:
        """Requests per second the way Locust reports it (over the entry's active span)."""
        if self.csv_rps is not None:
            return self.csv_rps
        if not self.num_requests or self.last_request_timestamp is None:
            return None
        span = self.last_request_timestamp - self.start_time
        return self.num_requests / span if span > 0 else None

    def percentile(self, fraction: float) -> float | None:
        """The response time at `fraction` (0.95 for p95), exactly as Locust computes it."""
        if self.timed_requests <= 0:
            return None
        if self.histogram is None:
            return self.csv_percentiles.get(fraction)
        return histogram.percentile(self.histogram, self.timed_requests, fraction)


@dataclass(frozen=True, kw_only=True)
class SecondSample:
    """One slice of the run, `seconds` long (one second unless merged), for the aggregate
    of all endpoints.

    The plugin keeps the first minutes of a run one second per sample and then merges
    neighbouring samples pairwise, so a long run's series stays bounded
    (`gate.results.series`): slices later in the run may be 2, 4, 8... seconds wide, and
    consumers divide by `seconds` for a rate. `histogram` is the bucketed response times of
    the requests completed in the slice, exact for its interval (merging adds histograms);
    it may be empty on sources that lack it.
    """

    t: int  # whole seconds since RunMeta.start_time, where the slice starts
    users: int  # the most users at the end of any of its seconds
    requests: int
    failures: int
    histogram: Mapping[int, int] = field(default_factory=dict)
    seconds: int = 1  # the slice's length: it covers [t, t + seconds)


@dataclass(frozen=True, kw_only=True)
class ResourceSample:
    """The backend's process tree over one slice of the run (one second unless merged on
    a long run, as `SecondSample`s are): what `run` sampled while the load ran."""

    t: float  # seconds since RunMeta.start_time, where the slice starts
    seconds: float  # the slice's length
    rss: int  # bytes: resident memory of the tree, summed over its processes (the peak)
    cpu: float  # cores: CPU time of the tree over the slice per second of it (the mean)
    threads: int  # the most threads at once
    connections: int  # the most open TCP connections at once (listening sockets excluded)
    processes: int  # the most processes at once


@dataclass(frozen=True, kw_only=True)
class BackendUsage:
    """The backend's resources while the load ran (`gate.harness.resources` samples them).

    `warnings` say what could not be sampled (a pid file that named no process)."""

    samples: tuple[ResourceSample, ...]
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class RunMeta:
    """Facts about the run that make two runs comparable (or not)."""

    start_time: float
    end_time: float
    users: int | None = None
    spawn_rate: float | None = None
    host: str | None = None
    locust_version: str | None = None
    locustfile: str | None = None
    fingerprint: str | None = None
    run_time: float | None = None
    processes: int | None = None
    tags: tuple[str, ...] = ()
    exclude_tags: tuple[str, ...] = ()
    options: Mapping[str, str] = field(default_factory=dict)
    shape: str | None = None  # the LoadTestShape class that drove the load, if any
    profile: str | None = None  # the locust-gate.yml profile the run belongs to, if any
    peak_users: int | None = None  # the most users that ran at once
    # Whether the load test stopped on its own (run time reached, the shape ended, or the
    # locustfile stopped it) rather than being cut short by a signal: None when the source
    # cannot tell (Locust's --csv and --json-file).
    completed: bool | None = None
    end_reason: str | None = None
    # The abort rule that stopped the run early (`gate.core.abort`), if one did.
    aborted: Trip | None = None


@dataclass(frozen=True, kw_only=True)
class Window:
    """The figures of one interval of the run (a stage), each endpoint's and the
    aggregate's: the exact difference of two copies of Locust's running stats taken at
    the interval's boundaries (`gate.results.snapshot`), so its percentiles are those of
    the requests Locust recorded in it. `start`/`end` are seconds since
    `RunMeta.start_time` at which the copies were taken."""

    name: str
    start: float
    end: float
    users: int | None = None  # the users the stage asked for
    spawn_rate: float | None = None
    endpoints: tuple[EndpointStats, ...] = ()
    total: EndpointStats


@dataclass(frozen=True, kw_only=True)
class Cut:
    """Seconds removed from the start (warm-up) and the end (cool-down) of every figure.

    `resolution` is None when the cut is exact (copies of the stats taken at the
    boundaries while the run went on); otherwise the width in seconds of the slices the
    cut was made from after the fact (the per-second series)."""

    warmup: float = 0.0
    cooldown: float = 0.0
    resolution: float | None = None


@dataclass(frozen=True, kw_only=True)
class MetricReading:
    """What was read for one entry of the thresholds' `metrics:` section (a number the
    backend exposes at a URL): after the load one read, with `during: true` one read a
    second while the load ran. `gate.core.external` judges it; `run` stores it in
    metrics.json, so `check` judges it again without reading the URL."""

    name: str  # the entry's `name`, as written (hostile text: escaped by every sink)
    what: str  # what was read there: `json cache.hit_rate`, `prometheus m{pool="main"}`
    url: str  # where it was read, placeholders resolved and credentials removed
    during: bool
    samples: int  # reads that gave a number
    peak: float | None  # the highest number read (after the load: the number)
    lowest: float | None  # the lowest number read
    failed: int = 0  # reads that gave no number
    error: str = ""  # why the last failed read gave none (unreachable, missing path, ...)


@dataclass(frozen=True, kw_only=True)
class Results:
    """One Locust run: every endpoint, the aggregate, failures and the time series."""

    source: Source
    meta: RunMeta
    endpoints: tuple[EndpointStats, ...]
    total: EndpointStats
    failures: tuple[FailureGroup, ...] = ()
    series: tuple[SecondSample, ...] = ()
    warnings: tuple[str, ...] = ()
    # Unhandled exceptions in the locustfile; None when the source does not record them.
    exceptions: tuple[RaisedException, ...] | None = None
    # Each stage's own figures, when the gate's `stages:` drove the load (in run order).
    stages: tuple[Window, ...] = ()
    # The warm-up and cool-down removed from `endpoints`, `total` and `failures`.
    cut: Cut | None = None
    # The backend's process tree as `run` sampled it; None when nothing was sampled (no
    # `start` command or pid file, or a source other than `run`'s results.json).
    backend: BackendUsage | None = None
    # The `metrics:` section's readings (metrics.json beside results.json); None when
    # none were read for this run.
    metrics: tuple[MetricReading, ...] | None = None
    # Same-runner rounds (`run --against-ref`): every counted round of both sides, paired;
    # this run's own numbers are then the head's rounds pooled.
    rounds: Rounds | None = None

    def stage(self, name: str) -> Window | None:
        return next((w for w in self.stages if w.name == name), None)

    @property
    def exception_count(self) -> int | None:
        if self.exceptions is None:
            return None
        return sum(e.count for e in self.exceptions)

    @property
    def exact(self) -> bool:
        return self.source is not Source.CSV

    def endpoint(self, method: str, name: str) -> EndpointStats | None:
        for entry in self.endpoints:
            if entry.method == method and entry.name == name:
                return entry
        return None


AGGREGATED = "Aggregated"


class Side(StrEnum):
    """Which code a round of `run --against-ref` measured."""

    BASE = "base"  # the ref, checked out into a temporary worktree
    HEAD = "head"  # the working tree


@dataclass(frozen=True, kw_only=True)
class Pair:
    """Two neighbouring rounds, one of each side, in the order they ran."""

    base: Results
    head: Results
    head_first: bool  # the schedule alternates which side goes first (ABBA BAAB ...)


@dataclass(frozen=True, kw_only=True)
class Rounds:
    """What `run --against-ref` measured: the counted rounds, paired (warm-ups left out)."""

    ref: str  # the ref as the user gave it
    commit: str  # the commit it named
    round_time: float  # seconds of load per round
    pairs: tuple[Pair, ...]


def with_requests(entries: Iterable[EndpointStats]) -> tuple[EndpointStats, ...]:
    """The entries that made at least one request: the run's endpoints.

    A locustfile that calls `environment.stats.get(name, None)` creates entries that
    never made a request (method None); they are not endpoints, whichever file they were
    read from, and would otherwise be judged as inconclusive."""
    return tuple(entry for entry in entries if entry.num_requests > 0)


def aggregate(entries: Iterable[EndpointStats], *, start_time: float) -> EndpointStats:
    """The aggregate of several endpoints: sums, with the histograms added bucket by bucket.

    This is how Locust builds its `Aggregated` row, so the percentiles agree exactly.
    """
    return merged(entries, method="", name=AGGREGATED, start_time=start_time)


def merged(
    entries: Iterable[EndpointStats],
    *,
    method: str,
    name: str,
    start_time: float | None = None,
    members: tuple[str, ...] = (),
) -> EndpointStats:
    """Several entries as one: counts and sums added, histograms and per-second series
    added bucket by bucket (None when any entry has no histogram), min of the minimums,
    max of the maximums. `start_time` defaults to the earliest entry's. Entries that all
    hold the same number of repeats (`run --repeat`) are merged repeat by repeat too."""
    items = list(entries)
    hists = [e.histogram for e in items]
    mins = [e.min_response_time for e in items if e.min_response_time is not None]
    lasts = [e.last_request_timestamp for e in items if e.last_request_timestamp is not None]
    return EndpointStats(
        method=method,
        name=name,
        num_requests=sum(e.num_requests for e in items),
        num_failures=sum(e.num_failures for e in items),
        histogram=histogram.merge([h for h in hists if h is not None])
        if all(h is not None for h in hists)
        else None,
        total_response_time=sum(e.total_response_time for e in items),
        min_response_time=min(mins) if mins else None,
        max_response_time=max((e.max_response_time for e in items), default=0.0),
        total_content_length=sum(e.total_content_length for e in items),
        num_none_requests=sum(e.num_none_requests for e in items),
        start_time=start_time if start_time is not None
        else min((e.start_time for e in items), default=0.0),
        last_request_timestamp=max(lasts) if lasts else None,
        requests_per_second=histogram.merge([e.requests_per_second for e in items]),
        failures_per_second=histogram.merge([e.failures_per_second for e in items]),
        members=members,
        repeats=_merged_repeats(items, method=method, name=name),
    )


def _merged_repeats(
    items: list[EndpointStats], *, method: str, name: str
) -> tuple[EndpointStats, ...]:
    """Repeat k of the merged entry is the merge of every entry's repeat k; none unless
    every entry has the same number of them."""
    counts = {len(e.repeats) for e in items}
    if len(counts) != 1 or not items[0].repeats:
        return ()
    return tuple(merged([e.repeats[k] for e in items], method=method, name=name)
                 for k in range(len(items[0].repeats)))


@dataclass(frozen=True, kw_only=True)
class Trip:
    """An abort rule that held: what the run records and the verdict shows."""

    rule: str  # AbortRule.describe()
    metric: Metric
    bound: Bound
    value: float  # the metric's value when it tripped
    limit: float
    at: float  # seconds since the run started
    where: str = ""
    planned: float | None = None  # the run time that was planned, if one was

    def message(self) -> str:
        unit = self.metric.unit
        sign = "<" if self.bound is Bound.MIN else ">"
        saved = ""
        if self.planned is not None and self.planned > self.at:
            saved = f"; stopping early saved about {_clock(self.planned - self.at)} of CI time"
        return (
            f"the run was aborted at {_clock(self.at)}: {self.metric.value} "
            f"{format_value(self.value, unit)} {sign} {format_value(self.limit, unit)}, "
            f"{self.rule}{saved}"
        )


def _clock(seconds: float) -> str:
    whole = max(0, round(seconds))
    minutes, secs = divmod(whole, 60)
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"
