"""Baseline stores as a trust boundary, attacked for real: symlinked store folders and files
(a restored cache or an artifact keeps links), a data branch with a committed link, a code
branch named as the store, credentials in a store URL, hostile branch names, rapid saves
with --keep, self-contradicting stored runs, a disk that fills up (a tmpfs mounted here),
ten saves at once in one clone, and a repository without `origin`."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from gate.results import resultsfile
from tests import factory
from tests.integration.test_baseline_git import (
    BRANCH,
    clone,
    data_files,
    git,
    origin,  # noqa: F401 (the fixture)
    results_file,
)

pytestmark = pytest.mark.e2e

TOKEN = "ghp_S3cretT0kenValue42"  # a fake credential the tests hunt for


def gate(*args: str | Path, cwd: Path, env: dict[str, str] | None = None,
         timeout: float = 120) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    return subprocess.run(
        [sys.executable, "-m", "gate", *map(str, args)], cwd=cwd, capture_output=True,
        text=True, timeout=timeout, check=False, env={**clean, **(env or {})},
    )


def refused(proc: subprocess.CompletedProcess[str], *words: str) -> None:
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    for word in words:
        assert word in proc.stderr, proc.stderr


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` (not following links) and its bytes."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*")) if p.is_file() and not p.is_symlink()
    }


def a_results(tmp_path: Path, name: str = "r", *, fingerprint: str | None = None) -> Path:
    run = factory.results(factory.endpoint("/a", [40 + i % 5 for i in range(100)]))
    run = replace(run, meta=replace(run.meta, fingerprint=fingerprint))
    path = tmp_path / f"{name}.json"
    resultsfile.write(path, run)
    return path


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder outside every store, holding files that look like stored runs."""
    folder = tmp_path / "outside"
    folder.mkdir()
    results = a_results(tmp_path, "seed")
    proc = gate("baseline", "save", results, "--store", f"{tmp_path}/seedstore/",
                "--branch", "main", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    (entry,) = (tmp_path / "seedstore" / "runs" / "main").iterdir()
    for name in ("20200101T000000Z-aaaa.json", "20200102T000000Z-bbbb.json", "notes.json"):
        (folder / name).write_bytes(entry.read_bytes())
    return folder


# --- links in a dir store, a file store and a data branch ---------------------------------


def test_a_linked_branch_folder_is_refused_and_nothing_outside_changes(
    tmp_path: Path, outside: Path
) -> None:
    store = tmp_path / "cache"
    (store / "runs").mkdir(parents=True)
    (store / "runs" / "main").symlink_to(outside, target_is_directory=True)
    before = snapshot(outside)
    results = a_results(tmp_path)
    proc = gate("baseline", "save", results, "--store", f"{store}/", "--keep", "1",
                "--branch", "main", cwd=tmp_path)
    refused(proc, "runs/main", "symbolic link", "remove the link")
    assert snapshot(outside) == before  # nothing written through, nothing pruned
    for command in (("list",), ("prune", "--keep", "1")):
        refused(gate("baseline", *command, "--store", f"{store}/", cwd=tmp_path), "runs/main")
    thresholds = tmp_path / "t.yml"
    thresholds.write_text("version: 1\ndefaults: {p95: 5s}\n")
    refused(gate("check", results, "--thresholds", thresholds, "--baseline", f"{store}/",
                 cwd=tmp_path), "symbolic link")
    assert snapshot(outside) == before
    assert not (store / "index.json").exists()


@pytest.mark.parametrize("what", ["entry", "index", "runs"])
def test_a_linked_entry_index_or_runs_folder_is_refused(
    tmp_path: Path, outside: Path, what: str
) -> None:
    store = tmp_path / "cache"
    results = a_results(tmp_path)
    assert gate("baseline", "save", results, "--store", f"{store}/", "--branch", "main",
                cwd=tmp_path).returncode == 0
    main = store / "runs" / "main"
    if what == "entry":  # an older-looking entry that prune would delete
        (main / "20000101T000000Z-aaaa.json").symlink_to(outside / "20200101T000000Z-aaaa.json")
        name = "runs/main/20000101T000000Z-aaaa.json"
    elif what == "index":
        (store / "index.json").unlink()
        (store / "index.json").symlink_to(outside / "notes.json")
        name = "index.json"
    else:
        for entry in main.iterdir():
            entry.unlink()
        main.rmdir()
        (store / "runs").rmdir()
        (store / "runs").symlink_to(tmp_path / "seedstore" / "runs", target_is_directory=True)
        name = "runs"
    before, seeded = snapshot(outside), snapshot(tmp_path / "seedstore")
    proc = gate("baseline", "save", results, "--store", f"{store}/", "--keep", "1",
                "--branch", "main", cwd=tmp_path)
    refused(proc, f"{name} in the store is a symbolic link")
    refused(gate("baseline", "list", "--store", f"{store}/", cwd=tmp_path), name)
    assert snapshot(outside) == before and snapshot(tmp_path / "seedstore") == seeded


def test_a_fifo_in_a_store_is_refused_without_hanging(tmp_path: Path) -> None:
    store = tmp_path / "cache"
    (store / "runs" / "main").mkdir(parents=True)
    os.mkfifo(store / "runs" / "main" / "20200101T000000Z-aaaa.json")
    proc = gate("baseline", "list", "--store", f"{store}/", cwd=tmp_path, timeout=60)
    refused(proc, "is not a plain file")


def test_a_file_store_that_is_a_link_is_refused(tmp_path: Path, outside: Path) -> None:
    target = outside / "20200101T000000Z-aaaa.json"
    link = tmp_path / "baseline.json"
    link.symlink_to(target)
    before = snapshot(outside)
    results = a_results(tmp_path)
    refused(gate("baseline", "save", results, "--store", link, cwd=tmp_path),
            "baseline.json in the store is a symbolic link")
    thresholds = tmp_path / "t.yml"
    thresholds.write_text("version: 1\ndefaults: {p95: 5s}\n")
    refused(gate("check", results, "--thresholds", thresholds, "--baseline", link,
                 cwd=tmp_path), "symbolic link")
    assert snapshot(outside) == before and link.is_symlink()


@pytest.mark.parametrize(
    ("link", "points_to"),
    [("runs/main", "/etc"), ("runs/main/20000101T000000Z-aaaa.json", "../../../outside/x"),
     ("index.json", "runs")],
)
def test_a_link_committed_on_the_data_branch_is_refused(
    origin: Path, tmp_path: Path, link: str, points_to: str  # noqa: F811
) -> None:
    a = clone(origin, tmp_path / "a")
    assert gate("baseline", "save", results_file(tmp_path, "r", 40), "--store", "git:",
                cwd=a).returncode == 0
    data = clone(origin, tmp_path / "data")
    git("checkout", BRANCH, cwd=data)
    target = data / link
    if target.is_dir():
        git("rm", "-r", "-q", link, cwd=data)
    elif target.exists():
        git("rm", "-q", link, cwd=data)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.symlink_to(points_to)
    git("add", "-A", cwd=data)
    git("commit", "-qm", "a link", cwd=data)
    git("push", "-q", "origin", BRANCH, cwd=data)
    tip = git("rev-parse", BRANCH, cwd=origin)
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "x").write_text("outside\n")
    proc = gate("baseline", "save", results_file(tmp_path, "r2", 40, 5), "--store", "git:",
                "--keep", "1", cwd=a)
    refused(proc, f"{link} (on the data branch {BRANCH}) in the store is a symbolic link")
    refused(gate("baseline", "list", "--store", "git:", cwd=a), "symbolic link")
    assert git("rev-parse", BRANCH, cwd=origin) == tip  # nothing pushed
    assert (tmp_path / "outside" / "x").read_text() == "outside\n"


