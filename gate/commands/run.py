"""`locust-gate run`: seed, start the backend, wait for health, run Locust, check, clean up.

Exit codes: 0 pass/warn, 1 gate failed, 2 bad config or harness failure (seed, start,
health, backend crash, Locust crash; verdict.json then says "error" and the stage),
130/143 interrupted by SIGINT/SIGTERM (everything started is stopped first).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from gate.commands.checking import exit_code_for, judge, write_error_verdict
from gate.errors import HarnessError, UserError
from gate.harness.config import load_config
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
@click.option("--seed-timeout", help="How long the seed command may run: 10m [default].")
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
    # Parse the thresholds now: a typo must not cost a whole load test before it shows.
    rules = load_thresholds(config.thresholds)
    try:
        result = orchestrate(config)
    except HarnessError as error:
        _record(config.output_dir, error)
        raise
    verdict = judge(
        results=result.results, rules=rules, report_dir=result.output_dir, out=sys.stdout
    )
    click.echo(
        f"locust-gate: Locust's HTML report: {result.html_report}; logs and results in "
        f"{result.output_dir}",
        err=True,
    )
    return exit_code_for(verdict)


def _record(output_dir: Path, error: HarnessError) -> None:
    """Write verdict.json with status "error"; never let that hide the harness error."""
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
        write_error_verdict(output_dir, error)
    except Exception as exc:  # the harness error is what the user must see
        click.echo(f"locust-gate: could not write verdict.json: {exc!r}", err=True)
