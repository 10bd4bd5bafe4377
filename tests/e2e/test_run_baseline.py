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