# --- a code branch is not a data branch -----------------------------------------------------


def test_a_code_branch_is_refused_as_a_store(origin: Path, tmp_path: Path) -> None:  # noqa: F811
    a = clone(origin, tmp_path / "a")
    tip = git("rev-parse", "main", cwd=origin)
    proc = gate("baseline", "save", results_file(tmp_path, "r", 40), "--store", "git:main",
                cwd=a)
    refused(proc, "the branch main is not a locust-gate data branch", "app.txt",
            "git:locust-gate-data")
    assert git("rev-parse", "main", cwd=origin) == tip  # nothing committed or pushed
    assert git("status", "--porcelain", cwd=a) == ""
    thresholds = tmp_path / "t.yml"
    thresholds.write_text("version: 1\ndefaults: {p95: 5s}\n")
    refused(gate("check", results_file(tmp_path, "r", 40), "--thresholds", thresholds,
                 "--baseline", "git:main", cwd=a), "not a locust-gate data branch")
    # An absent branch is fine: it is created as an orphan holding only the gate's files.
    proc = gate("baseline", "save", results_file(tmp_path, "r", 40), "--store", "git:perf",
                cwd=a)
    assert proc.returncode == 0, proc.stderr
    assert git("rev-list", "--count", "perf", cwd=origin) == "1"
    listing = git("ls-tree", "-r", "--name-only", "perf", cwd=origin).splitlines()
    assert listing[0] == "index.json" and all(p.startswith("runs/main/") for p in listing[1:])


