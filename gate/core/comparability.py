"""How comparable a baseline is with this run (issue 22): which runs of the base branch
it is, how old, how much of this run it covers, and whether it came from another kind of
machine.

A stored baseline was measured at another time, often on another machine, from another
commit; the checks say what changed, this says how far to trust them. Which runs were
used (`Lineage`) is decided where git is (`gate.baseline.lineage`): the base branch's
runs at or before the pull request's merge-base, or, without the git history to tell,
the newest stored runs, said so. `assess` is pure: every fact arrives as an argument. A
baseline older than `max-age-days` (the `baseline:` section, default 30), covering less
than half of this run's endpoints, or measured on another kind of machine (CPU model or
core count differ), and a merge-base with no stored run at or before it, each get a
`Caveat`: a warning line in every report, never a failing check (a pull request cannot
make the stored baseline fresher; the comparison's own checks already fail or go
inconclusive where it cannot judge).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from gate.core.model import Results

DEFAULT_MAX_AGE_DAYS = 30
MIN_COVERAGE = 0.5  # below: the baseline says little about this run as a whole
_DAY_S = 86_400.0


@dataclass(frozen=True, kw_only=True)
class Machine:
    """The kind of machine a run was measured on; either part may be unknown."""

    cpu: str | None = None  # the CPU model, as the system names it
    cores: int | None = None  # logical CPUs

    @property
    def label(self) -> str:
        cores = f"{self.cores} core{'s' if self.cores != 1 else ''}" if self.cores else None
        return ", ".join(p for p in (self.cpu, cores) if p) or "unknown machine"

    def differs(self, other: Machine) -> bool | None:
        """True when a part both know differs; None when they share no known part."""
        pairs = [(a, b) for a, b in ((self.cpu, other.cpu), (self.cores, other.cores))
                 if a is not None and b is not None]
        return any(a != b for a, b in pairs) if pairs else None


@dataclass(frozen=True, kw_only=True)
class Lineage:
    """Which stored runs of the base branch are the baseline."""

    branch: str | None  # the base branch whose runs were used (None: a one-run file)
    merge_base: str | None = None  # runs used are at or before it; None: the newest stored
    behind: int | None = None  # commits from the newest run used to the merge-base
    left_out: int = 0  # stored runs not at or before the merge-base, not used
    no_merge_base: str | None = None  # why the newest stored runs were used instead


class Caveat(StrEnum):
    STALE = "stale"
    LOW_COVERAGE = "low-coverage"
    OTHER_MACHINE = "other-machine"
    NONE_BEFORE_MERGE_BASE = "none-before-merge-base"


@dataclass(frozen=True, kw_only=True)
class Comparability:
    lineage: Lineage
    runs: int
    age_s: float | None  # from the newest run used to now
    covered: int  # this run's endpoints the baseline has
    endpoints: int  # this run's endpoints
    machine: Machine | None  # the newest run's (None: not recorded, an older stored run)
    here: Machine | None  # this run's
    other_machine: bool | None
    max_age_days: int
    caveats: tuple[Caveat, ...]

    @property
    def coverage(self) -> float | None:
        return self.covered / self.endpoints if self.endpoints else None


def assess(
    current: Results,
    baseline: Sequence[Results],
    *,
    lineage: Lineage,
    machines: Sequence[Machine | None],
    here: Machine | None,
    now: float,
    max_age_days: int = DEFAULT_MAX_AGE_DAYS,
) -> Comparability:
    """The comparability of `baseline` (the runs used, oldest first; `machines` theirs)."""
    mine = {e.key for e in current.endpoints}
    theirs = {e.key for run in baseline for e in run.endpoints}
    newest = max((run.meta.end_time for run in baseline), default=None)
    other = _other_machine(machines, here)
    fit = Comparability(
        lineage=lineage, runs=len(baseline),
        age_s=None if newest is None else max(0.0, now - newest),
        covered=len(mine & theirs), endpoints=len(mine),
        machine=machines[-1] if machines else None, here=here, other_machine=other,
        max_age_days=max_age_days, caveats=(),
    )
    return _with_caveats(fit)


def _other_machine(machines: Sequence[Machine | None], here: Machine | None) -> bool | None:
    if here is None:
        return None
    verdicts = [m.differs(here) for m in machines if m is not None]
    known = [v for v in verdicts if v is not None]
    return any(known) if known else None


def _with_caveats(fit: Comparability) -> Comparability:
    caveats = []
    if fit.age_s is not None and fit.age_s > fit.max_age_days * _DAY_S:
        caveats.append(Caveat.STALE)
    if fit.runs and fit.coverage is not None and fit.coverage < MIN_COVERAGE:
        caveats.append(Caveat.LOW_COVERAGE)
    if fit.other_machine:
        caveats.append(Caveat.OTHER_MACHINE)
    if not fit.runs and fit.lineage.merge_base is not None:
        caveats.append(Caveat.NONE_BEFORE_MERGE_BASE)
    return replace(fit, caveats=tuple(caveats))


def describe_lineage(fit: Comparability) -> str:
    """`10 runs of main up to 3f2a1c0, 2 commits behind the merge-base`."""
    lineage = fit.lineage
    runs = f"{fit.runs} run{'s' if fit.runs != 1 else ''}"
    if lineage.branch is None:
        return f"{runs} (a baseline file)"
    head = f"{runs} of {lineage.branch}"
    if lineage.merge_base is None:
        return f"{head}, the newest stored ({lineage.no_merge_base or 'no merge-base'})"
    left = f"; {lineage.left_out} newer run(s) left out" if lineage.left_out else ""
    return f"{head} up to {lineage.merge_base[:7]}, {_behind(lineage.behind)}{left}"


def _behind(commits: int | None) -> str:
    if commits is None:
        return "before the merge-base"
    if commits == 0:
        return "at the merge-base"
    return f"{commits} commit{'s' if commits != 1 else ''} behind the merge-base"


def warnings(fit: Comparability) -> tuple[str, ...]:
    """One sentence per caveat, for the warning lines of every report."""
    said = {
        Caveat.STALE: lambda: f"baseline: the newest baseline run is {_days(fit.age_s)} old "
        f"(more than {fit.max_age_days} days): the service, its data or the runners may have "
        "changed since; save a fresh baseline (or set baseline: max-age-days)",
        Caveat.LOW_COVERAGE: lambda: f"baseline: the baseline covers {fit.covered} of this "
        f"run's {fit.endpoints} endpoints ({(fit.coverage or 0) * 100:.0f} %, less than "
        f"{MIN_COVERAGE * 100:.0f} %): the rest are new to it and not compared",
        Caveat.OTHER_MACHINE: lambda: "baseline: the baseline was measured on another kind of "
        f"machine ({_label(fit.machine)}; this run: {_label(fit.here)}): part of any change "
        "may be the machine's",
        Caveat.NONE_BEFORE_MERGE_BASE: lambda: f"baseline: none of the stored runs of "
        f"{fit.lineage.branch} is at or before the merge-base "
        f"{(fit.lineage.merge_base or '')[:7]} ({fit.lineage.left_out} are newer or unknown "
        "here): save a run on the base branch, or rebase onto a commit that has one",
    }
    return tuple(said[c]() for c in fit.caveats)


def _days(seconds: float | None) -> str:
    days = (seconds or 0.0) / _DAY_S
    return f"{days:.0f} days" if days >= 2 else f"{days * 24:.0f} hours"


def _label(machine: Machine | None) -> str:
    return machine.label if machine is not None else "unknown machine"
