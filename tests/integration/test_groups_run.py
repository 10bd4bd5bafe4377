"""Groups on a real run: a platform's REST and WebSocket-style traffic (real Locust, a real
local server, requests of type WS fired as Locust request events) judged per area by
`locust-gate check` as a subprocess. A group's figures equal Locust's own percentile
function over its members' histograms merged in the test (from Locust's --json-file, no
gate code involved); a group fails while its members, too thin on their own, are not
judged; a group that matches nothing is a warning; hostile names stay inert."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from locust.stats import calculate_response_time_percentile

from gate.core import groups
from gate.core.evaluate import evaluate
from gate.core.verdict import Scope, Status
from gate.results import loader
from gate.thresholds.parser import load_thresholds as load
from tests.support import mdcheck
from tests.support.locustrun import LOCUSTFILES, LocustRun, run_locust
from tests.support.server import Route, serve

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]

ROUTES = {
    "/api/auth/*": Route(ms=30, jitter_ms=40),
    "/api/me": Route(ms=4, jitter_ms=6),
    "/api/crm/*": Route(ms=8, jitter_ms=10),
    "/api/calendar/events": Route(ms=12, jitter_ms=8),
    "/api/search": Route(ms=20, jitter_ms=30),
    "/ws/*": Route(ms=15, jitter_ms=20),
}
HOSTILE = "chat |@octocat ::error::x ##[group]<b>`y`"  # the locustfile's WS message name
# The platform guide's areas; CRM's p95 limit of 1 ms fails on purpose, while its members
# (one per lead id before grouping, a handful of grouped endpoints) have too few requests
# for min-requests 10000 on their own.
RULES = """version: 1
defaults: {p95: 5s, min-requests: 10000}
groups:
  - name: Authentication
    match: ["* /api/auth/*", "GET /api/me"]
    avg: 500ms
    p95: 5s
    fail-ratio: 0.5%
    min-requests: 1
  - name: CRM
    match: "/api/crm/*"
    p95: 1ms
    min-requests: 1
  - name: WebSocket setup
    type: WS
    match: /ws/connect
    p95: 2s
    min-requests: 1
  - name: WebSocket
    type: ws
    p95: 2s
    min-requests: 1
  - name: Billing
    match: "/api/billing/*"
    p95: 1s
