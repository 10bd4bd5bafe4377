"""The git data branch: the one module that runs git (every call has a timeout).

The store is an orphan branch (default `locust-gate-data`) of the current repository's
remote. Nothing here touches the user's working tree, index or branches: the branch is
fetched into a private ref (`refs/locust-gate/<branch>`), its tree is exported into a
temporary directory, changed there (`gate.baseline.store.DirStore`), and committed with
a temporary index file and `git commit-tree`.

Saving is safe under concurrency: fetch, change, commit on top of the fetched tip, push
without force; a rejected push (another job saved first) means fetch and redo the change
on the new tip, at most `PUSH_ATTEMPTS` times. Nobody's entry is ever overwritten: the
redo sees the other job's files. It works from a shallow checkout (the data branch is an
unrelated history, fetched whole, and small) and with the job token that
`actions/checkout` leaves in the repository's git config.
"""

from __future__ import annotations

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

from gate.baseline.store import StoreSpec
from gate.baseline.stored import GitInfo
from gate.errors import UserError

T = TypeVar("T")

LOCAL_TIMEOUT = 30.0  # seconds, for commands that do not touch the network
NETWORK_TIMEOUT = 120.0  # fetch, ls-remote, push
PUSH_ATTEMPTS = 5
_IDENTITY = {
    "GIT_AUTHOR_NAME": "locust-gate",
    "GIT_AUTHOR_EMAIL": "locust-gate@users.noreply.github.com",
    "GIT_COMMITTER_NAME": "locust-gate",
    "GIT_COMMITTER_EMAIL": "locust-gate@users.noreply.github.com",
}


class GitFailed(Exception):
    def __init__(self, args: list[str], code: int, stderr: str) -> None:
        super().__init__(f"git {' '.join(args)} exited {code}: {stderr.strip()}")
        self.stderr = stderr


def git(
    args: list[str],
    *,
    cwd: Path | None = None,
    timeout: float = LOCAL_TIMEOUT,
    input: bytes | None = None,
    env: Mapping[str, str] | None = None,
) -> bytes:
    """Run git; return stdout. Raises GitFailed on a non-zero exit, UserError on a timeout."""
    full_env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", **(env or {})}
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
            where=f"git {' '.join(args)}",
            fix="check the network and the remote's URL; rerun the job",
        ) from None
    if done.returncode != 0:
        raise GitFailed(args, done.returncode, done.stderr.decode("utf-8", "replace"))
    return done.stdout


def _text(
    args: list[str],
    *,
    cwd: Path | None = None,
    timeout: float = LOCAL_TIMEOUT,
    env: Mapping[str, str] | None = None,
) -> str:
    return git(args, cwd=cwd, timeout=timeout, env=env).decode("utf-8", "replace").strip()


def repo_root(cwd: Path | None = None) -> Path:
    try:
        return Path(_text(["rev-parse", "--show-toplevel"], cwd=cwd))
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
        commit = commit or _text(["rev-parse", "HEAD"], cwd=cwd)
        if branch is None:
            name = _text(["rev-parse", "--abbrev-ref", "HEAD"], cwd=cwd)
            branch = None if name == "HEAD" else name
        when = float(_text(["show", "-s", "--format=%ct", commit], cwd=cwd))
    except (GitFailed, UserError, ValueError):
        pass  # outside git (or the commit is not in a shallow clone): keep what we know
    return GitInfo(commit=commit, branch=branch, time=when)


def _private_ref(branch: str) -> str:
    return f"refs/locust-gate/{branch}"


def fetch(root: Path, remote: str, branch: str, store: str) -> str | None:
    """Fetch the data branch into the private ref; its tip, or None if it does not exist."""
    try:
        listed = _text(["ls-remote", "--heads", remote, f"refs/heads/{branch}"], cwd=root,
                       timeout=NETWORK_TIMEOUT)
        if not listed:
            return None
        git(["fetch", "--quiet", "--no-tags", "--no-write-fetch-head", remote,
             f"+refs/heads/{branch}:{_private_ref(branch)}"], cwd=root, timeout=NETWORK_TIMEOUT)
        return _text(["rev-parse", _private_ref(branch)], cwd=root)
    except GitFailed as exc:
        raise UserError(
            f"cannot fetch the data branch {branch} from {remote}: {_last_line(exc.stderr)}",
            where=f"store {store}",
            fix=f"check that the remote {remote!r} exists (git remote -v) and that this job "
            "may read it",
        ) from None


