"""Pure parts of the GitHub edge: annotations, env files, the sticky decisions, events."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from gate.core.rules import Level
from gate.core.verdict import Outcome
from gate.errors import UserError
from gate.github import event, sticky
from gate.github.api import Author, Existing
from gate.github.runner import annotations_for, command, output_block, write_outputs
from gate.github.sticky import Action, Mode
from tests.support import reviews


def test_command_escapes_by_githubs_rules() -> None:
    line = command("error", "50% \r\nx::y", title="a:b,c%\n", file="t.yml", line=3)
    assert line == "::error file=t.yml,line=3,title=a%3Ab%2Cc%25%0A::50%25 %0D%0Ax::y"
    assert "\n" not in line


def test_annotations_most_important_first_escaped_and_pointing_at_the_rule() -> None:
    lines = annotations_for(reviews.hostile().verdict, root="/repo")
    kinds = [line.split(" ", 1)[0] for line in lines]
    assert kinds == sorted(kinds, key=lambda k: k != "::error")  # errors before warnings
    assert all("\n" not in line for line in lines)
    first = lines[0]
    assert first.startswith("::error file=thresholds/t.yml,line=")
    assert "breached" in first  # missing, then breached, then regressed
    assert any(line.startswith("::error") and "regressed" in line for line in lines)
    # the hostile name with a newline and `::error::` stays inside its title property
    two = next(line for line in lines if "two" in line)
    assert "title=locust-gate%3A GET /two\\nlines%3A%3Aerror%3A%3Ax p95 breached::" in two


def test_annotations_stay_within_ten_per_kind() -> None:
    ctx = reviews.huge(endpoints=40, failing=25)
    lines = annotations_for(ctx.verdict, root=None)
    errors = [line for line in lines if line.startswith("::error")]
    assert len(errors) == 10
    assert "16 more checks failed" in errors[-1]


def test_output_block_uses_a_random_delimiter(tmp_path: Path) -> None:
    value = "a\nghadelimiter_x\nb"
    first, second = output_block("verdict", value), output_block("verdict", value)
    assert first != second
    head, *body, tail = first.rstrip("\n").split("\n")
    assert head.startswith("verdict<<ghadelimiter_") and head.split("<<")[1] == tail
    assert "\n".join(body) == value
    write_outputs(tmp_path / "out", {"exit-code": "1", "report-dir": "out"})
    text = (tmp_path / "out").read_text()
    assert text.count("<<ghadelimiter_") == 2 and "\n1\n" in text
    with pytest.raises(ValueError):
        output_block("bad name", "x")


def test_marker_and_comment_id() -> None:
    assert sticky.marker("api") == "<!-- locust-gate:comment id=api -->"
    for bad in ["", "a b", "-x", "x" * 65, "a-->b"]:
        with pytest.raises(UserError):
            sticky.check_id(bad)


def test_compose_strips_foreign_markers_and_respects_the_limit() -> None:
    body = "<!-- locust-gate:comment id=other -->\nhi\n" + "x" * 70_000
    text = sticky.compose(body, comment_id="api", state="0" * 16)
    assert len(text) <= 65_536
    assert text.count("<!-- locust-gate:comment") == 1 and "id=api" in text
    assert text.rstrip().endswith("Cut at GitHub's limit of 65,536 characters.")
    assert sticky.state_of(text) == "0" * 16


def test_state_digest_follows_outcomes_not_measurements() -> None:
    verdict = {"verdict": "fail", "checks": [
        {"scope": "endpoint", "endpoint": "GET /a", "metric": "p95", "outcome": "breached",
         "level": "fail", "measured": 10}]}
    same = {**verdict, "checks": [{**verdict["checks"][0], "measured": 99}]}
    changed = {**verdict, "checks": [{**verdict["checks"][0], "outcome": "pass"}]}
    assert sticky.state_digest(verdict) == sticky.state_digest(same)
    assert sticky.state_digest(verdict) != sticky.state_digest(changed)
    assert sticky.state_digest(verdict) != sticky.state_digest({**verdict, "verdict": "warn"})


@pytest.mark.parametrize(("mode", "failing", "existing", "exists", "replace", "action"), [
    (Mode.ALWAYS, False, None, False, False, Action.CREATE),
    (Mode.ALWAYS, False, "s", True, False, Action.EDIT),
    (Mode.ALWAYS, False, "s", True, True, Action.REPLACE),
    (Mode.ON_CHANGE, True, "s", True, False, Action.SKIP),
    (Mode.ON_CHANGE, True, "old", True, False, Action.EDIT),
    (Mode.ON_CHANGE, True, None, False, False, Action.CREATE),
    (Mode.ON_FAILURE, False, None, False, False, Action.SKIP),
    (Mode.ON_FAILURE, True, None, False, False, Action.CREATE),
    (Mode.ON_FAILURE, False, "old", True, False, Action.EDIT),  # kept current when fixed
    (Mode.NEVER, True, None, False, False, Action.SKIP),
])
def test_plan_comment(  # noqa: PLR0917 (pytest parameters)
    mode: Mode, failing: bool, existing: str | None, exists: bool, replace: bool,
    action: Action,
) -> None:
    decision = sticky.plan_comment(mode=mode, failing=failing, existing_state=existing,
                                   exists=exists, state="s", replace=replace)
    assert decision.action is action


def test_find_uses_the_marker_of_this_comment_id() -> None:
    bot = Author(login="github-actions[bot]", id=41898282, bot=True)
    comments = [Existing(id=cid, body=body, url="", author=bot) for cid, body in
                [(1, "hi"), (2, sticky.marker("web") + "\nx"), (3, sticky.marker("api") + "\ny")]]
    me = Author(login="github-actions[bot]", id=None, bot=True)
    assert sticky.find(comments, "api", me) == (comments[2], [])
    assert sticky.find(comments, "web", me) == (comments[1], [])
    assert sticky.find(comments, "other", me) == (None, [])


def test_pull_request_events() -> None:
    payload = {"number": 7, "pull_request": {
        "number": 7, "head": {"sha": "abc", "repo": {"full_name": "fork/app"}},
        "base": {"repo": {"full_name": "octo/app"}}}}
    pr = event.pull_request("pull_request", payload)
    assert pr == event.PullRequest(number=7, head_sha="abc", fork=True)
    deleted = {"number": 7, "pull_request": {**payload["pull_request"],  # type: ignore[dict-item]
                                             "head": {"sha": "abc", "repo": None}}}
    assert event.pull_request("pull_request", deleted).fork  # type: ignore[union-attr]
    assert event.pull_request("schedule", {"schedule": "0 3 * * *"}) is None
    assert event.pull_request("push", payload) is None
    run = event.workflow_run("workflow_run", {"workflow_run": {
        "head_sha": "abc", "event": "pull_request", "pull_requests": [],
        "head_repository": {"full_name": "fork/app"}}})
    assert run is not None and run.head_sha == "abc" and run.event == "pull_request"


def test_only_failed_and_regressed_checks_are_annotated() -> None:
    verdict = reviews.hostile().verdict
    passing = replace(verdict, checks=tuple(
        replace(c, outcome=Outcome.PASS, level=None) for c in verdict.checks))
    assert annotations_for(passing, root=None) == []
    regressed_warn = replace(passing, checks=(replace(
        passing.checks[0], outcome=Outcome.REGRESSED, level=Level.WARN),))
    assert annotations_for(regressed_warn, root=None)[0].startswith("::warning")
