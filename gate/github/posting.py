"""`locust-gate comment`: put the report in front of reviewers as one sticky PR comment.

The flow (the decisions are pure, in `sticky`, `event`; the I/O is passed in):
find the pull request from the event (no pull request: no API call at all), read the
report dir, list the comments through every page to find ours by its marker, then create,
edit, or hide and replace it, per `--mode`. A comment that cannot be posted (a fork's
read-only token, 403, 404, 422, GitHub down) is a warning annotation plus the full report
in the job summary, and exit 0: commenting never changes the gate's outcome.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from gate.errors import UserError, location
from gate.files import jsontext
from gate.github import event, sticky
from gate.github.api import ApiError, GitHubApi
from gate.github.runner import (
    Runner,
    append_summary,
    command,
    emit,
    summary_room,
    write_outputs,
)
from gate.reports import escape
from gate.reports.review import SUMMARY_LIMIT

COMMENT_FILE = "comment.md"
PULL_REQUEST_FILE = "pull-request.json"
VERDICT_FILE = "verdict.json"
FORK_HELP = (
    "A pull request from a fork gets a read-only GITHUB_TOKEN. To comment on fork pull "
    "requests, upload the report dir as an artifact and post it from a workflow_run "
    "workflow with `locust-gate comment --from-artifact DIR` (see the README). The full "
    "report is in this job's summary."
)


@dataclass(frozen=True, kw_only=True)
class Request:
    report_dir: Path
    comment_id: str
    mode: sticky.Mode
    token: str
    replace: bool  # hide the old comment and post a new one instead of editing
    from_artifact: bool


ApiFactory = Callable[..., GitHubApi]


def comment(  # noqa: PLR0911 (one early return per case that posts nothing)
    request: Request, *, env: Mapping[str, str], out: TextIO,
    api_factory: ApiFactory = GitHubApi,
) -> int:
    """Post or update the comment; the exit code is 0 unless the input is unusable."""
    sticky.check_id(request.comment_id)
    runner = Runner.from_env(env)
    body, verdict = _read_report(request.report_dir)
    if request.mode is sticky.Mode.NEVER:
        out.write("locust-gate: --mode never: no comment\n")
        return 0
    try:
        number, expected_head = _target(request, runner)
    except _Refused as refused:
        _refuse(out, str(refused))
        return 0
    if number is None:
        out.write(f"locust-gate: not a pull request (event {runner.event_name or 'none'}): "
                  "no comment; the report is in the job summary\n")
        return 0
    if not request.token:
        _cannot(out, runner, body, "no token: pass --token or set GITHUB_TOKEN "
                "(with `permissions: pull-requests: write`)", title="no GitHub token")
        return 0
    if not runner.repository:
        _cannot(out, runner, body, "GITHUB_REPOSITORY is not set", title="no repository")
        return 0
    api = api_factory(api_url=runner.api_url, token=request.token, repository=runner.repository)
    try:
        if expected_head is not None and not _verify(api, number, expected_head, out):
            return 0
        _post(api, request, number=number, body=body, verdict=verdict, out=out, runner=runner)
    except ApiError as error:
        if error.forbidden:
            _cannot(out, runner, body, f"GitHub answered {error.status} "
                    f"({error.message}). {FORK_HELP}", title="cannot comment on this pull request")
        else:
            _cannot(out, runner, body, f"GitHub answered {error.status or 'nothing'} "
                    f"({error.message}); the comment was not posted", title="comment not posted")
    finally:
        api.close()
    return 0


def _read_report(report_dir: Path) -> tuple[str, Mapping[str, Any]]:
    verdict_path = report_dir / VERDICT_FILE
    try:
        verdict = jsontext.loads(verdict_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"no {VERDICT_FILE} in {report_dir}", where=str(report_dir),
                        fix="pass the --report-dir of `locust-gate check` or `run`") from None
    except jsontext.JsonProblem as exc:
        raise UserError(f"{verdict_path} cannot be used: {exc.what}",
                        where=location(str(verdict_path), key=exc.key),
                        fix=_REPORT_FIX) from None
    except (OSError, ValueError) as exc:
        raise UserError(f"cannot read {verdict_path}: {exc}", where=str(verdict_path),
                        fix=_REPORT_FIX) from None
    if not isinstance(verdict, dict):
        raise UserError(f"{verdict_path} is not a verdict", where=str(verdict_path))
    comment_path = report_dir / COMMENT_FILE
    if comment_path.is_file():
        body = comment_path.read_text(encoding="utf-8")
    else:  # a harness error writes verdict.json only
        reasons = "; ".join(str(r) for r in verdict.get("reasons", []))[:2000]
        body = (f"## 💥 Load test gate: **{str(verdict.get('verdict', 'error')).upper()}**\n\n"
                f"{escape.markdown(reasons, limit=2000)}\n")
    return body, verdict


def _target(request: Request, runner: Runner) -> tuple[int | None, str | None]:
    """The pull request number, and for --from-artifact the head SHA it must have.
    Raises `_Refused` when the artifact does not belong to the workflow run."""
    payload = _payload(runner)
    if not request.from_artifact:
        pr = event.pull_request(runner.event_name, payload)
        return (pr.number, None) if pr else (None, None)
    run = event.workflow_run(runner.event_name, payload)
    if run is None:
        raise UserError(
            f"--from-artifact runs in a workflow_run workflow; this event is "
            f"{runner.event_name or 'unknown'}",
            fix="call it from `on: workflow_run` (see the README: comments on fork PRs)")
    path = request.report_dir / PULL_REQUEST_FILE
    if not path.is_file() and run.event not in event.PR_EVENTS:
        return None, None  # the finished run was not for a pull request
    try:
        data = jsontext.loads(path.read_text(encoding="utf-8"))
        number, head_sha = data["number"], data["head_sha"]
    except (OSError, ValueError, KeyError, TypeError):
        raise UserError(f"no usable {PULL_REQUEST_FILE} in the artifact {request.report_dir}",
                        where=str(path),
                        fix="the first workflow runs `locust-gate check`/`run` on pull_request "
                            "in Actions, which writes it into the report dir") from None
    if not isinstance(number, int) or isinstance(number, bool) or number <= 0:
        raise _Refused(f"the artifact's pull request number {number!r} is not a number")
    if head_sha != run.head_sha:
        raise _Refused(f"the artifact's head SHA {str(head_sha)[:40]!r} is not the head "
                       f"{run.head_sha} the workflow run was made for")
    return number, run.head_sha


_REPORT_FIX = ("pass the --report-dir written by `locust-gate check` or `run` (or the artifact "
               "holding it), unmodified")
_EVENT_FIX = ("run `comment` in the GitHub Actions job whose event it is; GITHUB_EVENT_PATH "
              "must be the payload GitHub wrote")


class _Refused(Exception):
    """The artifact does not belong to the workflow run or pull request: no comment."""


def _payload(runner: Runner) -> Mapping[str, Any]:
    if runner.event_path is None:
        return {}
    try:
        data = jsontext.loads(runner.event_path.read_text(encoding="utf-8"))
    except jsontext.JsonProblem as exc:
        place = location(str(runner.event_path), key=exc.key)
        raise UserError(f"the event payload {runner.event_path} cannot be used: {exc.what}",
                        where=f"GITHUB_EVENT_PATH ({place})",
                        fix=_EVENT_FIX) from None
    except (OSError, ValueError) as exc:
        raise UserError(f"cannot read the event payload {runner.event_path}: {exc}",
                        where="GITHUB_EVENT_PATH", fix=_EVENT_FIX) from None
    return data if isinstance(data, dict) else {}


def _verify(api: GitHubApi, number: int, head_sha: str, out: TextIO) -> bool:
    """Never trust the artifact alone: the pull request it names must have the head the
    workflow run was made for (a new push since also refuses: its own run will comment)."""
    pull = api.pull(number)
    if pull.head_sha == head_sha:
        return True
    _refuse(out, f"pull request #{number} has head {pull.head_sha}, but the workflow run "
            f"was for {head_sha}: the artifact does not belong to this pull request (or it "
            "was pushed to since, and that run comments)")
    return False


def _refuse(out: TextIO, why: str) -> None:
    emit([command("warning", f"refused: {why}. No comment.",
                      title="locust-gate: comment refused")], out)


def _post(api: GitHubApi, request: Request, *, number: int, body: str,
          verdict: Mapping[str, Any], out: TextIO, runner: Runner) -> None:
    state = sticky.state_digest(verdict)
    text = sticky.compose(body, comment_id=request.comment_id, state=state)
    if request.from_artifact:
        text = _defang_mentions(text)
    bodies = {c.id: c.body for c in api.comments(number)}
    found = sticky.find(bodies.items(), request.comment_id)
    existing_state = sticky.state_of(bodies[found]) if found is not None else None
    decision = sticky.decide(
        mode=request.mode,
        failing=str(verdict.get("verdict")) in ("fail", "error"),
        existing_state=existing_state,
        exists=found is not None,
        state=state,
        replace=request.replace,
    )
    url = ""
    if decision.action is sticky.Action.SKIP:
        out.write(f"locust-gate: comment not changed: {decision.why}\n")
        return
    if decision.action is sticky.Action.EDIT and found is not None:
        url = api.edit(found, text)
        out.write(f"locust-gate: comment updated: {url}\n")
    elif decision.action is sticky.Action.REPLACE and found is not None:
        api.minimize(found)
        url = api.create(number, text)
        out.write(f"locust-gate: old comment hidden, new comment: {url}\n")
    else:
        url = api.create(number, text)
        out.write(f"locust-gate: comment created: {url}\n")
    if runner.in_actions and runner.output is not None:
        write_outputs(runner.output, {"comment-url": url})


def _defang_mentions(text: str) -> str:
    """An artifact comes from a run we do not control (a fork): make sure no @mention in
    it pings anyone (a zero-width space after every @)."""
    return text.replace("@", "@\u200b").replace("@\u200b\u200b", "@\u200b")


def _cannot(out: TextIO, runner: Runner, body: str, why: str, *, title: str) -> None:
    """The comment could not be posted: say why (a warning annotation) and put the full
    report in the job summary instead."""
    emit([command("warning", why, title=f"locust-gate: {title}")], out)
    if runner.step_summary is not None:
        room = summary_room(runner.step_summary, SUMMARY_LIMIT)
        if len(body.encode()) <= room:
            append_summary(runner.step_summary, body)
