"""Real Locust runs of patterns from real locustfiles: a `stats.get(name, None)` call in
`test_stop` (with and without Locust's HTML report), a user class whose task raises,
Locust's `[id]` names, and a thresholds rule that matches nothing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from gate.files import outputs
from gate.results import csvreader, jsonfile, resultsfile
from tests.support.locustrun import LOCUSTFILES, LocustRun, run_locust
from tests.support.server import TestServer

pytestmark = pytest.mark.e2e
CRASHY = LOCUSTFILES / "crashy.py"
THRESHOLDS = """version: 1
defaults: {p95: 5s, fail-ratio: 100%, min-requests: 1}
endpoints:
  - match: "/support/ticket/[id]"
    p99: 5s
  - match: "/support/tickets/[id]"
    p99: 1ms
"""


@pytest.fixture(scope="module")
def crashy_run(http_server: TestServer, tmp_path_factory: pytest.TempPathFactory) -> LocustRun:
    """With --html: Locust's HTML writer raises on the 0-request entry and Locust exits 1
    before `quitting`; the results written at `test_stop` must survive that."""
    out = tmp_path_factory.mktemp("crashy-html")
    return run_locust(CRASHY, http_server.url, out, users=3, run_time=2)


def gate(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gate", *map(str, args)],
        capture_output=True, text=True, timeout=60, check=False,
    )


def test_locusts_html_writer_crashing_does_not_lose_the_run(crashy_run: LocustRun) -> None:
    assert crashy_run.returncode != 0  # Locust's own report writer crashed ...
    assert "TypeError" in crashy_run.stderr and not crashy_run.html.exists()
    results = resultsfile.read(crashy_run.results)  # ... but the run was kept
    assert results.meta.completed is True
    assert {(e.method, e.name) for e in results.endpoints} == {
        ("GET", "/support/ticket/[id]"), ("GET", "/checkout"),
    }  # no phantom entry with method "" and 0 requests
    assert results.total.num_requests == sum(e.num_requests for e in results.endpoints) > 10


def test_without_html_all_three_readers_agree(http_server: TestServer, tmp_path: Path) -> None:
    run = run_locust(CRASHY, http_server.url, tmp_path, users=3, run_time=2, html=False).check()
    plugin = resultsfile.read(run.results)
    json_file = jsonfile.read(run.json_file)
    csv = csvreader.read(run.csv_prefix)
    names = {(e.method, e.name) for e in plugin.endpoints}
    assert names == {("GET", "/support/ticket/[id]"), ("GET", "/checkout")}
    assert {(e.method, e.name) for e in json_file.endpoints} == names
    assert {(e.method, e.name) for e in csv.endpoints} == names
    assert json_file.total.num_requests == plugin.total.num_requests
    assert csv.exceptions is not None and csv.exceptions[0].message == (
        plugin.exceptions[0].message if plugin.exceptions else None
    )


def test_crashed_users_are_recorded_and_fail_the_gate(
    crashy_run: LocustRun, tmp_path: Path
) -> None:
    results = resultsfile.read(crashy_run.results)
    assert results.exceptions is not None and len(results.exceptions) == 1
    crash = results.exceptions[0]
    assert "has no attribute 'cart'" in crash.message and crash.count >= 3
    assert crash.where.endswith("crashy.py:24 in checkout"), crash.where
    assert "self.cart.items.append" in crash.traceback

    thresholds = tmp_path / "t.yml"
    thresholds.write_text(THRESHOLDS)
    proc = gate("check", crashy_run.results, "--thresholds", thresholds, "--report-dir",
                tmp_path / "r")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert f"exception: {crash.count:,} x 'BrokenUser' object has no attribute 'cart'" in (
        proc.stdout
    )
    assert "exceptions raised in the locustfile" in proc.stdout
    report = (tmp_path / "r" / "report.md").read_text()
    assert "### Exceptions in the locustfile" in report and "crashy.py:24" in report
    verdict = json.loads((tmp_path / "r" / "verdict.json").read_text())
    assert verdict["exceptions"][0]["count"] == crash.count
    failed = [c for c in verdict["checks"] if c["outcome"] != "pass"]
    assert [(c["metric"], c["level"]) for c in failed] == [("exceptions", "fail")]


def test_id_names_match_exactly_and_a_rule_for_nothing_is_a_warning(
    crashy_run: LocustRun, tmp_path: Path
) -> None:
    thresholds = tmp_path / "t.yml"
    thresholds.write_text(THRESHOLDS + "aggregate: {exceptions: {warn: 0}}\n")
    proc = gate("check", crashy_run.results, "--thresholds", thresholds, "--report-dir",
                tmp_path / "r")
    assert proc.returncode == 0, proc.stdout + proc.stderr  # warnings only
    verdict = json.loads((tmp_path / "r" / "verdict.json").read_text())
    p99 = [c for c in verdict["checks"] if c["metric"] == "p99"]
    assert [c["endpoint"] for c in p99] == ["GET /support/ticket/[id]"]  # [id] as written
    unmatched = "endpoints[1] '/support/tickets/[id]'"
    assert any(unmatched in w and "matched no endpoint" in w for w in verdict["warnings"])
    assert f"warning: {unmatched}" in proc.stdout
    assert "did you mean '/support/ticket/[id]'" in proc.stdout
    report = (tmp_path / "r" / "report.md").read_text()
    assert "matched no endpoint of this run" in report


def test_check_removes_its_old_reports_first(crashy_run: LocustRun, tmp_path: Path) -> None:
    reports = tmp_path / "r"
    thresholds = tmp_path / "t.yml"
    thresholds.write_text(THRESHOLDS + "aggregate: {exceptions: off}\n")
    assert gate("check", crashy_run.results, "--thresholds", thresholds,
                "--report-dir", reports).returncode == 0
    (reports / "notes.txt").write_text("mine")
    thresholds.write_text("version: 1\n")  # now refused: no rules
    proc = gate("check", crashy_run.results, "--thresholds", thresholds, "--report-dir", reports)
    assert proc.returncode == 2 and "no rules" in proc.stderr
    left = sorted(p.name for p in reports.iterdir() if p.name != outputs.RECORD_NAME)
    assert left == ["notes.txt"]  # no green report left
