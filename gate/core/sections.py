"""The rules of the thresholds file's sections that a kind of check of their own judges:
`Group` (`groups:`, judged by `gate.core.groups`), `ResourceRules` (`resources:`,
`gate.core.resources`), `ExternalMetric` (`metrics:`, `gate.core.external`) and
`AbortRule` (`abort:`, watched live by the plugin; `gate.core.abort`). Apart from
`gate.core.ruleset`'s `Thresholds`, which names them only as types, so that a file without
these sections does not pay for their definitions at start-up (docs/benchmarks.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from gate.core.rules import Bound, Matcher, Metric, Rule
from gate.core.units import format_value

if TYPE_CHECKING:
    from gate.core.model import EndpointStats

DEFAULT_WINDOW = 10.0  # seconds: long enough for a p95 of a few requests a second
DEFAULT_MIN_SAMPLES = 30  # a minute-long CI run has 40 after its first third


@dataclass(frozen=True, kw_only=True)
class Group:
    """One `groups:` entry: a name, what it selects, and its rules (no defaults apply)."""

    name: str
    # Any of these selects an endpoint (`match: [a, b]`); empty: every endpoint of `type`.
    matchers: tuple[Matcher, ...] = ()
    # Locust's request type (the method column: GET, WS, grpc), compared case-insensitively.
    type: str | None = None
    rules: tuple[Rule, ...] = ()
    min_requests: int | None = None  # None: the file's defaults.min-requests
    where: str = ""

    def selects(self, entry: EndpointStats) -> bool:
        if self.type is not None and entry.method.upper() != self.type.upper():
            return False
        return not self.matchers or any(
            m.matches_any(entry.method, entry.name, entry.members) for m in self.matchers
        )

    def describe(self) -> str:
        """What the group selects, as written: `type WS`, `* /api/auth/*, GET /api/me`."""
        patterns = ", ".join(m.describe() for m in self.matchers)
        kind = f"type {self.type}" if self.type is not None else ""
        return " and ".join(part for part in (kind, patterns) if part)

@dataclass(frozen=True, kw_only=True)
class ResourceRules:
    """The `resources:` section: its rules, and the samples the leak rule needs."""

    rules: tuple[Rule, ...]
    min_samples: int = DEFAULT_MIN_SAMPLES
    where: str = ""

class Format(StrEnum):
    """How the URL's body is read."""

    JSON = "json"  # a JSON document; `json:` is the dotted path to the number
    PROMETHEUS = "prometheus"  # Prometheus' text exposition format; `metric:` + `labels:`


@dataclass(frozen=True, kw_only=True)
class ExternalMetric:
    """One entry of the `metrics:` section, validated."""

    name: str
    url: str  # as written: placeholders ({host}, {port}) are resolved by the edge
    format: Format
    path: tuple[str, ...] = ()  # JSON: the dotted path, one key (or list index) each
    metric: str = ""  # Prometheus: the sample's name
    labels: tuple[tuple[str, str], ...] = ()  # Prometheus: labels the sample must carry
    during: bool = False
    rules: tuple[Rule, ...] = ()
    where: str = ""

    @property
    def what(self) -> str:
        """What is read at the URL, as reports show it: `json cache.hit_rate`,
        `prometheus db_connections_in_use{pool="main"}`."""
        if self.format is Format.JSON:
            return f"json {'.'.join(self.path)}"
        labels = ",".join(f'{key}="{value}"' for key, value in self.labels)
        return f"prometheus {self.metric}" + (f"{{{labels}}}" if labels else "")

@dataclass(frozen=True, kw_only=True)
class AbortRule:
    """One `abort:` entry, values in the metric's canonical unit (ms, ratio, req/s)."""

    metric: Metric
    bound: Bound  # MAX: `above` (trips when the value exceeds it); MIN: `below`
    limit: float
    hold: float  # seconds the condition must hold without a break (`for:`)
    window: float = DEFAULT_WINDOW  # seconds the value is computed over
    matcher: Matcher | None = None  # None: every request (the aggregate)
    index: int = 0  # its position in the file's `abort:` list
    where: str = ""

    def breached(self, value: float | None) -> bool:
        """Whether `value` meets the condition; no value (no requests) never does."""
        if value is None:
            return False
        return value < self.limit if self.bound is Bound.MIN else value > self.limit

    def describe(self) -> str:
        """`abort[0] fail-ratio above 20.0 % for 10s (over 10s of GET /x)`."""
        side = "below" if self.bound is Bound.MIN else "above"
        what = self.matcher.describe() if self.matcher is not None else "all requests"
        return (
            f"abort[{self.index}] {self.metric.value} {side} "
            f"{format_value(self.limit, self.metric.unit)} for {self.hold:g}s "
            f"(over the last {self.window:g}s of {what})"
        )
