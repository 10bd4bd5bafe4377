"""`locust-gate thresholds suggest`: absolute limits from a store's history, ready to paste.

A click command; the `thresholds` group (with `init`) attaches it.
"""

from __future__ import annotations

import click

from gate.baseline import trend as trends
from gate.baseline.ops import load_baseline
from gate.baseline.reading import MIN_HISTORY_FOR_BAND
from gate.baseline.store import parse_spec
from gate.commands.baseline import STORE_HELP
from gate.errors import UserError


@click.command()
@click.option("--store", required=True, help=STORE_HELP)
@click.option("--branch", default=None, help="Whose runs [default: as for check --baseline].")
@click.option("--last", type=int, default=20, show_default=True, help="How many runs to use.")
def suggest(*, store: str, branch: str | None, last: int) -> int:
    """Print a thresholds file whose limits come from the noise band of the stored runs."""
    spec = parse_spec(store)
    store = spec.text  # what is shown: without the credentials a URL may carry
    loaded = load_baseline(spec, branch=branch, limit=max(1, last))
    if len(loaded.runs) < MIN_HISTORY_FOR_BAND:
        raise UserError(
            f"the store {store} holds {len(loaded.runs)} run(s); suggestions need at least "
            f"{MIN_HISTORY_FOR_BAND} to see the noise",
            where=f"store {store}",
            fix=f"save more runs: locust-gate baseline save RESULTS --store {store}",
        )
    source = f"{store}" + (f" (branch {loaded.branch})" if loaded.branch else "")
    click.echo(trends.suggest(loaded.runs, source), nl=False)
    return 0
