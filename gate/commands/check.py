"""`locust-gate check`: judge a finished Locust run against a thresholds file."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from gate.commands.checking import BaselineRequest, exit_code_for, run_check
from gate.commands.storeoption import STORE
from gate.core.model import Cut
from gate.core.units import parse_seconds
from gate.errors import UserError
from gate.github.runner import Runner

if TYPE_CHECKING:
    from gate.baseline.storespec import StoreSpec


@click.command()
@click.argument("results", type=click.Path(path_type=Path))
@click.option(
    "--thresholds",
    "thresholds_path",
    required=True,
    type=click.Path(path_type=Path),
    help="The thresholds YAML file.",
)
@click.option(
    "--report-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Write verdict.json, report.md, junit.xml and comment.md here.",
)
@click.option("--baseline", "baseline_store", type=STORE, default=None, metavar="STORE",
              help="Compare with a baseline store: path/baseline.json, path/dir/ or "
              "git:BRANCH[@REMOTE].")
@click.option("--allow-mismatch", is_flag=True,
              help="Compare even with baseline runs of another locustfile or load options.")
@click.option("--baseline-branch", default=None, metavar="BRANCH",
              help="Whose runs are the baseline [default: GITHUB_BASE_REF, the current "
              "branch if stored, main, master].")
@click.option(
    "--allow-incomplete",
    is_flag=True,
    help="Judge a run that was cut short (SIGINT, SIGTERM) anyway; its incompleteness "
    "is then a warning instead of a failure.",
)
@click.option("--warmup", default=None, metavar="DURATION",
              help="Leave the first seconds (20s) out of the aggregate, cut after the fact "
              "from the plugin's per-second series (at its resolution); a warm-up given "
              "when the run starts cuts every endpoint exactly.")
@click.option("--cooldown", default=None, metavar="DURATION",
              help="Leave the last seconds (5s) out of the aggregate, as --warmup.")
def check(
    *,
    results: Path,
    thresholds_path: Path,
    report_dir: Path | None,
    baseline_store: StoreSpec | None,
    allow_mismatch: bool,
    baseline_branch: str | None,
    allow_incomplete: bool,
    warmup: str | None,
    cooldown: str | None,
) -> int:
    """Judge RESULTS against thresholds.

    RESULTS is a results.json written by the gate's Locust plugin, a directory holding
    one, a Locust --csv prefix (out/run for out/run_stats.csv) or a Locust --json-file.
    A run that did not complete (interrupted) fails unless --allow-incomplete.
    --warmup/--cooldown cut a plugin results.json after the fact (the aggregate, at its
    series' resolution; refused for --csv and --json-file).
    Exit code: 0 pass (warnings allowed), 1 gate failed, 2 bad input, 3 internal error.
    In GitHub Actions it also writes the job summary, annotations and step outputs.
    """
    request = (
        BaselineRequest(store=baseline_store, allow_mismatch=allow_mismatch,
                        branch=baseline_branch)
        if baseline_store is not None
        else None
    )
    verdict = run_check(
        results=results,
        thresholds=thresholds_path,
        report_dir=report_dir,
        out=sys.stdout,
        runner=Runner.from_env(os.environ),
        baseline=request,
        allow_incomplete=allow_incomplete,
        cut=_cut(warmup, cooldown),
    )
    return exit_code_for(verdict)


_MAX_CUT = 7 * 86400.0  # seconds: a week, the longest run-time too


def _cut(warmup: str | None, cooldown: str | None) -> Cut | None:
    if warmup is None and cooldown is None:
        return None
    seconds = {}
    for flag, text in (("--warmup", warmup), ("--cooldown", cooldown)):
        value = parse_seconds(text) if text is not None else 0.0
        if value is None or not 0 <= value <= _MAX_CUT:
            raise UserError(f"{flag} is not a duration: {text!r}", where=f"command line ({flag})",
                            fix=f"write e.g. {flag} 20s, 1m or a number of seconds")
        seconds[flag] = value
    return Cut(warmup=seconds["--warmup"], cooldown=seconds["--cooldown"])
