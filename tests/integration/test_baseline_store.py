"""Stored runs and file/dir stores on real files; the baseline: section's errors; and
`check --baseline` end to end on a real Locust run."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from gate.baseline import ops, stored
from gate.baseline.dirstore import DirStore
from gate.baseline.layout import Entry, entry_name, ordered, to_prune
from gate.baseline.stored import GitInfo, StoredRun
from gate.baseline.storespec import Kind, parse_spec, ref_problem
from gate.commands.suggest import suggest
from gate.core.rules import Level, Metric
from gate.errors import UserError
from gate.results import resultsfile
from gate.thresholds.parser import parse
from tests import factory
from tests.support.locustrun import LocustRun
from tests.unit.test_baseline_trend import history as trend_history


def a_run(end: float = 0.0, branch: str = "main", commit: str = "abc123") -> StoredRun:
    results = factory.results(factory.endpoint("/a", [40 + i % 5 for i in range(100)]))
    results = replace(results, meta=replace(results.meta, end_time=results.meta.end_time + end))
    return StoredRun(results=results, git=GitInfo(commit=commit, branch=branch), saved_at=1.0)


def gate(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gate", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=120, check=False)


def test_store_strings() -> None:
    assert parse_spec("git:").branch == "locust-gate-data"
    spec = parse_spec("git:perf@upstream")
    assert (spec.kind, spec.branch, spec.remote) == (Kind.GIT, "perf", "upstream")
    assert parse_spec("out/history/").kind is Kind.DIR
    assert parse_spec("baseline.json").kind is Kind.FILE
    with pytest.raises(UserError, match="cannot tell"):
        parse_spec("baseline.yml")
    with pytest.raises(UserError, match="branch name"):
        parse_spec("git:bad branch")
    # Credentials never reach the text; git still gets the URL as given.
    spec = parse_spec("git:data@https://user:p@ss%40w0rd@host.example/r.git")
    assert spec.text == "git:data@https://host.example/r.git"
    assert spec.remote == "https://user:p@ss%40w0rd@host.example/r.git"
    assert spec.remote_label == "https://host.example/r.git"
    for bad in ("git:..", "git:a..b", "git:x.lock", "git:-x"):
        with pytest.raises(UserError, match="branch name"):
            parse_spec(bad)


NAMES = ["main", "feature/x", "release-1.2", "dependabot/pip/a-1.0", "ünïcode", "a%2Fb",
         "..", ".", ".hidden", "a/.b", "a..b", "x.lock", "a/x.lock/b", "HEAD", "-x", "a b",
         "a\tb", "a~1", "a^", "a:b", "a?", "a*", "a[b", "a\\b", "a/", "/a", "a//b", "a.",
         "a@{1}", "a@b", "", "a\x7fb"]


def test_branch_names_are_refused_exactly_as_git_refuses_them(tmp_path: Path) -> None:
    for name in NAMES:
        done = subprocess.run(["git", "check-ref-format", "--branch", name], cwd=tmp_path,
                              capture_output=True, timeout=30, check=False)
        assert (ref_problem(name) is None) == (done.returncode == 0), name


def test_a_stored_run_round_trips_without_the_series(tmp_path: Path) -> None:
    run = a_run()
    text = stored.dumps(run)
    back = stored.loads(text, store="s", entry="e")
    assert back.results.endpoints == stored.slim(run.results).endpoints
    assert back.git == run.git and back.results.series == ()
    data = json.loads(text)
    assert data["schema"] == "locust-gate/stored-run" and data["version"] == 1


@pytest.mark.parametrize(
    ("mangle", "words"),
    [
        (lambda t: t[: len(t) // 2], "truncated"),
        (lambda t: t.replace('"version": 1', '"version": 7', 1), "newer locust-gate"),
        (lambda t: t.replace("locust-gate/stored-run", "other", 1), "not a locust-gate stored"),
        (lambda t: t.replace('"num_requests": 100', '"num_requests": "x"', 1), "damaged"),
        (lambda t: "", "is empty"),
        (lambda t: t.replace(":", ";", 1), "not valid JSON"),
    ],
)
def test_bad_entries_name_store_entry_and_fix(mangle: object, words: str) -> None:
    text = mangle(stored.dumps(a_run()))  # type: ignore[operator]
    with pytest.raises(UserError) as info:
        stored.loads(text, store="hist/", entry="runs/main/x.json")
    error = info.value
    assert words in error.what
    assert error.where == "store hist/, entry runs/main/x.json" and error.fix


def test_dir_store_saves_names_and_caps(tmp_path: Path) -> None:
    store = DirStore(tmp_path, parse_spec(f"{tmp_path}/"))
    names = [store.save(a_run(end=i), keep=3)[0].name for i in range(5)]
    assert names[0].startswith("runs/main/") and names[0].endswith("-abc123.json")
    kept = [e.name for e in store.entries()]
    assert kept == names[-3:]
    store.save(a_run(end=0, branch="feature/x"), keep=3)
    assert (tmp_path / "runs" / "feature%2Fx").is_dir()
    index = json.loads((tmp_path / "index.json").read_text())
    assert len(index["runs"]) == 4 and {r["branch"] for r in index["runs"]} == {
        "main", "feature/x"}
    # The same run saved twice (a rerun): a second entry, not an overwrite.
    first = store.save(a_run(end=100), keep=10)[0].name
    second = store.save(a_run(end=100), keep=10)[0].name
    assert first != second
    # Saved in the same millisecond: numbered, and the number orders (2 after 1, 10 after 9).
    taken: list[str] = []
    for _ in range(11):
        taken.append(entry_name(a_run(), taken, saved=1.0))
    assert taken[1].endswith("-abc123-2.json") and taken[10].endswith("-abc123-11.json")
    entries = [Entry(name=n, branch="main") for n in reversed(taken)]
    assert [e.name for e in ordered(entries)] == taken


def test_prune_decision_keeps_the_newest_per_branch() -> None:
    entries = [Entry(name=f"runs/{b}/2026010{i}T000000Z-x.json", branch=b)
               for b in ("main", "dev") for i in range(1, 5)]
    dropped = to_prune(entries, 2)
    assert sorted(e.name for e in dropped) == sorted(
        f"runs/{b}/2026010{i}T000000Z-x.json" for b in ("main", "dev") for i in (1, 2))


def test_pick_branch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_BASE_REF", raising=False)
    assert ops.pick_branch(["main", "dev"], wanted=None, current="dev") == "dev"
    assert ops.pick_branch(["main", "dev"], wanted=None, current="feature") == "main"
    assert ops.pick_branch(["nightly"], wanted=None, current=None) == "nightly"
    with pytest.raises(UserError) as info:
        ops.pick_branch(["a", "b"], wanted=None, current=None)
    assert "--baseline-branch" in (info.value.fix or "")
    monkeypatch.setenv("GITHUB_BASE_REF", "release")
    assert ops.pick_branch(["main"], wanted=None, current="x") == "release"


@pytest.mark.parametrize(
    ("text", "where", "words"),
    [
        ("baseline:\n  p95: 15%\n", "t.yml:3 (at baseline.p95)", "needs max-increase"),
        ("baseline:\n  p95: {max-increase: 15}\n", "baseline.p95.max-increase", "no unit"),
        ("baseline:\n  rps: {max-increase: 15%}\n", "baseline.rps.max-increase", "unknown key"),
        ("baseline:\n  p95: {max-increase: 1%, min-delta: 20}\n", "min-delta", "no unit"),
        ("baseline:\n  histroy: 5\n", "baseline.histroy", "did you mean 'history'"),
        ("baseline:\n  endpoints:\n    - p95: {max-increase: 5%}\n", "endpoints[0]",
         "which endpoints"),
        ("baseline:\n  p50: {max-increase: {warn: 30%, fail: 10%}}\n", "max-increase",
         "looser"),
    ],
)
def test_baseline_section_errors(text: str, where: str, words: str) -> None:
    with pytest.raises(UserError) as info:
        parse("version: 1\n" + text, "t.yml")
    assert words in f"{info.value.what} {info.value.fix}" and where in (info.value.where or "")


def test_baseline_section_values() -> None:
    rules = parse(
        "version: 1\nbaseline:\n  history: 5\n  min-requests: 50\n"
        "  p95: {max-increase: {warn: 10%, fail: 20%}, min-delta: 20ms}\n"
        "  rps: {max-decrease: 30%}\n", "t.yml").baseline
    assert rules is not None and rules.history == 5 and rules.min_requests == 50
    p95, rps = rules.defaults
    # Each level keeps its own value: a warn tolerance that took the fail value (or the
    # reverse) fails here.
    assert (p95.metric, p95.min_delta, p95.decrease) == (Metric.P95, 20, False)
    assert p95.tolerance == {Level.WARN: 0.10, Level.FAIL: 0.20}
    assert p95.where == "t.yml:5 (at baseline.p95)"
    assert (rps.metric, rps.min_delta, rps.decrease) == (Metric.RPS, 0.0, True)
    assert rps.tolerance == {Level.FAIL: 0.30}
    assert rps.where == "t.yml:6 (at baseline.rps)"
    assert parse("version: 1\n", "t.yml", with_baseline=True).baseline is None


def test_check_with_a_baseline_file_on_a_real_run(mixed_run: LocustRun, tmp_path: Path) -> None:
    thresholds = tmp_path / "t.yml"
    thresholds.write_text("version: 1\ndefaults: {p95: 5s, fail-ratio: 100%}\n"
                          "baseline:\n  min-requests: 1\n  p50: {max-increase: 10%}\n")
    proc = gate("baseline", "save", mixed_run.results, "--store", tmp_path / "b.json")
    assert proc.returncode == 0, proc.stderr
    # The same run against itself: every relative check passes, none is missing.
    proc = gate("check", mixed_run.results, "--thresholds", thresholds, "--baseline",
                tmp_path / "b.json", "--report-dir", tmp_path / "r")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    verdict = json.loads((tmp_path / "r" / "verdict.json").read_text())
    relative = [c for c in verdict["checks"] if c["comparison"] is not None]
    assert relative and all(c["comparison"]["change"] == 0 for c in relative)
    assert verdict["baseline"]["runs"] == 1
    report = (tmp_path / "r" / "report.md").read_text()
    assert "### Compared with the baseline" in report
    # A run twice as slow (histogram buckets doubled) regresses against it.
    slow = resultsfile.read(mixed_run.results)
    slow = replace(slow, endpoints=tuple(
        replace(e, histogram={2 * k + 20: v for k, v in (e.histogram or {}).items()})
        for e in slow.endpoints))
    resultsfile.write(tmp_path / "slow.json", slow)
    proc = gate("check", tmp_path / "slow.json", "--thresholds", thresholds, "--baseline",
                tmp_path / "b.json", "--report-dir", tmp_path / "r2")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "regressed" in proc.stdout


def test_check_with_a_missing_store_is_exit_2(mixed_run: LocustRun, tmp_path: Path) -> None:
    thresholds = tmp_path / "t.yml"
    thresholds.write_text("version: 1\n")
    proc = gate("check", mixed_run.results, "--thresholds", thresholds, "--baseline",
                f"{tmp_path}/nothing/")
    assert proc.returncode == 2 and "does not exist" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_suggest_needs_three_runs(tmp_path: Path) -> None:
    root = str(tmp_path) + "/"
    store = DirStore(parse_spec(root).path, parse_spec(root))  # type: ignore[arg-type]
    for run in trend_history([50, 51]):
        store.save(run, keep=10)
    result = CliRunner().invoke(suggest, ["--store", root], standalone_mode=False)
    assert result.exception is not None and "at least 3" in str(result.exception)
    store.save(trend_history([50, 50, 50])[2], keep=10)
    result = CliRunner().invoke(suggest, ["--store", root, "--branch", "main"])
    assert result.exit_code == 0 and "version: 1" in result.output


def test_concurrent_saves_into_one_directory_all_land(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    resultsfile.write(path, a_run().results)  # the same run: the same entry name for all
    procs = [
        subprocess.Popen([sys.executable, "-m", "gate", "baseline", "save", str(path),
                          "--store", f"{tmp_path}/h/", "--branch", "main", "--commit", "abc"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, outs
    assert len(list((tmp_path / "h" / "runs" / "main").glob("*.json"))) == 4


def test_trend_fails_on_a_step_change_only_when_asked(tmp_path: Path) -> None:
    from gate.commands.trend import trend

    root = str(tmp_path) + "/"
    store = DirStore(parse_spec(root).path, parse_spec(root))  # type: ignore[arg-type]
    for run in trend_history([50, 51, 49, 50, 52, 50, 60, 61, 60]):
        store.save(run, keep=20)
    chart = tmp_path / "trend.md"
    plain = CliRunner().invoke(trend, ["--store", root], standalone_mode=False)
    assert plain.exception is None and plain.return_value == 0
    assert "step change" in plain.output
    strict = CliRunner().invoke(
        trend, ["--store", root, "--fail-on-step", "--output", str(chart)], standalone_mode=False
    )
    assert strict.exception is None and strict.return_value == 1
    assert "```mermaid" in chart.read_text()
    steady = tmp_path / "steady"
    flat = DirStore(parse_spec(f"{steady}/").path, parse_spec(f"{steady}/"))  # type: ignore[arg-type]
    for run in trend_history([50, 51, 49, 50, 52, 50, 51, 50, 49]):
        flat.save(run, keep=20)
    calm = CliRunner().invoke(trend, ["--store", f"{steady}/", "--fail-on-step"],
                              standalone_mode=False)
    assert calm.exception is None and calm.return_value == 0
