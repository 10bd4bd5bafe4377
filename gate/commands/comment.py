"""`locust-gate comment`: post the report as one sticky comment on the pull request."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from gate.github import posting, sticky


@click.command()
@click.option("--report-dir", type=click.Path(path_type=Path, file_okay=False),
              help="The report dir of `check`/`run` (holds verdict.json and comment.md).")
@click.option("--from-artifact", "artifact", type=click.Path(path_type=Path, file_okay=False),
              help="In a workflow_run workflow: the downloaded report dir of a pull request "
                   "run (fork-safe: its PR number is checked against the run's head SHA, and "
                   "the comment is re-rendered from its verdict.json).")
@click.option("--comment-id", default=None,
              help="Tells apart the comments of several gates on one pull request "
                   f"[default: {sticky.DEFAULT_ID}, or {sticky.DEFAULT_ID}-PROFILE for a run "
                   "of a profile].")
@click.option("--mode", type=click.Choice([m.value for m in sticky.Mode]),
              default=sticky.Mode.ALWAYS.value, show_default=True,
              help="always: create or edit; on-change: edit only when the verdict or an "
                   "outcome changed; on-failure: only for a failing run (an existing comment "
                   "is kept current); never: no comment.")
@click.option("--hide-old", is_flag=True,
              help="Hide the earlier comment as outdated and post a new one, instead of "
                   "editing it.")
@click.option("--token", envvar="GITHUB_TOKEN", default="", show_default=False,
              show_envvar=True, help="GitHub token with pull-requests: write.")
@click.option("--bot-login", envvar="LOCUST_GATE_BOT_LOGIN", default=sticky.DEFAULT_BOT,
              show_default=True, show_envvar=True,
              help="Who the token posts as when GitHub will not say (GET /user is refused "
                   "to installation tokens): github-actions[bot] for a workflow's "
                   "GITHUB_TOKEN, the App's name (my-app or my-app[bot]) for a GitHub App's "
                   "token. Only comments by the token's own identity are ever edited.")
def comment(**options: Any) -> int:
    """Post the report as one comment on the pull request, edited on every run.

    Reads GITHUB_API_URL, GITHUB_REPOSITORY, GITHUB_EVENT_NAME and GITHUB_EVENT_PATH.
    Outside a pull request it makes no API call. A comment that cannot be posted (a fork's
    read-only token, any API error) is a warning and exit 0: it never changes the gate.
    """
    report_dir: Path | None = options["report_dir"]
    artifact: Path | None = options["artifact"]
    directory = report_dir or artifact
    if directory is None or (report_dir is not None and artifact is not None):
        raise click.UsageError("pass exactly one of --report-dir and --from-artifact")
    request = posting.Request(
        report_dir=directory,
        comment_id=options["comment_id"],
        mode=sticky.Mode(options["mode"]),
        token=options["token"] or "",
        replace=options["hide_old"],
        from_artifact=artifact is not None,
        bot_login=options["bot_login"] or sticky.DEFAULT_BOT,
    )
    return posting.comment(request, env=os.environ, out=sys.stdout)