# --- credentials in a store URL ----------------------------------------------------------------


def _everything(proc: subprocess.CompletedProcess[str], *folders: Path) -> str:
    texts = [proc.stdout, proc.stderr]
    for folder in folders:
        texts += [b.decode("utf-8", "replace") for b in snapshot(folder).values()]
    return "\n".join(texts)


def masked_first(proc: subprocess.CompletedProcess[str]) -> None:
    """The token appears only in ::add-mask:: lines, and each of them comes before the
    first line of anything else."""
    lines = proc.stdout.splitlines()
    masked = {line for line in lines if TOKEN in line}
    assert masked and all(line.startswith("::add-mask::") for line in masked)
    first_other = next(i for i, line in enumerate(lines) if not line.startswith("::add-mask::"))
    assert masked <= set(lines[:first_other]) and TOKEN not in proc.stderr


def test_credentials_in_a_failing_store_url_are_never_printed_or_written(
    tmp_path: Path,
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git("init", "-q", "-b", "main", cwd=repo)
    url = f"https://x-access-token:{TOKEN}@127.0.0.1:9/owner/repo.git"
    store = f"git:{BRANCH}@{url}"
    results = a_results(tmp_path)
    thresholds = tmp_path / "t.yml"
    thresholds.write_text("version: 1\ndefaults: {p95: 5s}\n")
    out = tmp_path / "out"
    runs = [
        gate("baseline", "save", results, "--store", store, cwd=repo),
        gate("baseline", "list", "--store", store, cwd=repo),
        gate("trend", "--store", store, cwd=repo),
        gate("check", results, "--thresholds", thresholds, "--baseline", store,
             "--report-dir", out, cwd=repo),
    ]
    for proc in runs:
        # git's own first line, with the URL as git shows it (no credentials)
        refused(proc, "cannot fetch the data branch", "https://127.0.0.1:9/owner/repo.git",
                "Failed to connect")
        assert TOKEN not in _everything(proc, repo, *([out] if out.exists() else []))
        assert "x-access-token" not in proc.stderr


def test_the_actions_save_step_masks_the_token_before_it_prints_the_store(
    tmp_path: Path,
) -> None:
    from gate.action.inputs import env_name

    repo = tmp_path / "repo"
    repo.mkdir()
    git("init", "-q", "-b", "main", cwd=repo)
    store = f"git:{BRANCH}@https://x-access-token:{TOKEN}@127.0.0.1:9/owner/repo.git"
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")},
           "GITHUB_ACTIONS": "true", env_name("save-baseline"): store,
           env_name("save-when"): "always", env_name("verdict"): "pass",
           env_name("results-json"): str(a_results(tmp_path))}
    proc = subprocess.run([sys.executable, "-m", "gate.action", "save-baseline"], cwd=repo,
                          capture_output=True, text=True, timeout=120, check=False, env=env)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    masked_first(proc)
    assert "saving the baseline to git:locust-gate-data@https://127.0.0.1:9/" in proc.stdout


