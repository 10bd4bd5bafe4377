"""`locust-gate run --repeat N`: real Locust N times against one real backend; every metric
judged as the median of the runs' own values (computed here with Locust's own percentile
function from each run's file), saved and compared as such; failures and leftovers as in
a single run."""

from __future__ import annotations

import json
import statistics
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from locust.stats import calculate_response_time_percentile

from tests.e2e.test_orchestrate import RUNFILES, error_stage, run_gate, write_config
from tests.support import backend
from tests.support.server import Route, TestServer, serve

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(150)]

STRICT_P95 = "version: 1\ndefaults:\n  p95: 30ms\n  min-requests: 5\n"


def _locust_percentile(entry: dict[str, Any], fraction: float) -> int:
    """An entry's percentile by Locust's own function, from its file's histogram."""
    hist = {int(k): v for k, v in entry["response_times"].items()}
    return int(calculate_response_time_percentile(hist, entry["num_requests"], fraction))


def _check(verdict: dict[str, Any], endpoint: str, metric: str) -> dict[str, Any]:
    return next(c for c in verdict["checks"]
                if c["endpoint"] == endpoint and c["metric"] == metric)


def _slow_second_run(server: TestServer, out: Path) -> threading.Thread:
    """`/` answers in 60 ms from the end of the first run to the end of the second: the
    plugin writes a run's file when its load has ended, before the next Locust starts."""
    def flip() -> None:
        deadline = time.monotonic() + 60
        for name, route in (("repeat-1.json", Route(ms=60)), ("repeat-2.json", Route(ms=3))):
            while not (out / name).exists() and time.monotonic() < deadline:
                time.sleep(0.005)
            server.route("/", route)

    thread = threading.Thread(target=flip, daemon=True)
    thread.start()
    return thread


def test_repeat_judges_each_metric_as_the_median_of_the_runs(tmp_path: Path) -> None:
    thresholds = tmp_path / "thresholds.yml"
    thresholds.write_text(STRICT_P95)
    with serve({"/": Route(ms=3)}) as server:
        config = tmp_path / "locust-gate.yml"
        config.write_text(yaml.safe_dump({
            "locustfile": str(RUNFILES / "quick.py"), "host": server.url, "users": 2,
            "spawn-rate": 2, "run-time": "2s", "thresholds": str(thresholds),
            "output-dir": "out", "repeat": 3}))
        _slow_second_run(server, tmp_path / "out")
        gate_run, code = run_gate(config, timeout=90)
    assert code == 0, gate_run.stderr + gate_run.stdout
    out = tmp_path / "out"
    runs = [json.loads((out / f"repeat-{k}.json").read_text()) for k in (1, 2, 3)]
    own = [_locust_percentile(run["endpoints"][0], 0.95) for run in runs]
    assert own[1] > 30 >= max(own[0], own[2]), own  # the second run alone would fail
    pooled = json.loads((out / "results.json").read_text())
    assert pooled["version"] == 4 and len(pooled["endpoints"][0]["repeats"]) == 3
    assert _locust_percentile(pooled["endpoints"][0], 0.95) > 30  # so would the runs summed
    verdict = gate_run.verdict()
    assert verdict["verdict"] == "pass" and verdict["run"]["repeats"] == 3
    assert _check(verdict, "GET /", "p95")["measured"] == statistics.median(own)
    index = next(e for e in verdict["repeats"]["endpoints"] if e["endpoint"] == "GET /")
    assert index["p95"] == own and index["requests"] == [
        run["endpoints"][0]["num_requests"] for run in runs]
    assert "repeat 2 of 3" in gate_run.stderr
    assert "the load ran 3 times" in (out / "report.md").read_text()
    for k in (1, 2, 3):
        assert (out / f"locust-repeat-{k}.log").stat().st_size > 0


def test_a_repeated_baseline_is_saved_and_compared_as_its_median(tmp_path: Path) -> None:
    port = backend.free_port()  # the host is part of the fingerprint: one port for all
    thresholds = tmp_path / "thresholds.yml"
    thresholds.write_text("version: 1\ndefaults:\n  p95: 2s\n  min-requests: 1\n"
                          "baseline:\n  min-requests: 10\n"
                          "  p50: {max-increase: 50%, min-delta: 40ms}\n")
    config = write_config(tmp_path, port=port, thresholds=thresholds)
    store = f"{tmp_path}/history/"
    gate_run, code = run_gate(config, "--repeat", "3", "--save-baseline", store, timeout=90)
    assert code == 0, gate_run.stderr + gate_run.stdout
    (entry,) = (tmp_path / "history" / "runs").glob("*/*.json")
    stored = json.loads(entry.read_text())["results"]
    assert stored["version"] == 4
    (index,) = [e for e in stored["endpoints"] if e["name"] == "/"]
    median = statistics.median(_locust_percentile(r, 0.5) for r in index["repeats"])

    gate_run, code = run_gate(config, "--baseline", store)
    assert code == 0, gate_run.stderr + gate_run.stdout
    p50 = _check(gate_run.verdict(), "GET /", "p50")
    assert p50["outcome"] == "pass" and p50["comparison"]["baseline"] == median, p50

    slow = write_config(tmp_path, port=port, thresholds=thresholds,
                        backend_flags=("--delay", "0.06"))
    gate_run, code = run_gate(slow, "--repeat", "3", "--baseline", store, timeout=90)
    assert code == 1, gate_run.stderr + gate_run.stdout
    p50 = _check(gate_run.verdict(), "GET /", "p50")
    assert (p50["outcome"], p50["level"]) == ("regressed", "fail"), p50


def test_a_backend_dying_in_a_later_run_is_a_harness_error_with_nothing_left(
    tmp_path: Path,
) -> None:
    config = write_config(tmp_path, port=backend.free_port(),
                          backend_flags=("--die-after", "4"), repeat=3)
    gate_run, code = run_gate(config, timeout=90)
    assert code == 2, gate_run.stderr + gate_run.stdout
    assert error_stage(gate_run) == "backend"
    assert "repeat 2 of 3" in gate_run.stderr
    assert not (tmp_path / "out" / "results.json").exists()


def test_repeat_with_against_ref_is_refused_before_anything_runs(tmp_path: Path) -> None:
    config = write_config(tmp_path, port=backend.free_port(), repeat=3, against_ref="HEAD")
    gate_run, code = run_gate(config, timeout=30)
    assert code == 2, gate_run.stderr + gate_run.stdout
    assert "against-ref and repeat" in gate_run.stderr
    assert "drop repeat" in gate_run.stderr
    assert not (tmp_path / "backend.pids").exists()
