"""`locust-gate run`: seed, start the backend, wait for health, run Locust, check, clean up.

Exit codes: 0 pass/warn, 1 gate failed, 2 bad config or harness failure (seed, start,
health, backend crash, Locust crash; verdict.json then says "error" and the stage),
130/143 interrupted by SIGINT/SIGTERM (everything started is stopped first).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import click

from gate.baseline.ops import make_run, save
from gate.baseline.store import DEFAULT_KEEP, parse_spec
from gate.commands.checking import BaselineRequest, exit_code_for, judge, write_error_verdict
from gate.errors import HarnessError, UserError
from gate.github.publish import publish_error
from gate.github.runner import Runner
from gate.harness.config import load_config
from gate.harness.orchestrate import orchestrate
from gate.harness.settings import SETTINGS
from gate.results.loader import load as load_results
from gate.thresholds.parser import load as load_thresholds


def _settings_options(command: Callable[..., int]) -> Callable[..., int]:
    """One click option per row of the settings table, in the table's order."""
    for s in reversed(SETTINGS):
        default = f" [default: {s.default_text}]" if s.default_text else ""
        names = [s.flag, s.short] if s.short else [s.flag]
        command = click.option(
            *names,
            s.field,
            type=s.flag_type,
            multiple=s.repeatable,
            metavar=s.metavar,
            help=s.help + default,
        )(command)
    return command


@click.command()
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Config file [default: ./locust-gate.yml].",
)
@_settings_options
@click.option("--baseline", "baseline_store", default=None, metavar="STORE",
              help="Compare with a baseline store (see `check --baseline`).")
@click.option("--allow-mismatch", is_flag=True,
              help="Compare even with baseline runs of another locustfile or load options.")
@click.option("--baseline-branch", default=None, metavar="BRANCH",
              help="Whose runs are the baseline (see `check --baseline-branch`).")
@click.option("--save-baseline", default=None, metavar="STORE",
              help="After the check, save this run in a store (whatever the verdict).")
@click.option("--keep", type=int, default=DEFAULT_KEEP, show_default=True,
              help="With --save-baseline: runs kept per source branch.")
def run(
    config_path: Path | None,
    *,
    baseline_store: str | None,
    allow_mismatch: bool,
    baseline_branch: str | None,
    save_baseline: str | None,
    keep: int,
    **flags: object,
) -> int:
    """Seed, start the backend, wait for health, run Locust headless, check, clean up.

    Every option can also be set in locust-gate.yml under the same name without the
    leading dashes (--locust-arg is the list `locust-args`); options win over the file.
    Exit: 0 pass or warn, 1 gate failed, 2 config or harness error, 130/143 interrupted.
    """
    config = load_config(config_path, {s.key: flags[s.field] for s in SETTINGS})
    click.echo(f"locust-gate: config: {config.source or 'command-line flags only'}", err=True)
    if config.thresholds is None:
        raise UserError(
            "no thresholds file is configured",
            where=str(config.source) if config.source else "command line",
            fix="set `thresholds: path/to/thresholds.yml` in locust-gate.yml or pass --thresholds",
        )
    # Parse the thresholds now: a typo must not cost a whole load test before it shows.
    rules = load_thresholds(config.thresholds)
    runner = Runner.from_env(os.environ)
    save_spec = parse_spec(save_baseline) if save_baseline else None  # typos fail early too
    request = (
        BaselineRequest(store=baseline_store, allow_mismatch=allow_mismatch,
                        branch=baseline_branch)
        if baseline_store
        else None
    )
    try:
        result = orchestrate(config)
    except HarnessError as error:
        _record(config.output_dir, error, runner)
        raise
    verdict = judge(
        results=result.results, rules=rules, report_dir=result.output_dir, out=sys.stdout,
        runner=runner,
        baseline=request,
    )
    if save_spec is not None:
        entry, _ = save(save_spec, make_run(load_results(result.results)), keep)
        click.echo(f"locust-gate: saved this run as {entry.name} in {save_baseline}", err=True)
    click.echo(
        f"locust-gate: Locust's HTML report: {result.html_report}; logs and results in "
        f"{result.output_dir}",
        err=True,
    )
    return exit_code_for(verdict)


def _record(output_dir: Path, error: HarnessError, runner: Runner) -> None:
    """Write verdict.json with status "error" (and in Actions the summary, an annotation
    and the outputs); never let that hide the harness error."""
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
        write_error_verdict(output_dir, error)
        if runner.in_actions:
            publish_error(error, runner=runner, root=runner.workspace or str(Path.cwd()),
                          report_dir=output_dir, out=sys.stdout)
    except Exception as exc:  # the harness error is what the user must see
        click.echo(f"locust-gate: could not write verdict.json: {exc!r}", err=True)
