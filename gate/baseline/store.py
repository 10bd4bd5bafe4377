"""Baseline stores, named by one string the same everywhere (CLI and Action):

- `path/to/baseline.json` — one run, e.g. committed in the user's repository;
- `path/to/dir/` (or any existing directory) — a history of runs, e.g. an artifact or a
  cache, laid out like the data branch below;
- `git:BRANCH` / `git:BRANCH@REMOTE` / `git:` — a data branch (default
  `locust-gate-data`) of the current repository's `origin` (or REMOTE); see
  `gate.baseline.gitstore`.

A history's tree is readable by a person::

    index.json                                   # derived: rewritten on every save/prune
    runs/<source-branch>/<YYYYmmddTHHMMSSZ>-<sha12>.json

(`/` in a branch name is written `%2F`.) Decisions (entry names, what a prune drops) are
pure functions here; `DirStore` and `FileStore` do the file I/O.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Protocol
from urllib.parse import quote, unquote

from gate.baseline import stored
from gate.baseline.stored import StoredRun
from gate.errors import UserError

DEFAULT_DATA_BRANCH = "locust-gate-data"
DEFAULT_REMOTE = "origin"
DEFAULT_KEEP = 20  # runs kept per source branch when `save` is not given --keep
RUNS_DIR = "runs"
INDEX = "index.json"
INDEX_SCHEMA = "locust-gate/store-index"
NO_BRANCH = "(none)"  # the folder for runs made outside a git branch


class Kind(StrEnum):
    FILE = "file"
    DIR = "dir"
    GIT = "git"


@dataclass(frozen=True, kw_only=True)
class StoreSpec:
    text: str  # as the user wrote it, for messages and BaselineRef.store
    kind: Kind
    path: Path | None = None
    branch: str = DEFAULT_DATA_BRANCH
    remote: str = DEFAULT_REMOTE


def parse_spec(text: str) -> StoreSpec:
    """Read a store string (see the module docstring); bad strings are UserErrors."""
    if not text.strip():
        raise UserError("the store is empty", where="--store / --baseline", fix=_SYNTAX)
    if text.startswith("git:"):
        branch, _, remote = text[4:].partition("@")
        branch = branch or DEFAULT_DATA_BRANCH
        if any(c in branch for c in " ~^:?*[\\") or branch.startswith(("-", "/")):
            raise UserError(f"{branch!r} is not a usable branch name", where=text, fix=_SYNTAX)
        return StoreSpec(text=text, kind=Kind.GIT, branch=branch, remote=remote or DEFAULT_REMOTE)
    path = Path(text)
    if text.endswith(("/", os.sep)) or path.is_dir():
        return StoreSpec(text=text, kind=Kind.DIR, path=path)
    if path.suffix == ".json":
        return StoreSpec(text=text, kind=Kind.FILE, path=path)
    raise UserError(
        f"cannot tell what kind of store {text!r} is", where=text, fix=_SYNTAX
    )


_SYNTAX = (
    "name a store as path/to/baseline.json (one run), path/to/dir/ (a history; note the "
    "trailing slash), or git:BRANCH[@REMOTE] (a data branch, e.g. git:locust-gate-data)"
)


# --- pure decisions -----------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Entry:
    """One stored run as listed (without reading it): `name` is its path in the store."""

    name: str
    branch: str

    @property
    def stamp(self) -> str:
        return Path(self.name).stem


def entry_name(run: StoredRun, taken: Sequence[str] = ()) -> str:
    """`runs/<branch>/<time>-<sha12>.json`, made unique against `taken`."""
    branch = quote(run.git.branch or NO_BRANCH, safe="")
    stamp = datetime.fromtimestamp(run.time, UTC).strftime("%Y%m%dT%H%M%SZ")
    sha = (run.git.commit or "nogit")[:12]
    base = f"{RUNS_DIR}/{branch}/{stamp}-{sha}"
    name, n = f"{base}.json", 2
    while name in taken:
        name, n = f"{base}-{n}.json", n + 1
    return name


def to_prune(entries: Sequence[Entry], keep: int) -> list[Entry]:
    """The entries a cap of `keep` runs per source branch drops: the oldest of each."""
    dropped: list[Entry] = []
    for branch in sorted({e.branch for e in entries}):
        mine = sorted((e for e in entries if e.branch == branch), key=lambda e: e.name)
        dropped.extend(mine[: max(0, len(mine) - keep)])
    return dropped


def check_keep(keep: int) -> int:
    if keep < 1:
        raise UserError(
            f"--keep {keep} would delete every stored run",
            where="--keep",
            fix="keep at least one run per branch, e.g. --keep 20",
        )
    return keep


# --- stores -------------------------------------------------------------------------------


class Store(Protocol):
    spec: StoreSpec

    def entries(self) -> list[Entry]: ...
    def read(self, entry: Entry) -> StoredRun: ...


class DirStore:
    """A history in a directory (also the checked-out tree of a git data branch)."""

    def __init__(self, root: Path, spec: StoreSpec) -> None:
        self.root = root
        self.spec = spec

    def entries(self) -> list[Entry]:
        runs = self.root / RUNS_DIR
        if not runs.is_dir():
            return []
        found = [
            Entry(name=f"{RUNS_DIR}/{folder.name}/{file.name}", branch=unquote(folder.name))
            for folder in runs.iterdir()
            if folder.is_dir()
            for file in folder.iterdir()
            if file.suffix == ".json"
        ]
        return sorted(found, key=lambda e: (e.branch, e.name))

    def read(self, entry: Entry) -> StoredRun:
        path = self.root / entry.name
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise UserError(
                f"cannot read stored run {entry.name}: {exc.strerror or exc}",
                where=f"store {self.spec.text}, entry {entry.name}",
                fix="check the store's files and permissions",
            ) from None
        return stored.loads(data, store=self.spec.text, entry=entry.name)

    def save(self, run: StoredRun, keep: int) -> tuple[Entry, list[Entry]]:
        """Add `run`, then drop the oldest runs of its branch beyond `keep`."""
        taken = [e.name for e in self.entries()]
        text = stored.dumps(run)
        name = entry_name(run, taken)
        while not _create_new(self.root / name, text):  # another process took the name
            taken.append(name)
            name = entry_name(run, taken)
        entry = Entry(name=name, branch=run.git.branch or NO_BRANCH)
        mine = [e for e in self.entries() if e.branch == entry.branch]
        dropped = self._remove(to_prune(mine, keep))
        self.write_index()
        return entry, dropped

    def prune(self, keep: int) -> list[Entry]:
        dropped = self._remove(to_prune(self.entries(), keep))
        self.write_index()
        return dropped

    def _remove(self, entries: list[Entry]) -> list[Entry]:
        for entry in entries:
            (self.root / entry.name).unlink(missing_ok=True)
        return entries

    def write_index(self) -> None:
        """index.json: what a person (or a tool) needs to browse the store without parsing
        every run. Derived from the files, so concurrent saves never conflict on it."""
        rows = []
        for entry in self.entries():
            run = self.read(entry)
            rows.append(
                {
                    "entry": entry.name,
                    "branch": entry.branch,
                    "commit": run.git.commit,
                    "time": run.time,
                    "source": run.results.source.value,
                    "requests": run.results.total.num_requests,
                    "fingerprint": run.fingerprint,
                }
            )
        index = {"schema": INDEX_SCHEMA, "version": 1, "runs": rows}
        _write_atomic(self.root / INDEX, json.dumps(index, indent=1) + "\n")


class FileStore:
    """One run in one file (`baseline.json`): saving replaces it."""

    def __init__(self, spec: StoreSpec) -> None:
        assert spec.path is not None
        self.path = spec.path
        self.spec = spec

    def entries(self) -> list[Entry]:
        if not self.path.exists():
            return []
        return [Entry(name=self.path.name, branch=NO_BRANCH)]

    def read(self, entry: Entry) -> StoredRun:
        try:
            data = self.path.read_bytes()
        except OSError as exc:
            raise UserError(
                f"cannot read the baseline file: {exc.strerror or exc}",
                where=f"store {self.spec.text}",
                fix="check the path, or save one with `locust-gate baseline save RESULTS "
                f"--store {self.spec.text}`",
            ) from None
        run = stored.loads(data, store=self.spec.text, entry=entry.name)
        # The file is one run, whatever branch it came from: it is the baseline of every one.
        return run

    def save(self, run: StoredRun) -> Entry:
        _write_atomic(self.path, stored.dumps(run))
        return Entry(name=self.path.name, branch=NO_BRANCH)


def _create_new(path: Path, text: str) -> bool:
    """Write `path` atomically only if it does not exist yet (False if it does): two
    processes saving into one directory never overwrite each other's run."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.link(tmp, path)  # fails when the name exists, unlike os.replace
        return True
    except FileExistsError:
        return False
    finally:
        Path(tmp).unlink(missing_ok=True)


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
