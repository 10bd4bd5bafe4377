"""Exact figures of part of a run (issue 20 stages, issue 23 warm-up): real Locust runs.

The plugin copies every endpoint's stats at a boundary and subtracts copies. These tests
check the figures against an independent account: the locustfile records every request
as Locust reported it (tests/support/locustfiles/recorded.py), and the test rebuilds the
window's figures from that record with Locust's own `StatsEntry` (its bucketing and
percentile code, not the gate's).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

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
            stats.log_request(method, name, response_time, 0)
            if failed:
                stats.log_error(method, name, "failed")
    return stats


def _same(ours: EndpointStats, theirs: object) -> None:
    assert ours.num_requests == theirs.num_requests  # type: ignore[attr-defined]
    assert ours.num_failures == theirs.num_failures  # type: ignore[attr-defined]
    assert dict(ours.histogram or {}) == {  # type: ignore[attr-defined]
        k: v for k, v in theirs.response_times.items() if v  # type: ignore[attr-defined]
    }
    for fraction in (0.5, 0.95, 0.99):
        assert ours.percentile(fraction) == theirs.get_response_time_percentile(fraction)  # type: ignore[attr-defined]


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


def test_stage_figures_are_those_of_the_stages_requests(server: TestServer, tmp_path: Path) -> None:
    """A backend slow only during the middle stage: the stages' figures differ, and each
    equals the figures of the requests Locust recorded in that stage, endpoint by endpoint."""
    _slow_between(server, 2.0, 4.0)
    run = _run(server, tmp_path, "--gate-stages", json.dumps(STAGES))
    results = resultsfile.read(run.results)
    record: Record = [tuple(r) for r in json.loads((tmp_path / "record.json").read_text())]  # type: ignore[misc]
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


def test_warmup_cut_is_exact(server: TestServer, tmp_path: Path) -> None:
    """A backend 10x slower in its first 1.5 s: Locust's own whole-run figures show it;
    the gate's, cut after a 2 s warm-up, do not, and equal those of the requests after
    the boundary."""
    _slow_between(server, 0.0, 1.5)
    run = _run(server, tmp_path, "--gate-warmup", "2", run_time=4)
    results = resultsfile.read(run.results)
    record: Record = [tuple(r) for r in json.loads((tmp_path / "record.json").read_text())]  # type: ignore[misc]
    assert results.cut is not None and results.cut.warmup == 2 and results.cut.resolution is None
    boundary = results.total.start_time
    assert 1.9 <= boundary - results.meta.start_time <= 2.2
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
    assert max(work_cut.histogram) < 40 and (work_cut.percentile(0.95) or 0) < 20
    assert work_cut.num_requests < work_all["num_requests"]
