"""`run --against-ref REF`: the base and the head measured on this machine, in rounds.

The two sides are `gate.harness.orchestrate.Steps`, one each, so every step, message and
cleanup is the single run's: seed both (base first), start both backends and wait for
both to be healthy, so that they run at once, then short Locust rounds with the head's
locustfile, alternating between them: one uncounted warm-up round per side, then
`rounds` pairs of neighbouring rounds in a balanced order (`schedule`: AB BA BA AB ...,
so neither side always goes first or always follows the other). Each side has its own
port and output directory (`OUTPUT/base`, `OUTPUT/head`: `gate.harness.config.Placement`);
a round's results are `SIDE/round-N.json` (`SIDE/warm-up.json`) and its Locust log
`SIDE/locust-round-N.log`. After the rounds, the head's counted rounds pooled are
`OUTPUT/results.json`, which the absolute rules judge; `gate.core.paired` judges the
pairs.

Every failure is the single run's, with the side named in its message: either side's
seed, start or health failing, a backend dying (the side under load is watched by
`gate.harness.loadtest.watch`, the other is checked after each round), Locust crashing;
signals raise `Interrupted`. Both sides' process trees are stopped in `finally`, then
whatever carries the run's mark; the guardian does the same and removes the base's
worktree if the gate is killed (`gate.harness.sweep.guarded`).
"""

from __future__ import annotations

import contextlib
import shutil
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TextIO

from gate.core.model import Pair, Rounds, Side
from gate.core.pooling import pool
from gate.core.sections import ExternalMetric
from gate.errors import HarnessError, Interrupted, UserError
from gate.files import outputs
from gate.harness import metrics, sweep
from gate.harness.backend import check_ports, crashed
from gate.harness.config import RunConfig
from gate.harness.interrupts import SignalGuard
from gate.harness.invocation import plan_load
from gate.harness.orchestrate import Steps, backend_env, say, sweep_marked
from gate.harness.worktree import Checkout
from gate.results import metricsfile, plugin_path, resultsfile
from gate.results.loader import load_results

# The balanced order of the sides in consecutive pairs (True: the head first): ABBA BAAB.
_ORDER = (False, True, True, False)


@dataclass(frozen=True, kw_only=True)
class RoundsPlan:
    """What `--against-ref`, `--rounds` and `--round-time` asked for."""

    base: Checkout
    rounds: int  # counted rounds per side (pairs)
    round_time: int  # seconds of load per round


@dataclass(frozen=True, kw_only=True)
class RoundFiles:
    """The results files of one pair of rounds."""

    base: Path
    head: Path
    head_first: bool


@dataclass(frozen=True, kw_only=True)
class RoundsResult:
    output_dir: Path
    results: Path  # the head's counted rounds pooled (OUTPUT/results.json)
    pairs: tuple[RoundFiles, ...]
    plan: RoundsPlan
    warnings: tuple[str, ...]
    duration: float


def schedule(pairs: int) -> list[tuple[Side, Side]]:
    """The order of the sides in each pair: AB BA BA AB, repeated."""
    return [(Side.HEAD, Side.BASE) if _ORDER[i % len(_ORDER)] else (Side.BASE, Side.HEAD)
            for i in range(pairs)]


def run_rounds(
    sides: dict[Side, RunConfig],
    plan: RoundsPlan,
    *,
    claim: sweep.Claim,
    plugin: Path | None = None,
    progress: TextIO | None = None,
    external: Sequence[ExternalMetric] = (),
) -> RoundsResult:
    """Both sides up, the rounds, both sides stopped (see the module docstring). UserError
    before anything started, HarnessError (with `stage`, the side named) for harness
    failures, Interrupted on a signal; in every case nothing started here is left running."""
    guard = SignalGuard()
    guard.install()
    try:
        plugin, progress = plugin or plugin_path(), progress or sys.stderr
        if claim.leftovers is not None:
            say(progress, claim.leftovers.message())
        configs = {side: _round_config(config, plan) for side, config in sides.items()}
        with _named(Side.HEAD, plan):  # the head's: its URLs with its host and port
            read = metrics.targets(external, configs[Side.HEAD].host)
        with contextlib.ExitStack() as held:
            for side, config in configs.items():
                with _named(side, plan):
                    outputs.ensure_directory(config.output_dir, what="directory",
                                             option="output-dir")
                    # the side's files of an earlier run go, as the claim does for OUTPUT's
                    held.enter_context(outputs.owned(config.output_dir, side_files(plan),
                                                     option="--output-dir"))
                    if config.start:
                        check_ports(config)
            with sweep.guarded(claim.mark, worktree=(plan.base.root, plan.base.path)):
                try:
                    return _Drive(configs=configs, plan=plan, guard=guard, plugin=plugin,
                                  progress=progress, mark=claim.mark, read=read).run()
                finally:
                    with guard.shielded():
                        sweep_marked(claim.mark, progress)
    finally:
        guard.restore()


