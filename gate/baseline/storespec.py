"""The store a user names, read once at the edge into a typed `StoreSpec`.

One string names a store the same everywhere (CLI flags, locust-gate.yml, the Action):

- `path/to/baseline.json` — one run, e.g. committed in the user's repository;
- `path/to/dir/` (or any existing directory) — a history of runs, e.g. an artifact or a
  cache (`gate.baseline.layout` has its tree);
- `git:BRANCH` / `git:BRANCH@REMOTE` / `git:` — a data branch (default
  `locust-gate-data`) of the current repository's `origin` (or REMOTE); see
  `gate.baseline.gitstore`.

`parse_spec` is called where the string enters (the click type `STORE` of the commands,
the `run` settings' validator); everything after carries the `StoreSpec`. A store string
may carry credentials (`git:BRANCH@https://user:TOKEN@host/repo.git`): `redact` strips
them wherever the string becomes text (`StoreSpec.text`), and in GitHub Actions the
secret is masked before anything is printed. Standard library only: the CLI's start-up
and the settings table import it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from urllib.parse import unquote

from gate.errors import UserError

DEFAULT_DATA_BRANCH = "locust-gate-data"
DEFAULT_REMOTE = "origin"
DEFAULT_KEEP = 20  # runs kept per source branch when a save is not given --keep / keep:


class Kind(StrEnum):
    FILE = "file"
    DIR = "dir"
    GIT = "git"


@dataclass(frozen=True, kw_only=True)
class StoreSpec:
    text: str  # as the user wrote it, credentials removed: for messages and BaselineRef.store
    kind: Kind
    path: Path | None = None  # FILE and DIR
    branch: str = DEFAULT_DATA_BRANCH  # GIT
    # GIT, as given, credentials included: only git sees it (and no repr shows it)
    remote: str = field(default=DEFAULT_REMOTE, repr=False)

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
