"""Exact figures of part of a run (issue 20 stages, issue 23 warm-up): real Locust runs.

The plugin copies every endpoint's stats at a boundary and subtracts copies. These tests
check the figures against an independent account: the locustfile records every request
as Locust reported it (tests/support/locustfiles/recorded.py), and the test rebuilds the
window's figures from that record with Locust's own `StatsEntry` (its bucketing and
percentile code, not the gate's).
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from locust.stats import RequestStats

from gate.core.model import EndpointStats, Results, Window
from gate.results import resultsfile
from tests.support.locustrun import LOCUSTFILES, LocustRun, run_locust
from tests.support.server import Route, TestServer, serve

pytestmark = pytest.mark.e2e

FAST, SLOW = Route(ms=4), Route(ms=40)
STAGES = [
    {"name": "before", "users": 2, "spawn_rate": 20, "duration": 2},
    {"name": "spike", "users": 4, "spawn_rate": 20, "duration": 2},
    {"name": "after", "users": 2, "spawn_rate": 20, "duration": 1},
]
Record = list[tuple[float, str, str, float, bool]]


@pytest.fixture
def server() -> Iterator[TestServer]:
    with serve({"/work": FAST, "/other": Route(ms=2)}) as running:
        yield running


def _slow_between(server: TestServer, start: float, end: float) -> threading.Thread:
    """From the server's first request: /work is slow from `start` to `end` seconds."""

    def flip() -> None:
        deadline = time.monotonic() + 30
        while not server.hits and time.monotonic() < deadline:
            time.sleep(0.005)
        first = time.monotonic()
        time.sleep(max(0.0, first + start - time.monotonic()))
        server.route("/work", SLOW)
        time.sleep(max(0.0, first + end - time.monotonic()))
        server.route("/work", FAST)

    thread = threading.Thread(target=flip, daemon=True)
    thread.start()
    return thread


def _run(server: TestServer, out: Path, *args: str, run_time: float = 30) -> LocustRun:
    return run_locust(
        LOCUSTFILES / "recorded.py", server.url, out, users=2, run_time=run_time,
        extra_args=args, env={"RECORD_PATH": str(out / "record.json")},
    ).check()  # fmt: skip


def _locust_figures(record: Record, start: float, end: float) -> RequestStats:
    """Locust's own stats of the recorded requests whose event fired in [start, end)."""
    stats = RequestStats()
    for at, method, name, response_time, failed in record:
        if start <= at < end:
            stats.log_request(method, name, response_time, 0)  # type: ignore[arg-type]
            if failed:
                stats.log_error(method, name, "failed")
    return stats


def _same(ours: EndpointStats, theirs: Any) -> None:
    assert ours.num_requests == theirs.num_requests
    assert ours.num_failures == theirs.num_failures
    assert dict(ours.histogram or {}) == {
        k: v for k, v in theirs.response_times.items() if v
    }
    for fraction in (0.5, 0.95, 0.99):
        assert ours.percentile(fraction) == theirs.get_response_time_percentile(fraction)


def _check_window(results: Results, record: Record, window: Window) -> None:
    t0 = results.meta.start_time
    theirs = _locust_figures(record, t0 + window.start, t0 + window.end)
    entries, total = window.endpoints, window.total
    _same(total, theirs.total)
    assert {(e.method, e.name) for e in entries} == {
        (e.method, e.name) for e in theirs.entries.values() if e.num_requests
    }
    for entry in entries:
        _same(entry, theirs.entries[(entry.name, entry.method)])


