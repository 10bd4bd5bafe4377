"""Which stored runs of the base branch are a pull request's baseline: those at or before
its merge-base, not the branch's live tip (issue 22).

A run saved on `main` after the pull request branched off measures changes the pull
request does not have; compared with them, the pull request would be blamed (or
praised) for them. So the merge-base of the checkout's head and the base branch is
computed (`git merge-base`; in a pull request's merge commit, its second parent is the
head) and a stored run is used only when its commit is an ancestor of it. Without the
history to tell (no git repository, a shallow clone, no ref of the base branch, none of
the runs' commits known here), the newest stored runs are used, as before, and the
`Lineage` says why. Every git call goes through `gate.baseline.gitstore`, bounded.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence

from gate.baseline import gitstore
from gate.baseline.gitstore import GitFailed
from gate.baseline.layout import Entry
from gate.baseline.stored import StoredRun
from gate.core.comparability import Lineage
from gate.errors import UserError

_SHA = re.compile(r"[0-9a-fA-F]{4,64}")  # a stored commit is hostile: never an option
_SHALLOW_FIX = "a shallow clone? (actions/checkout: fetch-depth: 0)"


def select(
    entries: Sequence[Entry], read: Callable[[Entry], StoredRun], *, branch: str, limit: int
) -> tuple[tuple[StoredRun, ...], Lineage]:
    """The newest `limit` runs of `entries` (one branch's, oldest first) at or before the
    merge-base, oldest first, and how they were chosen."""
    base, why = merge_base(branch)
    if base is None:
        return _newest(entries, read, limit), Lineage(branch=branch, no_merge_base=why)
    used: list[StoredRun] = []
    left_out = unknown = 0
    for entry in reversed(entries):
        if len(used) == limit:
            break
        run = read(entry)
        ancestor = is_ancestor(run.git.commit, base)
        if ancestor:
            used.append(run)
        else:
            left_out, unknown = left_out + 1, unknown + (ancestor is None)
    if not used and unknown == left_out:  # nothing here knows these commits
        why = "none of its runs' commits is in this clone's history; " + _SHALLOW_FIX
        return _newest(entries, read, limit), Lineage(branch=branch, no_merge_base=why)
    behind = _count(used[0].git.commit, base) if used else None
    return tuple(reversed(used)), Lineage(branch=branch, merge_base=base, behind=behind,
                                          left_out=left_out)


def _newest(
    entries: Sequence[Entry], read: Callable[[Entry], StoredRun], limit: int
) -> tuple[StoredRun, ...]:
    return tuple(read(e) for e in entries[-limit:])


def merge_base(branch: str) -> tuple[str | None, str]:
    """The merge-base of the checkout's head and `branch` (origin's, else the local one),
    or None and why there is none here."""
    try:
        gitstore.text(["rev-parse", "--show-toplevel"])
    except (GitFailed, UserError):
        return None, "no git repository here"
    head = "HEAD"
    if os.environ.get("GITHUB_HEAD_REF") and _resolves("HEAD^2"):
        head = "HEAD^2"  # a pull request's checkout is GitHub's merge commit: its head
    ref = next((r for r in (f"refs/remotes/origin/{branch}", f"refs/heads/{branch}")
                if _resolves(r)), None)
    if ref is None:
        return None, f"no ref of the branch {branch} here (git fetch origin {branch})"
    try:
        return gitstore.text(["merge-base", head, ref]), ""
    except (GitFailed, UserError):
        return None, f"no common history of the head and {branch} here; {_SHALLOW_FIX}"


def is_ancestor(commit: str | None, of: str) -> bool | None:
    """Whether `commit` is `of` or one of its ancestors; None when unknown here."""
    if commit is None or not _SHA.fullmatch(commit):
        return None
    try:
        gitstore.git(["merge-base", "--is-ancestor", commit, of])
        return True
    except GitFailed as exc:
        return False if exc.code == 1 else None
    except UserError:  # git missing or too slow
        return None


def _count(commit: str | None, of: str) -> int | None:
    """Commits from `commit` to `of` (`git rev-list --count commit..of`)."""
    try:
        return int(gitstore.text(["rev-list", "--count", f"{commit}..{of}"]))
    except (GitFailed, UserError, ValueError):
        return None


def _resolves(ref: str) -> bool:
    try:
        gitstore.git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"])
        return True
    except (GitFailed, UserError):
        return False
