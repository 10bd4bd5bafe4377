"""The git data branch: the one module that runs git (every call has a timeout).

The store is an orphan branch (default `locust-gate-data`) of the current repository's
remote. Nothing here touches the user's working tree, index or branches: the branch is
fetched into a private ref (`refs/locust-gate/<branch>`), its tree is exported into a
temporary directory, changed there (`gate.baseline.dirstore.DirStore`), and committed with
a temporary index file and `git commit-tree`.

Saving is safe under concurrency: fetch, change, commit on top of the fetched tip, push
without force; a rejected push (another job saved first) means fetch and redo the change
on the new tip, at most `PUSH_ATTEMPTS` times. Nobody's entry is ever overwritten: the
redo sees the other job's files. It works from a shallow checkout (the data branch is an
unrelated history, fetched whole, and small) and with the job token that
`actions/checkout` leaves in the repository's git config. Several saves in one clone
contend for git's lock files (`cannot lock ref`): a lock held by another process is
waited for and retried, a bounded number of times.

A data branch is only ever the gate's own: its tree may hold `index.json` and
`runs/<branch>/<entry>` as plain files and nothing else. A branch with other files (a
code branch: `git:main`) or with a link is refused before anything is extracted,
committed or pushed. Every message keeps git's own first line, with any credentials of
the remote's URL removed (`gate.baseline.storespec.redact`).
"""

from __future__ import annotations

import contextlib
import io
import os
import random
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from gate.baseline.layout import INDEX, RUNS_DIR
from gate.baseline.plainfiles import linked
from gate.baseline.stored import GitInfo
from gate.baseline.storespec import StoreSpec, redact
from gate.errors import UserError

T = TypeVar("T")

LOCAL_TIMEOUT = 30.0  # seconds, for commands that do not touch the network
NETWORK_TIMEOUT = 120.0  # fetch, ls-remote, push
PUSH_ATTEMPTS = 12  # ten jobs saving at once all land: each round one of them wins
MAX_PAUSE = 3.0  # seconds, the longest wait between two push attempts
LOCK_ATTEMPTS = 30  # a lock another git process holds is usually gone within ms
_LOCKED = ("cannot lock ref", ".lock': File exists", "Unable to create '")
_IDENTITY = {
    "GIT_AUTHOR_NAME": "locust-gate",
    "GIT_AUTHOR_EMAIL": "locust-gate@users.noreply.github.com",
    "GIT_COMMITTER_NAME": "locust-gate",
    "GIT_COMMITTER_EMAIL": "locust-gate@users.noreply.github.com",
}


class GitFailed(Exception):
    def __init__(self, args: list[str], code: int, stderr: str) -> None:
        super().__init__(redact(f"git {' '.join(args)} exited {code}: {stderr.strip()}"))
        self.command = args[0] if args else ""
        self.code = code
        self.stderr = stderr

    @property
    def first_line(self) -> str:
        """git's own first line (the cause; what follows is advice), credentials removed."""
        lines = [line.strip() for line in self.stderr.splitlines() if line.strip()]
        return redact(lines[0]) if lines else "(git printed no message)"

    @property
    def locked(self) -> bool:
        return any(sign in self.stderr for sign in _LOCKED)

    def fix(self, otherwise: str) -> str:
        """The fix for what git's message says, else `otherwise`."""
        if self.locked:
            return "another git process in this repository held a lock for too long; rerun"
        if "No space left" in self.stderr:
            return "free space on the disk and rerun; the runs stored before are unchanged"
        return otherwise

    def user_error(self, spec: StoreSpec, doing: str) -> UserError:
        fix = self.fix("fix what git reports (permissions, a damaged repository: git fsck), "
                       "then rerun; the runs stored before are unchanged")
        return UserError(f"cannot {doing}: git {self.command} failed: {self.first_line}",
                         where=f"store {spec.text}", fix=fix)


def git(
    args: list[str],
    *,
    cwd: Path | None = None,
    timeout: float = LOCAL_TIMEOUT,
    input: bytes | None = None,
    env: Mapping[str, str] | None = None,
) -> bytes:
    """Run git; return stdout. Raises GitFailed on a non-zero exit, UserError on a timeout.
    A lock another git process holds (several saves in one clone) is retried, bounded."""
    full_env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", **(env or {})}
    for attempt in range(1, LOCK_ATTEMPTS + 1):
        try:
            done = subprocess.run(
                ["git", *args], cwd=cwd, input=input, capture_output=True, timeout=timeout,
                env=full_env, check=False,
            )
        except FileNotFoundError:
            raise UserError(
                "git is not installed", where="git: store", fix="install git, or use a dir/ store"
            ) from None
        except subprocess.TimeoutExpired:
            raise UserError(
                f"git {args[0]} did not finish within {timeout:.0f} s",
                where=redact(f"git {' '.join(args)}"),
                fix="check the network and the remote's URL; rerun the job",
            ) from None
        if done.returncode == 0:
            return done.stdout
        failed = GitFailed(args, done.returncode, done.stderr.decode("utf-8", "replace"))
        if not failed.locked or attempt == LOCK_ATTEMPTS:
            raise failed
        time.sleep(random.uniform(0.05, 0.1 * attempt))
    raise AssertionError("unreachable")  # the loop returns or raises


