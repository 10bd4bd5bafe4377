"""Pure decisions about the one sticky comment: its hidden marker, the state it records,
and what a run does to it (create, edit, hide and replace, or nothing) in each mode.

The marker carries the comment id, so two gates on one pull request keep two comments;
the state is a digest of the verdict and every check's outcome, so `on-change` can tell
whether anything a reviewer cares about changed without parsing our own Markdown back.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from gate.errors import UserError
from gate.reports.review import COMMENT_LIMIT

_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_STATE = re.compile(r"<!-- locust-gate:state ([0-9a-f]{16}) -->")
_ANY_MARKER = re.compile(r"<!-- locust-gate:[^>]*-->\n?")
DEFAULT_ID = "default"


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


def check_id(comment_id: str) -> str:
    if not _ID.fullmatch(comment_id):
        raise UserError(
            f"invalid comment id {comment_id!r}",
            where="--comment-id",
            fix="use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit",
        )
    return comment_id


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
    65,536 characters. Any marker already in the body is removed, so a body cannot pose
    as another gate's comment."""
    head = f"{marker(comment_id)}\n<!-- locust-gate:state {state} -->\n"
    body = _ANY_MARKER.sub("", body)
    room = COMMENT_LIMIT - len(head)
    if len(body) > room:
        note = "\n\n> [!NOTE]\n> Cut at GitHub's limit of 65,536 characters.\n"
        body = body[: room - len(note)] + note
    return head + body


def state_of(body: str) -> str | None:
    found = _STATE.search(body)
    return found.group(1) if found else None


def find(comments: Iterable[tuple[int, str]], comment_id: str) -> int | None:
    """The id of our earlier comment (the first with our marker), if any."""
    mark = marker(comment_id)
    for cid, body in comments:
        if mark in body:
            return cid
    return None


def decide(*, mode: Mode, failing: bool, existing_state: str | None, exists: bool,
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
