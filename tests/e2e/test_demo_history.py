"""The demo, unchanged, compared with its own history reads PASS: its low-traffic endpoints
have too few requests for a p95 (100 needed), which is reported with what would fix it and
does not turn the verdict into a warning (`locust-gate run --save-baseline`, then
`--baseline`: real FastAPI backend, real Locust)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.backend import free_port
from tests.support.gaterun import REPO, GateRun, demo_flags

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

HISTORY = 3  # enough for the noise band (gate.core.reading.MIN_HISTORY_FOR_BAND)


def _run(port: int, out: Path, *extra: str) -> tuple[GateRun, int]:
    # The demo's own load (locust-gate.yml: 5 users, 10 s; shorter runs put its 5 slow
    # logins above the aggregate's p95), every run on the same port: the host is part of
    # the fingerprint.
    args = [*demo_flags(port, out), *extra]
    gate_run = GateRun(REPO / "locust-gate.yml", *args, env_extra={"DEMO_SLOWDOWN": ""})
    code = gate_run.finish(timeout=80)
    gate_run.assert_nothing_left()
    return gate_run, code


def test_an_unchanged_demo_compared_with_its_history_passes(tmp_path: Path) -> None:
    port, out, store = free_port(), tmp_path / "out", f"{tmp_path}/history/"
    for _ in range(HISTORY):
        gate_run, code = _run(port, out, "--save-baseline", store)
        assert code == 0, gate_run.stdout + gate_run.stderr
    gate_run, code = _run(port, out, "--baseline", store)
    assert code == 0, gate_run.stdout + gate_run.stderr
    verdict = json.loads((out / "verdict.json").read_text(encoding="utf-8"))
    assert verdict["verdict"] == "pass", verdict["reasons"]
    assert verdict["baseline"]["runs"] == HISTORY
    compared = [c for c in verdict["checks"] if c["comparison"] is not None]
    assert compared  # something was judged against the history
    thin = [c for c in verdict["checks"] if c["needs"] is not None]
    p95 = [c for c in thin if c["metric"] == "p95"]
    assert p95 and all(c["level"] is None and c["needs"] == 100 for c in p95), p95
    assert all(c["outcome"] == "inconclusive" and c["requests"] < c["needs"] for c in thin)
    # most endpoints are thin: one line says so and what would fix it, in every report
    (note,) = [n for n in verdict["notes"] if "too few requests" in n]
    assert "p95 needs 100" in note and "longer run-time" in note
    assert "note: " + note.split(":")[0] in gate_run.stdout
    assert "too few requests to judge" in (out / "report.md").read_text(encoding="utf-8")
    assert "locust-gate: PASS" in gate_run.stdout
