"""The history mode made honest about its baseline (issue 22), on real git repositories
in temp dirs and the real `check --baseline`: only the base branch's runs at or before the
pull request's merge-base are used (also from GitHub's merge commit), the report and the
comment say which, and a stale, low-coverage or other-machine baseline is flagged."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from gate.baseline import machine, ops, stored
from gate.baseline.stored import GitInfo, StoredRun
from gate.baseline.storespec import parse_spec
from gate.core.comparability import Machine
from gate.core.model import Results
from gate.errors import UserError
from gate.results import resultsfile
from tests import factory
from tests.integration.test_baseline_git import configure, git

pytestmark = pytest.mark.e2e
DAY = 86_400.0


def results(ms: float, *names: str, age_s: float = 3600.0) -> Results:
    run = factory.results(*(factory.endpoint(n, [ms + i % 3 for i in range(200)])
                            for n in names or ("/a",)))
    end = time.time() - age_s
    return replace(run, meta=replace(run.meta, start_time=end - 10, end_time=end))


def save(store: Path, run: Results, commit: str, here: Machine | None = None) -> None:
    ops.save(parse_spec(f"{store}/"), StoredRun(
        results=run, git=GitInfo(commit=commit, branch="main"), saved_at=time.time(),
        machine=here or machine.current()), keep=20)


def commit(repo: Path, text: str) -> str:
    (repo / f"{text}.txt").write_text(text)  # a file per commit: merges never conflict
    git("add", f"{text}.txt", cwd=repo)
    git("commit", "-q", "-m", text, cwd=repo)
    return git("rev-parse", "HEAD", cwd=repo)


@pytest.fixture
def history(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """main: c1 - c2 - c3, runs stored for c1 and c3 (c3's twice as slow); the branch
    `feature` forks at c2 and adds f1."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git("init", "-q", "-b", "main", cwd=repo)
    configure(repo)
    shas = {name: commit(repo, name) for name in ("c1", "c2", "c3")}
    git("checkout", "-q", "-b", "feature", shas["c2"], cwd=repo)
    shas["f1"] = commit(repo, "f1")
    save(tmp_path / "store", results(40), shas["c1"])
    save(tmp_path / "store", results(80), shas["c3"])
    return repo, shas


def check(cwd: Path, tmp_path: Path, current: Results, *, env: dict[str, str] | None = None
          ) -> tuple[int, dict[str, object], str, str]:
    path = tmp_path / "current.json"
    resultsfile.write(path, current)
    thresholds = tmp_path / "t.yml"
    thresholds.write_text("version: 1\nbaseline:\n  history: 10\n  max-age-days: 30\n")
    out = tmp_path / "out"
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    proc = subprocess.run(
        [sys.executable, "-m", "gate", "check", str(path), "--thresholds", str(thresholds),
         "--baseline", f"{tmp_path}/store/", "--report-dir", str(out)],
        cwd=cwd, capture_output=True, text=True, timeout=120, check=False,
        env={**clean, **(env or {})},
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    verdict = json.loads((out / "verdict.json").read_text())
    return proc.returncode, verdict, (out / "report.md").read_text(), (
        out / "comment.md").read_text()


def _outcomes(verdict: dict[str, object]) -> set[str]:
    checks = verdict["checks"]
    assert isinstance(checks, list)
    return {c["outcome"] for c in checks if c.get("comparison")}


def test_runs_after_the_merge_base_are_left_out(
    history: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    repo, shas = history
    code, verdict, report, comment = check(repo, tmp_path, results(40))
    baseline = verdict["baseline"]
    assert isinstance(baseline, dict)
    assert baseline["commit"] == shas["c1"] and baseline["runs"] == 1  # not c3's run
    fit = baseline["fit"]
    assert (fit["merge_base"], fit["behind"], fit["left_out"]) == (shas["c2"], 1, 1)
    # c3's run (twice as slow) would have made this run "improved": it was not compared.
    assert code == 0 and "improved" not in _outcomes(verdict)
    line = (f"1 run of main up to {shas['c2'][:7]}, 1 commit behind the merge-base; "
            "1 newer run(s) left out")
    assert line in report and line in comment


def test_from_githubs_merge_commit_the_pull_requests_head_decides(
    history: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    repo, shas = history
    # actions/checkout of a pull_request event: a detached merge of the head into main's tip.
    git("checkout", "-q", "--detach", shas["c3"], cwd=repo)
    git("merge", "-q", "--no-ff", "-m", "merge", "feature", cwd=repo)
    _, verdict, _, comment = check(repo, tmp_path, results(40),
                                   env={"GITHUB_HEAD_REF": "feature", "GITHUB_BASE_REF": "main"})
    baseline = verdict["baseline"]
    assert isinstance(baseline, dict)
    assert baseline["fit"]["merge_base"] == shas["c2"] and baseline["commit"] == shas["c1"]
    assert f"up to {shas['c2'][:7]}" in comment


def test_a_merge_base_older_than_every_stored_run_is_said_not_hidden(
    history: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    repo, shas = history
    git("checkout", "-q", "-b", "old", shas["c1"], cwd=repo)  # forks at c1 ...
    runs = tmp_path / "store" / "runs" / "main"
    for entry in runs.iterdir():
        if shas["c1"][:12] in entry.name:
            entry.unlink()  # ... whose run is gone: only c3's, after the fork, is left
    code, verdict, report, comment = check(repo, tmp_path, results(40))
    baseline = verdict["baseline"]
    assert isinstance(baseline, dict)
    assert baseline["runs"] == 0 and baseline["fit"]["caveats"] == ["none-before-merge-base"]
    assert (code, verdict["verdict"]) == (0, "warn")  # as an empty store: never a pass
    line = f"none of the stored runs of main is at or before the merge-base {shas['c1'][:7]}"
    assert line in report and line in comment


def test_without_git_the_newest_runs_are_used_and_it_says_so(
    history: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    elsewhere = tmp_path / "not-a-repo"
    elsewhere.mkdir()
    _, verdict, report, comment = check(elsewhere, tmp_path, results(80))
    baseline = verdict["baseline"]
    assert isinstance(baseline, dict)
    assert baseline["commit"] == history[1]["c3"] and baseline["runs"] == 2  # today's way
    assert baseline["fit"]["merge_base"] is None
    line = "2 runs of main, the newest stored (no git repository here)"
    assert line in report and line in comment


def test_commits_unknown_to_the_clone_fall_back_to_the_newest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git("init", "-q", "-b", "main", cwd=repo)
    configure(repo)
    commit(repo, "only")
    save(tmp_path / "store", results(40), "ab" * 20)  # a commit this clone never saw
    save(tmp_path / "store", results(40), "--upload-pack=touch pwned")  # hostile: no option
    monkeypatch.chdir(repo)
    for key in [k for k in os.environ if k.startswith("GITHUB_")]:
        monkeypatch.delenv(key)
    loaded = ops.load_baseline(parse_spec(f"{tmp_path}/store/"), branch="main", limit=10,
                               at_merge_base=True)
    assert len(loaded.runs) == 2 and loaded.lineage.merge_base is None
    assert "none of its runs' commits is in this clone's history" in (
        loaded.lineage.no_merge_base or "")
    assert not (repo / "pwned").exists()


def test_a_stale_low_coverage_other_machine_baseline_is_flagged_not_failed(
    tmp_path: Path
) -> None:
    other = Machine(cpu="<img src=x onerror=alert(1)> Xeon", cores=64)
    save(tmp_path / "store", results(40, "/a", age_s=40 * DAY), "c" * 40, here=other)
    code, verdict, report, comment = check(tmp_path, tmp_path, results(40, "/a", "/b", "/c"))
    assert code == 0 and verdict["verdict"] == "pass"  # flagged, never failed for it
    baseline = verdict["baseline"]
    assert isinstance(baseline, dict)
    assert baseline["fit"]["caveats"] == ["stale", "low-coverage", "other-machine"]
    assert baseline["fit"]["machine"] == {"cpu": other.cpu, "cores": 64}
    for text in (report, comment):
        assert "⚠️ newest 40 days old" in text
        assert "⚠️ covers 1 of 3 endpoints (33 %)" in text
        assert "(more than 30 days)" in text  # the warning line
        assert "another kind of machine" in text
        assert "<img" not in text and "&lt;img" in text  # a store's text is escaped


def test_machines_are_stored_with_each_run_and_checked_on_reading(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    resultsfile.write(path, results(40))
    proc = subprocess.run([sys.executable, "-m", "gate", "baseline", "save", str(path),
                           "--store", f"{tmp_path}/s/", "--branch", "main"],
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    (entry,) = (tmp_path / "s" / "runs" / "main").iterdir()
    data = json.loads(entry.read_text())
    here = machine.current()
    assert data["machine"] == {"cpu": here.cpu, "cores": here.cores}
    shown = subprocess.run([sys.executable, "-m", "gate", "baseline", "show", "--store",
                            f"{tmp_path}/s/"], capture_output=True, text=True, timeout=60,
                           check=False)
    assert f"machine:     {here.label}" in shown.stdout, shown.stdout + shown.stderr
    del data["machine"]  # a run stored before machines were recorded
    assert stored.loads(json.dumps(data), store="s/", entry="e").machine is None
    for bad in ({"cpu": 4}, {"cores": "4"}, {"cores": True}, {"cpu": "x" * 201}, "epyc"):
        with pytest.raises(UserError, match="machine") as info:
            stored.loads(json.dumps({**data, "machine": bad}), store="s/", entry="e")
        assert info.value.where == "store s/, entry e"
