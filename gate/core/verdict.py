"""Outcomes of checks and the run's verdict: a closed set, decided by pure functions."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from gate.core.rules import Bound, Level, Unit

if TYPE_CHECKING:  # a baseline's fit is built where a baseline is compared
    from gate.core.comparability import Comparability

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


class Scope(StrEnum):
    """What a check measured. group/resource/external are reserved for the issues that
    add rules over several endpoints, the backend's process tree and metrics read from a
    URL: their values reach a check through `gate.core.measure`, the model stays as is."""

    ENDPOINT = "endpoint"
    AGGREGATE = "aggregate"  # the whole run: Locust's Aggregated row
    RUN = "run"  # a fact about the run itself (it made no requests)
    GROUP = "group"
    STAGE = "stage"  # an endpoint or the aggregate within one stage of the run
    RESOURCE = "resource"
    EXTERNAL = "external"


@dataclass(frozen=True, kw_only=True)
class BaselineRef:
    """The stored run(s) that relative checks were compared with (shown in every report)."""

    store: str  # the store string as the user gave it (`path.json`, `dir/`, `git:BRANCH`)
    commit: str | None
    branch: str | None
    time: float | None  # when the (latest) baseline run was made, Unix epoch seconds
    runs: int  # 1 for a single baseline; the number of runs in a history
    # Which runs, how old, how much they cover, which machine (gate.core.comparability);
    # None when not assessed (no runs).
    fit: Comparability | None = None


@dataclass(frozen=True, kw_only=True)
class Comparison:
    """A measured value next to its baseline, in the metric's canonical unit."""

    baseline: float  # the baseline value (the history's median when there are several runs)
    change: float  # measured - baseline
    change_ratio: float | None  # change / baseline; None when the baseline is 0
    band: tuple[float, float] | None = None  # the history's noise band (low, high), if any
    # The run's shared shift (gate.core.shift) removed before judging; `band` is then
    # where this run's value was expected, the shift included.
    shift: float | None = None


@dataclass(frozen=True, kw_only=True)
class Check:
    """One measured value against one limit, for one endpoint or the aggregate.

    `limit` is the limit that decided the outcome (the breached one, or the tightest one
    on a pass); `limits` has every level's limit. `level` is the level at which the
    outcome counts (None on a pass). Whether and how much a check matters is
    `counts_at`: every decision and every renderer asks it, nothing else.
    """

    scope: Scope
    endpoint: str  # `METHOD NAME`, `Aggregated`, or "" for run-wide checks
    method: str
    name: str
    metric: str  # a `Metric` value, or the name of a count check ("requests", "required")
    unit: Unit
    measured: float | None
    limit: float | None
    limits: Mapping[str, float] = field(default_factory=dict)
    bound: Bound = Bound.MAX
    outcome: Outcome
    level: Level | None
    message: str = ""
    where: str = ""
    comparison: Comparison | None = None  # set on baseline-relative checks only
    # On a check inconclusive for lack of requests (`gate.core.thin`): the requests it needs
    # and the requests it had (the fewest, when the baseline's side was short).
    needs: int | None = None
    requests: int | None = None

    def __post_init__(self) -> None:
        # Accept the enums' string values too (verdict.json round trips, older callers).
        for name, enum in (("scope", Scope), ("unit", Unit), ("bound", Bound)):
            object.__setattr__(self, name, enum(getattr(self, name)))

    @property
    def too_few(self) -> bool:
        """Inconclusive only because too few requests were made to judge it."""
        return self.outcome is Outcome.INCONCLUSIVE and self.needs is not None

    @property
    def counts_at(self) -> Level | None:
        """The level at which this check lowers the verdict; None when it does not (a
        pass, an improvement, a new endpoint)."""
        return self.level if self.outcome.counts_against else None


@dataclass(frozen=True, kw_only=True)
class Totals:
    """What the run and the gate counted: requests and failures of the run, the endpoints
    it saw, and the checks by outcome (an `Outcome` value to its count)."""

    requests: int
    failures: int
    endpoints: int
    checks: int
    by_outcome: Mapping[str, int]


@dataclass(frozen=True, kw_only=True)
class Verdict:
    """The gate's answer for one run: the status, every check behind it, and why."""

    status: Status
    checks: tuple[Check, ...]
    totals: Totals
    reasons: tuple[str, ...] = ()
    # Problems with the thresholds as applied to this run that do not change the verdict,
    # e.g. an endpoint rule that matched no endpoint (so it checked nothing).
    warnings: tuple[str, ...] = ()
    baseline: BaselineRef | None = None  # set when a baseline was compared with


_SEVERITY = {Level.FAIL: 0, Level.WARN: 1, None: 2}


def status_of(checks: Iterable[Check]) -> Status:
    """fail if any check counts at level fail; warn if any at warn; else pass."""
    levels = {c.counts_at for c in checks}
    if Level.FAIL in levels:
        return Status.FAIL
    if Level.WARN in levels:
        return Status.WARN
    return Status.PASS


def by_severity(checks: Iterable[Check]) -> list[Check]:
    """Fail-level problems first, then warn-level ones, then the rest; stable within each."""
    return sorted(checks, key=lambda c: _SEVERITY[c.counts_at])


def problems(checks: Iterable[Check]) -> list[Check]:
    """The checks that lower the verdict, by severity."""
    return by_severity(c for c in checks if c.counts_at is not None)


def count_outcomes(checks: Iterable[Check]) -> dict[str, int]:
    counter = Counter(c.outcome.value for c in checks)
    return {outcome.value: counter.get(outcome.value, 0) for outcome in Outcome}