@pytest.fixture(scope="module")
def staged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One staged run (5 s of load) against a backend slow only during the stage `spike`:
    its output directory (results.json, record.json, Locust's files)."""
    out = tmp_path_factory.mktemp("staged")
    with serve({"/work": FAST, "/other": Route(ms=2)}) as server:
        _slow_between(server, 2.0, 4.0)
        _run(server, out, "--gate-stages", json.dumps(STAGES))
    return out


def test_stage_figures_are_those_of_the_stages_requests(staged: Path) -> None:
    """The stages' figures differ, and each equals the figures of the requests Locust
    recorded in that stage, endpoint by endpoint."""
    results = resultsfile.read(staged / "results.json")
    record: Record = [tuple(r) for r in json.loads((staged / "record.json").read_text())]
    assert [s.name for s in results.stages] == ["before", "spike", "after"]
    assert [s.users for s in results.stages] == [2, 4, 2]
    for stage in results.stages:
        assert stage.total.num_requests > 50, stage.name
        _check_window(results, record, stage)
    assert sum(s.total.num_requests for s in results.stages) == results.total.num_requests
    work = {s.name: next(e for e in s.endpoints if e.name == "/work") for s in results.stages}
    # The slow stage shows it; the others do not (a few in flight at a boundary may spill).
    assert (work["spike"].percentile(0.5) or 0) >= 40
    assert (work["before"].percentile(0.5) or 0) < 20 and (work["after"].percentile(0.5) or 0) < 20


def _gate(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gate", *map(str, args)], capture_output=True,
                          text=True, timeout=60, check=False)


def test_check_judges_stage_rules_and_refuses_an_unknown_stage(staged: Path) -> None:
    rules = staged / "t.yml"
    rules.write_text("version: 1\ndefaults: {p95: 30ms}\n"
                     "stages:\n  spike:\n    defaults: {p50: 30ms}\n"
                     "  after:\n    aggregate: {p50: 30ms}\n")
    done = _gate("check", staged / "results.json", "--thresholds", rules,
                 "--report-dir", staged / "report")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "stage spike: GET /work" in done.stdout and "stage after: Aggregated" in done.stdout
    report = (staged / "report" / "report.md").read_text()
    assert "### Stages" in report and "▸spike" in report
    verdict = json.loads((staged / "report" / "verdict.json").read_text())
    failed = {(c["endpoint"], c["outcome"]) for c in verdict["checks"] if c["scope"] == "stage"}
    assert ("stage spike: GET /work", "breached") in failed
    assert ("stage after: Aggregated", "pass") in failed
    rules.write_text("version: 1\nstages:\n  recovery:\n    aggregate: {p95: 1s}\n")
    done = _gate("check", staged / "results.json", "--thresholds", rules)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "the run's stages were before, spike, after" in done.stderr
    assert f"{rules}:3 (at stages.recovery)" in done.stderr


def test_check_warmup_is_refused_on_locusts_own_files(staged: Path) -> None:
    rules = staged / "plain.yml"
    rules.write_text("version: 1\ndefaults: {p95: 1s}\n")
    for route in (staged / "run", staged / "locust.json"):
        done = _gate("check", route, "--thresholds", rules, "--warmup", "2s")
        assert done.returncode == 2 and "Traceback" not in done.stderr
        assert "need the gate plugin's results.json" in done.stderr
    done = _gate("check", staged / "results.json", "--thresholds", rules, "--warmup", "2s")
    assert done.returncode == 0, done.stderr
    assert "resolution of 1s" in done.stdout + done.stderr


def test_warmup_cut_is_exact(server: TestServer, tmp_path: Path) -> None:
    """A backend 10x slower in its first 1.5 s: Locust's own whole-run figures show it;
    the gate's, cut after a 2 s warm-up, do not, and equal those of the requests after
    the boundary."""
    _slow_between(server, 0.0, 1.5)
    run = _run(server, tmp_path, "--gate-warmup", "2", run_time=4)
    results = resultsfile.read(run.results)
    record: Record = [tuple(r) for r in json.loads((tmp_path / "record.json").read_text())]
    assert results.cut is not None and results.cut.warmup == 2 and results.cut.resolution is None
    boundary = results.total.start_time
    assert 1.9 <= boundary - results.meta.start_time <= 2.6
    theirs = _locust_figures(record, boundary, float("inf"))
    _same(results.total, theirs.total)
    for entry in results.endpoints:
        _same(entry, theirs.entries[(entry.name, entry.method)])
    # Locust's own report of the whole run (its --json-file) includes the slow start.
    whole = json.loads(run.json_file.read_text())
    work_all = next(e for e in whole if e["name"] == "/work")
    slow_requests = sum(c for b, c in work_all["response_times"].items() if int(b) >= 40)
    assert slow_requests > 20
    work_cut = results.endpoint("GET", "/work")
    assert work_cut is not None and work_cut.histogram is not None
    # The slow phase is gone from the cut; a stray slow answer on a busy machine is not
    # the phase, so the cut keeps under a tenth of the whole run's slow requests.
    slow_cut = sum(c for b, c in work_cut.histogram.items() if b >= 40)
    assert slow_cut * 10 < slow_requests
    assert (work_cut.percentile(0.5) or 0) < 20
    assert work_cut.num_requests < work_all["num_requests"]
