"""`locust-gate check`: judge a finished Locust run against a thresholds file."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from gate.baseline.storespec import StoreSpec
from gate.commands.checking import BaselineRequest, exit_code_for, run_check
from gate.commands.storeoption import STORE
from gate.github.runner import Runner


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
def check(
    *,
    results: Path,
    thresholds_path: Path,
    report_dir: Path | None,
    baseline_store: StoreSpec | None,
    allow_mismatch: bool,
    baseline_branch: str | None,
    allow_incomplete: bool,
) -> int:
    """Judge RESULTS against thresholds.

    RESULTS is a results.json written by the gate's Locust plugin, a directory holding
    one, a Locust --csv prefix (out/run for out/run_stats.csv) or a Locust --json-file.
    A run that did not complete (interrupted) fails unless --allow-incomplete.
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
    )
    return exit_code_for(verdict)
