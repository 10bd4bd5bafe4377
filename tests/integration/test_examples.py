"""The workflow examples (docs/examples and the README's copies of them) hold what issue 17
asks of them: the Action pinned by one commit SHA, permissions per job, service images by
digest, no package named locust-gate from an index in a privileged job, and zizmor's
auditor persona finds nothing but the findings kept on purpose, each with its reason.

The fork-safe second stage's own script is run for real against the fake GitHub, with
locust-gate's code where the example checks it out."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.integration.test_comment import HEAD, REPO, TOKEN, report_dir
from tests.support.fake_github import BOT, FakeGitHub

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "docs" / "examples").glob("*.yml"))
README = (ROOT / "README.md").read_text()
SHA = re.compile(r"[0-9a-f]{40}")


def load_example(path: Path) -> dict[Any, Any]:
    data = yaml.safe_load(path.read_text())
    assert isinstance(data, dict)
    return data


def steps(path: Path) -> list[dict[str, Any]]:
    return [step for job in load_example(path)["jobs"].values() for step in job.get("steps", [])]


def test_every_example_pins_the_action_by_one_commit() -> None:
    pins: set[str] = set()
    for path in EXAMPLES:
        for step in steps(path):
            uses = str(step.get("uses", ""))
            if uses.startswith("OWNER/locust-gate"):
                name, _, ref = uses.partition("@")
                assert name == "OWNER/locust-gate" and SHA.fullmatch(ref), (path.name, uses)
                pins.add(ref)
            if (step.get("with") or {}).get("repository") == "OWNER/locust-gate":
                pins.add(str(step["with"]["ref"]))
        text = path.read_text()
        assert "@v1\n" not in text and "locust-gate@v" not in text, path.name
        for line in text.splitlines():
            if "uses: OWNER/locust-gate@" in line:
                assert line.rstrip().endswith("# v1.0.0"), line
    assert len(pins) == 1 and SHA.fullmatch(pins.pop())


@pytest.mark.parametrize("text", [*(p.read_text() for p in EXAMPLES), README],
                         ids=[*(p.name for p in EXAMPLES), "README.md"])
def test_no_example_installs_locust_gate_by_name_from_an_index(text: str) -> None:
    installs = re.findall(r"pip install([^\n#]*)", text)
    assert installs
    for install in installs:
        for arg in install.split():
            name = arg.strip("'\"")
            # by name (a version or extras allowed), or from a moving git ref
            assert not re.fullmatch(r"locust[-_]gate(\[[\w,]+\])?([<>=!~@].*)?", name), arg
            assert not name.startswith("git+"), arg


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_permissions_are_per_job(path: Path) -> None:
    data = load_example(path)
    assert data["permissions"] == {}, "the workflow grants nothing; each job what it needs"
    for name, job in data["jobs"].items():
        assert isinstance(job.get("permissions"), dict) and job["permissions"], name
    for line in path.read_text().splitlines():  # each grant says why
        if re.match(r"\s+(contents|pull-requests|actions): (read|write)", line):
            assert "#" in line, line


def test_service_images_are_pinned_by_digest() -> None:
    images = [service["image"] for path in EXAMPLES
              for job in load_example(path)["jobs"].values()
              for service in (job.get("services") or {}).values()]
    assert images
    for image in images:
        assert re.fullmatch(r"[\w./-]+:[\w.-]+@sha256:[0-9a-f]{64}", image), image


def test_zizmor_auditor_finds_nothing_but_the_findings_kept_with_a_reason() -> None:
    zizmor = Path(sys.executable).parent / "zizmor"
    result = subprocess.run(
        [str(zizmor), "--offline", "--persona", "auditor", "--format", "json",
         *map(str, EXAMPLES)], capture_output=True, text=True, timeout=120, check=False,
        cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout) == []
    kept = [line for path in EXAMPLES for line in path.read_text().splitlines()
            if "zizmor: ignore[" in line]
    assert len(kept) == 2
    for line in kept:  # the reason follows the rule
        assert re.search(r"ignore\[[\w-]+\]\s+\w+.{20,}", line), line


def test_the_readmes_fork_section_shows_the_example_files() -> None:
    section = README[README.index("### Comments on pull requests from forks"):]
    blocks = re.findall(r"```yaml\n(.*?)```", section, re.S)
    assert blocks[:2] == [(ROOT / "docs" / "examples" / name).read_text()
                          for name in ("fork-safe-load-test.yml", "fork-safe-comment.yml")]


def test_the_fork_safe_stage_two_runs_the_pinned_code_and_posts(tmp_path: Path) -> None:
    path = ROOT / "docs" / "examples" / "fork-safe-comment.yml"
    checkout = next(s for s in steps(path) if s.get("uses", "").startswith("actions/checkout"))
    post = next(s for s in steps(path) if s.get("name") == "Post the comment")
    where = checkout["with"]["path"]
    assert checkout["with"]["repository"] == "OWNER/locust-gate"
    assert post["env"]["PYTHONPATH"] == where
    install, *script = post["run"].strip().splitlines()
    # the dependencies, pinned by the Action; locust-gate's own code is the checkout
    assert install.split()[-2:] == ["-r", f"{where}/action/requirements.txt"]
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    (workspace / where).symlink_to(ROOT)  # what the checkout step puts there
    artifact = report_dir(tmp_path / "report")
    (artifact / "pull-request.json").write_text(json.dumps({"number": 7, "head_sha": HEAD}))
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"action": "completed", "workflow_run": {
        "id": 99, "head_sha": HEAD, "event": "pull_request", "conclusion": "failure",
        "pull_requests": [], "head_repository": {"full_name": "fork/app"}}}))
    with FakeGitHub() as gh:
        gh.add_pull(REPO, 7, head_sha=HEAD, head_repo="fork/app")
        env = {
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
            "HOME": str(tmp_path), "GITHUB_ACTIONS": "true", "GITHUB_API_URL": gh.api_url,
            "GITHUB_REPOSITORY": REPO, "GITHUB_EVENT_NAME": "workflow_run",
            "GITHUB_EVENT_PATH": str(event), "GITHUB_TOKEN": TOKEN,
            "REPORT": str(artifact), "PYTHONPATH": post["env"]["PYTHONPATH"],
        }
        proc = subprocess.run(["bash", "-eo", "pipefail", "-c", "\n".join(script)],
                              cwd=workspace, env=env, capture_output=True, text=True,
                              timeout=60, check=False)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert "comment created" in proc.stdout
        (posted,) = gh.comments(REPO, 7)
    assert posted["user"]["login"] == BOT.login
    assert "Load test gate: **FAIL**" in posted["body"]
