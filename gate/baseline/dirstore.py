"""A history of runs in a directory (`dir/` stores, and the checked-out tree of a `git:`
data branch): list, read, save and prune with the tree of `gate.baseline.layout`.

The whole tree is checked (no links, no special files) before anything is read, written
or pruned (`gate.baseline.plainfiles`); runs and the index are written with the one
atomic writer, a run only under a name still free.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path
from urllib.parse import unquote

from gate.baseline import stored
from gate.baseline.layout import (
    INDEX,
    INDEX_SCHEMA,
    NO_BRANCH,
    RUNS_DIR,
    Entry,
    check_branch,
    entry_name,
    ordered,
    to_prune,
)
from gate.baseline.plainfiles import io_error, linked, read_plain, reason, writing
from gate.baseline.stored import StoredRun
from gate.baseline.storespec import StoreSpec
from gate.errors import UserError
from gate.files import atomic


class DirStore:
    """A history in the directory `root`; `spec` names it in messages."""

    branched = True

    def __init__(self, root: Path, spec: StoreSpec) -> None:
        self.root = root
        self.spec = spec

    def entries(self) -> list[Entry]:
        """Every stored run, oldest first per branch. A directory that does not exist is
        an error here (reading a store that was never saved to), not in save or prune."""
        if not self.root.is_dir():
            raise UserError(
                f"the store directory {self.root} does not exist",
                where=f"store {self.spec.text}",
                fix="save a run first (locust-gate baseline save RESULTS --store "
                f"{self.spec.text}), or check the path",
            )
        return self._scan()

    def _scan(self) -> list[Entry]:
        """The entries (none when there is no tree yet); the whole tree is checked first
        (no links, no special files), so nothing is read, written or pruned through a link."""
        runs = self.root / RUNS_DIR
        self._plain(self.root / INDEX, want=stat.S_IFREG)
        if not self._plain(runs, want=stat.S_IFDIR):
            return []
        found: list[Entry] = []
        for folder in sorted(runs.iterdir()):
            if not self._plain(folder, want=stat.S_IFDIR, strict=False):
                continue
            for file in sorted(folder.iterdir()):
                if file.suffix == ".json" and self._plain(file, want=stat.S_IFREG):
                    found.append(Entry(name=f"{RUNS_DIR}/{folder.name}/{file.name}",
                                       branch=unquote(folder.name)))
                elif file.is_symlink():
                    self._plain(file, want=stat.S_IFREG)  # refuses it
        return sorted(ordered(found), key=lambda e: e.branch)

    def _plain(self, path: Path, *, want: int, strict: bool = True) -> bool:
        """True if `path` is a plain file or folder as wanted, False if absent (or, not
        `strict`, another kind); a link anywhere, or a wrong kind when `strict`, is refused."""
        try:
            mode = path.lstat().st_mode
        except FileNotFoundError:
            return False
        except OSError as exc:
            raise io_error(self.spec, exc, "read") from None
        if stat.S_ISLNK(mode):
            raise linked(self.spec, path.relative_to(self.root).as_posix(),
                         f"remove the link {path}")
        if stat.S_IFMT(mode) == want:
            return True
        if strict:
            kind = "a folder" if want == stat.S_IFDIR else "a plain file"
            raise UserError(
                f"{path.relative_to(self.root).as_posix()} in the store is not {kind}",
                where=f"store {self.spec.text}, {path}",
                fix="a store holds only plain files and folders: remove it, or point the "
                "store at a fresh directory",
            )
        return False

    def read(self, entry: Entry) -> StoredRun:
        path = self.root / entry.name
        try:
            data = read_plain(path)
        except OSError as exc:
            raise UserError(
                f"cannot read stored run {entry.name}: {reason(exc)}",
                where=f"store {self.spec.text}, entry {entry.name}",
                fix="check the store's files and permissions",
            ) from None
        return stored.loads(data, store=self.spec.text, entry=entry.name)

    def save(self, run: StoredRun, keep: int) -> tuple[Entry, list[Entry]]:
        """Add `run`, then drop the oldest runs of its branch beyond `keep`."""
        check_branch(run.git.branch, where="--branch / GITHUB_HEAD_REF / GITHUB_REF_NAME")
        taken = [e.name for e in self._scan()]  # checks the tree before any write
        text = stored.dumps(run)
        with writing(self.spec):
            name = entry_name(run, taken)
            while not atomic.create_new(self.root / name, text):  # another process took it
                taken.append(name)
                name = entry_name(run, taken)
            entry = Entry(name=name, branch=run.git.branch or NO_BRANCH)
            mine = [e for e in self._scan() if e.branch == entry.branch]
            dropped = self._remove([e for e in to_prune(mine, keep) if e != entry])
            self._write_index()
        return entry, dropped

    def prune(self, keep: int) -> list[Entry]:
        """Drop the oldest runs of each branch beyond `keep` (nothing when no tree yet)."""
        if not self.root.is_dir():
            return []
        doomed = to_prune(self._scan(), keep)
        with writing(self.spec):
            dropped = self._remove(doomed)
            self._write_index()
        return dropped

    def _remove(self, entries: list[Entry]) -> list[Entry]:
        for entry in entries:
            (self.root / entry.name).unlink(missing_ok=True)
        return entries

    def _write_index(self) -> None:
        """index.json: what a person (or a tool) needs to browse the store without parsing
        every run. Derived from the files, so concurrent saves never conflict on it."""
        rows = []
        for entry in self._scan():
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
        atomic.write_text(self.root / INDEX, json.dumps(index, indent=1) + "\n")
