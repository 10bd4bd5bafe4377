"""`locust-gate run`: seed, start the backend, wait for health, run Locust, check, clean up.

Exit codes: 0 pass/warn, 1 gate failed, 2 bad config or harness failure (seed, start,
health, backend crash, Locust crash; verdict.json then says "error" and the stage),
130/143 interrupted by SIGINT/SIGTERM (everything started is stopped first).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from gate.baseline.ops import make_run, save
from gate.baseline.store import DEFAULT_KEEP, parse_spec
from gate.commands.checking import BaselineRequest, exit_code_for, judge, write_error_verdict
from gate.errors import HarnessError, UserError
from gate.harness.config import load_config
from gate.harness.orchestrate import orchestrate
from gate.results.loader import load as load_results
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
@click.option("--thresholds", help="The thresholds file.")
@click.option("--output-dir", help="Where logs, results and reports go [default: locust-gate-out].")
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
        _record(config.output_dir, error)
        raise
    verdict = judge(
        results=result.results, rules=rules, report_dir=result.output_dir, out=sys.stdout,
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


def _record(output_dir: Path, error: HarnessError) -> None:
    """Write verdict.json with status "error"; never let that hide the harness error."""
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
        write_error_verdict(output_dir, error)
    except Exception as exc:  # the harness error is what the user must see
        click.echo(f"locust-gate: could not write verdict.json: {exc!r}", err=True)
