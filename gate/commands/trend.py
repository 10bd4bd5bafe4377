"""`locust-gate trend`: the last runs of a store per endpoint, with step changes."""

from __future__ import annotations

from pathlib import Path

import click

from gate.baseline import trend as trends
from gate.baseline.ops import load_baseline
from gate.baseline.storespec import StoreSpec
from gate.commands.storeoption import STORE, STORE_HELP
from gate.errors import UserError
from gate.files import atomic


@click.command()
@click.option("--store", "spec", type=STORE, required=True, help=STORE_HELP)
@click.option("--branch", default=None, help="Whose runs [default: as for check --baseline].")
@click.option("--last", type=int, default=20, show_default=True, help="How many runs.")
@click.option("--output", type=click.Path(path_type=Path), default=None,
              help="Also write a Markdown trend section (Mermaid charts) to this file.")
@click.option("--fail-on-step", is_flag=True,
              help="Exit 1 when a step change is flagged (for a nightly job).")
def trend(
    *, spec: StoreSpec, branch: str | None, last: int, output: Path | None, fail_on_step: bool
) -> int:
    """Print p50, p95, rps and fail ratio of the last runs per endpoint and flag step
    changes (the last 3 runs all beyond the noise band of at least 3 runs before). Only
    runs made like the newest one (same fingerprint) are used, and a metric only from runs
    with enough requests for it; what was left out is said. Exit 0, or 1 with
    --fail-on-step when a step change was flagged."""
    store = spec.text  # what is shown: without the credentials a URL may carry
    loaded = load_baseline(spec, branch=branch, limit=max(1, last))
    if not loaded.runs:
        raise UserError(f"the store {store} holds no runs", where=f"store {store}",
                        fix=f"save some: locust-gate baseline save RESULTS --store {store}")
    history = trends.comparable(loaded.runs)
    left_out = trends.notes(history)
    title = f"{len(history.runs)} runs of {loaded.branch or 'the baseline'} in {store}"
    click.echo(trends.render_text(history.runs, title, left_out), nl=False)
    if output is not None:
        atomic.write_for_user(output, trends.render_markdown(history.runs, title, left_out),
                              fix="pass an --output in a writable folder")
        click.echo(f"locust-gate: trend section written to {output}")
    return 1 if fail_on_step and trends.steps(history.runs) else 0
