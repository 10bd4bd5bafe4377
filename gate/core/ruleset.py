"""A thresholds file as data: `Thresholds` (every section) and `StageRules` (`stages:`,
judged by `gate.core.stages`); the other sections' rules are `gate.core.sections`. Above
the rule primitives (`gate.core.rules`), below every kind of check, which reads its
section here; `gate.thresholds` builds these from the file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from gate.core.rules import EndpointRules, Level, Rule, default_exceptions_rule

if TYPE_CHECKING:
    from gate.core.relative import BaselineRules
    from gate.core.sections import AbortRule, ExternalMetric, Group, ResourceRules


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
