"""How comparable a stored baseline is (gate.core.comparability): the age, coverage and
machine caveats at their boundaries, and the lineage in words a reader follows."""

from __future__ import annotations

from dataclasses import replace

import pytest

from gate.core.comparability import (
    Caveat,
    Lineage,
    Machine,
    assess,
    describe_lineage,
    warnings,
)
from gate.core.model import Results
from gate.errors import UserError
from gate.thresholds.parser import parse
from tests import factory

DAY = 86_400.0
EPYC = Machine(cpu="AMD EPYC 7763 64-Core Processor", cores=4)


def run(*names: str) -> Results:
    return factory.results(*(factory.endpoint(n, [10.0] * 30) for n in names))


def fit(
    *, current: Results | None = None, baseline: tuple[Results, ...] | None = None,
    age_days: float = 1.0, machines: tuple[Machine | None, ...] = (EPYC,),
    here: Machine | None = EPYC, lineage: Lineage | None = None,
) -> tuple[Caveat, ...]:
    base = baseline if baseline is not None else (run("/a", "/b"),)
    now = base[-1].meta.end_time + age_days * DAY if base else 0.0
    return assess(current or run("/a", "/b"), base, lineage=lineage or Lineage(branch="main"),
                  machines=machines, here=here, now=now, max_age_days=30).caveats


def test_a_fresh_full_same_machine_baseline_has_no_caveat() -> None:
    assert fit() == ()


@pytest.mark.parametrize(("days", "stale"), [(29.9, False), (30.0, False), (30.1, True)])
def test_stale_only_beyond_max_age(days: float, stale: bool) -> None:
    assert (Caveat.STALE in fit(age_days=days)) is stale


def test_coverage_below_half_of_this_runs_endpoints_is_flagged() -> None:
    half = fit(current=run("/a", "/b", "/c", "/d"), baseline=(run("/a", "/b"),))
    assert Caveat.LOW_COVERAGE not in half  # 2 of 4: exactly half is enough
    little = fit(current=run("/a", "/b", "/c"), baseline=(run("/a", "/x"),))
    assert Caveat.LOW_COVERAGE in little  # 1 of 3
    # An endpoint any run of the history has counts; no runs at all is not "low coverage".
    spread = fit(current=run("/a", "/b", "/c"), baseline=(run("/a"), run("/b")), machines=())
    assert Caveat.LOW_COVERAGE not in spread
    assert Caveat.LOW_COVERAGE not in fit(baseline=())


def test_another_machine_is_flagged_only_when_known_to_differ() -> None:
    other = Machine(cpu="Intel(R) Xeon(R) Platinum 8370C", cores=4)
    assert Caveat.OTHER_MACHINE in fit(machines=(EPYC, other))  # any run of the history
    assert Caveat.OTHER_MACHINE in fit(machines=(replace(EPYC, cores=2),))  # cores alone
    assert fit(machines=(None,)) == ()  # a run stored before machines were recorded
    assert fit(here=None) == ()
    assert fit(machines=(Machine(cpu=None, cores=4),), here=Machine(cpu="x", cores=None)) == ()


def test_the_lineage_reads_as_the_issue_asks() -> None:
    base = (run("/a"),) * 10
    lineage = Lineage(branch="main", merge_base="3f2a1c0d9e", behind=2, left_out=3)
    result = assess(run("/a"), base, lineage=lineage, machines=(), here=None,
                    now=base[-1].meta.end_time)
    assert describe_lineage(result) == (
        "10 runs of main up to 3f2a1c0, 2 commits behind the merge-base; "
        "3 newer run(s) left out")
    at = replace(result, lineage=replace(lineage, behind=0, left_out=0), runs=1)
    assert describe_lineage(at) == "1 run of main up to 3f2a1c0, at the merge-base"
    tip = replace(result, lineage=Lineage(branch="main", no_merge_base="no git repository here"))
    assert describe_lineage(tip) == "10 runs of main, the newest stored (no git repository here)"
    assert describe_lineage(replace(result, lineage=Lineage(branch=None), runs=1)) == (
        "1 run (a baseline file)")


def test_every_caveat_is_one_warning_sentence_naming_its_numbers() -> None:
    other = Machine(cpu="Intel Xeon", cores=2)
    base = (run("/a"),)
    result = assess(run("/a", "/b", "/c"), base, lineage=Lineage(branch="main"),
                    machines=(other,), here=EPYC, now=base[0].meta.end_time + 45 * DAY,
                    max_age_days=30)
    assert result.caveats == (Caveat.STALE, Caveat.LOW_COVERAGE, Caveat.OTHER_MACHINE)
    stale, low, machine = warnings(result)
    assert "45 days old" in stale and "more than 30 days" in stale
    assert "covers 1 of this run's 3 endpoints (33 %" in low
    assert "Intel Xeon, 2 cores" in machine
    assert "AMD EPYC 7763 64-Core Processor, 4 cores" in machine


def test_max_age_days_is_read_from_the_baseline_section_and_checked() -> None:
    rules = parse("version: 1\nbaseline:\n  max-age-days: 7\n", "t.yml").baseline
    assert rules is not None and rules.max_age_days == 7
    default = parse("version: 1\nbaseline:\n  history: 5\n", "t.yml").baseline
    assert default is not None and default.max_age_days == 30
    for bad in ("0", "soon", "1.5"):
        with pytest.raises(UserError) as info:
            parse(f"version: 1\nbaseline:\n  max-age-days: {bad}\n", "t.yml")
        assert info.value.where == "t.yml:3 (at baseline.max-age-days)", info.value.where
        assert info.value.fix
