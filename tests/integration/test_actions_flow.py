"""The whole Actions flow as subprocesses: `check` on a real Locust run with the runner's
environment (summary, annotations, outputs, pull-request.json, comment.md), then
`comment` posting it, then the fork-safe `--from-artifact` stage, against the fake GitHub
API started as its own process (`python -m tests.support.fake_github`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.locustrun import LocustRun

pytestmark = pytest.mark.e2e

REPO_ROOT = Path(__file__).resolve().parents[2]
HEAD = "0123456789abcdef0123456789abcdef01234567"
TOKEN = "ghs_neverPRINTEDtoken0123456789"
TIGHT = """version: 1
defaults: {p95: 5s, fail-ratio: 100%, min-requests: 1}
endpoints:
  - match: "GET /slow"
    p95: 20ms
"""


@pytest.fixture
def fake_github() -> Iterator[str]:
    """The fake API in another process, on a port it picks; yields its base URL."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.support.fake_github", "--port", "0",
         "--pull", f"octo/app#7@{HEAD}"],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("ready "), line
        yield line.split()[1]
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def control(url: str, path: str, data: dict[str, object] | None = None) -> object:
    request = urllib.request.Request(
        url + path, data=json.dumps(data).encode() if data is not None else None,
        method="POST" if data is not None else "GET")
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())


def gate(env: dict[str, str], *args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, **env,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT),
                                                        os.environ.get("PYTHONPATH")]))}
    return subprocess.run([sys.executable, "-m", "gate", *map(str, args)], cwd=cwd, env=full,
                          capture_output=True, text=True, timeout=90, check=False)


def test_check_then_comment_then_from_artifact(mixed_run: LocustRun, tmp_path: Path,
                                               fake_github: str) -> None:
    workspace = tmp_path / "ws"
    (workspace / "thresholds").mkdir(parents=True)
    thresholds = workspace / "thresholds" / "t.yml"
    thresholds.write_text(TIGHT)
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"number": 7, "pull_request": {
        "number": 7, "head": {"sha": HEAD, "repo": {"full_name": "fork/app"}},
        "base": {"repo": {"full_name": "octo/app"}}}}))
    env = {
        "GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_API_URL": fake_github, "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_REPOSITORY": "octo/app", "GITHUB_RUN_ID": "99",
        "GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": str(event),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "GITHUB_OUTPUT": str(tmp_path / "output"), "GITHUB_TOKEN": TOKEN,
    }
    # Stage 1 (`pull_request`): check fails the gate and tells the runner everything.
    proc = gate(env, "check", mixed_run.results, "--thresholds", "thresholds/t.yml",
                "--report-dir", "out", cwd=workspace)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    errors = [line for line in proc.stdout.splitlines() if line.startswith("::error")]
    assert len(errors) == 1 and errors[0].startswith("::error file=thresholds/t.yml,line=5,")
    assert "GET /slow p95 breached" in errors[0]
    summary = (tmp_path / "summary.md").read_text()
    assert "## ❌ Load test gate: **FAIL**" in summary
    assert "[Workflow run](https://github.com/octo/app/actions/runs/99)" in summary
    assert str(workspace) not in summary  # paths relative to the repository
    outputs = (tmp_path / "output").read_text()
    for name, value in {"verdict": "fail", "exit-code": "1", "failed-checks": "1",
                        "regressed-checks": "0", "report-dir": "out",
                        "report-markdown": "out/report.md"}.items():
        assert f"{name}<<ghadelimiter_" in outputs and f"\n{value}\n" in outputs, name
    out = workspace / "out"
    assert json.loads((out / "pull-request.json").read_text()) == {"number": 7, "head_sha": HEAD}
    assert (out / "comment.md").read_text() == summary

    # The same job's comment step: a fork's read-only token answers 403 -> warning, exit 0.
    control(fake_github, "/_fake/faults", {"preset": "fork"})
    proc = gate(env, "comment", "--report-dir", "out", cwd=workspace)
    assert proc.returncode == 0, proc.stderr
    assert "::warning" in proc.stdout and "--from-artifact" in proc.stdout
    assert TOKEN not in proc.stdout + proc.stderr

    # Stage 2 (`workflow_run`, base repository's token): post the artifact, verified.
    control(fake_github, "/_fake/reset")
    control(fake_github, "/_fake/pulls", {"repo": "octo/app", "number": 7, "head_sha": HEAD,
                                          "head_repo": "fork/app"})
    event.write_text(json.dumps({"action": "completed", "workflow_run": {
        "head_sha": HEAD, "event": "pull_request", "pull_requests": [],
        "head_repository": {"full_name": "fork/app"}}}))
    env2 = {**env, "GITHUB_EVENT_NAME": "workflow_run"}
    proc = gate(env2, "comment", "--from-artifact", out, cwd=tmp_path)
    assert proc.returncode == 0 and "comment created" in proc.stdout, proc.stdout + proc.stderr
    state = control(fake_github, "/_fake/state")
    assert isinstance(state, dict)
    (comment,) = state["comments"]
    assert comment["number"] == 7 and "GET /slow" in comment["body"]
    assert comment["body"].startswith("<!-- locust-gate:comment id=default -->")
    log = control(fake_github, "/_fake/requests")
    assert isinstance(log, list) and log[0]["path"] == "/repos/octo/app/pulls/7"
    assert all(entry["authorised"] for entry in log)
