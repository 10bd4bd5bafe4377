"""One store interface (`Store`: entries, read, save, prune) and the one place a store's
kind is chosen (`opened`).

The kinds (`gate.baseline.storespec`): a file holds one run (`FileStore`), a directory
a history (`gate.baseline.dirstore.DirStore`), a `git:` data branch the same history
committed to a branch (`GitStore`: reads from a fetched tree, saves and prunes in a
fetch-change-push transaction of `gate.baseline.gitstore`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Protocol

from gate.baseline import gitstore, stored
from gate.baseline.dirstore import DirStore
from gate.baseline.layout import NO_BRANCH, Entry
from gate.baseline.plainfiles import linked, read_plain, reason, writing
from gate.baseline.stored import StoredRun
from gate.baseline.storespec import Kind, StoreSpec
from gate.errors import UserError
from gate.files import atomic


class Store(Protocol):
    spec: StoreSpec
    branched: bool  # runs filed per source branch (a history), or one run for every branch

    def entries(self) -> list[Entry]:
        """Every stored run, oldest first per source branch."""
        ...

    def read(self, entry: Entry) -> StoredRun: ...

    def save(self, run: StoredRun, keep: int) -> tuple[Entry, list[Entry]]:
        """Add `run`; its entry, and the entries a cap of `keep` per branch dropped."""
        ...

    def prune(self, keep: int) -> list[Entry]:
        """Drop the oldest runs of each branch beyond `keep`; the entries dropped."""
        ...


@contextmanager
def opened(spec: StoreSpec) -> Iterator[Store]:
    """The store `spec` names; a git store's temporary tree is removed on leaving."""
    if spec.kind is Kind.FILE:
        yield FileStore(spec)
    elif spec.kind is Kind.DIR:
        assert spec.path is not None
        yield DirStore(spec.path, spec)
    else:
        with ExitStack() as cleanup:
            yield GitStore(spec, cleanup)


class FileStore:
    """One run in one file (`baseline.json`): saving replaces it, `keep` does not apply."""

    branched = False

    def __init__(self, spec: StoreSpec) -> None:
        assert spec.path is not None
        self.path = spec.path
        self.spec = spec

    def entries(self) -> list[Entry]:
        if self.path.is_symlink():
            raise linked(self.spec, str(self.path), f"replace the link {self.path} by the "
                         "file itself, or name the file it points to")
        if not self.path.exists():
            return []
        return [Entry(name=self.path.name, branch=NO_BRANCH)]

    def read(self, entry: Entry) -> StoredRun:
        try:
            data = read_plain(self.path)
        except OSError as exc:
            raise UserError(
                f"cannot read the baseline file: {reason(exc)}",
                where=f"store {self.spec.text}",
                fix="check the path, or save one with `locust-gate baseline save RESULTS "
                f"--store {self.spec.text}`",
            ) from None
        # The file is one run, whatever branch it came from: it is the baseline of every one.
        return stored.loads(data, store=self.spec.text, entry=entry.name)

    def save(self, run: StoredRun, keep: int) -> tuple[Entry, list[Entry]]:
        self.entries()  # refuses a link before anything is written
        with writing(self.spec):
            atomic.write_text(self.path, stored.dumps(run))
        return Entry(name=self.path.name, branch=NO_BRANCH), []

    def prune(self, keep: int) -> list[Entry]:
        return []  # one run: nothing to drop


class GitStore:
    """A data branch: read from its tree fetched once (on first use, removed by `cleanup`),
    saved and pruned in a transaction that fetches, changes, commits and pushes."""

    branched = True

    def __init__(self, spec: StoreSpec, cleanup: ExitStack) -> None:
        self.spec = spec
        self._cleanup = cleanup
        self._tree: DirStore | None = None

    def _fetched(self) -> DirStore:
        if self._tree is None:
            root: Path = self._cleanup.enter_context(gitstore.checkout(self.spec))
            self._tree = DirStore(root, self.spec)
        return self._tree

    def entries(self) -> list[Entry]:
        return self._fetched().entries()

    def read(self, entry: Entry) -> StoredRun:
        return self._fetched().read(entry)

    def save(self, run: StoredRun, keep: int) -> tuple[Entry, list[Entry]]:
        return gitstore.transaction(
            self.spec,
            lambda root: DirStore(root, self.spec).save(run, keep),
            lambda done: f"locust-gate: save {done[0].name}"
            + (f", drop {len(done[1])} old run(s)" if done[1] else ""),
        )

    def prune(self, keep: int) -> list[Entry]:
        return gitstore.transaction(
            self.spec,
            lambda root: DirStore(root, self.spec).prune(keep),
            lambda dropped: f"locust-gate: prune to {keep} run(s) per branch, "
            f"drop {len(dropped)}",
        )
