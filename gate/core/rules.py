"""The thresholds model: what the user asked for, already validated.

`gate.thresholds.parser` parses YAML into these; `gate.core.evaluate` applies them. A rule compares
one measured metric with limits at the levels `warn` and `fail`. Limits are absolute here;
the baseline-relative rules of the `baseline:` section are `gate.core.relative` (imported
here for typing only: a file without that section never loads them), and
`gate.core.compare` turns them into checks of the same verdict model.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import re2

from gate.core import userregex


class Level(StrEnum):
    WARN = "warn"
    FAIL = "fail"


class Unit(StrEnum):
    MS = "ms"
    RATIO = "ratio"  # 0..1, written and shown as a percentage
    RPS = "req/s"
    COUNT = "count"  # a whole number of things (requests made, endpoints, exceptions)
    BYTES = "bytes"  # memory (the backend's resident memory)
    BYTES_PER_MIN = "bytes/min"  # memory growth (the leak rule)
    CORES = "cores"  # CPU: 1.0 is one core fully used, written and shown as 100 %
    NUMBER = "number"  # a plain number in its source's own unit (a metric read from a URL)


class Bound(StrEnum):
    """Which side of its limit a measured value must stay on."""

    MAX = "max"  # at or below (response times, failure ratio)
    MIN = "min"  # at or above (throughput, counts that must happen)

    @property
    def sign(self) -> str:
        """How a limit of this bound reads in a report: `≤ 500 ms`, `≥ 50.0 req/s`."""
        return "≤" if self is Bound.MAX else "≥"


class Metric(StrEnum):
    P50 = "p50"
    P66 = "p66"
    P75 = "p75"
    P80 = "p80"
    P90 = "p90"
    P95 = "p95"
    P98 = "p98"
    P99 = "p99"
    P999 = "p99.9"
    MAX = "max"
    AVG = "avg"
    FAIL_RATIO = "fail-ratio"
    RPS = "rps"
    # Unhandled exceptions raised in the locustfile, for the whole run (aggregate only).
    EXCEPTIONS = "exceptions"
    # The backend's process tree, sampled while the load runs (`resources:` only;
    # gate.core.resources judges them).
    RSS = "rss"
    CPU = "cpu"
    RSS_GROWTH = "rss-growth"
    CONNECTIONS = "connections"
    # A number read from a URL (the `metrics:` section, gate.core.external): its `min:`
    # is a floor, its `max:` a ceiling. Not keys of the endpoint sections.
    READING_MIN = "reading-min"
    READING_MAX = "reading-max"

    @property
    def fraction(self) -> float | None:
        """0.95 for p95; None for metrics that are not percentiles."""
        return _FRACTIONS.get(self)

    @property
    def unit(self) -> Unit:
        if self is Metric.FAIL_RATIO:
            return Unit.RATIO
        if self is Metric.RPS:
            return Unit.RPS
        return _UNITS.get(self, Unit.MS)

    @property
    def is_floor(self) -> bool:
        """True when the limit is a minimum (throughput, a reading's `min:`), False when it
        is a maximum."""
        return self in (Metric.RPS, Metric.READING_MIN)

    @property
    def is_reading(self) -> bool:
        """A limit on a number read from a URL, not on requests (`gate.core.external`)."""
        return self in (Metric.READING_MIN, Metric.READING_MAX)


_UNITS = {
    Metric.EXCEPTIONS: Unit.COUNT,
    Metric.RSS: Unit.BYTES,
    Metric.CPU: Unit.CORES,
    Metric.RSS_GROWTH: Unit.BYTES_PER_MIN,
    Metric.CONNECTIONS: Unit.COUNT,
    Metric.READING_MIN: Unit.NUMBER,
    Metric.READING_MAX: Unit.NUMBER,
}
# Metrics of the backend's processes, not of requests: the `resources:` section only.
RESOURCE_METRICS = frozenset({Metric.RSS, Metric.CPU, Metric.RSS_GROWTH, Metric.CONNECTIONS})

_FRACTIONS = {
    Metric.P50: 0.50,
    Metric.P66: 0.66,
    Metric.P75: 0.75,
    Metric.P80: 0.80,
    Metric.P90: 0.90,
    Metric.P95: 0.95,
    Metric.P98: 0.98,
    Metric.P99: 0.99,
    Metric.P999: 0.999,
}


@dataclass(frozen=True, kw_only=True)
class Limit:
    """An absolute limit in the metric's canonical unit (ms, ratio 0..1, req/s)."""

    value: float
    level: Level


@dataclass(frozen=True, kw_only=True)
class Rule:
    """One metric with its limits. `where` names the file, line and key it came from."""

    metric: Metric
    limits: tuple[Limit, ...]
    where: str = ""

    def limit(self, level: Level) -> Limit | None:
        return next((lim for lim in self.limits if lim.level is level), None)


class MatchKind(StrEnum):
    EXACT = "exact"
    GLOB = "glob"
    REGEX = "regex"


@dataclass(frozen=True, kw_only=True)
class Matcher:
    """Selects endpoints. A pattern is tried against `NAME` and against `METHOD NAME`;
    `method`, when set, must equal the request's method (its Locust `Type`)."""

    kind: MatchKind
    pattern: str
    method: str | None = None

    @cached_property
    def _regex(self) -> re2._Regexp[str]:
        return userregex.compile_pattern(self.pattern)  # linear time, whatever the name

    def matches_any(self, method: str, name: str, members: Sequence[str] = ()) -> bool:
        """Whether the endpoint `name`, or any raw name grouped into it (`members`, see
        `gate.core.names`), matches: rules written against raw names keep applying."""
        return self.matches(method, name) or any(self.matches(method, m) for m in members)

    def matches(self, method: str, name: str) -> bool:
        if self.method is not None and self.method.upper() != method.upper():
            return False
        candidates = (name, f"{method} {name}") if method else (name,)
        return any(self._one(candidate) for candidate in candidates)

    def _one(self, candidate: str) -> bool:
        if self.kind is MatchKind.EXACT:
            return candidate == self.pattern
        if self.kind is MatchKind.GLOB:
            # The exact name first: Locust names grouped URLs `/ticket/[id]`, which as a
            # glob would be a character class matching nothing of the kind.
            return candidate == self.pattern or fnmatch.fnmatchcase(candidate, self.pattern)
        return self._regex.search(candidate) is not None

    def describe(self) -> str:
        text = f"regex:{self.pattern}" if self.kind is MatchKind.REGEX else self.pattern
        return f"{self.method} {text}" if self.method else text


@dataclass(frozen=True, kw_only=True)
class EndpointRules:
    """An override for the endpoints a matcher selects. Its rules replace the defaults of
    the same metric; `disabled` switches defaults off (`p99: off`)."""

    matcher: Matcher
    rules: tuple[Rule, ...] = ()
    disabled: frozenset[Metric] = frozenset()
    required: bool = False
    min_requests: int | None = None
    where: str = ""


def default_exceptions_rule() -> Rule:
    """Unless the file says otherwise, any exception raised in the locustfile fails the
    gate: a crashed user makes no requests, so it never shows up as a failure."""
    return Rule(
        metric=Metric.EXCEPTIONS,
        limits=(Limit(value=0, level=Level.FAIL),),
        where="default (aggregate.exceptions: 0; set it to change the limit or the level)",
    )