"""
# Which raw names (`METHOD NAME` in Locust's --json-file) each group takes, written
# independently of the gate's matching and name grouping.
MEMBERS = {
    "Authentication": r"POST /api/auth/(login|refresh)|GET /api/me",
    "CRM": r"GET /api/crm/leads/\d+",
    "WebSocket setup": r"WS /ws/connect",
    "WebSocket": r"WS .*",
}


@pytest.fixture(scope="module")
def platform_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocustRun]:
    with serve(ROUTES) as server:
        out = tmp_path_factory.mktemp("platform")
        yield run_locust(LOCUSTFILES / "platform.py", server.url, out, users=4, run_time=3,
                         html=False).check()


@pytest.fixture(scope="module")
def checked(platform_run: LocustRun, tmp_path_factory: pytest.TempPathFactory,
            ) -> tuple[subprocess.CompletedProcess[str], Path]:
    work = tmp_path_factory.mktemp("check")
    rules = work / "platform.yml"
    rules.write_text(RULES, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "gate", "check", str(platform_run.results), "--thresholds",
         str(rules), "--report-dir", str(work / "out")],
        capture_output=True, text=True, timeout=60, check=False)
    return done, work / "out"


def _verdict(out: Path) -> dict[str, Any]:
    data = json.loads((out / "verdict.json").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _group_checks(out: Path, name: str) -> dict[str, dict[str, Any]]:
    return {c["metric"]: c for c in _verdict(out)["checks"]
            if c["scope"] == "group" and c["endpoint"] == name}


def test_a_groups_p95_is_locusts_own_over_the_merged_histogram(
    platform_run: LocustRun, checked: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    raw = json.loads(platform_run.json_file.read_text(encoding="utf-8"))
    entries = {f"{e['method']} {e['name']}": e for e in raw}
    _done, out = checked
    for group, pattern in MEMBERS.items():
        members = [e for key, e in entries.items() if re.fullmatch(pattern, key)]
        assert members, group
        merged: dict[int, int] = {}
        for entry in members:
            for bucket, count in entry["response_times"].items():
                merged[int(bucket)] = merged.get(int(bucket), 0) + count
        total = sum(e["num_requests"] for e in members)
        p95 = _group_checks(out, group)["p95"]
        assert p95["measured"] == calculate_response_time_percentile(merged, total, 0.95), group
        assert p95["requests"] is None or p95["requests"] == total
    auth = _group_checks(out, "Authentication")
    members = [e for key, e in entries.items() if re.fullmatch(MEMBERS["Authentication"], key)]
    assert auth["avg"]["measured"] == pytest.approx(
        sum(e["total_response_time"] for e in members) / sum(e["num_requests"] for e in members))
    assert {c["outcome"] for c in auth.values()} == {"pass"}


def test_a_group_fails_while_its_members_are_too_thin_and_billing_is_warned(
    checked: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    done, out = checked
    assert done.returncode == 1, done.stdout + done.stderr
    verdict = _verdict(out)
    crm = _group_checks(out, "CRM")["p95"]
    assert crm["outcome"] == "breached" and crm["level"] == "fail"
    endpoints = [c for c in verdict["checks"] if c["scope"] == "endpoint"]
    assert endpoints and all(c["outcome"] == "inconclusive" for c in endpoints)
    assert any(c["endpoint"] == "GET /api/crm/leads/[id]" for c in endpoints)  # names grouped
    assert re.search(r"^FAIL +CRM +p95 .*breached \(fail\)$", done.stdout, re.MULTILINE)
    assert [w for w in verdict["warnings"] if w.startswith("groups[4] 'Billing'")]
    assert "warning: groups[4] 'Billing'" in done.stdout
    billing = _group_checks(out, "Billing")["p95"]
    assert billing["outcome"] == "inconclusive" and billing["requests"] == 0


def test_the_reports_list_groups_and_keep_hostile_names_inert(
    checked: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    done, out = checked
    for line in done.stdout.splitlines():
        assert not line.lstrip().startswith("::") and "##[" not in line, line
    for name in ("report.md", "comment.md"):
        text = (out / name).read_text(encoding="utf-8")
        rows = {row.split(" | ")[1]: row for row in text.splitlines()
                if row.startswith("| ") and row.count(" | ") > 9}
        assert {"Authentication", "CRM", "WebSocket setup", "WebSocket", "Billing"} <= set(rows)
        cells = mdcheck.CELL_BAR.split(rows["WebSocket"])
        assert len(cells) == 13, rows["WebSocket"]  # a hostile member splits no cell
        assert "WS /ws/connect" in cells[11] and "WS chat \\|@\u200boctocat" in cells[11]
        assert "POST /api/auth/login" in rows["Authentication"]
        assert "GET /api/crm/leads/[id]" in rows["CRM"]
        html = mdcheck.to_html(text)
        assert "<b>" not in html and "@octocat" not in html
    comment = (out / "comment.md").read_text(encoding="utf-8")
    assert "**5** groups checked: **1** failed · **0** warned · **1** inconclusive" in comment
    suite = ET.parse(out / "junit.xml").getroot()
    names = {case.get("classname") for case in suite.iter("testcase")}
    assert {"CRM", "WebSocket", "Authentication"} <= names


def test_the_platform_example_selects_every_area_of_a_real_run(platform_run: LocustRun) -> None:
    """docs/examples/platform/thresholds.yml on the platform's real run: every group takes
    the endpoints its area means (WebSocket setup: the connections, not the messages)."""
    rules = load(ROOT / "docs" / "examples" / "platform" / "thresholds.yml")
    results = loader.load_results(platform_run.results, group_names=rules.group_names)
    taken = {g.name: groups.entry(results, g).members for g in rules.groups}
    assert taken == {
        "Authentication": ("POST /api/auth/login", "POST /api/auth/refresh", "GET /api/me"),
        "CRM": ("GET /api/crm/leads/[id]",),
        "Calendar": ("GET /api/calendar/events",),
        "Search": ("GET /api/search?[query]",),
        "WebSocket setup": ("WS /ws/connect",),
    }
    assert groups.unmatched(results, rules) == []
    verdict = evaluate(results, rules)
    assert verdict.status is not Status.FAIL, verdict.reasons
    assert {c.endpoint for c in verdict.checks if c.scope is Scope.GROUP} == set(taken)


def test_a_group_is_compared_with_a_stored_run_through_the_cli(
    platform_run: LocustRun, tmp_path: Path,
) -> None:
    """Saved with raw names (as `baseline save` stores them), read back grouped: the same
    run compared with itself gives each group a relative check that passes, no new."""
    store = f"{tmp_path}/store/"  # a history: the trailing slash
    gate = [sys.executable, "-m", "gate"]
    saved = subprocess.run([*gate, "baseline", "save", str(platform_run.results), "--store",
                            store], capture_output=True, text=True, timeout=60, check=False)
    assert saved.returncode == 0, saved.stderr
    rules = tmp_path / "rules.yml"
    rules.write_text(RULES.replace("p95: 1ms", "p95: 5s") + "baseline:\n  min-requests: 1\n"
                     "  p50: {max-increase: 10%}\n", encoding="utf-8")
    done = subprocess.run(
        [*gate, "check", str(platform_run.results), "--thresholds", str(rules), "--baseline",
         store, "--report-dir", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=60, check=False)
    relative = {c["endpoint"]: c["outcome"] for c in _verdict(tmp_path / "out")["checks"]
                if c["scope"] == "group" and c.get("comparison") is not None}
    assert relative == {"Authentication": "pass", "CRM": "pass", "WebSocket setup": "pass",
                        "WebSocket": "pass"}, done.stdout + done.stderr
