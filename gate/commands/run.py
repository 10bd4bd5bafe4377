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

from gate.commands.checking import (
    BaselineRequest,
    exit_code_for,
    judge_and_report,
    record_error,
    require_checks,
    save_run,
)
from gate.errors import GateError, UserError
from gate.files import outputs
from gate.github.runner import Runner
from gate.harness import sweep
from gate.harness.config import RunConfig, load_config
from gate.harness.orchestrate import orchestrate
from gate.harness.settings import SETTINGS
from gate.thresholds.parser import load_thresholds


def _settings_options(command: Callable[..., int]) -> Callable[..., int]:
    """One click option per row of the settings table, in the table's order."""
    for s in reversed(SETTINGS):
        default = f" [default: {s.default_text}]" if s.default_text else ""
        names = [s.flag, s.short] if s.short else [s.flag]
        if s.flag_type is bool:  # on/off: --shape/--no-shape, None when neither is given
            names = [f"{s.flag}/--no-{s.flag.removeprefix('--')}"]
        command = click.option(
            *names,
            s.field,
            type=s.flag_type,
            default=None,
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
def run(config_path: Path | None, **flags: object) -> int:
    """Seed, start the backend, wait for health, run Locust headless, check, clean up.

    Every option can also be set in locust-gate.yml under the same name without the
    leading dashes (--locust-arg is the list `locust-args`); options win over the file.
    Exit: 0 pass or warn, 1 gate failed, 2 config or harness error, 130/143 interrupted.
    """
    overrides = {s.key: flags[s.field] for s in SETTINGS}
    config = load_config(config_path, overrides)
    profile = f", profile {config.profile}" if config.profile else ""
    click.echo(f"locust-gate: config: {config.source or 'command-line flags only'}{profile}",
               err=True)
    if config.thresholds is None:
        raise UserError(
            "no thresholds file is configured",
            where=str(config.source) if config.source else "command line",
            fix="set `thresholds: path/to/thresholds.yml` in locust-gate.yml or pass --thresholds",
        )
    outputs.ensure_directory(config.output_dir, what="directory", option="output-dir")
    with sweep.claimed(config.output_dir) as claim:
        if config.against_ref is not None:
            from gate.commands.rounds import rounds_run  # noqa: PLC0415 (one mode's code)

            return rounds_run(config, claim, Runner.from_env(os.environ),
                               load=lambda placement: load_config(config_path, overrides,
                                                                  placement=placement))
        return _claimed_run(config, claim, Runner.from_env(os.environ))


def _claimed_run(config: RunConfig, claim: sweep.Claim, runner: Runner) -> int:
    """The run, holding the output directory's claim (which removed the previous run's
    outputs): any failure before a verdict leaves `error` reports instead."""
    assert config.thresholds is not None
    try:
        # Parse the thresholds now: a typo must not cost a whole load test before it shows.
        rules = load_thresholds(config.thresholds, with_baseline=config.baseline is not None)
        require_checks(rules, with_baseline=config.baseline is not None)
        result = orchestrate(config, claim=claim, external=rules.metrics)
    except GateError as error:
        record_error(config.output_dir, error, runner, config.profile)
        raise
    verdict = judge_and_report(
        results=result.results, rules=rules, report_dir=result.output_dir, out=sys.stdout,
        runner=runner,
        baseline=_baseline_request(config),
        notes=result.warnings,
    )
    if config.save_baseline is not None:
        save_run(config.save_baseline, result.results, verdict, config.keep, config.save_failing)
    click.echo(f"locust-gate: logs and results in {result.output_dir}", err=True)
    return exit_code_for(verdict)


def _baseline_request(config: RunConfig) -> BaselineRequest | None:
    if config.baseline is None:
        return None
    return BaselineRequest(store=config.baseline, allow_mismatch=config.allow_mismatch,
                           branch=config.baseline_branch)