def test_credentials_in_a_working_store_url_are_masked_in_actions_and_stored_nowhere(
    origin: Path, tmp_path: Path  # noqa: F811
) -> None:
    a = clone(origin, tmp_path / "a")
    url = f"https://x-access-token:{TOKEN}@example.invalid/owner/repo.git"
    git("config", f"url.{origin}.insteadOf", url, cwd=a)  # the URL reaches the bare origin
    store = f"git:{BRANCH}@{url}"
    summary, outputs = tmp_path / "summary.md", tmp_path / "outputs.txt"
    actions = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary),
               "GITHUB_OUTPUT": str(outputs), "GITHUB_WORKSPACE": str(a)}
    for i in range(2):
        proc = gate("baseline", "save", results_file(tmp_path, f"r{i}", 40, i), "--store",
                    store, cwd=a, env=actions)
        assert proc.returncode == 0, proc.stderr
        assert "example.invalid/owner/repo.git" in proc.stdout
    thresholds = tmp_path / "t.yml"
    thresholds.write_text("version: 1\ndefaults: {p95: 5s}\n")
    out = tmp_path / "out"
    check = gate("check", results_file(tmp_path, "now", 40, 9), "--thresholds", thresholds,
                 "--baseline", store, "--report-dir", out, cwd=a, env=actions)
    assert check.returncode == 0, check.stdout + check.stderr
    report = (out / "report.md").read_text()
    assert "example" in report and "invalid" in report  # the store is rendered (escaped)
    verdict = json.loads((out / "verdict.json").read_text())
    assert verdict["baseline"]["store"] == f"git:{BRANCH}@https://example.invalid/owner/repo.git"
    for done in (proc, check):
        masked_first(done)
    # Nothing stored or rendered holds it: reports, summary, outputs, the data branch.
    stored = git("log", "-p", "--format=%B", BRANCH, cwd=origin)
    files = "\n".join(b.decode("utf-8", "replace") for b in snapshot(out).values())
    everything = files + summary.read_text() + outputs.read_text() + stored
    assert TOKEN not in everything and "x-access-token" not in everything
    assert len(data_files(origin)) == 2


# --- branch names, --keep order, stored runs read with care --------------------------------


@pytest.mark.parametrize(("args", "env"), [
    (["--branch", ".."], {}), (["--branch", "."], {}), (["--branch", "a/../../x"], {}),
    ([], {"GITHUB_HEAD_REF": ".."}), ([], {"GITHUB_REF_NAME": ".hidden"}),
])
def test_a_branch_name_git_would_refuse_is_refused(
    tmp_path: Path, args: list[str], env: dict[str, str]
) -> None:
    store = tmp_path / "h"
    store.mkdir()
    proc = gate("baseline", "save", a_results(tmp_path), "--store", f"{store}/", *args,
                cwd=tmp_path, env=env)
    refused(proc, "is not a usable branch name", "git check-ref-format")
    assert list(tmp_path.rglob("*T*Z-*.json")) == []  # nothing written anywhere
    assert list(store.iterdir()) == []


