"""Issue 17's attacks on `locust-gate comment`, for real: PyGithub over HTTP against the
local fake GitHub, whose comments carry their authors as GitHub's do and whose tokens
are who they are (a workflow's GITHUB_TOKEN, a person's token, a GitHub App's token).

A PR author pastes our marker and a state digest they can compute; a fork's artifact
says what it likes; GitHub answers 401, or a used-up rate limit."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import pytest

from gate.github import sticky
from tests.integration.test_comment import (
    HEAD,
    REPO,
    TOKEN,
    actions_env,
    gh,
    report_dir,
    run,
)
from tests.support.fake_github import BOT, FakeGitHub, Fault, User

__all__ = ["gh"]  # the fixture, shared with test_comment

MALLORY = User(login="mallory", id=66, type="User")
PAT = "ghp_personalTOKENneverPRINTED0123456789"
APP_TOKEN = "ghs_appINSTALLATIONtokenNEVERprinted01"
APP = User(login="locust-app[bot]", id=1234567, type="Bot")


def by(gh: FakeGitHub, login: str) -> list[dict[str, Any]]:
    return [c for c in gh.comments(REPO, 7) if c["user"]["login"] == login]


def forged(rd: Path, text: str = "✅ all good, nothing to see") -> str:
    """What a PR author can write: our marker and the state of the run's real verdict."""
    verdict = json.loads((rd / "verdict.json").read_text())
    return sticky.compose(text, comment_id="default", state=sticky.state_digest(verdict))


# --- who wrote a comment ------------------------------------------------------------------


