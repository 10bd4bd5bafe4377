"""Baseline stores, named by one string the same everywhere (CLI and Action):

- `path/to/baseline.json` — one run, e.g. committed in the user's repository;
- `path/to/dir/` (or any existing directory) — a history of runs, e.g. an artifact or a
  cache, laid out like the data branch below;
- `git:BRANCH` / `git:BRANCH@REMOTE` / `git:` — a data branch (default
  `locust-gate-data`) of the current repository's `origin` (or REMOTE); see
  `gate.baseline.gitstore`.

A history's tree is readable by a person::

    index.json                                   # derived: rewritten on every save/prune
    runs/<source-branch>/<YYYYmmddTHHMMSS.mmmZ>-<sha12>.json   # the time it was saved

(`/` in a branch name is written `%2F`.) Decisions (entry names, their order, what a
prune drops, which branch names are usable) are pure functions here; `DirStore` and
`FileStore` do the file I/O.

A store is a trust boundary: a directory is often a restored cache or a downloaded
artifact, a data branch anyone with push access wrote. So no path inside a store may be
a link (or anything but a plain file or folder): the whole tree is checked before
anything is read, written or pruned, and files are opened with `O_NOFOLLOW`. A store
string may carry credentials (`git:BRANCH@https://user:TOKEN@host/repo.git`): `redact`
strips them wherever the string becomes text (`StoreSpec.text`), and in GitHub Actions
the secret is masked before anything is printed.
"""

from __future__ import annotations

import errno
import json
import os
import re
import stat
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
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
    text: str  # as the user wrote it, credentials removed: for messages and BaselineRef.store
    kind: Kind
    path: Path | None = None
    branch: str = DEFAULT_DATA_BRANCH
    remote: str = DEFAULT_REMOTE  # as given, credentials included: only git sees it

    @property
    def remote_label(self) -> str:
        """The remote as messages show it (without credentials)."""
        return redact(self.remote)


def parse_spec(text: str) -> StoreSpec:
    """Read a store string (see the module docstring); bad strings are UserErrors."""
    mask_credentials(text)  # first: in Actions nothing printed after this shows the secret
    shown = redact(text)
    if not text.strip():
        raise UserError("the store is empty", where="--store / --baseline", fix=_SYNTAX)
    if text.startswith("git:"):
        branch, _, remote = text[4:].partition("@")
        branch = branch or DEFAULT_DATA_BRANCH
        problem = ref_problem(branch)
        if problem is not None:
            raise UserError(f"the data branch {branch!r} is not a usable branch name: it "
                            f"{problem}", where=shown, fix=_SYNTAX)
        return StoreSpec(text=shown, kind=Kind.GIT, branch=branch,
                         remote=remote or DEFAULT_REMOTE)
    path = Path(text)
    if text.endswith(("/", os.sep)) or path.is_dir():
        return StoreSpec(text=shown, kind=Kind.DIR, path=path)
    if path.suffix == ".json":
        return StoreSpec(text=shown, kind=Kind.FILE, path=path)
    raise UserError(f"cannot tell what kind of store {shown!r} is", where=shown, fix=_SYNTAX)


_SYNTAX = (
    "name a store as path/to/baseline.json (one run), path/to/dir/ (a history; note the "
    "trailing slash), or git:BRANCH[@REMOTE] (a data branch, e.g. git:locust-gate-data)"
)


# --- credentials in store strings -----------------------------------------------------------

# `scheme://userinfo@`: everything between `://` and the last `@` before the host's end.
_USERINFO = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://)([^/?#\s]*)@")


def redact(text: str) -> str:
    """`text` with the `user:password@` of every URL in it removed: the one function that
    makes a store string (or git's message about it) safe to print, store or render."""
    return _USERINFO.sub(r"\1", text)


def mask_credentials(text: str) -> None:
    """In GitHub Actions, ask the runner to mask the credentials of every URL in `text`
    (the runner masks exact strings only: the userinfo, the password, and their decoded
    forms are each registered)."""
    if os.environ.get("GITHUB_ACTIONS") != "true":
        return
    secrets: set[str] = set()
    for match in _USERINFO.finditer(text):
        userinfo = match.group(2)
        password = userinfo.partition(":")[2]
        secrets.update({userinfo, unquote(userinfo), password, unquote(password)})
    if not secrets - {""}:
        return
    # Imported here: only a store string with credentials, in Actions, pays for them.
    from gate.reports import escape, safestream  # noqa: PLC0415

    for secret in sorted(secrets - {""}):
        safestream.write_command(f"::add-mask::{escape.workflow_command(secret)}")


# --- pure decisions -----------------------------------------------------------------------