def test_keep_never_drops_the_run_just_saved(tmp_path: Path) -> None:
    store = f"{tmp_path}/h/"
    results = a_results(tmp_path)
    for commit in ("ffffffff", "aaaaaaaa", "cccccccc", "aaaaaaaa", "aaaaaaaa"):
        proc = gate("baseline", "save", results, "--store", store, "--keep", "1",
                    "--branch", "main", "--commit", commit, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        saved = proc.stdout.split("saved ", 1)[1].split(" in ", 1)[0]
        kept = [f"runs/main/{p.name}" for p in (tmp_path / "h" / "runs" / "main").iterdir()]
        assert kept == [saved], proc.stdout


def test_a_stored_run_that_contradicts_itself_is_refused(tmp_path: Path) -> None:
    store = tmp_path / "h"
    results = a_results(tmp_path, fingerprint="f1")
    thresholds = tmp_path / "t.yml"
    thresholds.write_text("version: 1\ndefaults: {p95: 5s}\n")
    for damage, words in [
        (lambda e: e.update(num_failures=e["num_requests"] + 5), "failures but only"),
        (lambda e: e.update(response_times={"40": 10_000}), "the histogram holds"),
    ]:
        proc = gate("baseline", "save", results, "--store", f"{store}/", "--branch", "main",
                    cwd=tmp_path)
        assert proc.returncode == 0
        (entry,) = (store / "runs" / "main").iterdir()
        data = json.loads(entry.read_text())
        damage(data["results"]["endpoints"][0])
        entry.write_text(json.dumps(data))
        proc = gate("check", results, "--thresholds", thresholds, "--baseline", f"{store}/",
                    cwd=tmp_path)
        refused(proc, words, f"runs/main/{entry.name}", "delete the entry")
        entry.unlink()


def test_a_run_without_a_fingerprint_is_compared_with_a_warning_naming_it(
    tmp_path: Path,
) -> None:
    store = f"{tmp_path}/h/"
    names = []
    for name, fingerprint in (("known", "f1"), ("unknown", None)):
        proc = gate("baseline", "save", a_results(tmp_path, name, fingerprint=fingerprint),
                    "--store", store, "--branch", "main", cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        names.append(proc.stdout.split("saved ", 1)[1].split(" in ", 1)[0])
    thresholds = tmp_path / "t.yml"
    thresholds.write_text("version: 1\ndefaults: {p95: 5s}\n")
    proc = gate("check", a_results(tmp_path, "now", fingerprint="f1"), "--thresholds",
                thresholds, "--baseline", store, "--report-dir", tmp_path / "out", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    verdict = json.loads((tmp_path / "out" / "verdict.json").read_text())
    assert verdict["baseline"]["runs"] == 2  # compared, not dropped
    (warning,) = [w for w in verdict["warnings"] if "no fingerprint" in w]
    assert names[1] in warning and names[0] not in warning and "1 of 2" in warning


# --- git: messages, a missing origin, ten saves in one clone --------------------------------


def test_without_origin_the_message_keeps_gits_first_line(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git("init", "-q", "-b", "main", cwd=repo)
    proc = gate("baseline", "save", a_results(tmp_path), "--store", "git:", cwd=repo)
    refused(proc, "from origin: fatal: 'origin' does not appear to be a git repository",
            "git remote -v")
    assert "and the repository exists." not in proc.stderr


def test_ten_saves_at_once_in_one_clone_all_land(origin: Path, tmp_path: Path) -> None:  # noqa: F811
    a = clone(origin, tmp_path / "a")
    assert gate("baseline", "save", results_file(tmp_path, "first", 40), "--store", "git:",
                cwd=a).returncode == 0
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    go = tmp_path / "go"
    # Each process loads the gate, then waits for `go`: all ten reach git at one moment.
    start = (
        "import sys, time, pathlib\nfrom gate.cli import main\n"
        f"while not pathlib.Path({str(go)!r}).exists(): time.sleep(0.005)\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", start, "baseline", "save",
             str(results_file(tmp_path, f"p{i}", 40, i + 1)), "--store", "git:"],
            cwd=a, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=clean,
        )
        for i in range(10)
    ]
    time.sleep(2)  # let every process import the gate
    go.touch()
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0] * 10, outs
    assert len(data_files(origin)) == 11
    index = json.loads(git("show", f"{BRANCH}:index.json", cwd=origin))
    assert len(index["runs"]) == 11


# --- a full disk --------------------------------------------------------------------------


@contextlib.contextmanager
def small_disk(path: Path, size: str = "2m") -> Iterator[Path]:
    """A tmpfs of `size` mounted at `path` (root can), unmounted afterwards."""
    path.mkdir()
    try:
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                              capture_output=True, text=True, timeout=30, check=False)
    except OSError as exc:
        pytest.skip(f"cannot mount a tmpfs to fill up ({exc})")
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs to fill up: {done.stderr.strip() or 'not root'}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True, timeout=30,
                       check=False)


