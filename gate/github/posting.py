"""`locust-gate comment`: put the report in front of reviewers as one sticky PR comment.

The flow (the decisions are pure, in `sticky`, `event`, `artifact`; the I/O is passed
in): read the report dir (an artifact from another run is re-rendered from its
verdict.json, `gate.github.artifact`), find the pull request from the event (no pull
request: no API call at all), ask who the token is, list the comments through every page
to find ours (our marker, written by the token's own identity: anyone can paste a
marker), then create, edit, or hide and replace it, per `--mode`. A comment that cannot
be posted (a bad token, a used-up rate limit, a fork's read-only token, 404, 422, GitHub
down) is a warning annotation that says which, plus the full report in the job summary,
and exit 0: commenting never changes the gate's outcome.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from gate.errors import UserError, location
from gate.files import jsontext
from gate.github import artifact, event, sticky
from gate.github.api import ApiError, Author, GitHubApi
from gate.github.runner import (
    Runner,
    append_summary,
    command,
    emit,
    summary_room,
    write_outputs,
)
from gate.reports import escape
from gate.reports.review import COMMENT_LIMIT, SUMMARY_LIMIT, Links, error_markdown

COMMENT_FILE = "comment.md"
VERDICT_FILE = artifact.VERDICT_FILE
FORK_HELP = (
    "A pull request from a fork gets a read-only GITHUB_TOKEN. To comment on fork pull "
    "requests, upload the report dir as an artifact and post it from a workflow_run "
    "workflow with `locust-gate comment --from-artifact DIR` (see the README)."
)
# What `sticky.compose` adds before the body: the re-rendered body leaves room for it.
_HEAD_ROOM = 200


@dataclass(frozen=True, kw_only=True)
class Request:
    report_dir: Path
    comment_id: str | None  # None: the default for the run's profile (`sticky.default_id`)
    mode: sticky.Mode
    token: str
    replace: bool  # hide the old comment and post a new one instead of editing
    from_artifact: bool
    bot_login: str = sticky.DEFAULT_BOT  # who an installation token posts as


@dataclass(frozen=True, kw_only=True)
class _Report:
    body: str
    state_source: Mapping[str, Any]  # what `sticky.state_digest` reads
    failing: bool


ApiFactory = Callable[..., GitHubApi]


def comment(  # noqa: PLR0911 (one early return per case that posts nothing)
    request: Request, *, env: Mapping[str, str], out: TextIO,
    api_factory: ApiFactory = GitHubApi,
) -> int:
    """Post or update the comment; the exit code is 0 unless the input is unusable."""
    if request.comment_id is not None:
        sticky.check_id(request.comment_id)
    bot = Author(login=sticky.bot_login(request.bot_login), id=None, bot=True)
    runner = Runner.from_env(env)
    run = _workflow_run(runner) if request.from_artifact else None
    report = _read_artifact(request.report_dir, runner, run) if run else _read_report(
        request.report_dir)
    if request.mode is sticky.Mode.NEVER:
        out.write("locust-gate: --mode never: no comment\n")
        return 0
    if request.comment_id is None:
        profile = artifact.profile_of(report.state_source)
        request = replace(request, comment_id=sticky.default_id(profile))
    try:
        number, expected_head = _target(request, runner, run)
    except _Refused as refused:
        _refuse(out, str(refused))
        return 0
    if number is None:
        out.write(f"locust-gate: not a pull request (event {runner.event_name or 'none'}): "
                  "no comment; the report is in the job summary\n")
        return 0
    if not request.token:
        _cannot(out, runner, report.body, "no token: pass --token or set GITHUB_TOKEN "
                "(with `permissions: pull-requests: write`)", title="no GitHub token")
        return 0
    if not runner.repository:
        _cannot(out, runner, report.body, "GITHUB_REPOSITORY is not set", title="no repository")
        return 0
    api = api_factory(api_url=runner.api_url, token=request.token, repository=runner.repository)
    try:
        if expected_head is not None and not _verify(api, number, expected_head, out):
            return 0
        me = api.me() or bot  # installation tokens may not ask: they post as the bot
        _post(api, request, number=number, report=report, me=me, out=out, runner=runner)
    except ApiError as error:
        title, why = _explain(error)
        _cannot(out, runner, report.body, why, title=title)
    finally:
        api.close()
    return 0


def _read_report(report_dir: Path) -> _Report:
    """Our own report dir (this job wrote it): comment.md as `check` rendered it."""
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
        error = verdict.get("error")
        error = error if isinstance(error, dict) else {}
        reasons = "; ".join(str(r) for r in verdict.get("reasons", []))
        body = error_markdown(stage=str(error.get("stage") or "run"),
                              what=str(error.get("message") or reasons),
                              fix=str(error.get("fix") or ""))
    failing = str(verdict.get("verdict")) in ("fail", "error")
    return _Report(body=body, state_source=verdict, failing=failing)


def _read_artifact(report_dir: Path, runner: Runner, run: event.WorkflowRun) -> _Report:
    """Another run's report dir (a pull request's code made it): re-rendered."""
    links = None
    if run.id is not None and runner.in_actions:
        links = Links.from_env({"GITHUB_SERVER_URL": runner.server_url,
                                "GITHUB_REPOSITORY": runner.repository,
                                "GITHUB_RUN_ID": str(run.id)})
    reading = artifact.read_verdict(report_dir, run=run, links=links,
                                    limit=COMMENT_LIMIT - _HEAD_ROOM)
    return _Report(body=reading.body, state_source=reading.state_source,
                   failing=reading.status.value in ("fail", "error"))


def _workflow_run(runner: Runner) -> event.WorkflowRun:
    run = event.workflow_run(runner.event_name, payload(runner))
    if run is None:
        raise UserError(
            f"--from-artifact runs in a workflow_run workflow; this event is "
            f"{runner.event_name or 'unknown'}",
            fix="call it from `on: workflow_run` (see the README: comments on fork PRs)")
    return run


def _target(request: Request, runner: Runner, run: event.WorkflowRun | None,
            ) -> tuple[int | None, str | None]:
    """The pull request number, and for --from-artifact the head SHA it must have.
    Raises `_Refused` when the artifact does not belong to the workflow run."""
    if run is None:
        pr = event.pull_request(runner.event_name, payload(runner))
        return (pr.number, None) if pr else (None, None)
    claim = artifact.read_pull(request.report_dir)
    if claim is None:
        if run.event not in event.PR_EVENTS:
            return None, None  # the finished run was not for a pull request
        raise UserError(f"no {artifact.PULL_REQUEST_FILE} in the artifact {request.report_dir}",
                        where=str(request.report_dir / artifact.PULL_REQUEST_FILE),
                        fix="the first workflow runs `locust-gate check`/`run` on pull_request "
                            "in Actions, which writes it into the report dir")
    if claim.head_sha != run.head_sha:
        raise _Refused(f"the artifact's head SHA {claim.head_sha} is not the head "
                       f"{run.head_sha} the workflow run was made for")
    return claim.number, run.head_sha


_REPORT_FIX = ("pass the --report-dir written by `locust-gate check` or `run` (or the artifact "
               "holding it), unmodified")
_EVENT_FIX = ("run `comment` in the GitHub Actions job whose event it is; GITHUB_EVENT_PATH "
              "must be the payload GitHub wrote")


class _Refused(Exception):
    """The artifact does not belong to the workflow run or pull request: no comment."""


def payload(runner: Runner) -> Mapping[str, Any]:
    """The event payload the runner wrote ({} without one); UserError when unreadable."""
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


def _post(api: GitHubApi, request: Request, *, number: int, report: _Report, me: Author,
          out: TextIO, runner: Runner) -> None:
    assert request.comment_id is not None  # `comment` chose the default
    state = sticky.state_digest(report.state_source)
    text = sticky.compose(report.body, comment_id=request.comment_id, state=state)
    found, others = sticky.find(api.comments(number), request.comment_id, me)
    if others:
        authors = ", ".join(sorted({escape.console(c.author.login, limit=60) for c in others}))
        out.write(f"locust-gate: ignored {len(others)} comment(s) with this gate's marker "
                  f"not written by {escape.console(me.login, limit=60)} (by {authors})\n")
    decision = sticky.plan_comment(
        mode=request.mode,
        failing=report.failing,
        existing_state=sticky.state_of(found.body) if found is not None else None,
        exists=found is not None,
        state=state,
        replace=request.replace,
    )
    if decision.action is sticky.Action.SKIP:
        out.write(f"locust-gate: comment not changed: {decision.why}\n")
        return
    if decision.action is sticky.Action.EDIT and found is not None:
        url = api.edit(found.id, text)
        out.write(f"locust-gate: comment updated: {url}\n")
    else:
        if decision.action is sticky.Action.REPLACE and found is not None:
            api.minimize(found.id)
        created = api.create(number, text)
        url = created.url
        what = "old comment hidden, new comment" if found is not None else "comment created"
        out.write(f"locust-gate: {what}: {url}\n")
        _check_author(created.author, me, out)
    if runner.in_actions and runner.output is not None:
        write_outputs(runner.output, {"comment-url": url})


def _check_author(author: Author, me: Author, out: TextIO) -> None:
    """The comment we created was not written by who we look for (a GitHub App token
    without --bot-login): the next run would not find it, and post another."""
    if sticky.is_ours(author, me):
        return
    login = escape.console(author.login, limit=100)
    emit([command(
        "warning", f"the comment was posted as {login}, but locust-gate takes as its own "
        f"only comments by {escape.console(me.login, limit=100)}, so the next run will post "
        f"another. With a GitHub App's token, set LOCUST_GATE_BOT_LOGIN={login} "
        "(or --bot-login).", title="locust-gate: who posts the comment")], out)


def _explain(error: ApiError) -> tuple[str, str]:
    """A title and a message for an API error: each cause its own fix."""
    said = f"GitHub answered {error.status or 'nothing'} ({error.message})"
    if error.status == 401:
        return "GitHub token refused", (
            f"{said}: the token is invalid, expired or revoked. Pass a valid token "
            "(GITHUB_TOKEN or --token; the Action's github-token input).")
    if error.status in (403, 429) and error.rate_limit_reset is not None:
        reset = datetime.fromtimestamp(error.rate_limit_reset, UTC)
        return "GitHub rate limit", (
            f"{said}: this token's API rate limit is used up until "
            f"{reset:%Y-%m-%d %H:%M:%S} UTC; the comment was not posted.")
    if error.not_accessible:
        return "cannot comment on this pull request", f"{said}. {FORK_HELP}"
    if error.status == 403:
        return "cannot comment on this pull request", (
            f"{said}: the token may not comment here; it needs "
            "`permissions: pull-requests: write` (or issues: write).")
    return "comment not posted", f"{said}; the comment was not posted"


def _cannot(out: TextIO, runner: Runner, body: str, why: str, *, title: str) -> None:
    """The comment could not be posted: put the full report in the job summary instead
    (when there is one, and room), and say why, and where the report is."""
    summary = runner.step_summary
    written = summary is not None and len(body.encode()) <= summary_room(summary, SUMMARY_LIMIT)
    if summary is not None and written:
        append_summary(summary, body)
    where = (" The full report is in this job's summary." if written else
             " The report is in the report dir (and its artifact, if uploaded).")
    emit([command("warning", why + where, title=f"locust-gate: {title}")], out)
