"""A thresholds file as data: `Thresholds` (every section), and the rules of the sections
judged by a kind of check of their own: `StageRules` (`stages:`, judged by
`gate.core.stages`), `Group` (`groups:`, `gate.core.groups`), `ResourceRules`
(`resources:`, `gate.core.resources`), `ExternalMetric` (`metrics:`, `gate.core.external`)
and `AbortRule` (`abort:`, watched live by the plugin; `gate.core.abort`). Above the rule
primitives (`gate.core.rules`), below every kind of check, which reads its section here;
`gate.thresholds` builds these from the file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from gate.core.rules import (
    Bound,
    EndpointRules,
    Level,
    Matcher,
    Metric,
    Rule,
    default_exceptions_rule,
)
from gate.core.units import format_value

if TYPE_CHECKING:
    from gate.core.model import EndpointStats
    from gate.core.relative import BaselineRules

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

@dataclass(frozen=True, kw_only=True)
class StageRules:
    """The rules of one stage (`stages: {NAME: ...}` in the thresholds file): the same
    shapes as the top level (`defaults`, `endpoints`, `aggregate`), held as a `Thresholds`
    so that an endpoint's rules resolve the same way; judged on that stage's own figures
    (`gate.core.stages`)."""

    name: str
    rules: Thresholds
    where: str = ""


@dataclass(frozen=True, kw_only=True)
class Thresholds:
    """A whole thresholds file. Endpoint overrides: first match wins."""

    path: str
    version: int = 1
    defaults: tuple[Rule, ...] = ()
    min_requests: int = 1
    endpoints: tuple[EndpointRules, ...] = ()
    aggregate: tuple[Rule, ...] = ()
    aggregate_min_requests: int = 1
    # What an inconclusive or no-data check counts as; it never counts as a pass.
    on_inconclusive: Level = Level.WARN
    # What a check inconclusive only for lack of requests counts as: None reports it
    # without lowering the verdict (gate.core.thin keeps a run that judged nothing from
    # passing).
    on_too_few: Level | None = None
    # Whether request names with ids and query strings are grouped into one endpoint
    # (gate.core.names), when results and stored runs are loaded.
    group_names: bool = True
    # The limit on exceptions raised in the locustfile (`aggregate.exceptions`); None when
    # the file switched it off (`exceptions: off`).
    exceptions: Rule | None = field(default_factory=default_exceptions_rule)
    baseline: BaselineRules | None = None  # the `baseline:` section, if the file has one
    groups: tuple[Group, ...] = ()  # the `groups:` section: endpoints judged together
    stages: tuple[StageRules, ...] = ()  # the `stages:` section: rules per stage of the run
    resources: ResourceRules | None = None  # the `resources:` section, if the file has one
    metrics: tuple[ExternalMetric, ...] = ()  # the `metrics:` section (gate.core.external)
    # The `abort:` section: watched live by the plugin, never a rule a finished run is
    # judged by (a run they stopped fails through its recorded trip).
    abort: tuple[AbortRule, ...] = ()
    source_text: str = field(default="", repr=False, compare=False)

    @property
    def has_absolute_rules(self) -> bool:
        """Whether any limit applies without a baseline (the implicit exceptions limit
        does not count: it is no decision of the file's)."""
        return bool(self.defaults or self.aggregate or self.metrics
                    or any(e.rules or e.required for e in self.endpoints)
                    or any(g.rules for g in self.groups)
                    or any(s.rules.has_absolute_rules for s in self.stages)
                    or (self.resources is not None and self.resources.rules))

    def override_for(
        self, method: str, name: str, members: Sequence[str] = ()
    ) -> EndpointRules | None:
        """The first entry that matches the endpoint or any raw name grouped into it."""
        return next(
            (o for o in self.endpoints if o.matcher.matches_any(method, name, members)), None
        )

    def rules_for(
        self, method: str, name: str, members: Sequence[str] = ()
    ) -> tuple[tuple[Rule, ...], int]:
        """The effective rules and minimum request count for one endpoint (`members`: the
        raw names grouped into it, which rules may name instead)."""
        override = self.override_for(method, name, members)
        if override is None:
            return self.defaults, self.min_requests
        own = {rule.metric for rule in override.rules}
        kept = tuple(
            rule
            for rule in self.defaults
            if rule.metric not in own and rule.metric not in override.disabled
        )
        min_requests = (
            override.min_requests if override.min_requests is not None else self.min_requests
        )
        return kept + override.rules, min_requests
