"""`locust-gate run` samples the backend it started while real Locust loads it: a backend
that leaks memory on purpose fails the leak rule, and the samples reach results.json and
report.md."""

from __future__ import annotations

from pathlib import Path

import pytest

from gate.results import resultsfile
from tests.e2e.test_orchestrate import run_gate, write_config
from tests.support import backend

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(90)]

THRESHOLDS = """version: 1
defaults:
  fail-ratio: 5%
resources:
  rss: 2GB
  cpu: 400%
  rss-growth: 5MB/min
  connections: 500
  min-samples: 3
"""


def test_run_catches_a_backend_that_leaks_memory(tmp_path: Path) -> None:
    thresholds = tmp_path / "thresholds.yml"
    thresholds.write_text(THRESHOLDS)
    config = write_config(
        tmp_path, port=backend.free_port(), thresholds=thresholds,
        backend_flags=("--leak-kb", "40", "--spawn-child"), run_time="6s", users=3,
        spawn_rate=3,
    )
    gate_run, code = run_gate(config)
    assert code == 1, gate_run.stderr + gate_run.stdout
    checks = {c["metric"]: c for c in gate_run.verdict()["checks"]  # type: ignore[attr-defined]
              if c["scope"] == "resource"}
    assert checks["rss-growth"]["outcome"] == "breached", checks["rss-growth"]
    assert checks["rss-growth"]["measured"] > 50_000_000  # MB per minute: 40 kB a request
    assert {checks[m]["outcome"] for m in ("rss", "cpu", "connections")} == {"pass"}
    out = tmp_path / "out"
    usage = resultsfile.read(out / "results.json").backend
    assert usage is not None and len(usage.samples) >= 5
    assert max(s.processes for s in usage.samples) == 2  # the backend and its grandchild
    assert usage.samples[0].t >= -1.0  # on the load series' clock (since the run's start)
    report = (out / "report.md").read_text()
    assert "### Backend resources" in report and "🟦 memory (100 % = " in report
