"""The files a command writes into its output directory: removed before it starts, so a
failed run never leaves the previous run's green report next to its own outcome; and a
lock, so two `run`s into one directory cannot clobber each other.

Only the names listed here are removed: an output directory may hold other files.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from gate.errors import UserError

# What `check --report-dir` writes.
REPORT_FILES = ("verdict.json", "report.md", "junit.xml")
# What `run` writes (and older versions wrote: report.html), besides the reports.
RUN_FILES = (
    "results.json",
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
LOCK_NAME = ".locust-gate.lock"


def ensure_directory(folder: Path, *, what: str, option: str) -> None:
    """Create `folder`; a UserError when it exists as a file (which is left untouched)."""
    if folder.exists() and not folder.is_dir():
        raise UserError(
            f"the {what} {folder} is a file",
            where=str(folder),
            fix=f"point {option} at a directory; it is created if missing",
        )
    folder.mkdir(parents=True, exist_ok=True)


def remove_stale(folder: Path, names: tuple[str, ...]) -> list[str]:
    """Delete the files `names` in `folder` that exist; returns the names removed."""
    removed = []
    for name in names:
        path = folder / name
        with contextlib.suppress(FileNotFoundError):
            if path.is_file() or path.is_symlink():
                path.unlink()
                removed.append(name)
    return removed


@contextlib.contextmanager
def locked(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on `folder` (a `flock` on FOLDER/.locust-gate.lock) while
    the block runs; a UserError at once when another process holds it. The kernel drops
    the lock when the holder exits, however it exits, so a crash leaves no stale lock."""
    path = folder / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise
            holder = os.pread(fd, 64, 0).decode("ascii", errors="replace").strip() or "?"
            raise UserError(
                f"another locust-gate run (pid {holder}) is writing to the output directory "
                f"{folder}; this run would overwrite its logs and results, so it did not start",
                where=str(path),
                fix="wait for that run to finish, or give this one its own output directory "
                "(--output-dir)",
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        yield
    finally:
        os.close(fd)  # releases the lock
