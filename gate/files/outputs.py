"""The files a command writes into its output directory: removed before it starts, so a
failed run never leaves the previous run's green report next to its own outcome.

Only the names listed here are removed: an output directory may hold other files. (Two
`run`s into one directory are kept apart by the directory's claim, `gate.harness.sweep`.)
"""

from __future__ import annotations

from pathlib import Path

from gate.errors import UserError

# What `check --report-dir` writes (pull-request.json: in GitHub Actions, on a pull request).
REPORT_FILES = ("verdict.json", "report.md", "junit.xml", "comment.md", "pull-request.json")
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


def remove_stale(folder: Path, names: tuple[str, ...]) -> list[str]:
    """Delete the files `names` in `folder` that exist; returns the names removed."""
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
