"""The git data branch with real git: a bare repository as `origin`, real clones (one of
them shallow), two jobs saving at the same moment, prune, and corrupt entries."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gate.results import resultsfile
from tests import factory

pytestmark = pytest.mark.e2e

BRANCH = "locust-gate-data"


def git(*args: str | Path, cwd: Path) -> str:
    done = subprocess.run(["git", *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          timeout=60, check=True)
    return done.stdout.strip()


def gate(*args: str | Path, cwd: Path, env: dict[str, str] | None = None
         ) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    return subprocess.run(
        [sys.executable, "-m", "gate", *map(str, args)], cwd=cwd, capture_output=True,
        text=True, timeout=120, check=False, env={**clean, **(env or {})},
    )


def configure(repo: Path) -> None:
    git("config", "user.name", "Test", cwd=repo)
    git("config", "user.email", "test@example.com", cwd=repo)


@pytest.fixture
def origin(tmp_path: Path) -> Path:
    """A bare origin with a `main` of three commits (so a depth-1 clone is really shallow)."""
    bare = tmp_path / "origin.git"
    git("init", "--bare", "-b", "main", bare, cwd=tmp_path)
    seed = tmp_path / "seed"
    git("clone", bare, seed, cwd=tmp_path)
    configure(seed)
    for i in range(3):
        (seed / "app.txt").write_text(f"version {i}\n")
        git("add", "app.txt", cwd=seed)
        git("commit", "-m", f"commit {i}", cwd=seed)
    git("push", "origin", "main", cwd=seed)
    return bare


def clone(origin: Path, into: Path, *, shallow: bool = False) -> Path:
    args = ["clone", "--depth", "1", f"file://{origin}"] if shallow else ["clone", origin]
    git(*args, into, cwd=into.parent)
    configure(into)
    return into


def results_file(tmp_path: Path, name: str, ms: float, end_offset: float = 0.0) -> Path:
    run = factory.results(factory.endpoint("/a", [ms + (i % 7) for i in range(200)]))
    meta = run.meta.__class__(**{**run.meta.__dict__, "end_time": run.meta.end_time + end_offset})
    path = tmp_path / f"{name}.json"
    resultsfile.write(path, run.__class__(**{**run.__dict__, "meta": meta}))
    return path


def data_files(origin: Path) -> list[str]:
    listing = git("ls-tree", "-r", "--name-only", BRANCH, cwd=origin)
    return sorted(line for line in listing.splitlines() if line.startswith("runs/"))


def test_two_clones_saving_at_the_same_moment_both_land(origin: Path, tmp_path: Path) -> None:
    a = clone(origin, tmp_path / "a")
    b = clone(origin, tmp_path / "b")
    first = results_file(tmp_path, "first", 40)
    # Create the branch first so both jobs race on an existing branch, then race.
    assert gate("baseline", "save", first, "--store", "git:", cwd=a).returncode == 0
    runs = [results_file(tmp_path, f"r{i}", 40, end_offset=i + 1) for i in range(2)]
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "gate", "baseline", "save", str(path), "--store", "git:"],
            cwd=repo, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for repo, path in ((a, runs[0]), (b, runs[1]))
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert len(data_files(origin)) == 3  # nothing lost, nothing overwritten
    index = json.loads(git("show", f"{BRANCH}:index.json", cwd=origin))
    assert len(index["runs"]) == 3
    history = git("log", "--format=%s", BRANCH, cwd=origin).splitlines()
    assert len(history) == 3 and all(line.startswith("locust-gate: save") for line in history)
    # The user's own branch and working tree are untouched.
    assert git("status", "--porcelain", cwd=a) == ""
    assert git("rev-parse", "--abbrev-ref", "HEAD", cwd=a) == "main"


def test_the_data_branch_is_an_orphan_with_a_readable_tree(origin: Path, tmp_path: Path) -> None:
    a = clone(origin, tmp_path / "a")
    proc = gate("baseline", "save", results_file(tmp_path, "r", 40), "--store", "git:", cwd=a)
    assert proc.returncode == 0, proc.stderr
    head = git("rev-parse", "HEAD", cwd=a)
    (name,) = data_files(origin)
    assert name.startswith("runs/main/") and name.endswith(f"-{head[:12]}.json")
    assert git("rev-list", "--count", BRANCH, cwd=origin) == "1"  # no parent: an orphan
    stored = json.loads(git("show", f"{BRANCH}:{name}", cwd=origin))
    assert stored["schema"] == "locust-gate/stored-run" and stored["git"]["commit"] == head
    assert stored["results"]["series"] == []


def test_a_shallow_clone_saves_and_compares(origin: Path, tmp_path: Path) -> None:
    shallow = clone(origin, tmp_path / "shallow", shallow=True)
    assert git("rev-parse", "--is-shallow-repository", cwd=shallow) == "true"
    for i in range(3):
        path = results_file(tmp_path, f"s{i}", 40, end_offset=i)
        proc = gate("baseline", "save", path, "--store", "git:", cwd=shallow)
        assert proc.returncode == 0, proc.stderr
    assert len(data_files(origin)) == 3
    thresholds = tmp_path / "t.yml"
    thresholds.write_text("version: 1\ndefaults: {p95: 5s}\n")
    slow = results_file(tmp_path, "slow", 80, end_offset=10)
    proc = gate("check", slow, "--thresholds", thresholds, "--baseline", "git:",
                "--report-dir", tmp_path / "out", cwd=shallow)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    verdict = json.loads((tmp_path / "out" / "verdict.json").read_text())
    assert verdict["baseline"]["runs"] == 3 and verdict["baseline"]["branch"] == "main"
    regressed = {c["metric"] for c in verdict["checks"] if c["outcome"] == "regressed"}
    assert {"p50", "p95"} <= regressed


def test_prune_keeps_n_per_branch(origin: Path, tmp_path: Path) -> None:
    a = clone(origin, tmp_path / "a")
    for i in range(4):
        path = results_file(tmp_path, f"p{i}", 40, end_offset=i)
        assert gate("baseline", "save", path, "--store", "git:", cwd=a).returncode == 0
    other = results_file(tmp_path, "other", 40, end_offset=9)
    proc = gate("baseline", "save", other, "--store", "git:", "--branch", "feature/x", cwd=a)
    assert proc.returncode == 0, proc.stderr
    before = data_files(origin)
    proc = gate("baseline", "prune", "--store", "git:", "--keep", "2", cwd=a)
    assert proc.returncode == 0, proc.stderr
    after = data_files(origin)
    main = sorted(f for f in before if f.startswith("runs/main/"))
    assert after == sorted([*main[-2:], *(f for f in before if "feature%2Fx" in f)])
    listing = gate("baseline", "list", "--store", "git:", cwd=a)
    assert "branch main): 2 run(s)" in listing.stdout and "feature/x" in listing.stdout


def test_a_corrupt_entry_is_an_error_naming_store_and_entry(origin: Path, tmp_path: Path) -> None:
    a = clone(origin, tmp_path / "a")
    assert gate("baseline", "save", results_file(tmp_path, "r", 40), "--store", "git:",
                cwd=a).returncode == 0
    data = clone(origin, tmp_path / "data")
    git("checkout", BRANCH, cwd=data)
    (name,) = [p for p in git("ls-files", cwd=data).splitlines() if p.startswith("runs/")]
    path = data / name
    path.write_text(path.read_text()[:100])
    git("commit", "-am", "truncate", cwd=data)
    git("push", "origin", BRANCH, cwd=data)
    proc = gate("baseline", "list", "--store", "git:", cwd=a)
    assert proc.returncode == 2
    assert "truncated" in proc.stderr and name in proc.stderr and "git:" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_outside_a_repository_the_error_says_so(tmp_path: Path) -> None:
    proc = gate("baseline", "list", "--store", "git:", cwd=tmp_path)
    assert proc.returncode == 2
    assert "git repository" in proc.stderr and "Traceback" not in proc.stderr
