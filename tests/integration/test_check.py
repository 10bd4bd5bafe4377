"""End-to-end: `locust-gate check` as a real subprocess on real Locust output."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from gate.results import resultsfile
from tests.support.locustrun import LOCUSTFILES, LocustRun, run_locust
from tests.support.server import TestServer

pytestmark = pytest.mark.e2e

LOOSE = """version: 1
defaults: {p95: 5s, fail-ratio: 100%, min-requests: 1}
aggregate: {p99: 5s}
"""
TIGHT = """version: 1
defaults: {p95: 5s, fail-ratio: 100%, min-requests: 1}
endpoints:
  - match: "GET /slow"
    p95: 20ms
"""


def gate(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gate", *map(str, args)],
        capture_output=True, text=True, timeout=60, check=False,
    )


def write(tmp_path: Path, text: str, name: str = "t.yml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_pass_writes_every_report(mixed_run: LocustRun, tmp_path: Path) -> None:
    proc = gate("check", mixed_run.results, "--thresholds", write(tmp_path, LOOSE),
                "--report-dir", tmp_path / "r")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "locust-gate: PASS" in proc.stdout
    verdict = json.loads((tmp_path / "r" / "verdict.json").read_text())
    exact = resultsfile.read(mixed_run.results)
    assert verdict["verdict"] == "pass"
    assert verdict["totals"]["requests"] == exact.total.num_requests > 0
    # every endpoint of the run got the defaults, even though no rule names it
    endpoints = {c["endpoint"] for c in verdict["checks"] if c["scope"] == "endpoint"}
    assert endpoints == {e.key for e in exact.endpoints}
    cases = ET.parse(tmp_path / "r" / "junit.xml").getroot().findall(".//testcase")
    assert len(cases) == len(verdict["checks"])
    report = (tmp_path / "r" / "report.md").read_text()
    assert "Load test gate: **PASS**" in report
    assert "\\|pipe \\`tick\\`" in report  # the awkward name is escaped, not syntax


def test_breach_fails_with_exit_1(mixed_run: LocustRun, tmp_path: Path) -> None:
    proc = gate("check", mixed_run.results, "--thresholds", write(tmp_path, TIGHT),
                "--report-dir", tmp_path / "r")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    verdict = json.loads((tmp_path / "r" / "verdict.json").read_text())
    bad = [c for c in verdict["checks"] if c["outcome"] == "breached"]
    assert [(c["endpoint"], c["metric"], c["limit"]) for c in bad] == [("GET /slow", "p95", 20)]
    assert bad[0]["measured"] > 20 and bad[0]["level"] == "fail"
    assert "FAIL  GET /slow" in proc.stdout


def test_directory_is_accepted(mixed_run: LocustRun, tmp_path: Path) -> None:
    proc = gate("check", mixed_run.out_dir, "--thresholds", write(tmp_path, LOOSE))
    assert proc.returncode == 0, proc.stderr


def test_csv_fallback_warns_and_undercounts(mixed_run: LocustRun, tmp_path: Path) -> None:
    proc = gate("check", mixed_run.csv_prefix, "--thresholds", write(tmp_path, LOOSE),
                "--report-dir", tmp_path / "r")
    assert proc.returncode == 0, proc.stderr
    assert "undercount" in (proc.stdout + proc.stderr).lower()
    verdict = json.loads((tmp_path / "r" / "verdict.json").read_text())
    exact = resultsfile.read(mixed_run.results).total.num_requests
    assert verdict["results"]["exact"] is False
    assert verdict["totals"]["requests"] < exact  # the last second is missing from the CSV
    assert verdict["warnings"]


def test_zero_requests_is_a_failure_not_a_pass(
    http_server: TestServer, tmp_path: Path
) -> None:
    # The classic trap: `--tags a,b` is one tag named "a,b"; every task is filtered out.
    run = run_locust(LOCUSTFILES / "tagged.py", http_server.url, tmp_path / "run",
                     users=2, run_time=2, extra_args=["--tags", "a,b"])
    assert run.results.exists(), run.stderr[-2000:]
    proc = gate("check", run.results, "--thresholds", write(tmp_path, LOOSE),
                "--report-dir", tmp_path / "r")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    verdict = json.loads((tmp_path / "r" / "verdict.json").read_text())
    assert verdict["verdict"] == "fail"
    assert verdict["checks"][0]["outcome"] == "no-data"
    assert "no requests" in proc.stdout


@pytest.mark.parametrize(
    ("thresholds", "expected"),
    [
        ("version: 1\ndefaults: {p95: 5 parsecs}\n", "t.yml:2"),
        ("version: 1\ndefaults: {p95: 500ms\n", "t.yml"),
        ("version: 1\ndefaults: {p97: 500ms}\n", "p97"),
    ],
)
def test_bad_thresholds_exit_2_without_traceback(
    mixed_run: LocustRun, tmp_path: Path, thresholds: str, expected: str
) -> None:
    proc = gate("check", mixed_run.results, "--thresholds", write(tmp_path, thresholds),
                "--report-dir", tmp_path / "r")
    assert proc.returncode == 2
    assert expected in proc.stderr and "fix:" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "r" / "verdict.json").exists()


def test_newer_results_schema_is_refused(mixed_run: LocustRun, tmp_path: Path) -> None:
    data = json.loads(mixed_run.results.read_text())
    data["version"] = 99
    newer = tmp_path / "results.json"
    newer.write_text(json.dumps(data))
    proc = gate("check", newer, "--thresholds", write(tmp_path, LOOSE))
    assert proc.returncode == 2
    assert "results.json" in proc.stderr and "upgrade" in proc.stderr.lower()
    assert "Traceback" not in proc.stderr


def test_missing_results_and_thresholds(tmp_path: Path) -> None:
    proc = gate("check", tmp_path / "nope", "--thresholds", write(tmp_path, LOOSE))
    assert proc.returncode == 2 and "nope" in proc.stderr and "Traceback" not in proc.stderr
    proc = gate("check", tmp_path, "--thresholds", tmp_path / "missing.yml")
    assert proc.returncode == 2 and "missing.yml" in proc.stderr


def test_report_dir_that_is_a_file_is_refused(mixed_run: LocustRun, tmp_path: Path) -> None:
    target = tmp_path / "taken"
    target.write_text("keep me")
    proc = gate("check", mixed_run.results, "--thresholds", write(tmp_path, LOOSE),
                "--report-dir", target)
    assert proc.returncode == 2 and "taken" in proc.stderr
    assert target.read_text() == "keep me"  # nothing the user had is overwritten
