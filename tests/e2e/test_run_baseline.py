"""`locust-gate run --save-baseline` then `run --baseline`: real backend, real Locust."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_orchestrate import run_gate, write_config
from tests.support import backend

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(150)]

# The relative rules the runs are held to. The fake backend answers in a few ms, and on a
# shared CI machine its median moves by a few ms between two identical runs: more than
# the default rules' 2 ms `min-delta` with 10 % (with one stored run there is no noise
# band yet, the rule alone decides), so an unchanged run could fail them. A 40 ms floor
# is far above that noise and far below the 60 ms the slow release adds.
THRESHOLDS = """\
version: 1
defaults:
  p95: 2s
  fail-ratio: 5%
  min-requests: 1
baseline:
  min-requests: 20
  p50: {max-increase: 50%, min-delta: 40ms}
  rps: {max-decrease: 90%}
"""


def _relative(verdict: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    checks = verdict["checks"]
    assert isinstance(checks, list)
    return {(c["endpoint"], c["metric"]): c for c in checks if c["comparison"] is not None}


def test_run_saves_a_baseline_and_compares_with_it(tmp_path: Path) -> None:
    # The host is part of the fingerprint: every run uses the same port.
    port = backend.free_port()
    thresholds = tmp_path / "thresholds.yml"
    thresholds.write_text(THRESHOLDS)
    config = write_config(tmp_path, port=port, thresholds=thresholds)
    store = f"{tmp_path}/history/"
    gate_run, code = run_gate(config, "--save-baseline", store)
    assert code == 0, gate_run.stderr + gate_run.stdout
    assert "saved this run as runs/" in gate_run.stderr
    (entry,) = (tmp_path / "history" / "runs").glob("*/*.json")
    assert json.loads(entry.read_text())["results"]["meta"]["fingerprint"].startswith("sha256:")

    # The same code and load compared with itself: compared for real, and a pass.
    gate_run, code = run_gate(config, "--baseline", store)
    assert code == 0, gate_run.stderr + gate_run.stdout
    verdict = gate_run.verdict()
    assert verdict["verdict"] == "pass"
    baseline = verdict["baseline"]
    assert isinstance(baseline, dict) and baseline["runs"] == 1
    relative = _relative(verdict)
    assert {("GET /", "p50"), ("GET /", "rps")} <= set(relative), relative
    for check in relative.values():
        assert check["outcome"] == "pass", check
        comparison = check["comparison"]
        assert isinstance(comparison, dict) and comparison["baseline"] > 0, check
        assert "not comparable" not in check["message"]

    # A slower release against the same baseline: the comparison is what fails it.
    slow = write_config(tmp_path, port=port, thresholds=thresholds,
                        backend_flags=("--delay", "0.06"))
    gate_run, code = run_gate(slow, "--baseline", store)
    assert code == 1, gate_run.stderr + gate_run.stdout
    p50 = _relative(gate_run.verdict())[("GET /", "p50")]
    assert (p50["outcome"], p50["level"]) == ("regressed", "fail"), p50


def test_run_saves_only_passing_runs_unless_told(tmp_path: Path) -> None:
    # The README's "both, in one command" on a run that fails: it must not become the
    # baseline (the Action's rule, gate.baseline.stored.refusal); --save-failing saves it.
    failing = tmp_path / "failing.yml"
    failing.write_text("version: 1\naggregate:\n  rps: 1000000/s\n")
    config = write_config(tmp_path, port=backend.free_port(), thresholds=failing)
    store = f"{tmp_path}/history/"
    gate_run, code = run_gate(config, "--save-baseline", store)
    assert code == 1, gate_run.stderr + gate_run.stdout
    assert "baseline not saved: the run's verdict is fail" in gate_run.stderr
    assert "--save-failing" in gate_run.stderr
    assert not (tmp_path / "history").exists()

    gate_run, code = run_gate(config, "--save-baseline", store, "--save-failing")
    assert code == 1, gate_run.stderr + gate_run.stdout
    assert "saved this run as runs/" in gate_run.stderr
    assert len(list((tmp_path / "history" / "runs").glob("*/*.json"))) == 1
