"""Pure decisions about the one sticky comment: its hidden marker, the state it records,
whose it is, and what a run does to it (create, edit, hide and replace, or nothing) in
each mode.

The marker carries the comment id, so two gates on one pull request keep two comments
(and two profiles of one gate: the default id names the profile, `default_id`);
the state is a digest of the verdict and every check's outcome, so `on-change` can tell
whether anything a reviewer cares about changed without parsing our own Markdown back.
Anyone who can comment on a pull request can paste a marker and a state: a comment is
ours only when the token's own identity wrote it (`is_ours`), and no body we post can
hold a second marker (`compose` makes every `<!--` in it text).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from gate.errors import UserError
from gate.github.api import Author, Existing
from gate.reports.review import COMMENT_LIMIT

_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_STATE = re.compile(r"<!-- locust-gate:state ([0-9a-f]{16}) -->")
# A GitHub App's bot is `<app-slug>[bot]`; a person's login cannot hold `[`.
_BOT_LOGIN = re.compile(r"([A-Za-z0-9][A-Za-z0-9-]{0,99})(\[bot\])?")
DEFAULT_ID = "default"
DEFAULT_BOT = "github-actions[bot]"  # who a workflow's GITHUB_TOKEN posts as


class Mode(StrEnum):
    ALWAYS = "always"  # create or edit on every run
    ON_CHANGE = "on-change"  # edit only when the verdict or a check's outcome changed
    ON_FAILURE = "on-failure"  # create only for a failing run; an existing one is kept current
    NEVER = "never"  # no comment, no API call


class Action(StrEnum):
    CREATE = "create"
    EDIT = "edit"
    REPLACE = "replace"  # hide the old comment (GraphQL minimizeComment), post a new one
    SKIP = "skip"


@dataclass(frozen=True, kw_only=True)
class Decision:
    action: Action
    why: str


def is_id(text: str) -> bool:
    return _ID.fullmatch(text) is not None


def default_id(profile: str | None) -> str:
    """The comment id when none is given: one per profile (`default-stress`), so that two
    profiles' runs on one pull request keep two comments; `default` without a profile."""
    return check_id(f"{DEFAULT_ID}-{profile}") if profile else DEFAULT_ID


def check_id(comment_id: str) -> str:
    if not _ID.fullmatch(comment_id):
        raise UserError(
            f"invalid comment id {comment_id!r}",
            where="--comment-id",
            fix="use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit",
        )
    return comment_id


def bot_login(name: str) -> str:
    """The login an installation token posts as: `my-app` or `my-app[bot]` for a GitHub
    App's token, `github-actions[bot]` (the default) for a workflow's GITHUB_TOKEN."""
    found = _BOT_LOGIN.fullmatch(name.strip())
    if not found:
        raise UserError(
            f"invalid bot login {name!r}", where="--bot-login (LOCUST_GATE_BOT_LOGIN)",
            fix="name the GitHub App whose token posts the comment, e.g. my-app or "
                "my-app[bot]; leave it empty for a workflow's GITHUB_TOKEN")
    return f"{found.group(1)}[bot]"


def is_ours(author: Author, me: Author) -> bool:
    """Whether `author` is the token's own identity `me`: the same login and kind, and
    the same id when GitHub told us ours (a bot named by login has none)."""
    if author.login.casefold() != me.login.casefold() or author.bot != me.bot:
        return False
    return me.id is None or author.id == me.id


def marker(comment_id: str) -> str:
    return f"<!-- locust-gate:comment id={check_id(comment_id)} -->"


def state_digest(verdict: Mapping[str, Any]) -> str:
    """A digest of what `on-change` compares: the verdict and each check's outcome
    (not the measured values, which change on every run)."""
    parts = [str(verdict.get("verdict"))]
    checks = verdict.get("checks") or []
    parts.extend(sorted(
        "\x1f".join(str(c.get(k)) for k in ("scope", "endpoint", "metric", "outcome", "level"))
        for c in checks if isinstance(c, Mapping)
    ))
    return hashlib.sha256("\x1e".join(parts).encode()).hexdigest()[:16]


def compose(body: str, *, comment_id: str, state: str) -> str:
    """The comment: our marker and state first (hidden), then the body, within GitHub's
    65,536 characters. Every `<!--` in the body becomes text (`&lt;!--`), so no marker,
    nested or split, survives in it: a body cannot pose as another gate's comment.
    (Replacing never makes a new `<!--`: what replaces one starts with `&`.)"""
    head = f"{marker(comment_id)}\n<!-- locust-gate:state {state} -->\n"
    body = body.replace("<!--", "&lt;!--")
    room = COMMENT_LIMIT - len(head)
    if len(body) > room:
        note = "\n\n> [!NOTE]\n> Cut at GitHub's limit of 65,536 characters.\n"
        body = body[: room - len(note)] + note
    return head + body


def state_of(body: str) -> str | None:
    found = _STATE.search(body)
    return found.group(1) if found else None


def find(comments: Iterable[Existing], comment_id: str, me: Author,
         ) -> tuple[Existing | None, list[Existing]]:
    """Our earlier comment (the first with our marker that `me` wrote), if any, and the
    comments with our marker that someone else wrote: those are never edited, hidden or
    read for their state."""
    mark = marker(comment_id)
    ours: Existing | None = None
    others: list[Existing] = []
    for comment in comments:
        if mark not in comment.body:
            continue
        if not is_ours(comment.author, me):
            others.append(comment)
        elif ours is None:
            ours = comment
    return ours, others


def plan_comment(*, mode: Mode, failing: bool, existing_state: str | None, exists: bool,
           state: str, replace: bool) -> Decision:
    """What to do with the comment. `existing_state` is the state recorded in our earlier
    comment, when there is one (`exists`)."""
    if mode is Mode.NEVER:
        return Decision(action=Action.SKIP, why="--mode never")
    if not exists:
        if mode is Mode.ON_FAILURE and not failing:
            return Decision(action=Action.SKIP, why="--mode on-failure and the gate did not fail")
        return Decision(action=Action.CREATE, why="no earlier comment")
    if mode is Mode.ON_CHANGE and existing_state == state:
        return Decision(action=Action.SKIP,
                        why="--mode on-change and neither the verdict nor any outcome changed")
    # on-failure keeps an existing comment current, so a fixed run does not leave a stale
    # failure on the pull request.
    return Decision(action=Action.REPLACE if replace else Action.EDIT, why="an earlier comment")
