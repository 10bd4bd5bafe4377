"""`locust-gate baseline save|list|show|prune`: manage a store of runs."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import click

from gate.baseline import ops
from gate.baseline.store import opened
from gate.baseline.storespec import DEFAULT_KEEP, StoreSpec
from gate.commands.storeoption import STORE, STORE_HELP
from gate.core.measure import measure
from gate.core.rules import Metric
from gate.core.units import format_value
from gate.reports import escape
from gate.results import loader


@click.group()
def baseline() -> None:
    """Save runs in a baseline store and look at them."""


@baseline.command()
@click.argument("results", type=click.Path(path_type=Path))
@click.option("--store", "spec", type=STORE, required=True, help=STORE_HELP)
@click.option("--keep", type=int, default=DEFAULT_KEEP, show_default=True,
              help="Runs kept per source branch; older ones are dropped.")
@click.option("--branch", default=None, help="Source branch to file the run under "
              "[default: GITHUB_HEAD_REF / GITHUB_REF_NAME, else the checked-out branch].")
@click.option("--commit", default=None, help="Commit the run was made from [default: HEAD].")
def save(
    results: Path, spec: StoreSpec, keep: int, branch: str | None, commit: str | None
) -> int:
    """Store the run RESULTS (anything `check` accepts) in the store."""
    measured = loader.load_results(results, group_names=False)  # stored raw, grouped when loaded
    run = ops.make_run(measured)
    if branch or commit:
        run = replace(run, git=replace(run.git, branch=branch or run.git.branch,
                                       commit=commit or run.git.commit))
    entry, dropped = ops.save(spec, run, keep)
    click.echo(f"locust-gate: saved {entry.name} in {spec.text} "
               f"({measured.total.num_requests:,} requests, {measured.source.value})")
    for old in dropped:
        click.echo(f"locust-gate: dropped {old.name} (keeping {keep} per branch)")
    return 0


@baseline.command(name="list")
@click.option("--store", "spec", type=STORE, required=True, help=STORE_HELP)
def list_(spec: StoreSpec) -> int:
    """List the stored runs, per source branch, oldest first."""
    with opened(spec) as opened_store:
        entries = opened_store.entries()
        if not entries:
            click.echo(f"{spec.text}: no runs")
            return 0
        for name in sorted({e.branch for e in entries}):
            mine = [e for e in entries if e.branch == name]
            label = "" if not opened_store.branched else f" (branch {escape.console(name)})"
            click.echo(f"{spec.text}{label}: {len(mine)} run(s)")
            for entry in mine:
                run = opened_store.read(entry)
                click.echo(f"  {escape.console(entry.name)}  {ops.describe(run)}")
    return 0


@baseline.command()
@click.argument("entry", required=False)
@click.option("--store", "spec", type=STORE, required=True, help=STORE_HELP)
def show(entry: str | None, spec: StoreSpec) -> int:
    """Show one stored run (ENTRY as `list` prints it; the newest by default)."""
    with opened(spec) as opened_store:
        chosen = ops.entry_named(opened_store.entries(), entry, spec.text)
        run = opened_store.read(chosen)
    meta = run.results.meta
    click.echo(f"entry:       {escape.console(chosen.name)}")
    click.echo(f"commit:      {run.git.commit or '-'}")
    click.echo(f"branch:      {escape.console(run.git.branch or '-')}")
    click.echo(f"run:         {ops.describe(run)}")
    click.echo(f"fingerprint: {meta.fingerprint or '- (no fingerprint: csv / json-file)'}")
    machine = run.machine.label if run.machine else "- (not recorded)"
    click.echo(f"machine:     {escape.console(machine)}")
    click.echo(f"load:        users {meta.users}, run time {meta.run_time} s, "
               f"host {escape.console(meta.host or '-')}, Locust {meta.locust_version or '-'}")
    click.echo("")
    metrics = (Metric.P50, Metric.P95, Metric.P99, Metric.RPS, Metric.FAIL_RATIO)
    rows = [("endpoint", "requests", *(m.value for m in metrics))]
    for entry_stats in [*run.results.endpoints, run.results.total]:
        cells = [format_value(v, m.unit) if (v := measure(entry_stats, m)) is not None else "-"
                 for m in metrics]
        rows.append((escape.console(entry_stats.key, limit=60),
                     f"{entry_stats.num_requests:,}", *cells))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    return 0


@baseline.command()
@click.option("--store", "spec", type=STORE, required=True, help=STORE_HELP)
@click.option("--keep", type=int, required=True, help="Runs kept per source branch.")
def prune(spec: StoreSpec, keep: int) -> int:
    """Drop the oldest runs of each source branch beyond --keep."""
    dropped = ops.prune(spec, keep)
    for old in dropped:
        click.echo(f"locust-gate: dropped {escape.console(old.name)}")
    click.echo(f"locust-gate: pruned {spec.text}: {len(dropped)} run(s) dropped, at most {keep} "
               "kept per branch")
    return 0
