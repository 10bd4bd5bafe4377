"""What the commands do with a store: save, list, prune, and load a baseline.

The edge between the commands and the stores (`gate.baseline.store.opened`: one
interface whatever the kind); the decision it adds (which branch is the baseline) is a
small pure function at the top.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from gate.baseline import gitstore, machine
from gate.baseline import lineage as lineage_of
from gate.baseline.layout import Entry, check_branch, check_keep, ordered
from gate.baseline.store import opened
from gate.baseline.stored import GitInfo, StoredRun
from gate.baseline.storespec import StoreSpec
from gate.core import names
from gate.core.comparability import Comparability, Lineage, assess
from gate.core.model import Results
from gate.errors import UserError

_FALLBACK_BASES = ("main", "master")


def pick_branch(branches: Sequence[str], *, wanted: str | None, current: str | None) -> str:
    """The source branch whose runs are the baseline: --baseline-branch, else the pull
    request's base (GITHUB_BASE_REF), else the current branch when it has runs (a
    nightly compares with its own history), else main/master, else the only branch."""
    if wanted:
        return wanted
    base_ref = os.environ.get("GITHUB_BASE_REF")
    if base_ref:
        return base_ref
    if current and current in branches:
        return current
    for name in _FALLBACK_BASES:
        if name in branches:
            return name
    if len(set(branches)) == 1:
        return branches[0]
    raise UserError(
        "cannot tell which branch's runs are the baseline: the store has runs of "
        + ", ".join(sorted(set(branches))),
        where="--baseline",
        fix="pass --baseline-branch NAME",
    )


@dataclass(frozen=True, kw_only=True)
class Loaded:
    runs: tuple[StoredRun, ...]  # oldest first
    branch: str | None
    lineage: Lineage  # how the runs were chosen


def load_baseline(
    spec: StoreSpec, *, branch: str | None, limit: int, group_names: bool = True,
    at_merge_base: bool = False,
) -> Loaded:
    """The last `limit` runs of the baseline branch (the one run of a file store); with
    `at_merge_base`, the last at or before the merge-base (`gate.baseline.lineage`). Runs
    are stored with Locust's raw request names; with `group_names` they are grouped here as
    `gate.results.loader.load_results` groups a run (`gate.core.names`), so that a stored endpoint
    and a current one have the same name."""
    with opened(spec) as store:
        def read(entry: Entry) -> StoredRun:
            run = store.read(entry)
            return replace(run, results=names.group(run.results)) if group_names else run

        entries = store.entries()
        if not entries:
            return Loaded(runs=(), branch=None, lineage=Lineage(branch=None))
        if not store.branched:
            return Loaded(runs=(read(entries[0]),), branch=None, lineage=Lineage(branch=None))
        chosen = pick_branch([e.branch for e in entries], wanted=branch,
                             current=gitstore.current().branch)
        mine = ordered([e for e in entries if e.branch == chosen])
        if at_merge_base:
            runs, lineage = lineage_of.select(mine, read, branch=chosen, limit=limit)
        else:
            runs, lineage = tuple(read(e) for e in mine[-limit:]), Lineage(branch=chosen)
        return Loaded(runs=runs, branch=chosen, lineage=lineage)


def comparability(measured: Results, loaded: Loaded, *, max_age_days: int) -> Comparability:
    """How comparable the loaded baseline is with `measured`, judged on this machine now."""
    return assess(
        measured, [run.results for run in loaded.runs], lineage=loaded.lineage,
        machines=[run.machine for run in loaded.runs], here=machine.current(),
        now=time.time(), max_age_days=max_age_days,
    )


def make_run(results: Results, git: GitInfo | None = None) -> StoredRun:
    """The run as a store keeps it: with the commit and branch, and this machine's kind."""
    return StoredRun(results=results, git=git or gitstore.current(), saved_at=time.time(),
                     machine=machine.current())


def save(spec: StoreSpec, run: StoredRun, keep: int) -> tuple[Entry, list[Entry]]:
    """Store `run`; return its entry and the entries the cap dropped."""
    check_keep(keep)
    check_branch(run.git.branch, where="--branch / GITHUB_HEAD_REF / GITHUB_REF_NAME")
    with opened(spec) as store:
        return store.save(run, keep)


def prune(spec: StoreSpec, keep: int) -> list[Entry]:
    check_keep(keep)
    with opened(spec) as store:
        return store.prune(keep)


def describe(run: StoredRun) -> str:
    """One line per stored run, for `baseline list`."""
    when = datetime.fromtimestamp(run.time, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    total = run.results.total
    commit = (run.git.commit or "-")[:12]
    return (
        f"{when}  {commit:12}  {total.num_requests:>9,} requests  "
        f"{len(run.results.endpoints):>3} endpoints  {run.results.source.value}"
    )


def entry_named(entries: Sequence[Entry], name: str | None, store: str) -> Entry:
    """`baseline show ENTRY`: an entry by its path, its file name or a unique prefix of it;
    the newest entry when no name is given."""
    if not entries:
        raise UserError(f"the store {store} holds no runs", where=f"store {store}",
                        fix=f"save one: locust-gate baseline save RESULTS --store {store}")
    if name is None:
        return ordered(entries)[-1]
    hits = [e for e in entries if name in (e.name, Path(e.name).name, Path(e.name).stem)]
    hits = hits or [e for e in entries if Path(e.name).name.startswith(name)]
    if len(hits) == 1:
        return hits[0]
    what = "matches several runs" if hits else "matches no run"
    raise UserError(f"{name!r} {what} in {store}", where=f"store {store}",
                    fix="pass an entry as `baseline list` prints it")