def text(
    args: list[str],
    *,
    cwd: Path | None = None,
    timeout: float = LOCAL_TIMEOUT,
    env: Mapping[str, str] | None = None,
) -> str:
    return git(args, cwd=cwd, timeout=timeout, env=env).decode("utf-8", "replace").strip()


def repo_root(cwd: Path | None = None) -> Path:
    try:
        return Path(text(["rev-parse", "--show-toplevel"], cwd=cwd))
    except GitFailed:
        raise UserError(
            "a git: store needs a git repository, and this is not one",
            where=str(cwd or Path.cwd()),
            fix="run the command inside your repository's checkout, or use a dir/ store",
        ) from None


def current(cwd: Path | None = None) -> GitInfo:
    """The commit and branch the run was made from: GitHub Actions' variables first (a
    pull request's checkout is a detached merge commit), then git, else unknown."""
    env = os.environ
    commit = env.get("GITHUB_SHA") or None
    branch = env.get("GITHUB_HEAD_REF") or env.get("GITHUB_REF_NAME") or None
    when: float | None = None
    try:
        commit = commit or text(["rev-parse", "HEAD"], cwd=cwd)
        if branch is None:
            name = text(["rev-parse", "--abbrev-ref", "HEAD"], cwd=cwd)
            branch = None if name == "HEAD" else name
        when = float(text(["show", "-s", "--format=%ct", commit], cwd=cwd))
    except (GitFailed, UserError, ValueError):
        pass  # outside git (or the commit is not in a shallow clone): keep what we know
    return GitInfo(commit=commit, branch=branch, time=when)


def _private_ref(branch: str) -> str:
    return f"refs/locust-gate/{branch}"


def fetch(root: Path, spec: StoreSpec) -> str | None:
    """Fetch the data branch into the private ref; its tip, or None if it does not exist."""
    branch, remote = spec.branch, spec.remote
    try:
        listed = text(["ls-remote", "--heads", remote, f"refs/heads/{branch}"], cwd=root,
                       timeout=NETWORK_TIMEOUT)
        if not listed:
            return None
        git(["fetch", "--quiet", "--no-tags", "--no-write-fetch-head", remote,
             f"+refs/heads/{branch}:{_private_ref(branch)}"], cwd=root, timeout=NETWORK_TIMEOUT)
        return text(["rev-parse", _private_ref(branch)], cwd=root)
    except GitFailed as exc:
        raise UserError(
            f"cannot fetch the data branch {branch} from {spec.remote_label}: {exc.first_line}",
            where=f"store {spec.text}",
            fix=exc.fix(f"check that the remote {spec.remote_label!r} exists (git remote -v) "
                        "and that this job may read it"),
        ) from None


def _export(root: Path, tip: str, into: Path, spec: StoreSpec) -> None:
    """Write the tree of `tip` into `into`, after checking every member: plain files and
    folders of a data branch's layout only (no links, nothing of a code branch)."""
    data = git(["archive", "--format=tar", tip], cwd=root)
    try:
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            for member in tar.getmembers():
                _check_member(member, spec)
            tar.extractall(into, filter="data")
    except tarfile.TarError as exc:  # the checks above make this a damaged archive
        raise UserError(f"cannot read the data branch {spec.branch}: {exc}",
                        where=f"store {spec.text}", fix=_NOT_DATA_FIX) from None


_NOT_DATA_FIX = (
    "a data branch holds only index.json and runs/<branch>/<entry>.json, written by "
    "locust-gate: name a branch of its own (git:locust-gate-data, created on the first "
    "save), or remove the other files from that branch"
)


def _check_member(member: tarfile.TarInfo, spec: StoreSpec) -> None:
    name = member.name.rstrip("/")
    if member.issym() or member.islnk():
        raise linked(spec, f"{name} (on the data branch {spec.branch})",
                     f"remove the link from the branch {spec.branch}")
    parts = name.split("/")
    if member.isdir():
        ours = parts[0] == RUNS_DIR and len(parts) <= 2  # runs/ or runs/<branch>
    else:
        ours = member.isfile() and (
            name == INDEX or (parts[0] == RUNS_DIR and len(parts) == 3)  # runs/<branch>/<entry>
        )
    if not ours:
        raise UserError(
            f"the branch {spec.branch} is not a locust-gate data branch: it holds {name}, "
            "which locust-gate did not write (is it a code branch?)",
            where=f"store {spec.text}",
            fix=_NOT_DATA_FIX + "; nothing was written or pushed",
        )


