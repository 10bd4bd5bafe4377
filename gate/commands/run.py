"""`locust-gate run`: seed, start the backend, wait for health, run Locust, check, clean up.

Exit codes: 0 pass/warn, 1 gate failed, 2 bad config or harness failure (seed, start,
health, backend crash, Locust crash; verdict.json then says "error" and the stage),
130/143 interrupted by SIGINT/SIGTERM (everything started is stopped first).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from gate.commands.checking import exit_code_for, judge, write_error_reports
from gate.errors import GateError, UserError
from gate.files import outputs
from gate.harness.config import RunConfig, load_config
from gate.harness.orchestrate import orchestrate
from gate.thresholds.parser import load as load_thresholds


@click.command()
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Config file [default: ./locust-gate.yml].",
)
@click.option("--locustfile", help="The Locust file to run.")
@click.option("--host", help="Base URL of the system under test, e.g. http://127.0.0.1:8089.")
@click.option("-u", "--users", type=int, help="Peak number of concurrent users.")
@click.option("-r", "--spawn-rate", type=float, help="Users started per second.")
@click.option("-t", "--run-time", help="How long the load runs: 30s, 1m, 1m30s.")
@click.option(
    "--max-run-time",
    help="Stop Locust (harness failure) if it runs longer than this: 10m. Needed for a "
    "LoadTestShape whose duration the gate cannot read from its stages.",
)
@click.option(
    "--shape/--no-shape",
    default=None,
    help="The locustfile's LoadTestShape drives the load (no -u/-r/-t) [default: detected].",
)
@click.option("--processes", type=int, help="Locust worker processes (-1: one per core).")
@click.option("--tags", multiple=True, help="Only run tasks with this tag (repeatable).")
@click.option("--exclude-tags", multiple=True, help="Skip tasks with this tag (repeatable).")
@click.option(
    "--locust-arg", "locust_args", multiple=True, help="Extra Locust argument (repeatable)."
)
@click.option("--seed", help="Shell command run before the backend starts.")
@click.option("--start", help="Shell command that starts the backend (stopped afterwards).")
@click.option("--workdir", help="Working directory for the seed and start commands.")
@click.option("--env", multiple=True, metavar="KEY=VALUE", help="Backend environment (repeatable).")
@click.option("--health", help="Health check: an http(s) URL (2xx) or host:port (TCP connect).")
@click.option("--health-timeout", help="How long to wait for health: 30s.")
@click.option("--thresholds", help="The thresholds file.")
@click.option("--output-dir", help="Where logs, results and reports go [default: locust-gate-out].")
def run(config_path: Path | None, **flags: object) -> int:
    """Seed, start the backend, wait for health, run Locust headless, check, clean up.

    Every option can also be set in locust-gate.yml under the same name without the
    leading dashes (--locust-arg is the list `locust-args`); options win over the file.
    Exit: 0 pass or warn, 1 gate failed, 2 config or harness error, 130/143 interrupted.
    """
    overrides = {key.replace("_", "-"): value for key, value in flags.items()}
    config = load_config(config_path, overrides)
    click.echo(f"locust-gate: config: {config.source or 'command-line flags only'}", err=True)
    if config.thresholds is None:
        raise UserError(
            "no thresholds file is configured",
            where=str(config.source) if config.source else "command line",
            fix="set `thresholds: path/to/thresholds.yml` in locust-gate.yml or pass --thresholds",
        )
    outputs.ensure_directory(config.output_dir, what="output directory", option="output-dir")
    with outputs.locked(config.output_dir):
        return _locked_run(config)


def _locked_run(config: RunConfig) -> int:
    """The run, holding the output directory's lock: the previous run's outputs are
    removed first, and any failure before a verdict leaves `error` reports instead."""
    assert config.thresholds is not None
    outputs.remove_stale(config.output_dir, outputs.RUN_FILES)
    try:
        # Parse the thresholds now: a typo must not cost a whole load test before it shows.
        rules = load_thresholds(config.thresholds)
        result = orchestrate(config)
    except GateError as error:
        _record(config.output_dir, error)
        raise
    verdict = judge(
        results=result.results, rules=rules, report_dir=result.output_dir, out=sys.stdout
    )
    click.echo(f"locust-gate: logs and results in {result.output_dir}", err=True)
    return exit_code_for(verdict)


def _record(output_dir: Path, error: GateError) -> None:
    """Write the `error` reports; never let that hide the error itself."""
    try:
        write_error_reports(output_dir, error)
    except Exception as exc:  # the original error is what the user must see
        click.echo(f"locust-gate: could not write the error reports: {exc!r}", err=True)
