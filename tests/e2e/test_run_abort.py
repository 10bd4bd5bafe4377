"""`locust-gate run` with an `abort:` rule that holds: the run stops early, the gate fails
it (exit 1, not a crash), and every report says which rule, when, and the time saved."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.e2e.test_orchestrate import run_gate, write_config
from tests.support import backend

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(90), pytest.mark.serial]  # wall time


def test_an_abort_rule_that_holds_is_a_gate_failure(tmp_path: Path) -> None:
    thresholds = tmp_path / "thresholds.yml"
    # A throughput floor no fake backend reaches: it holds from the first second.
    thresholds.write_text(
        "version: 1\ndefaults:\n  p95: 2s\nabort:\n"
        "  - metric: rps\n    below: 100000\n    for: 1s\n    window: 2s\n",
        encoding="utf-8",
    )
    config = write_config(tmp_path, port=backend.free_port(), thresholds=thresholds,
                          run_time="40s")
    started = time.monotonic()
    gate_run, code = run_gate(config, timeout=60)
    wall = time.monotonic() - started
    assert code == 1, gate_run.stderr + gate_run.stdout
    assert wall < 25  # 40 s planned
    assert "Traceback" not in gate_run.stderr
    assert "stopping the run early" in gate_run.stderr
    verdict = json.loads((tmp_path / "out" / "verdict.json").read_text(encoding="utf-8"))
    assert verdict["verdict"] == "fail"
    aborted = [c for c in verdict["checks"] if c["metric"] == "abort"]
    assert len(aborted) == 1
    assert "abort[0] rps below" in aborted[0]["message"]
    assert "saved about" in aborted[0]["message"]
    # one reason, not a second "did not complete" for the same stop
    assert not [c for c in verdict["checks"] if c["metric"] == "completed"]
    report = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert "the run was aborted at" in report