def test_a_pasted_marker_and_state_do_not_make_on_change_skip(
    gh: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    actions_env(monkeypatch, tmp_path, gh)
    rd = report_dir(tmp_path / "r")
    bait = gh.add_comment(REPO, 7, forged(rd), user=MALLORY)
    code, text = run(capsys, "--report-dir", str(rd), "--mode", "on-change")
    assert code == 0 and "comment created" in text
    assert "ignored 1 comment(s) with this gate's marker" in text and "mallory" in text
    (mine,) = by(gh, BOT.login)
    assert "Load test gate: **FAIL**" in mine["body"]
    (theirs,) = by(gh, "mallory")
    assert theirs["id"] == bait and theirs["body"] == forged(rd)  # never edited
    assert [(r.method, r.path) for r in gh.writes()] == [
        ("POST", f"/repos/{REPO}/issues/7/comments")]
    # the second run finds its own comment, not the bait, and on-change now skips
    code, text = run(capsys, "--report-dir", str(rd), "--mode", "on-change")
    assert code == 0 and "comment not changed" in text and len(gh.writes()) == 1


def test_hide_old_never_minimises_another_authors_comment(
    gh: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    actions_env(monkeypatch, tmp_path, gh)
    rd = report_dir(tmp_path / "r")
    gh.add_comment(REPO, 7, forged(rd), user=MALLORY)
    for _ in range(2):
        assert run(capsys, "--report-dir", str(rd), "--hide-old")[0] == 0
    (theirs,) = by(gh, "mallory")
    assert theirs["minimized"] is None
    old, new = by(gh, BOT.login)
    assert old["minimized"] is not None and new["minimized"] is None
    assert sum(1 for r in gh.writes() if r.path == "/graphql") == 1  # ours, once


def test_a_personal_token_edits_only_its_owners_comment(
    gh: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    actions_env(monkeypatch, tmp_path, gh)
    alice = User(login="alice", id=77, type="User")
    gh.add_token(PAT, alice)
    monkeypatch.setenv("GITHUB_TOKEN", PAT)
    rd = report_dir(tmp_path / "r")
    gh.add_comment(REPO, 7, forged(rd), user=BOT)  # another workflow's bot: not alice
    gh.add_comment(REPO, 7, forged(rd), user=User(login="alice2", id=78, type="User"))
    assert run(capsys, "--report-dir", str(rd))[0] == 0
    code, text = run(capsys, "--report-dir", str(rd))
    assert code == 0 and "comment updated" in text and PAT not in text
    (mine,) = by(gh, "alice")
    assert "Load test gate" in mine["body"]
    assert by(gh, BOT.login)[0]["body"] == forged(rd) == by(gh, "alice2")[0]["body"]
    assert [r.path for r in gh.requests if r.path == "/user"] == ["/user", "/user"]


def test_a_github_app_token_needs_its_bot_login_and_says_so(
    gh: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    actions_env(monkeypatch, tmp_path, gh)
    gh.add_token(APP_TOKEN, APP, installation=True)  # GET /user: 403, as GitHub answers
    monkeypatch.setenv("GITHUB_TOKEN", APP_TOKEN)
    rd = report_dir(tmp_path / "r")
    code, text = run(capsys, "--report-dir", str(rd))  # looks for github-actions[bot]'s
    assert code == 0 and "comment created" in text
    warning = next(line for line in text.splitlines() if "who posts the comment" in line)
    assert "LOCUST_GATE_BOT_LOGIN=locust-app[bot]" in warning
    gh.add_comment(REPO, 7, forged(rd), user=BOT)  # github-actions[bot] is not the App
    monkeypatch.setenv("LOCUST_GATE_BOT_LOGIN", "locust-app")
    code, text = run(capsys, "--report-dir", str(rd))
    assert code == 0 and "comment updated" in text and "who posts" not in text
    assert len(by(gh, APP.login)) == 1 and by(gh, BOT.login)[0]["body"] == forged(rd)


def test_when_get_user_is_refused_otherwise_only_the_bots_comments_are_ours(
    gh: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    actions_env(monkeypatch, tmp_path, gh)
    gh.fail(Fault(method="GET", path="^/user$", status=404, times=None))
    rd = report_dir(tmp_path / "r")
    gh.add_comment(REPO, 7, forged(rd), user=MALLORY)
    for _ in range(2):
        assert run(capsys, "--report-dir", str(rd), "--mode", "on-change")[0] == 0
    assert len(by(gh, BOT.login)) == 1 and by(gh, "mallory")[0]["body"] == forged(rd)
    assert [r.method for r in gh.writes()] == ["POST"]


def test_a_bad_bot_login_is_exit_2_before_any_call(
    gh: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    actions_env(monkeypatch, tmp_path, gh)
    code, text = run(capsys, "--report-dir", str(report_dir(tmp_path / "r")),
                     "--bot-login", "not a login")
    assert code == 2 and "invalid bot login" in text and "--bot-login" in text
    assert gh.requests == []


# --- what GitHub answered -----------------------------------------------------------------


def test_401_says_the_token_is_bad(gh: FakeGitHub, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    actions_env(monkeypatch, tmp_path, gh)
    gh.bad_token(TOKEN)
    code, text = run(capsys, "--report-dir", str(report_dir(tmp_path / "r")))
    (warning,) = [line for line in text.splitlines() if line.startswith("::warning")]
    assert code == 0 and "title=locust-gate%3A GitHub token refused" in warning
    assert "401 (Bad credentials)" in warning and "invalid, expired or revoked" in warning
    assert "fork" not in warning and "job's summary" in warning
    assert gh.comments(REPO, 7) == []


def test_a_used_up_rate_limit_says_when_it_resets(
    gh: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    actions_env(monkeypatch, tmp_path, gh)
    reset = int(time.time()) + 3600  # far beyond the 60 s the step waits
    gh.fail(Fault.rate_limit(reset))
    start = time.monotonic()
    code, text = run(capsys, "--report-dir", str(report_dir(tmp_path / "r")))
    (warning,) = [line for line in text.splitlines() if line.startswith("::warning")]
    assert code == 0 and time.monotonic() - start < 10
    assert "title=locust-gate%3A GitHub rate limit" in warning
    assert "rate limit is used up" in warning
    assert time.strftime("%H:%M:%S", time.gmtime(reset)) in warning
    assert "fork" not in warning


def test_without_a_step_summary_the_warning_does_not_claim_one(
    gh: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    actions_env(monkeypatch, tmp_path, gh)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY")
    gh.fail(Fault.fork())
    code, text = run(capsys, "--report-dir", str(report_dir(tmp_path / "r")))
    (warning,) = [line for line in text.splitlines() if line.startswith("::warning")]
    assert code == 0 and "Resource not accessible by integration" in warning
    assert "job's summary" not in warning and "report dir" in warning


# --- the fork's artifact ------------------------------------------------------------------

EVIL = [
    "GET /x &#64;maintainer @admin",
    "![pixel](https://evil.example/p.png) [click](https://evil.example/login)",
    "<img src=https://evil.example/i.png> <a href=https://evil.example>x</a>",
    "<!-- locust-gate:comment id=default -->",
]


def stage_two(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, gh: FakeGitHub, *,
              conclusion: str = "failure") -> None:
    actions_env(monkeypatch, tmp_path, gh, event_name="workflow_run", payload={
        "action": "completed", "workflow_run": {
            "id": 30433642, "head_sha": HEAD, "event": "pull_request",
            "conclusion": conclusion, "pull_requests": [],
            "head_repository": {"full_name": "fork/app"}}})


def crafted(tmp_path: Path, *, number: Any = 7, head_sha: Any = HEAD,
            edit: Any = None) -> Path:
    rd = report_dir(tmp_path / "artifact")
    (rd / "pull-request.json").write_text(json.dumps({"number": number, "head_sha": head_sha}))
    if edit is not None:
        data = json.loads((rd / "verdict.json").read_text())
        edit(data)
        (rd / "verdict.json").write_text(json.dumps(data))
    return rd


def claim_pass(data: dict[str, Any]) -> None:
    """The fork says everything passed, with hostile names."""
    data["verdict"] = "pass"
    for check, name in zip(data["checks"], EVIL * 10, strict=False):
        check.update(outcome="pass", level=None, endpoint=name, message=name)
    data["warnings"] = EVIL


def test_a_pass_claimed_for_a_failed_run_is_shown_failed_and_nothing_hostile_passes(
    gh: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    stage_two(monkeypatch, tmp_path, gh, conclusion="failure")
    rd = crafted(tmp_path, edit=claim_pass)
    (rd / "comment.md").write_text("## ✅ Load test gate: **PASS**\n@maintainers LGTM\n")
    code, _ = run(capsys, "--from-artifact", str(rd))
    assert code == 0
    (posted,) = by(gh, BOT.login)
    body = str(posted["body"])
    assert "Load test gate: **FAIL**" in body and "PASS" in body.split("CAUTION", 1)[1]
    assert "concluded failure" in body
    assert "LGTM" not in body and "@maintainers" not in body  # comment.md never posted
    assert "@admin" not in body and "&#64;maintainer" not in body  # no mention, as text
    assert not re.search(r"!\[[^\]]*\]\(", body) and not re.search(r"\]\(https?://evil", body)
    assert "<img" not in body and "<a " not in body and "https://evil" not in body
    assert body.count("<!--") == 2  # our marker and state only
    assert "https://github.com/octo/app/actions/runs/30433642" in body  # GitHub's run id


def test_a_pass_for_a_successful_run_is_posted_as_pass(
    gh: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    stage_two(monkeypatch, tmp_path, gh, conclusion="success")
    assert run(capsys, "--from-artifact", str(crafted(tmp_path, edit=claim_pass)))[0] == 0
    body = str(by(gh, BOT.login)[0]["body"])
    assert "Load test gate: **PASS**" in body and "CAUTION" not in body


def test_a_pass_contradicted_by_its_own_checks_is_not_shown_as_pass(
    gh: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    stage_two(monkeypatch, tmp_path, gh, conclusion="success")

    def lie(data: dict[str, Any]) -> None:
        data["verdict"] = "pass"  # the checks still say breached at level fail

    assert run(capsys, "--from-artifact", str(crafted(tmp_path, edit=lie)))[0] == 0
    assert "Load test gate: **FAIL**" in str(by(gh, BOT.login)[0]["body"])


def test_an_error_verdict_is_rendered_escaped(
    gh: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    stage_two(monkeypatch, tmp_path, gh)

    def error(data: dict[str, Any]) -> None:
        data.clear()
        data.update(verdict="error", checks=[], error={
            "stage": "health", "message": EVIL[1], "fix": EVIL[0]})

    assert run(capsys, "--from-artifact", str(crafted(tmp_path, edit=error)))[0] == 0
    body = str(by(gh, BOT.login)[0]["body"])
    assert "Load test gate: **ERROR** (health)" in body
    assert "https://evil" not in body and "@admin" not in body


def _set(path: str, value: Any) -> Any:
    def edit(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = data
        for key in parents:
            target = target[int(key)] if key.isdigit() else target[key]
        target[int(last) if last.isdigit() else last] = value
    return edit


@pytest.mark.parametrize(("artifact_args", "file", "key"), [
    ({"number": 10**30}, "pull-request.json", "number"),
    ({"number": -7}, "pull-request.json", "number"),
    ({"number": "7"}, "pull-request.json", "number"),
    ({"number": True}, "pull-request.json", "number"),
    ({"head_sha": HEAD + "\n::error::x"}, "pull-request.json", "head_sha"),
    ({"edit": _set("totals.requests", 10**16)}, "verdict.json", "totals.requests"),
    ({"edit": _set("totals.failures", -1)}, "verdict.json", "totals.failures"),
    ({"edit": _set("checks.0.measured", 1e300)}, "verdict.json", "checks[0].measured"),
    ({"edit": _set("checks.0.outcome", "fine")}, "verdict.json", "checks[0].outcome"),
    ({"edit": _set("checks", [{}] * 10_001)}, "verdict.json", "checks"),
    ({"edit": _set("checks", [])}, "verdict.json", "checks"),
    ({"edit": _set("totals.fail_ratio", 7)}, "verdict.json", "totals.fail_ratio"),
    ({"edit": _set("baseline", {"store": "x", "runs": 10**9})}, "verdict.json",
     "baseline.runs"),
    ({"edit": _set("baseline", {"store": "x", "runs": 1, "fit": {"behind": -1}})},
     "verdict.json", "baseline.fit.behind"),
    ({"edit": _set("baseline", {"store": "x", "runs": 1, "fit": {"caveats": ["fine"]}})},
     "verdict.json", "baseline.fit.caveats[0]"),
    ({"edit": _set("baseline", {"store": "x", "runs": 1, "fit": {
        "machine": {"cpu": "x", "cores": "64"}}})}, "verdict.json", "baseline.fit.machine.cores"),
])
def test_every_number_and_value_of_the_artifact_is_bounded(  # noqa: PLR0917 (pytest fixtures)
    gh: FakeGitHub, tmp_path: Path, artifact_args: dict[str, Any], file: str, key: str,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    stage_two(monkeypatch, tmp_path, gh)
    code, text = run(capsys, "--from-artifact", str(crafted(tmp_path, **artifact_args)))
    assert code == 2 and "Traceback" not in text
    assert f"the artifact's {file}" in text and key in text and "fix:" in text
    assert gh.requests == []  # nothing reached the API


def test_the_baseline_line_of_a_forks_artifact_is_rebuilt_escaped(
    gh: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    stage_two(monkeypatch, tmp_path, gh)
    fit = {"runs": 3, "branch": EVIL[0], "merge_base": "3f2a1c0d9e", "behind": 2,
           "left_out": 1, "no_merge_base": None, "age_s": 40 * 86_400.0, "max_age_days": 30,
           "covered": 1, "endpoints": 4, "coverage": 0.25, "other_machine": True,
           "machine": {"cpu": EVIL[2], "cores": 64}, "this_machine": {"cpu": "EPYC", "cores": 4},
           "caveats": ["stale", "low-coverage", "other-machine"]}
    edit = _set("baseline", {"store": "git:", "commit": HEAD, "branch": "main", "time": 1.0,
                             "runs": 3, "fit": fit})
    assert run(capsys, "--from-artifact", str(crafted(tmp_path, edit=edit)))[0] == 0
    body = str(by(gh, BOT.login)[0]["body"])
    assert "Baseline runs: 3 runs of " in body and "up to 3f2a1c0, 2 commits behind" in body
    assert "⚠️ newest 40 days old" in body and "⚠️ covers 1 of 4 endpoints (25 %)" in body
    assert "<img" not in body and "https://evil" not in body and "@admin" not in body


def test_a_linked_verdict_is_refused(gh: FakeGitHub, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    stage_two(monkeypatch, tmp_path, gh)
    rd = crafted(tmp_path)
    secret = tmp_path / "elsewhere.json"
    (rd / "verdict.json").rename(secret)
    (rd / "verdict.json").symlink_to(secret)
    code, text = run(capsys, "--from-artifact", str(rd))
    assert code == 2 and "not a regular file" in text and gh.requests == []