_REF_RULES: tuple[tuple[Callable[[str], bool], str], ...] = (
    (lambda n: not n, "is empty"),
    (lambda n: n in ("HEAD", "@") or n.startswith("-"), "is not a branch name git accepts"),
    (lambda n: any(ord(c) < 0x20 or c == "\x7f" or c in " ~^:?*[\\" for c in n),
     "holds a space, a control character or one of ~ ^ : ? * [ \\"),
    (lambda n: ".." in n or "@{" in n or "//" in n, "holds `..`, `@{` or `//`"),
    (lambda n: n.startswith("/") or n.endswith(("/", ".")),
     "starts with `/` or ends with `/` or `.`"),
    (lambda n: any(p.startswith(".") or p.endswith(".lock") for p in n.split("/")),
     "has a part that starts with `.` or ends with `.lock`"),
)


def ref_problem(name: str) -> str | None:
    """Why git would refuse `name` as a branch (`git check-ref-format --branch`), or None.
    A refused name could also leave `runs/<branch>/` (`..`, `.`)."""
    return next((why for broken, why in _REF_RULES if broken(name)), None)


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
        """Every stored run, oldest first per branch; the whole tree is checked first (no
        links, no special files), so nothing is read, written or pruned through a link."""
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
            raise _io_error(self.spec, exc, "read") from None
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
                f"cannot read stored run {entry.name}: {_reason(exc)}",
                where=f"store {self.spec.text}, entry {entry.name}",
                fix="check the store's files and permissions",
            ) from None
        return stored.loads(data, store=self.spec.text, entry=entry.name)

    def save(self, run: StoredRun, keep: int) -> tuple[Entry, list[Entry]]:
        """Add `run`, then drop the oldest runs of its branch beyond `keep`."""
        check_branch(run.git.branch, where="--branch / GITHUB_HEAD_REF / GITHUB_REF_NAME")
        taken = [e.name for e in self.entries()]  # checks the tree before any write
        text = stored.dumps(run)
        with _writing(self.spec):
            name = entry_name(run, taken)
            while not _create_new(self.root / name, text):  # another process took the name
                taken.append(name)
                name = entry_name(run, taken)
            entry = Entry(name=name, branch=run.git.branch or NO_BRANCH)
            mine = [e for e in self.entries() if e.branch == entry.branch]
            dropped = self._remove([e for e in to_prune(mine, keep) if e != entry])
            self.write_index()
        return entry, dropped

    def prune(self, keep: int) -> list[Entry]:
        doomed = to_prune(self.entries(), keep)
        with _writing(self.spec):
            dropped = self._remove(doomed)
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
                f"cannot read the baseline file: {_reason(exc)}",
                where=f"store {self.spec.text}",
                fix="check the path, or save one with `locust-gate baseline save RESULTS "
                f"--store {self.spec.text}`",
            ) from None
        run = stored.loads(data, store=self.spec.text, entry=entry.name)
        # The file is one run, whatever branch it came from: it is the baseline of every one.
        return run

    def save(self, run: StoredRun) -> Entry:
        self.entries()  # refuses a link before anything is written
        with _writing(self.spec):
            _write_atomic(self.path, stored.dumps(run))
        return Entry(name=self.path.name, branch=NO_BRANCH)


def linked(spec: StoreSpec, name: str, fix: str) -> UserError:
    """A link in a store: refused, whatever it points to (a restored cache or an artifact
    can carry links; following one would read or delete files outside the store)."""
    return UserError(
        f"{name} in the store is a symbolic link; a store may hold no links",
        where=f"store {spec.text}",
        fix=f"{fix} (nothing was written or deleted)",
    )


def read_plain(path: Path) -> bytes:
    """The bytes of a plain file, never through a link (`O_NOFOLLOW`) and never blocking
    on a FIFO or a device (`O_NONBLOCK`, then only a regular file is read)."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(0, "not a plain file", str(path))
        return handle.read()


def _reason(exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "it is a symbolic link, and a store may hold no links"
    return exc.strerror or str(exc)


@contextmanager
def _writing(spec: StoreSpec) -> Iterator[None]:
    """A failed write (a full disk, a read-only store) is the user's to fix (exit 2); every
    write is atomic, so what was stored before is intact."""
    try:
        yield
    except OSError as exc:
        raise _io_error(spec, exc, "write to") from None


def _io_error(spec: StoreSpec, exc: OSError, doing: str) -> UserError:
    place = f", {exc.filename}" if exc.filename else ""
    return UserError(
        f"cannot {doing} the store: {_reason(exc)}",
        where=f"store {spec.text}{place}",
        fix="free space on the disk or make the store writable, then save again; the runs "
        "stored before are unchanged",
    )


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
