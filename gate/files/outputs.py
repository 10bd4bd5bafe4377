"""The files a command writes into its output directory: removed before it starts, so a
failed run never leaves the previous run's green report next to its own outcome.

Only files we wrote are ever removed: an output directory may be the user's own (`.`),
holding a report.md or results.json of theirs. So the directory keeps a record of what
we wrote there, `.locust-gate-files.json` (each name with the SHA-256 of what we wrote,
or null while a command is writing it), and `owned`, around every command that writes:
- before: a file at one of the command's names that the record does not hold as ours
  unchanged (the user's, a link, or ours edited since) refuses the command, exit 2,
  naming every such file, before anything is touched; then ours are removed and the
  names are recorded as being written (null: a command killed now leaves them ours);
- after, however the command ended: each name that exists is recorded with its digest.
(Two `run`s into one directory are kept apart by the directory's claim, `gate.harness.sweep`.)
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import stat
from collections.abc import Iterator
from pathlib import Path

from gate.errors import UserError
from gate.files import atomic, jsontext

RECORD_NAME = ".locust-gate-files.json"
_SCHEMA = "locust-gate/output-files"

# What `check --report-dir` writes (pull-request.json: in GitHub Actions, on a pull request).
REPORT_FILES = ("verdict.json", "report.md", "junit.xml", "comment.md", "pull-request.json")
# What `run` writes (and older versions wrote: report.html), besides the reports.
RUN_FILES = (
    "results.json",
    "metrics.json",  # the thresholds' metrics: section, read by `run` (gate.harness.metrics)
    "locust.log",
    "backend.log",
    "seed.log",
    "locust_stats.csv",
    "locust_stats_history.csv",
    "locust_failures.csv",
    "locust_exceptions.csv",
    "locust.json",
    "report.html",
    *REPORT_FILES,
)


def ensure_directory(folder: Path, *, what: str, option: str) -> None:
    """Create `folder` (the `what` of `option`); a UserError when it exists as a file
    (which is left untouched) or cannot be created."""
    if folder.exists() and not folder.is_dir():
        raise UserError(
            f"the {what} {folder} is a file",
            where=str(folder),
            fix=f"point {option} at a directory; it is created if missing",
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(
            f"cannot create the {what} {folder}: {exc.strerror or exc}",
            where=str(folder),
            fix=f"point {option} at a directory you can write to (it is created if missing)",
        ) from None


@contextlib.contextmanager
def owned(folder: Path, names: tuple[str, ...], *, option: str) -> Iterator[None]:
    """Hold `names` in the existing `folder` for the block (see the module's docstring):
    UserError naming the option `option` when a file there is not ours."""
    record = _read_record(folder)
    foreign = [n for n in names if _exists(folder / n) and not _ours(folder / n, record)]
    if foreign:
        shown = ", ".join(foreign)
        raise UserError(
            f"{folder} holds {shown}, which locust-gate did not write (or which changed since "
            f"it wrote them); it writes {'these names' if len(foreign) > 1 else 'this name'} "
            "there, so it stopped and left every file as it was",
            where=str(folder / foreign[0]),
            fix=f"point {option} at a directory of its own (it is created if missing), or "
            f"move {shown} away",
        )
    remove_stale(folder, names)
    _write_record(folder, {**record, **dict.fromkeys(names)})
    try:
        yield
    finally:
        now = {n: _digest(folder / n) for n in names if _exists(folder / n)}
        kept = {n: d for n, d in _read_record(folder).items() if n not in names}
        with contextlib.suppress(UserError):  # the command's own outcome matters more
            _write_record(folder, {**kept, **now})


def _exists(path: Path) -> bool:
    return path.is_symlink() or path.exists()


def _ours(path: Path, record: dict[str, str | None]) -> bool:
    """`path` is what we wrote there: recorded, a regular file (never a link), and either
    being written by a command that died (null) or unchanged since."""
    if path.name not in record:
        return False
    try:
        if not stat.S_ISREG(path.lstat().st_mode):
            return False
    except OSError:
        return False
    expected = record[path.name]
    return expected is None or _digest(path) == expected


def _digest(path: Path) -> str:
    try:
        if not stat.S_ISREG(path.lstat().st_mode):
            return "not a regular file"  # never matches a digest: never ours
        with path.open("rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError:
        return "unreadable"


def _read_record(folder: Path) -> dict[str, str | None]:
    """The record of what we wrote in `folder`; {} when missing or damaged (then nothing
    there counts as ours: the safe side)."""
    try:
        data = jsontext.loads((folder / RECORD_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    files = data.get("files") if isinstance(data, dict) and data.get("schema") == _SCHEMA else None
    if not isinstance(files, dict):
        return {}
    return {
        name: digest
        for name, digest in files.items()
        if isinstance(name, str) and (digest is None or isinstance(digest, str))
    }


def _write_record(folder: Path, files: dict[str, str | None]) -> None:
    text = json.dumps({"schema": _SCHEMA, "version": 1, "files": files}, indent=1) + "\n"
    atomic.write_for_user(
        folder / RECORD_NAME, text, fix="make the directory writable, or write to another one"
    )


def remove_stale(folder: Path, names: tuple[str, ...]) -> list[str]:
    """Delete the files `names` in `folder` that exist; returns the names removed. Only
    for names `owned` has found ours."""
    removed = []
    for name in names:
        path = folder / name
        try:
            if path.is_file() or path.is_symlink():
                path.unlink()
                removed.append(name)
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise UserError(
                f"cannot remove the previous {path}: {exc.strerror or exc}",
                where=str(path),
                fix="make the directory writable, or write to another one",
            ) from None
    return removed
