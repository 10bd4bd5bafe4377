"""Locust's own report writers failing must not cost the run: the gate plugin writes
results.json before they run, so complete results are judged whatever Locust's exit code
says, and the reports say what happened. A real run through `locust-gate run`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.test_orchestrate import RUNFILES, run_gate, write_config
from tests.support import backend

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(90)]


def test_a_name_the_csv_writer_cannot_encode_is_judged_with_a_warning(tmp_path: Path) -> None:
    config = write_config(
        tmp_path, port=backend.free_port(), locustfile=str(RUNFILES / "surrogate.py")
    )
    gate_run, code = run_gate(config)
    out = tmp_path / "out"
    log = (out / "locust.log").read_text(encoding="utf-8", errors="replace")
    # Locust's CSV writer really died on the name, and Locust exited 2 ...
    assert "UnicodeEncodeError" in log and "exit code 2" in log, log[-3000:]
    # ... but the run was judged from the complete results: a pass, with the warning.
    assert code == 0, gate_run.stderr[-3000:] + gate_run.stdout
    verdict = json.loads((out / "verdict.json").read_text(encoding="utf-8"))
    assert verdict["verdict"] == "pass"
    endpoints = {c["endpoint"] for c in verdict["checks"]}
    assert endpoints >= {"GET s\N{REPLACEMENT CHARACTER}x", "GET /"}, endpoints
    warning = next(w for w in verdict["warnings"] if w.startswith("Locust exited with code 2"))
    assert "UnicodeEncodeError" in warning and "judged from results.json" in warning
    assert "Locust exited with code 2 after the load test ended" in (
        out / "report.md").read_text(encoding="utf-8")
    assert "locust-gate: warning: Locust exited with code 2" in gate_run.stderr