def fill(disk: Path) -> None:
    """Write until the disk is full, to the last byte."""
    fd = os.open(disk / "filler", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (65536, 512, 1):
            with contextlib.suppress(OSError):
                while True:
                    os.write(fd, b"\0" * size)
    finally:
        os.close(fd)
    with pytest.raises(OSError) as full:
        (disk / "filler-probe").write_bytes(b"\0" * 4096)
    assert full.value.errno == errno.ENOSPC


@pytest.mark.parametrize("kind", ["file", "dir"])
def test_a_full_disk_while_saving_is_exit_2_and_loses_nothing(tmp_path: Path, kind: str) -> None:
    with small_disk(tmp_path / "disk") as disk:
        store = f"{disk}/baseline.json" if kind == "file" else f"{disk}/h/"
        for i in range(2):
            proc = gate("baseline", "save", a_results(tmp_path, f"r{i}"), "--store", store,
                        "--branch", "main", cwd=tmp_path)
            assert proc.returncode == 0, proc.stderr
        before = snapshot(disk)
        fill(disk)
        proc = gate("baseline", "save", a_results(tmp_path, "r9"), "--store", store,
                    "--branch", "main", cwd=tmp_path)
        refused(proc, "No space left on device", "free space")
        after = snapshot(disk)
        assert {k: v for k, v in after.items() if not k.startswith("filler")} == before
        listing = gate("baseline", "list", "--store", store, cwd=tmp_path)
        assert listing.returncode == 0, listing.stderr


def test_a_full_disk_while_saving_to_a_data_branch_is_exit_2(
    origin: Path, tmp_path: Path  # noqa: F811
) -> None:
    with small_disk(tmp_path / "disk", size="8m") as disk:
        a = clone(origin, disk / "a")
        for i in range(2):
            proc = gate("baseline", "save", results_file(tmp_path, f"r{i}", 40, i), "--store",
                        "git:", cwd=a)
            assert proc.returncode == 0, proc.stderr
        before = data_files(origin)
        (disk / "tmp").mkdir()
        fill(disk)
        proc = gate("baseline", "save", results_file(tmp_path, "r9", 40, 9), "--store", "git:",
                    cwd=a, env={"TMPDIR": str(disk / "tmp")})
        refused(proc, "No space left on device")
        assert data_files(origin) == before
        for filler in disk.glob("filler*"):
            filler.unlink()
        assert git("status", "--porcelain", cwd=a) == ""


def test_run_with_credentials_in_both_stores_prints_and_writes_no_token(tmp_path: Path) -> None:
    from tests.e2e.test_orchestrate import run_gate, write_config
    from tests.support import backend

    bare = tmp_path / "origin.git"
    git("init", "-q", "--bare", "-b", "main", bare, cwd=tmp_path)
    git("init", "-q", "-b", "main", cwd=tmp_path)
    url = f"https://x-access-token:{TOKEN}@example.invalid/owner/repo.git"
    git("config", f"url.{bare}.insteadOf", url, cwd=tmp_path)
    store = f"git:{BRANCH}@{url}"
    config = write_config(tmp_path, port=backend.free_port())
    gate_run, code = run_gate(config, "--baseline", store, "--save-baseline", store)
    assert code == 0, gate_run.stderr + gate_run.stdout
    assert f"in git:{BRANCH}@https://example.invalid/owner/repo.git" in gate_run.stderr
    assert gate_run.verdict()["baseline"]["store"] == (  # type: ignore[index]
        f"git:{BRANCH}@https://example.invalid/owner/repo.git")
    files = {name: data for name, data in snapshot(tmp_path).items()
             if not name.startswith(("origin.git", ".git"))}
    assert any(name.endswith("report.md") for name in files)
    stored = git("log", "-p", "--format=%B", BRANCH, cwd=bare)
    for text in (gate_run.stdout, gate_run.stderr, stored,
                 *(data.decode("utf-8", "replace") for data in files.values())):
        assert TOKEN not in text and "x-access-token" not in text
