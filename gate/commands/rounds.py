"""`locust-gate run --against-ref REF`: the same-runner comparison, as `run` wires it.

REF is checked out into a temporary worktree (`gate.harness.worktree`), each side's
config is read with its own port and output directory (`gate.harness.config.Placement`),
the rounds run (`gate.harness.rounds`), and the head's pooled rounds are judged with the
pairs attached (`gate.core.paired`). Failures leave `error` reports, as a single run's do.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import click

from gate.commands.checking import (
    exit_code_for,
    judge_and_report,
    record_error,
    require_checks,
    save_run,
)
from gate.core.model import Side
from gate.errors import GateError, Interrupted, UserError
from gate.github.runner import Runner
from gate.harness import sweep, worktree
from gate.harness.config import Placement, RunConfig, free_port
from gate.harness.interrupts import SignalGuard
from gate.harness.rounds import RoundsPlan, load_rounds, run_rounds
from gate.thresholds.parser import load_thresholds


def rounds_run(
    config: RunConfig, claim: sweep.Claim, runner: Runner,
    *, load: Callable[[Placement], RunConfig],
) -> int:
    """The run in rounds, holding the output directory's claim; `load` reads the config
    for one side's placement."""
    assert config.thresholds is not None and config.against_ref is not None
    # Signals raise `Interrupted` from here on (the rounds install their own guard too),
    # so a cancel while git checks the base out still removes the worktree.
    guard = SignalGuard()
    guard.install()
    try:
        if config.baseline is not None:
            raise UserError(
                "against-ref and baseline both ask for a comparison: against-ref measures "
                "the base on this machine, baseline reads stored runs",
                where=str(config.source) if config.source else "command line",
                fix="drop one of them (against-ref is the one for pull requests)",
            )
        if config.repeat > 1:
            raise UserError(
                "against-ref and repeat both ask for several runs: against-ref's rounds are "
                "its repeats",
                where=str(config.source) if config.source else "command line",
                fix="drop repeat, and set rounds for more rounds per side",
            )
        rules = load_thresholds(config.thresholds, with_baseline=True)
        require_checks(rules, with_baseline=True)
        start = config.source.parent if config.source is not None else Path.cwd()
        with worktree.checked_out(start, config.against_ref, shielded=guard.shielded) as base:
            click.echo(f"locust-gate: the base: {base.ref} at {base.commit} in {base.path}",
                       err=True)
            sides = {
                side: load(Placement(port=free_port(), output_dir=config.output_dir / side.value,
                                     relocate=base.relocate if side is Side.BASE else None))
                for side in (Side.BASE, Side.HEAD)
            }
            plan = RoundsPlan(base=base, rounds=config.rounds, round_time=config.round_time)
            result = run_rounds(sides, plan, claim=claim, external=rules.metrics)
            rounds = load_rounds(result, group_names=rules.group_names)
    except GateError as error:
        record_error(config.output_dir, error, runner, config.profile)
        if not isinstance(error, Interrupted):  # interrupted: repeats stay ignored until exit
            guard.restore()
        raise
    guard.restore()
    verdict = judge_and_report(
        results=result.results, rules=rules, report_dir=config.output_dir, out=sys.stdout,
        runner=runner, rounds=rounds, notes=result.warnings,
    )
    if config.save_baseline is not None:
        save_run(config.save_baseline, result.results, verdict, config.keep, config.save_failing)
    click.echo(f"locust-gate: {len(rounds.pairs)} pairs of {config.round_time}s rounds in "
               f"{result.duration:.0f}s; logs and results in {config.output_dir}", err=True)
    return exit_code_for(verdict)