def _export(root: Path, tip: str, into: Path) -> None:
    """Write the tree of `tip` into `into` (safe extraction: no links, no absolute paths)."""
    data = git(["archive", "--format=tar", tip], cwd=root)
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(into, filter="data")


@contextmanager
def checkout(spec: StoreSpec) -> Iterator[Path]:
    """The data branch's current tree in a temporary directory (empty if no branch yet)."""
    root = repo_root()
    with tempfile.TemporaryDirectory(prefix="locust-gate-store-") as tmp:
        tip = fetch(root, spec.remote, spec.branch, spec.text)
        if tip is not None:
            _export(root, tip, Path(tmp))
        yield Path(tmp)


def transaction(
    spec: StoreSpec, change: Callable[[Path], T], message: Callable[[T], str]
) -> T:
    """Fetch, apply `change` to the tree, commit and push; redo on a rejected push."""
    root = repo_root()
    for attempt in range(1, PUSH_ATTEMPTS + 1):
        with tempfile.TemporaryDirectory(prefix="locust-gate-store-") as tmp:
            tree_dir = Path(tmp) / "tree"
            tree_dir.mkdir()
            tip = fetch(root, spec.remote, spec.branch, spec.text)
            if tip is not None:
                _export(root, tip, tree_dir)
            result = change(tree_dir)
            commit = _commit(root, tree_dir, Path(tmp) / "index", tip, message(result))
            if commit is None or _push(root, spec, commit):
                return result
        pause = random.uniform(0.2, 1.0) * attempt
        sys.stderr.write(
            f"locust-gate: another job saved to {spec.text} at the same time; fetching "
            f"and retrying ({attempt + 1}/{PUSH_ATTEMPTS}) in {pause:.1f} s\n"
        )
        time.sleep(pause)
    raise UserError(
        f"could not push to the data branch {spec.branch}: {PUSH_ATTEMPTS} attempts were "
        "rejected because other jobs kept saving",
        where=f"store {spec.text}",
        fix="rerun the job; nothing was lost or overwritten",
    )


def _commit(root: Path, tree_dir: Path, index: Path, tip: str | None, message: str) -> str | None:
    """Commit `tree_dir` on top of `tip` (an orphan commit without one); None if unchanged."""
    env = {"GIT_INDEX_FILE": str(index), "GIT_WORK_TREE": str(tree_dir)}
    git(["add", "--all", "--force", "."], cwd=tree_dir, env={**env, "GIT_DIR": _git_dir(root)})
    tree = _text(["write-tree"], cwd=root, env=env)
    if tip is not None and tree == _text(["rev-parse", f"{tip}^{{tree}}"], cwd=root):
        return None
    identity = {k: v for k, v in _IDENTITY.items() if k not in os.environ}
    parents = ["-p", tip] if tip is not None else []
    return _text(["commit-tree", tree, *parents, "-m", message], cwd=root, env=identity)


def _git_dir(root: Path) -> str:
    return str(Path(_text(["rev-parse", "--absolute-git-dir"], cwd=root)))


def _push(root: Path, spec: StoreSpec, commit: str) -> bool:
    """Push without force. True when it landed, False when another job was first."""
    try:
        git(["push", "--quiet", "--no-verify", spec.remote, f"{commit}:refs/heads/{spec.branch}"],
            cwd=root, timeout=NETWORK_TIMEOUT)
    except GitFailed as exc:
        if "rejected" in exc.stderr or "failed to update ref" in exc.stderr:
            return False
        raise UserError(
            f"cannot push to the data branch {spec.branch} of {spec.remote}: "
            f"{_last_line(exc.stderr)}",
            where=f"store {spec.text}",
            fix="the job needs write access: in GitHub Actions give the workflow "
            "`permissions: contents: write` (the job token is used as actions/checkout "
            "left it)",
        ) from None
    git(["update-ref", _private_ref(spec.branch), commit], cwd=root)
    return True


def _last_line(stderr: str) -> str:
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "(no message)"
