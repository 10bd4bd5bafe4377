"""`locust-gate comment` with the real PyGithub over real HTTP against a local fake of
GitHub's API (tests/support/fake_github.py). Nothing of ours is mocked."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from gate.cli import main
from gate.reports import review, verdictfile
from gate.reports.context import ReportContext
from tests.support import reviews
from tests.support.fake_github import FORK_MESSAGE, FakeGitHub, Fault

REPO = "octo/app"
HEAD = "6dcb09b5b57875f334f61aebed695e2e4193db5e"
TOKEN = "ghs_tokenVALUEthatMUSTneverBEprinted"


@pytest.fixture
def gh() -> Iterator[FakeGitHub]:
    with FakeGitHub() as fake:
        fake.add_pull(REPO, 7, head_sha=HEAD)
        yield fake


def report_dir(path: Path, ctx: ReportContext | None = None) -> Path:
    ctx = ctx or reviews.hostile()
    path.mkdir(parents=True, exist_ok=True)
    (path / "verdict.json").write_text(verdictfile.to_json(verdictfile.verdict_dict(ctx)))
    (path / "comment.md").write_text(review.fit(ctx, links=None, root="/repo", limit=65_000))
    return path


def actions_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, gh: FakeGitHub, *,
                event_name: str = "pull_request", payload: dict[str, object] | None = None,
                ) -> None:
    if payload is None:
        payload = {"number": 7, "pull_request": {
            "number": 7, "head": {"sha": HEAD, "repo": {"full_name": REPO}},
            "base": {"repo": {"full_name": REPO}}}}
    event_path = tmp_path / "event.json"
    event_path.write_text(json.dumps(payload))
    for name, value in {
        "GITHUB_ACTIONS": "true", "GITHUB_API_URL": gh.api_url, "GITHUB_REPOSITORY": REPO,
        "GITHUB_EVENT_NAME": event_name, "GITHUB_EVENT_PATH": str(event_path),
        "GITHUB_TOKEN": TOKEN, "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "GITHUB_OUTPUT": str(tmp_path / "output"), "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_RUN_ID": "42",
    }.items():
        monkeypatch.setenv(name, value)


def ours(gh: FakeGitHub, number: int = 7) -> list[dict[str, object]]:
    return [c for c in gh.comments(REPO, number) if "locust-gate:comment" in str(c["body"])]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["comment", *args])
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert TOKEN not in text
    return code, text


def test_two_runs_make_one_comment_edited(gh: FakeGitHub, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    actions_env(monkeypatch, tmp_path, gh)
    rd = report_dir(tmp_path / "r")
    assert run(capsys, "--report-dir", str(rd))[0] == 0
    first = ours(gh)
    assert len(first) == 1
    (rd / "comment.md").write_text("second run\n")
    code, text = run(capsys, "--report-dir", str(rd))
    assert code == 0 and "comment updated" in text
    second = ours(gh)
    assert len(second) == 1 and second[0]["id"] == first[0]["id"]
    assert str(second[0]["body"]).endswith("second run\n")
    assert [r.method for r in gh.writes()] == ["POST", "PATCH"]
    assert all(r.authorised for r in gh.requests)
    # the comment-url step output names it
    assert f"issuecomment-{first[0]['id']}" in (tmp_path / "output").read_text()


def test_our_comment_on_page_three_is_found(gh: FakeGitHub, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    actions_env(monkeypatch, tmp_path, gh)
    rd = report_dir(tmp_path / "r")
    for i in range(230):
        gh.add_comment(REPO, 7, f"review comment {i}")
    assert run(capsys, "--report-dir", str(rd))[0] == 0  # lists 3 pages, then creates
    for i in range(5):
        gh.add_comment(REPO, 7, f"later {i}")
    assert run(capsys, "--report-dir", str(rd))[0] == 0
    assert len(ours(gh)) == 1
    pages = [r for r in gh.requests if r.method == "GET" and r.path.endswith("/comments")]
    # the next pages are followed exactly as GitHub's Link header gives them
    assert any(r.path.startswith("/repositories/") and r.query.get("page") == "3"
               for r in pages)
    assert [r.method for r in gh.writes()] == ["POST", "PATCH"]


def test_two_comment_ids_keep_two_comments(gh: FakeGitHub, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    actions_env(monkeypatch, tmp_path, gh)
    rd = report_dir(tmp_path / "r")
    for _ in range(2):
        for comment_id in ("api", "web"):
            assert run(capsys, "--report-dir", str(rd), "--comment-id", comment_id)[0] == 0
    bodies = [str(c["body"]) for c in ours(gh)]
    assert len(bodies) == 2
    assert "id=api -->" in bodies[0] and "id=web -->" in bodies[1]


def test_fork_403_warns_writes_the_summary_and_exits_0(
    gh: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    actions_env(monkeypatch, tmp_path, gh)
    gh.fail(Fault.fork())
    rd = report_dir(tmp_path / "r")
    code, text = run(capsys, "--report-dir", str(rd))
    assert code == 0
    warning = next(line for line in text.splitlines() if line.startswith("::warning"))
    assert "403" in warning and FORK_MESSAGE in warning and "--from-artifact" in warning
    summary = (tmp_path / "summary.md").read_text()
    assert summary == (rd / "comment.md").read_text()
    assert ours(gh) == []


def test_502_then_success_makes_one_comment(gh: FakeGitHub, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    actions_env(monkeypatch, tmp_path, gh)
    gh.fail(Fault(method="POST", path=r"/comments$", status=502, times=1))
    assert run(capsys, "--report-dir", str(report_dir(tmp_path / "r")))[0] == 0
    assert len(ours(gh)) == 1
    assert [(r.method, r.status) for r in gh.writes()] == [("POST", 502), ("POST", 201)]


def test_secondary_rate_limit_waits_for_retry_after(gh: FakeGitHub, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    actions_env(monkeypatch, tmp_path, gh)
    gh.fail(Fault.secondary_rate_limit(retry_after=1, method="POST"))
    start = time.monotonic()
    assert run(capsys, "--report-dir", str(report_dir(tmp_path / "r")))[0] == 0
    assert time.monotonic() - start >= 1.0
    assert len(ours(gh)) == 1


def test_a_retry_after_too_long_is_not_waited_for(gh: FakeGitHub, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    actions_env(monkeypatch, tmp_path, gh)
    gh.fail(Fault.secondary_rate_limit(retry_after=3600, method="POST"))
    start = time.monotonic()
    code, text = run(capsys, "--report-dir", str(report_dir(tmp_path / "r")))
    assert code == 0 and time.monotonic() - start < 10
    assert "::warning" in text and "3600" in text
    assert ours(gh) == []


def test_500_forever_is_bounded_and_exit_0(gh: FakeGitHub, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    actions_env(monkeypatch, tmp_path, gh)
    gh.fail(Fault(status=500, times=None))
    start = time.monotonic()
    code, text = run(capsys, "--report-dir", str(report_dir(tmp_path / "r")))
    assert code == 0 and time.monotonic() - start < 15
    assert "::warning title=locust-gate%3A comment not posted" in text
    assert len(gh.requests) == 4  # the first try and 3 retries


@pytest.mark.parametrize(("fault", "expected"), [
    (Fault(method="GET", status=404, body={"message": "Not Found"}, times=None), "404"),
    (Fault(method="POST", status=422, body={"message": "Validation Failed", "errors": [
        {"resource": "IssueComment", "code": "custom", "message": "body is too long"}]}),
     "body is too long"),
])
def test_404_and_422_are_warnings(  # noqa: PLR0917 (pytest fixtures)
    gh: FakeGitHub, tmp_path: Path, fault: Fault, expected: str,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    actions_env(monkeypatch, tmp_path, gh)
    gh.fail(fault)
    code, text = run(capsys, "--report-dir", str(report_dir(tmp_path / "r")))
    assert code == 0 and "::warning" in text and expected in text


def test_a_token_echoed_by_the_server_is_never_printed(
    gh: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    actions_env(monkeypatch, tmp_path, gh)
    gh.fail(Fault(method="GET", status=401, body={"message": f"Bad credentials {TOKEN}"}))
    code, text = run(capsys, "--report-dir", str(report_dir(tmp_path / "r")))  # asserts it
    assert code == 0 and "Bad credentials ***" in text


@pytest.mark.parametrize(("event_name", "payload"), [
    ("schedule", {"schedule": "0 3 * * *"}),
    ("push", {"ref": "refs/heads/main"}),
    ("workflow_dispatch", {}),
])
def test_not_a_pull_request_makes_no_api_call(  # noqa: PLR0917 (pytest fixtures)
    gh: FakeGitHub, tmp_path: Path, event_name: str, payload: dict[str, object],
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    actions_env(monkeypatch, tmp_path, gh, event_name=event_name, payload=payload)
    code, text = run(capsys, "--report-dir", str(report_dir(tmp_path / "r")))
    assert code == 0 and "not a pull request" in text
    assert gh.requests == []


def test_mode_never_makes_no_api_call(gh: FakeGitHub, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    actions_env(monkeypatch, tmp_path, gh)
    assert run(capsys, "--report-dir", str(report_dir(tmp_path / "r")), "--mode", "never")[0] == 0
    assert gh.requests == []


def test_on_change_edits_only_when_an_outcome_changed(
    gh: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    actions_env(monkeypatch, tmp_path, gh)
    rd = report_dir(tmp_path / "r")
    for _ in range(2):
        assert run(capsys, "--report-dir", str(rd), "--mode", "on-change")[0] == 0
    assert [r.method for r in gh.writes()] == ["POST"]
    report_dir(rd, reviews.hostile(with_baseline=False))  # regressed/improved -> other outcomes
    code, text = run(capsys, "--report-dir", str(rd), "--mode", "on-change")
    assert code == 0 and "comment updated" in text
    assert [r.method for r in gh.writes()] == ["POST", "PATCH"]


def test_on_failure_does_not_comment_on_a_pass(gh: FakeGitHub, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    actions_env(monkeypatch, tmp_path, gh)
    rd = report_dir(tmp_path / "r")
    verdict = json.loads((rd / "verdict.json").read_text())
    (rd / "verdict.json").write_text(json.dumps({**verdict, "verdict": "pass"}))
    code, text = run(capsys, "--report-dir", str(rd), "--mode", "on-failure")
    assert code == 0 and "did not fail" in text and gh.writes() == []


@pytest.mark.parametrize("prefix", ["", "/api/v3"])
def test_hide_old_minimizes_and_posts_new(tmp_path: Path, prefix: str,
                                          monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    with FakeGitHub(prefix=prefix) as gh:  # "/api/v3": GitHub Enterprise Server's layout
        gh.add_pull(REPO, 7, head_sha=HEAD)
        actions_env(monkeypatch, tmp_path, gh)
        rd = report_dir(tmp_path / "r")
        assert run(capsys, "--report-dir", str(rd), "--hide-old")[0] == 0
        assert run(capsys, "--report-dir", str(rd), "--hide-old")[0] == 0
        old, new = ours(gh)
        assert old["minimized"] == {"is_minimized": True, "minimized_reason": "outdated"}
        assert new["minimized"] is None
        assert [r.path for r in gh.writes()] == [
            f"/repos/{REPO}/issues/7/comments", "/graphql", f"/repos/{REPO}/issues/7/comments"]


def test_bad_comment_id_is_a_usage_error(gh: FakeGitHub, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    actions_env(monkeypatch, tmp_path, gh)
    code, text = run(capsys, "--report-dir", str(report_dir(tmp_path / "r")),
                     "--comment-id", "x -->")
    assert code == 2 and "invalid comment id" in text and gh.requests == []


# --- the fork-safe second stage ----------------------------------------------------------


def workflow_run_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, gh: FakeGitHub,
                     head_sha: str = HEAD) -> None:
    actions_env(monkeypatch, tmp_path, gh, event_name="workflow_run", payload={
        "action": "completed", "workflow_run": {
            "head_sha": head_sha, "event": "pull_request", "conclusion": "failure",
            "pull_requests": [], "head_repository": {"full_name": "fork/app"}}})


def artifact(tmp_path: Path, number: int, head_sha: str = HEAD) -> Path:
    rd = report_dir(tmp_path / "artifact")
    (rd / "pull-request.json").write_text(json.dumps({"number": number, "head_sha": head_sha}))
    return rd


def test_from_artifact_posts_after_verifying_the_head(gh: FakeGitHub, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    workflow_run_env(monkeypatch, tmp_path, gh)
    rd = artifact(tmp_path, 7)
    (rd / "comment.md").write_text("hello @maintainer\n")  # the artifact is fork-made
    assert run(capsys, "--from-artifact", str(rd))[0] == 0
    assert gh.requests[0].path == f"/repos/{REPO}/pulls/7"
    (posted,) = ours(gh)
    body = str(posted["body"])
    assert "maintainer" not in body  # comment.md is never posted: re-rendered instead
    assert "## ❌ Load test gate: **FAIL**" in body and "GET /api/items" in body


def test_from_artifact_with_a_pr_number_not_matching_the_head_is_refused(
    gh: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    gh.add_pull(REPO, 8, head_sha="f" * 40)  # another PR: the artifact names it
    workflow_run_env(monkeypatch, tmp_path, gh)
    code, text = run(capsys, "--from-artifact", str(artifact(tmp_path, 8)))
    assert code == 0 and "refused" in text and "#8" in text
    assert gh.writes() == [] and gh.comments(REPO, 8) == []


def test_from_artifact_whose_head_is_not_the_runs_is_refused(
    gh: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    workflow_run_env(monkeypatch, tmp_path, gh)
    code, text = run(capsys, "--from-artifact", str(artifact(tmp_path, 7, head_sha="e" * 40)))
    assert code == 0 and "refused" in text
    assert gh.requests == []
