"""Outcomes of checks and the run's verdict: a closed set, decided by pure functions."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from gate.core.rules import Level

VERDICT_SCHEMA = "locust-gate/verdict"
VERDICT_VERSION = 1


class Outcome(StrEnum):
    """How one check ended. regressed/improved/new come from baseline comparison."""

    PASS = "pass"  # noqa: S105 (an outcome, not a password)
    BREACHED = "breached"
    REGRESSED = "regressed"
    IMPROVED = "improved"
    NEW = "new"
    MISSING = "missing"
    NO_DATA = "no-data"
    INCONCLUSIVE = "inconclusive"
    INCOMPLETE = "incomplete"  # the run was cut short: its numbers cover part of the load

    @property
    def counts_against(self) -> bool:
        """True when this outcome lowers the verdict (at the check's level)."""
        return self in _AGAINST


_AGAINST = frozenset(
    {
        Outcome.BREACHED,
        Outcome.REGRESSED,
        Outcome.MISSING,
        Outcome.NO_DATA,
        Outcome.INCONCLUSIVE,
        Outcome.INCOMPLETE,
    }
)


class Status(StrEnum):
    """The run's verdict. `error` means the harness failed and nothing could be judged."""

    PASS = "pass"  # noqa: S105 (an outcome, not a password)
    WARN = "warn"
    FAIL = "fail"
    ERROR = "error"


@dataclass(frozen=True, kw_only=True)
class BaselineRef:
    """The stored run(s) that relative checks were compared with (shown in every report)."""

    store: str  # the store string as the user gave it (`path.json`, `dir/`, `git:BRANCH`)
    commit: str | None
    branch: str | None
    time: float | None  # when the (latest) baseline run was made, Unix epoch seconds
    runs: int  # 1 for a single baseline; the number of runs in a history


@dataclass(frozen=True, kw_only=True)
class Comparison:
    """A measured value next to its baseline, in the metric's canonical unit."""

    baseline: float  # the baseline value (the history's median when there are several runs)
    change: float  # measured - baseline
    change_ratio: float | None  # change / baseline; None when the baseline is 0
    band: tuple[float, float] | None = None  # the history's noise band (low, high), if any


@dataclass(frozen=True, kw_only=True)
class Check:
    """One measured value against one limit, for one endpoint or the aggregate.

    `limit` is the limit that decided the outcome (the breached one, or the tightest one
    on a pass); `limits` has every level's limit. `level` is the level at which the
    outcome counts (None on a pass).
    """

    scope: str  # "endpoint" | "aggregate" | "run"
    endpoint: str  # `METHOD NAME`, `Aggregated`, or "" for run-wide checks
    method: str
    name: str
    metric: str
    unit: str
    measured: float | None
    limit: float | None
    limits: Mapping[str, float] = field(default_factory=dict)
    bound: str = "max"  # "max": measured must stay at or below; "min": at or above
    outcome: Outcome
    level: Level | None
    message: str = ""
    where: str = ""
    comparison: Comparison | None = None  # set on baseline-relative checks only


@dataclass(frozen=True, kw_only=True)
class Totals:
    requests: int
    failures: int
    endpoints: int
    checks: int
    by_outcome: Mapping[str, int]


@dataclass(frozen=True, kw_only=True)
class Verdict:
    status: Status
    checks: tuple[Check, ...]
    totals: Totals
    reasons: tuple[str, ...] = ()
    # Problems with the thresholds as applied to this run that do not change the verdict,
    # e.g. an endpoint rule that matched no endpoint (so it checked nothing).
    warnings: tuple[str, ...] = ()
    baseline: BaselineRef | None = None  # set when a baseline was compared with


def decide(checks: Iterable[Check]) -> Status:
    """fail if any check counts against at level fail; warn if any at warn; else pass."""
    levels = {c.level for c in checks if c.outcome.counts_against}
    if Level.FAIL in levels:
        return Status.FAIL
    if Level.WARN in levels:
        return Status.WARN
    return Status.PASS


def count_outcomes(checks: Iterable[Check]) -> dict[str, int]:
    counter = Counter(c.outcome.value for c in checks)
    return {outcome.value: counter.get(outcome.value, 0) for outcome in Outcome}
