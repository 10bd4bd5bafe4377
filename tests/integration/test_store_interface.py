"""One store interface for every kind, on real files and a real git origin: the store
string parsed once at the edge into a typed `StoreSpec` (click options, locust-gate.yml),
save/read/prune through `opened` alike for a file, a directory and a data branch, and the
one atomic writer behind every stored file (modes, no overwrite, no link followed)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from gate.baseline import ops
from gate.baseline.store import opened
from gate.baseline.stored import GitInfo, StoredRun
from gate.baseline.storespec import DEFAULT_KEEP, Kind, StoreSpec, parse_spec
from gate.files import atomic
from gate.harness.config import load_config
from gate.harness.settings import BY_KEY
from tests import factory
from tests.integration.test_baseline_git import clone, origin  # noqa: F401 (the fixture)


def a_run(i: int, branch: str = "main") -> StoredRun:
    results = factory.results(factory.endpoint("/a", [40.0 + i + k % 5 for k in range(50)]))
    results = replace(results, meta=replace(results.meta, end_time=results.meta.end_time + i))
    return StoredRun(results=results, git=GitInfo(commit=f"c0ffee{i}", branch=branch),
                     saved_at=1.0 + i)


@pytest.fixture
def umask() -> Iterator[None]:
    old = os.umask(0o022)
    yield
    os.umask(old)


def _exercise(spec: StoreSpec) -> list[str]:
    """Save three runs, read them back and prune to one, all through the one interface."""
    with opened(spec) as store:
        for i in range(3):
            store.save(a_run(i), keep=5)
    with opened(spec) as store:
        commits = [store.read(e).git.commit or "" for e in store.entries()]
    with opened(spec) as store:
        store.prune(keep=1)
    with opened(spec) as store:
        return [*commits, "|", *(store.read(e).git.commit or "" for e in store.entries())]


def test_file_and_dir_stores_answer_the_same_interface(tmp_path: Path) -> None:
    # A file holds one run: each save replaces it, and prune has nothing to drop.
    assert _exercise(parse_spec(f"{tmp_path}/b.json")) == ["c0ffee2", "|", "c0ffee2"]
    assert _exercise(parse_spec(f"{tmp_path}/h/")) == [
        "c0ffee0", "c0ffee1", "c0ffee2", "|", "c0ffee2"]


@pytest.mark.e2e
def test_the_git_store_answers_the_same_interface(
    origin: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    repo = clone(origin, tmp_path / "work")
    monkeypatch.chdir(repo)  # a git: store is the data branch of the repository here
    for key in [k for k in os.environ if k.startswith("GITHUB_")]:
        monkeypatch.delenv(key)
    assert _exercise(parse_spec("git:")) == ["c0ffee0", "c0ffee1", "c0ffee2", "|", "c0ffee2"]
    listing = subprocess.run(["git", "ls-tree", "-r", "--name-only", "locust-gate-data"],
                             cwd=origin, capture_output=True, text=True, check=True).stdout
    assert listing.count("runs/main/") == 1 and "index.json" in listing


def test_stored_files_follow_the_umask_like_every_file_the_gate_writes(
    tmp_path: Path, umask: None
) -> None:
    ops.save(parse_spec(f"{tmp_path}/h/"), a_run(1), keep=DEFAULT_KEEP)
    ops.save(parse_spec(f"{tmp_path}/one.json"), a_run(1), keep=DEFAULT_KEEP)
    (entry,) = (tmp_path / "h" / "runs" / "main").iterdir()
    for path in (entry, tmp_path / "h" / "index.json", tmp_path / "one.json"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path
    os.umask(0o077)  # a private store stays private
    ops.save(parse_spec(f"{tmp_path}/p/"), a_run(2), keep=DEFAULT_KEEP)
    (private,) = (tmp_path / "p" / "runs" / "main").iterdir()
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    # No temporary file of any write is left behind.
    assert not [p for p in tmp_path.rglob(".*.tmp")]


def test_create_new_never_overwrites_nor_follows_a_link(tmp_path: Path) -> None:
    target = tmp_path / "runs" / "run.json"
    assert atomic.create_new(target, "first\n") is True
    assert atomic.create_new(target, "second\n") is False
    assert target.read_text() == "first\n"
    outside = tmp_path / "outside.txt"
    outside.write_text("theirs\n")
    link = tmp_path / "runs" / "link.json"
    link.symlink_to(outside)
    assert atomic.create_new(link, "ours\n") is False  # the name is taken: nothing written
    assert outside.read_text() == "theirs\n" and link.is_symlink()
    assert sorted(p.name for p in target.parent.iterdir()) == ["link.json", "run.json"]


def test_the_store_is_typed_from_the_edge_on(tmp_path: Path) -> None:
    (tmp_path / "locustfile.py").write_text("# a locustfile\n")
    (tmp_path / "history").mkdir()
    config = tmp_path / "locust-gate.yml"
    config.write_text("locustfile: locustfile.py\nbaseline: git:perf@upstream\n"
                      "save-baseline: history/\n")
    loaded = load_config(config, {}, cwd=tmp_path)
    assert loaded.baseline == parse_spec("git:perf@upstream")
    assert loaded.baseline is not None and loaded.baseline.kind is Kind.GIT
    assert loaded.save_baseline is not None and loaded.save_baseline.kind is Kind.DIR
    assert loaded.keep == DEFAULT_KEEP == BY_KEY["keep"].default


def test_a_bad_store_option_is_refused_where_it_enters(tmp_path: Path) -> None:
    for argv in (["baseline", "list", "--store", "x.yml"],
                 ["check", "r.json", "--thresholds", "t.yml", "--baseline", "x.yml"],
                 ["trend", "--store", "git:a..b"]):
        proc = subprocess.run([sys.executable, "-m", "gate", *argv], cwd=tmp_path,
                              capture_output=True, text=True, timeout=60, check=False)
        assert proc.returncode == 2, (argv, proc.stderr)
        assert "Traceback" not in proc.stderr
        assert "git:BRANCH[@REMOTE]" in proc.stderr, proc.stderr  # the fix names the syntax
