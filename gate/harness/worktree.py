"""The base of `run --against-ref REF`: REF checked out into a temporary git worktree.

`checked_out` resolves REF to a commit (a UserError naming the ref and the fetch to do
when the repository does not have it), adds a detached worktree in a fresh temporary
directory, and removes it again (`remove`: `git worktree remove --force`, the directory,
`git worktree prune`) when the block ends however it ends. If the gate itself is killed
(SIGKILL), the guardian (`gate.harness.guardian`) removes it after its sweep. Every git
command has a time limit.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from gate.errors import UserError

GIT_TIMEOUT = 30.0  # seconds for a query
CHECKOUT_TIMEOUT = 600.0  # seconds for checking a large tree out
PREFIX = "locust-gate-base-"


@dataclass(frozen=True, kw_only=True)
class Checkout:
    """The base's tree: `path` is a worktree of the repository at `root`, at `commit`."""

    root: Path  # the repository's top-level directory (the head's tree)
    path: Path  # the worktree
    ref: str  # the ref as the user gave it
    commit: str

    def relocate(self, path: Path) -> Path:
        """`path` in the head's tree -> the same path in the base's (others as they are)."""
        return self.path / path.relative_to(self.root) if path.is_relative_to(self.root) else path


def _git(root: Path, *args: str, timeout: float = GIT_TIMEOUT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "-C", str(root), *args], capture_output=True, text=True, timeout=timeout,
        check=False, stdin=subprocess.DEVNULL,
    )


def repository(start: Path) -> Path:
    """The top-level directory of the git repository holding `start`."""
    try:
        found = _git(start, "rev-parse", "--show-toplevel")
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise UserError(f"git could not be run: {exc}", where=str(start),
                        fix="install git; --against-ref checks the ref out with it") from None
    if found.returncode != 0:
        raise UserError(
            f"{start} is not in a git repository, so there is no ref to compare with",
            where=str(start), fix="run it in your repository's checkout, or drop --against-ref",
        )
    return Path(found.stdout.strip()).resolve()


def resolve(root: Path, ref: str) -> str:
    """The commit `ref` names; UserError when the repository does not have it."""
    if not ref or ref.startswith("-"):
        raise UserError(f"{ref!r} is not a git ref", where="against-ref",
                        fix="give a branch, tag or commit, e.g. origin/main")
    found = _git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
    if found.returncode != 0:
        raise UserError(
            f"the ref {ref!r} (against-ref) is not a commit of the repository at {root}",
            where="against-ref",
            fix="fetch it first (`git fetch origin main`; in GitHub Actions, actions/checkout "
            "with `fetch-depth: 0`), or name a branch, tag or commit that exists",
        )
    return found.stdout.strip()


def add(root: Path, ref: str) -> Checkout:
    """A detached worktree of `ref` in a new temporary directory."""
    commit = resolve(root, ref)
    path = Path(tempfile.mkdtemp(prefix=PREFIX)).resolve()
    try:
        done = _git(root, "worktree", "add", "--detach", "--force", str(path), commit,
                    timeout=CHECKOUT_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as exc:
        remove(root, path)
        raise UserError(f"git worktree add {ref} failed: {exc}", where=str(root),
                        fix="check that the repository is readable and the disk not full") from None
    except BaseException:  # a signal (`Interrupted`) while git checks the tree out
        remove(root, path)
        raise
    if done.returncode != 0:
        remove(root, path)
        raise UserError(
            f"could not check {ref!r} out into a worktree: {done.stderr.strip()[-400:]}",
            where=str(root), fix="check the ref, the repository, and free disk space",
        )
    return Checkout(root=root, path=path, ref=ref, commit=commit)


def remove(root: Path, path: Path) -> None:
    """The worktree gone from disk and from git's list; never raises."""
    with contextlib.suppress(OSError, subprocess.TimeoutExpired):
        _git(root, "worktree", "remove", "--force", "--force", str(path))
    shutil.rmtree(path, ignore_errors=True)
    with contextlib.suppress(OSError, subprocess.TimeoutExpired):
        _git(root, "worktree", "prune")


@contextlib.contextmanager
def checked_out(
    start: Path, ref: str, *, shielded: Callable[[], contextlib.AbstractContextManager[None]]
) -> Iterator[Checkout]:
    """`ref` of the repository holding `start`, checked out for the block; the removal
    runs inside `shielded()` (`SignalGuard.shielded`: a signal then cannot cut it short)."""
    root = repository(start)
    checkout = add(root, ref)
    try:
        yield checkout
    finally:
        with shielded():
            remove(root, checkout.path)