@contextmanager
def checkout(spec: StoreSpec) -> Iterator[Path]:
    """The data branch's current tree in a temporary directory (empty if no branch yet)."""
    root = repo_root()
    with _failures(spec, "read the data branch"), tempfile.TemporaryDirectory(
        prefix="locust-gate-store-"
    ) as tmp:
        tip = fetch(root, spec)
        if tip is not None:
            _export(root, tip, Path(tmp), spec)
        yield Path(tmp)


@contextmanager
def _failures(spec: StoreSpec, doing: str) -> Iterator[None]:
    """git failing locally (a full disk, a damaged repository) or the disk failing under
    the temporary tree: the user's to fix (exit 2), with git's first line."""
    try:
        yield
    except GitFailed as exc:
        raise exc.user_error(spec, doing) from None
    except OSError as exc:
        raise UserError(
            f"cannot {doing}: {exc.strerror or exc}",
            where=f"store {spec.text}" + (f", {exc.filename}" if exc.filename else ""),
            fix="free space on the disk (also under TMPDIR) and rerun; the runs stored "
            "before are unchanged",
        ) from None


def transaction(
    spec: StoreSpec, change: Callable[[Path], T], message: Callable[[T], str]
) -> T:
    """Fetch, apply `change` to the tree, commit and push; redo on a rejected push."""
    root = repo_root()
    for attempt in range(1, PUSH_ATTEMPTS + 1):
        with _failures(spec, "save to the data branch"), tempfile.TemporaryDirectory(
            prefix="locust-gate-store-"
        ) as tmp:
            tree_dir = Path(tmp) / "tree"
            tree_dir.mkdir()
            tip = fetch(root, spec)
            if tip is not None:
                _export(root, tip, tree_dir, spec)
            result = change(tree_dir)
            commit = _commit(root, tree_dir, Path(tmp) / "index", tip, message(result))
            refused = None if commit is None else _push(root, spec, commit)
            if refused is None:
                return result
        pause = min(random.uniform(0.1, 0.6) * attempt, MAX_PAUSE)
        sys.stderr.write(
            f"locust-gate: another job saved to {spec.text} at the same time; fetching "
            f"and retrying ({attempt + 1}/{PUSH_ATTEMPTS}) in {pause:.1f} s\n"
        )
        time.sleep(pause)
    raise UserError(
        f"could not push to the data branch {spec.branch}: {PUSH_ATTEMPTS} attempts were "
        f"rejected because other jobs kept saving (git: {refused})",
        where=f"store {spec.text}",
        fix="rerun the job; nothing was lost or overwritten",
    )


def _commit(root: Path, tree_dir: Path, index: Path, tip: str | None, message: str) -> str | None:
    """Commit `tree_dir` on top of `tip` (an orphan commit without one); None if unchanged."""
    env = {"GIT_INDEX_FILE": str(index), "GIT_WORK_TREE": str(tree_dir)}
    git(["add", "--all", "--force", "."], cwd=tree_dir, env={**env, "GIT_DIR": _git_dir(root)})
    tree = text(["write-tree"], cwd=root, env=env)
    if tip is not None and tree == text(["rev-parse", f"{tip}^{{tree}}"], cwd=root):
        return None
    identity = {k: v for k, v in _IDENTITY.items() if k not in os.environ}
    parents = ["-p", tip] if tip is not None else []
    return text(["commit-tree", tree, *parents, "-m", message], cwd=root, env=identity)


def _git_dir(root: Path) -> str:
    return str(Path(text(["rev-parse", "--absolute-git-dir"], cwd=root)))


def _push(root: Path, spec: StoreSpec, commit: str) -> str | None:
    """Push without force. None when it landed; git's first line when another job was
    first (the caller fetches and redoes the change)."""
    try:
        git(["push", "--quiet", "--no-verify", spec.remote, f"{commit}:refs/heads/{spec.branch}"],
            cwd=root, timeout=NETWORK_TIMEOUT)
    except GitFailed as exc:
        if "rejected" in exc.stderr or "failed to update ref" in exc.stderr or exc.locked:
            return exc.first_line
        raise UserError(
            f"cannot push to the data branch {spec.branch} of {spec.remote_label}: "
            f"{exc.first_line}",
            where=f"store {spec.text}",
            fix=exc.fix("the job needs write access: in GitHub Actions give the workflow "
                        "`permissions: contents: write` (the job token is used as "
                        "actions/checkout left it)"),
        ) from None
    with contextlib.suppress(GitFailed):  # the run has landed; the next fetch updates it
        git(["update-ref", _private_ref(spec.branch), commit], cwd=root)
    return None
