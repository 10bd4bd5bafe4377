"""The shared shift on real Locust runs: a history saved with `baseline save`, then
`check --baseline` on a run with one endpoint slower and on an unchanged run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.integration.test_baseline_store import gate
from tests.support.locustrun import LOCUSTFILES, run_locust
from tests.support.server import Route, serve

pytestmark = [pytest.mark.timeout(180), pytest.mark.serial]  # latencies compared: alone

SERVICE = {"/search": 30.0, "/items": 12.0, "/detail": 6.0, "/create": 10.0}
THRESHOLDS = "version: 1\ndefaults: {fail-ratio: 1%}\nbaseline:\n  p50: {max-increase: 10%}\n"


def one_run(url: str, out: Path, search_ms: float | None = None) -> Path:
    env = {"SERVICE_SEARCH_MS": f"{search_ms:g}"} if search_ms is not None else {}
    run = run_locust(LOCUSTFILES / "service.py", url, out, users=3, run_time=2, html=False,
                     env=env).check()
    return run.results


def p50_checks(verdict_path: Path) -> dict[str, dict[str, object]]:
    verdict = json.loads(verdict_path.read_text())
    return {c["name"]: c for c in verdict["checks"] if c["metric"] == "p50" and c["comparison"]}


def test_a_slower_endpoint_is_judged_with_the_runs_shared_shift(tmp_path: Path) -> None:
    with serve({path: Route(ms=ms, jitter_ms=2) for path, ms in SERVICE.items()}) as server:
        judge_runs(server.url, tmp_path)


def judge_runs(url: str, tmp_path: Path) -> None:
    store = tmp_path / "history"
    for i in range(3):
        proc = gate("baseline", "save", one_run(url, tmp_path / f"base{i}"), "--store",
                    f"{store}/")
        assert proc.returncode == 0, proc.stderr
    thresholds = tmp_path / "t.yml"
    thresholds.write_text(THRESHOLDS)

    slowed = one_run(url, tmp_path / "slowed", search_ms=60)  # /search 30 -> 60 ms
    proc = gate("check", slowed, "--thresholds", thresholds, "--baseline", f"{store}/",
                "--report-dir", tmp_path / "r1")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    checks = p50_checks(tmp_path / "r1" / "verdict.json")
    search = checks["/search"]
    assert search["outcome"] == "regressed" and search["level"] == "fail"
    assert 20 <= search["comparison"]["change"] <= 45  # type: ignore[index, operator]
    # The other endpoints were read with this run's shift: a number of milliseconds, and
    # small, since the slowdown was in /search alone (which is no control of its own).
    for name in ("/items", "/detail", "/create"):
        shift = checks[name]["comparison"]["shift"]  # type: ignore[index]
        assert isinstance(shift, float) and abs(shift) < 10, (name, checks[name])
    assert "the other endpoints moved" in str(checks["/items"]["message"])
