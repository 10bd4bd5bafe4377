"""`locust-gate run --save-baseline` then `run --baseline`: real backend, real Locust."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.test_orchestrate import run_gate, write_config
from tests.support import backend

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]


def test_run_saves_a_baseline_and_compares_with_it(tmp_path: Path) -> None:
    # The host is part of the fingerprint: the second run uses the same port.
    config = write_config(tmp_path, port=backend.free_port())
    store = f"{tmp_path}/history/"
    gate_run, code = run_gate(config, "--save-baseline", store)
    assert code == 0, gate_run.stderr + gate_run.stdout
    assert "saved this run as runs/" in gate_run.stderr
    (entry,) = (tmp_path / "history" / "runs").glob("*/*.json")
    assert json.loads(entry.read_text())["results"]["meta"]["fingerprint"].startswith("sha256:")

    gate_run, code = run_gate(config, "--baseline", store)
    assert code in (0, 1), gate_run.stderr + gate_run.stdout
    verdict = gate_run.verdict()
    baseline = verdict["baseline"]
    assert isinstance(baseline, dict) and baseline["runs"] == 1
    checks = verdict["checks"]
    assert isinstance(checks, list)
    relative = [c for c in checks if c["comparison"] is not None or c["metric"] == "baseline"]
    assert relative, checks
    # Same locustfile and options: comparable, so no check says "not comparable".
    assert not any("not comparable" in c["message"] for c in relative)


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