def side_files(plan: RoundsPlan) -> tuple[str, ...]:
    """What a side's directory holds after a run: the single run's files and the rounds'."""
    names = ["warm-up", *(f"round-{n}" for n in range(1, plan.rounds + 1))]
    return (*outputs.RUN_FILES, *(f"{n}.json" for n in names),
            *(f"locust-{n}.log" for n in names))


def _round_config(config: RunConfig, plan: RoundsPlan) -> RunConfig:
    """A side's config for one round: the round's length, and no LoadTestShape (a round
    is a fixed load, the same on both sides)."""
    return replace(config, run_time=plan.round_time, shape=False, max_run_time=None)


@contextlib.contextmanager
def _named(side: Side, plan: RoundsPlan) -> Iterator[None]:
    """Errors of one side say which side (and for the base, which ref) they are about."""
    try:
        yield
    except Interrupted:
        raise
    except HarnessError as error:
        raise HarnessError(f"{_who(side, plan)}: {error.what}", stage=error.stage,
                           where=error.where, fix=error.fix, log_tail=error.log_tail) from error
    except UserError as error:
        raise UserError(f"{_who(side, plan)}: {error.what}", where=error.where,
                        fix=error.fix) from error


def _who(side: Side, plan: RoundsPlan) -> str:
    if side is Side.BASE:
        return f"the base ({plan.base.ref} at {plan.base.commit[:12]})"
    return "the head (the working tree)"


@dataclass(kw_only=True)
class _Drive:
    configs: dict[Side, RunConfig]
    plan: RoundsPlan
    guard: SignalGuard
    plugin: Path
    progress: TextIO
    mark: str
    read: tuple[metrics.Target, ...] = ()  # the thresholds' metrics, read on the head

    def run(self) -> RoundsResult:
        began = time.monotonic()
        steps = {
            side: Steps(config=config, guard=self.guard, plugin=self.plugin,
                        progress=self.progress, mark=self.mark, plan=plan_load(config),
                        read=self.read if side is Side.HEAD else ())
            for side, config in self.configs.items()
        }
        try:
            for side in (Side.BASE, Side.HEAD):  # both seeded before either backend starts
                with _named(side, self.plan):
                    config = self.configs[side]
                    outputs.ensure_directory(config.workdir, what="directory", option="workdir")
                    steps[side].seed(backend_env(config, self.mark))
            for side in (Side.BASE, Side.HEAD):
                with _named(side, self.plan):
                    say(self.progress, f"{side.value}: starting its backend")
                    steps[side].prepare_backend(backend_env(self.configs[side], self.mark))
            pairs = self._rounds(steps)
        finally:
            for step in steps.values():
                step.stop()
        head = self.configs[Side.HEAD]
        pooled = head.output_dir.parent / "results.json"
        runs = [load_results(p.head, group_names=False) for p in pairs]
        resultsfile.write(pooled, pool(runs))
        if self.read:  # beside the pooled results, where `check` looks for them
            shutil.copyfile(head.output_dir / metricsfile.NAME, pooled.parent / metricsfile.NAME)
        warnings = tuple(w for step in steps.values() for w in step.warnings)
        return RoundsResult(output_dir=head.output_dir.parent, results=pooled, pairs=pairs,
                            plan=self.plan, warnings=warnings,
                            duration=time.monotonic() - began)

    def _rounds(self, steps: dict[Side, Steps]) -> tuple[RoundFiles, ...]:
        plan = self.plan
        order = schedule(plan.rounds)
        say(self.progress, f"rounds of {plan.round_time}s: one warm-up per side, then "
            f"{plan.rounds} pairs in the order "
            + " ".join("".join("A" if s is Side.BASE else "B" for s in p) for p in order)
            + " (A: the base, B: the head)")
        for side in (Side.BASE, Side.HEAD):
            self._round(steps, side, "warm-up")
        steps[Side.HEAD].sampled.clear()  # what the warm-up read does not count either
        pairs = []
        for number, sides in enumerate(order, start=1):
            files = {side: self._round(steps, side, f"round-{number}") for side in sides}
            pairs.append(RoundFiles(base=files[Side.BASE], head=files[Side.HEAD],
                                    head_first=sides[0] is Side.HEAD))
        return tuple(pairs)

    def _round(self, steps: dict[Side, Steps], side: Side, name: str) -> Path:
        out = self.configs[side].output_dir
        results = out / f"{name}.json"
        with _named(side, self.plan):
            say(self.progress, f"{side.value}: {name}")
            steps[side].load_test(results=results, log=out / f"locust-{name}.log")
        for other, step in steps.items():  # the side at rest must not have died meanwhile
            if step.backend is not None and (code := step.backend.ended()) is not None:
                with _named(other, self.plan):
                    raise crashed(self.configs[other], step.backend, code)
        return results


def load_rounds(result: RoundsResult, *, group_names: bool) -> Rounds:
    """The rounds' results read back for judging (`gate.core.paired`)."""
    return Rounds(
        ref=result.plan.base.ref, commit=result.plan.base.commit,
        round_time=float(result.plan.round_time),
        pairs=tuple(Pair(base=load_results(p.base, group_names=group_names),
                         head=load_results(p.head, group_names=group_names),
                         head_first=p.head_first)
                    for p in result.pairs),
    )

