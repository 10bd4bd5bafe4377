"""Which pull request (if any) a run belongs to, from the event payload the runner wrote.

Pure: the payload is passed in as a mapping.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

PR_EVENTS = frozenset({"pull_request", "pull_request_target"})


@dataclass(frozen=True, kw_only=True)
class PullRequest:
    number: int
    head_sha: str
    fork: bool  # the head is another repository (a fork), or the fork was deleted
    # The base branch's commit the pull request was opened against (`compare: base-ref`);
    # None when the payload has no full commit SHA there.
    base_sha: str | None = None


@dataclass(frozen=True, kw_only=True)
class WorkflowRun:
    """A `workflow_run` event: the finished run whose artifact is to be posted."""

    id: int | None  # the run's id (links to it); None when the payload has no usable one
    head_sha: str
    head_repository: str | None
    event: str  # the event of the finished run ("pull_request" for the fork-safe flow)
    conclusion: str | None


def pull_request(event_name: str, payload: Mapping[str, Any]) -> PullRequest | None:
    """The pull request of a pull_request event; None for every other event."""
    if event_name not in PR_EVENTS:
        return None
    pr = payload.get("pull_request")
    if not isinstance(pr, Mapping):
        return None
    number = payload.get("number", pr.get("number"))
    head = pr.get("head")
    base = pr.get("base")
    head = head if isinstance(head, Mapping) else {}
    base = base if isinstance(base, Mapping) else {}
    sha = head.get("sha")
    if not isinstance(number, int) or not isinstance(sha, str):
        return None
    head_repo = _full_name(head.get("repo"))
    base_repo = _full_name(base.get("repo"))
    base_sha = base.get("sha")
    return PullRequest(number=number, head_sha=sha,
                       fork=head_repo is None or head_repo != base_repo,
                       base_sha=base_sha if isinstance(base_sha, str)
                       and re.fullmatch(r"[0-9a-f]{40}", base_sha) else None)


def workflow_run(event_name: str, payload: Mapping[str, Any]) -> WorkflowRun | None:
    if event_name != "workflow_run":
        return None
    run = payload.get("workflow_run")
    if not isinstance(run, Mapping) or not isinstance(run.get("head_sha"), str):
        return None
    run_id = run.get("id")
    usable_id = isinstance(run_id, int) and not isinstance(run_id, bool) and 0 < run_id < 2**63
    return WorkflowRun(
        id=run_id if usable_id else None,
        head_sha=run["head_sha"],
        head_repository=_full_name(run.get("head_repository")),
        event=str(run.get("event", "")),
        conclusion=run.get("conclusion") if isinstance(run.get("conclusion"), str) else None,
    )


def _full_name(repo: Any) -> str | None:
    if isinstance(repo, Mapping) and isinstance(repo.get("full_name"), str):
        return str(repo["full_name"])
    return None
