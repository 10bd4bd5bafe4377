"""`locust-gate thresholds suggest`: a thresholds file from a store's history, ready to
paste: `thresholds init`'s file (gate.thresholds.init) made from the store's comparable
runs, so their spread is in every limit.

A click command; the `thresholds` group (with `init`) attaches it.
"""

from __future__ import annotations

import click

from gate.baseline import trend as trends
from gate.baseline.ops import load_baseline
from gate.baseline.storespec import StoreSpec
from gate.commands.storeoption import STORE, STORE_HELP
from gate.core import pooling
from gate.core.reading import MIN_HISTORY_FOR_BAND
from gate.errors import UserError
from gate.thresholds import init as init_file


@click.command()
@click.option("--store", "spec", type=STORE, required=True, help=STORE_HELP)
@click.option("--branch", default=None, help="Whose runs [default: as for check --baseline].")
@click.option("--last", type=int, default=20, show_default=True, help="How many runs to use.")
def suggest(*, spec: StoreSpec, branch: str | None, last: int) -> int:
    """Print a thresholds file made from the stored runs as `thresholds init` makes it from
    several runs (their spread included). Only runs made like the newest one (same
    fingerprint) are used; the file says which endpoints had too few requests for a limit."""
    store = spec.text  # what is shown: without the credentials a URL may carry
    loaded = load_baseline(spec, branch=branch, limit=max(1, last))
    history = trends.comparable(loaded.runs)
    for line in history.left_out:
        click.echo(f"locust-gate: {line}", err=True)
    if len(history.runs) < MIN_HISTORY_FOR_BAND:
        raise UserError(
            f"the store {store} holds {len(history.runs)} comparable run(s); suggestions "
            f"need at least {MIN_HISTORY_FOR_BAND} to see the noise",
            where=f"store {store}",
            fix=f"save more runs: locust-gate baseline save RESULTS --store {store}",
        )
    source = f"{store}" + (f" (branch {loaded.branch})" if loaded.branch else "")
    # A stored repeated run is its runs, as for `thresholds init`.
    runs = [one for run in history.runs for one in pooling.runs_of(run.results)]
    text = init_file.render(runs, source=source,
                            command="thresholds suggest")
    click.echo(text, nl=False)
    return 0
