"""Baseline-relative rules: what the `baseline:` section of a thresholds file asks for.

A `RelativeRule` allows a metric to change by at most a ratio of the baseline
(`max-increase` for latencies and fail-ratio, `max-decrease` for rps), at `warn` and/or
`fail` level, and never flags a change smaller than `min-delta` (an absolute floor in
the metric's unit) or than one Locust bucket. Pure data, part of `Thresholds` (hence
in the core): `gate.thresholds.relative` parses it, `gate.core.compare` applies it.

The runs it compares with are data too: a `Baseline` of `PastRun`s, which the edge
(`gate.baseline`, the stores) loads and the judging pass (`gate.core.inputs.Inputs`)
reads without I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from gate.core.comparability import DEFAULT_MAX_AGE_DAYS, Comparability
from gate.core.model import Results
from gate.core.rules import Level, Matcher, Metric

DEFAULT_HISTORY = 10  # runs of the base branch a history comparison uses
DEFAULT_MIN_REQUESTS = 20


@dataclass(frozen=True, kw_only=True)
class RelativeRule:
    metric: Metric
    tolerance: Mapping[Level, float]  # the allowed change as a ratio of the baseline
    min_delta: float = 0.0  # changes up to this (metric's unit) are never flagged
    where: str = ""

    @property
    def decrease(self) -> bool:
        """True when the bad direction is down (throughput)."""
        return self.metric.is_floor


@dataclass(frozen=True, kw_only=True)
class RelativeOverride:
    matcher: Matcher
    rules: tuple[RelativeRule, ...] = ()
    disabled: frozenset[Metric] = frozenset()
    where: str = ""


@dataclass(frozen=True, kw_only=True)
class BaselineRules:
    defaults: tuple[RelativeRule, ...]
    endpoints: tuple[RelativeOverride, ...] = ()
    min_requests: int = DEFAULT_MIN_REQUESTS
    history: int = DEFAULT_HISTORY
    # A baseline whose newest run is older is flagged (gate.core.comparability).
    max_age_days: int = DEFAULT_MAX_AGE_DAYS
    # Read latencies with the run's shared shift removed (gate.core.shift); off for a
    # service whose endpoints do not share their noise (e.g. each behind its own backend).
    shared_shift: bool = True
    written: bool = True  # False: the documented defaults (the file has no baseline: section)

    def rules_for(
        self, method: str, name: str, members: Sequence[str] = ()
    ) -> tuple[RelativeRule, ...]:
        """The defaults, with the first matching override's rules replacing theirs (an
        override matches the endpoint or any raw name grouped into it, `members`)."""
        override = next(
            (o for o in self.endpoints if o.matcher.matches_any(method, name, members)), None
        )
        if override is None:
            return self.defaults
        own = {rule.metric for rule in override.rules}
        kept = tuple(
            r for r in self.defaults if r.metric not in own and r.metric not in override.disabled
        )
        return kept + override.rules


def _rule(metric: Metric, min_delta: float, **tolerance: float) -> RelativeRule:
    return RelativeRule(
        metric=metric,
        tolerance={Level(level): value for level, value in tolerance.items()},
        min_delta=min_delta,
        where="default baseline rules",
    )


# What `--baseline` compares when the thresholds file has no `baseline:` section
# (documented in the README; docs/benchmarks.md measures them). The median fails, the
# tail only warns: a p95 rests on the few slowest requests of a run, and a hiccup of a
# handful of them moved an unchanged run's p95 by +30-45 % on a quiet machine, while
# the median (with the shared shift removed) caught every +20 % slowdown there.
DEFAULT_RULES = (
    _rule(Metric.P50, 2.0, fail=0.10),
    _rule(Metric.P95, 5.0, warn=0.15),
    _rule(Metric.RPS, 0.0, warn=0.25),
)


def default_rules() -> BaselineRules:
    return BaselineRules(defaults=DEFAULT_RULES, written=False)


@dataclass(frozen=True, kw_only=True)
class PastRun:
    """One stored run as the comparison reads it (names grouped as this run's are)."""

    results: Results
    commit: str | None = None
    branch: str | None = None
    entry: str = ""  # its name in the store, for messages

    @property
    def time(self) -> float:
        """When the run ended (epoch s): the order of a history."""
        return self.results.meta.end_time

    @property
    def fingerprint(self) -> str | None:
        return self.results.meta.fingerprint


@dataclass(frozen=True, kw_only=True)
class Baseline:
    """What a run is compared with: the stored runs the edge loaded, oldest first (one
    for a single baseline, none for an empty store), and how to treat runs made with
    another locustfile or load (`--allow-mismatch`)."""

    store: str  # as the user gave it, credentials removed: shown in every report
    runs: tuple[PastRun, ...] = ()
    allow_mismatch: bool = False
    # How comparable the runs are with this one (which runs, age, coverage, machine),
    # assessed by the edge, which knows the machine and the clock; shown on the reference.
    fit: Comparability | None = None
