"""The tree of a history store, and the pure decisions about it.

A history's tree (a `dir/` store, or a `git:` data branch) is readable by a person::

    index.json                                   # derived: rewritten on every save/prune
    runs/<source-branch>/<YYYYmmddTHHMMSS.mmmZ>-<sha12>.json   # the time it was saved

(`/` in a branch name is written `%2F`.) Entry names, their order, what a prune drops and
which branch names are usable are decided here, without I/O; `gate.baseline.store` does
the file I/O.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from gate.baseline.stored import StoredRun
from gate.baseline.storespec import ref_problem
from gate.errors import UserError

RUNS_DIR = "runs"
INDEX = "index.json"
INDEX_SCHEMA = "locust-gate/store-index"
NO_BRANCH = "(none)"  # the folder for runs made outside a git branch


@dataclass(frozen=True, kw_only=True)
class Entry:
    """One stored run as listed (without reading it): `name` is its path in the store."""

    name: str
    branch: str

    @property
    def order(self) -> tuple[str, int, str]:
        """Sort key: the time saved (ms; older names have whole seconds), then the number
        a same-moment save got, then the name. Never the SHA before the time."""
        stem = Path(self.name).stem
        found = _STEM.fullmatch(stem)
        if found is None:
            return ("", 0, self.name)
        seconds, millis, number = found.group(1), found.group(2) or "", found.group(3)
        return (f"{seconds}.{millis.ljust(3, '0')}", int(number or 1), self.name)


_STEM = re.compile(r"(\d{8}T\d{6})(?:\.(\d{1,3}))?Z-[0-9A-Za-z]*(?:-(\d+))?")


def ordered(entries: Sequence[Entry]) -> list[Entry]:
    """Entries oldest first, by the time they were saved."""
    return sorted(entries, key=lambda e: e.order)


def entry_name(run: StoredRun, taken: Sequence[str] = (), *, saved: float | None = None) -> str:
    """`runs/<branch>/<time saved>-<sha12>.json`, made unique against `taken`."""
    branch = quote(run.git.branch or NO_BRANCH, safe="")
    when = datetime.fromtimestamp(time.time() if saved is None else saved, UTC)
    stamp = when.strftime("%Y%m%dT%H%M%S.") + f"{when.microsecond // 1000:03d}Z"
    # Only letters and digits: a --commit of `../../x` must not become a path.
    sha = re.sub(r"[^0-9A-Za-z]", "", run.git.commit or "")[:12] or "nogit"
    base = f"{RUNS_DIR}/{branch}/{stamp}-{sha}"
    name, n = f"{base}.json", 2
    while name in taken:
        name, n = f"{base}-{n}.json", n + 1
    return name


def to_prune(entries: Sequence[Entry], keep: int) -> list[Entry]:
    """The entries a cap of `keep` runs per source branch drops: the oldest of each."""
    dropped: list[Entry] = []
    for branch in sorted({e.branch for e in entries}):
        mine = ordered([e for e in entries if e.branch == branch])
        dropped.extend(mine[: max(0, len(mine) - keep)])
    return dropped


def check_branch(name: str | None, *, where: str) -> None:
    """Refuse a source branch git would refuse (exit 2), before anything is written."""
    problem = None if name is None else ref_problem(name)
    if problem is not None:
        raise UserError(
            f"the source branch {name!r} is not a usable branch name: it {problem}",
            where=where,
            fix="pass --branch NAME with a name git accepts as a branch "
            "(git check-ref-format --branch NAME)",
        )


def check_keep(keep: int) -> int:
    if keep < 1:
        raise UserError(
            f"--keep {keep} would delete every stored run",
            where="--keep",
            fix="keep at least one run per branch, e.g. --keep 20",
        )
    return keep
