"""`locust-gate run` on Locust's distributed mode: `processes: 2` on one runner, and
`workers: 2` (a master waiting for workers started elsewhere; here two local worker
processes on loopback). Either way results.json counts the requests the server answered,
all but those in flight when the users stopped (issue 23); missing workers are a clear
harness error, not a hang."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from gate.results import resultsfile
from tests.e2e.test_orchestrate import RUNFILES, run_gate, write_config
from tests.support import backend
from tests.support.server import serve

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(90)]


def _config(tmp_path: Path, url: str, **keys: object) -> Path:
    return write_config(tmp_path, port=0, host=url, start=None, health=None,
                        run_time="3s", users=USERS, spawn_rate=USERS, **keys)


def _server_count(hits: dict[str, int]) -> int:
    return hits.get("/", 0)


USERS = 4


def _counted(results_total: int, answered: int) -> None:
    """Every request the server answered is in the results, except those of users stopped
    while their request was in flight (the server had it, Locust never logged it): at most
    one per user. A lost worker report would miss a whole batch of them."""
    assert answered - USERS <= results_total <= answered


def test_processes_count_every_request_the_server_answered(tmp_path: Path) -> None:
    with serve() as server:
        gate_run, code = run_gate(_config(tmp_path, server.url, processes=2))
        answered = _server_count(server.hits)
    assert code == 0, gate_run.stderr
    results = resultsfile.read(tmp_path / "out" / "results.json")
    assert results.meta.processes == 2
    assert answered > 50
    _counted(results.total.num_requests, answered)
    assert sum(s.requests for s in results.series) == results.total.num_requests


def test_a_master_with_two_workers_counts_every_request(tmp_path: Path) -> None:
    port = backend.free_port()
    with serve() as server:
        config = _config(tmp_path, server.url, workers=2, workers_wait="30s",
                         master_bind=f"127.0.0.1:{port}")
        workers = [
            subprocess.Popen(
                [sys.executable, "-m", "locust", "-f", str(RUNFILES / "quick.py"), "--worker",
                 "--master-host", "127.0.0.1", "--master-port", str(port)],
                cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
            for _ in range(2)
        ]
        try:
            gate_run, code = run_gate(config, timeout=60)
            answered = _server_count(server.hits)
            for worker in workers:  # the master's quit ends them
                worker.wait(timeout=15)
        finally:
            for worker in workers:
                worker.kill()
    assert code == 0, gate_run.stderr
    assert "as a master waiting up to 30s for 2 workers" in gate_run.stderr
    results = resultsfile.read(tmp_path / "out" / "results.json")
    assert answered > 50
    _counted(results.total.num_requests, answered)
    assert sum(s.requests for s in results.series) == results.total.num_requests


def test_workers_that_never_come_are_a_clear_error(tmp_path: Path) -> None:
    with serve() as server:
        config = _config(tmp_path, server.url, workers=2, workers_wait="2s",
                         master_bind=f"127.0.0.1:{backend.free_port()}")
        gate_run, code = run_gate(config, timeout=40)
    assert code == 2, gate_run.stderr
    assert "gave up waiting for its workers" in gate_run.stderr
    assert "--worker --master-host" in gate_run.stderr
    assert "Traceback" not in gate_run.stderr
