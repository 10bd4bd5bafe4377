"""A real team's locustfile (per-id URLs and query strings without `name=`, fast and slow
endpoints, low traffic on some) in a real Locust run against a real local server: `check`
judges grouped endpoints whose numbers are Locust's own over the merged histograms,
results.json keeps the raw names, and `group-names: false` restores them."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from locust.stats import calculate_response_time_percentile

from gate.results import loader
from tests.support.locustrun import LOCUSTFILES, LocustRun, run_locust
from tests.support.server import Route, serve

pytestmark = pytest.mark.e2e

ROUTES = {
    "/api/login": Route(ms=40, jitter_ms=20),
    "/api/leads": Route(ms=8, jitter_ms=6),  # the list, with its query strings
    "/api/leads/*": Route(ms=2, jitter_ms=4),  # one lead, its update, its notes
    "/api/reports/*": Route(ms=60, jitter_ms=40),  # slow and rare
    "/api/files/*": Route(ms=15, jitter_ms=5),
}
# Which raw names each grouped endpoint stands for, written independently of gate.core.names.
GROUPS = {
    "GET /api/leads/[id]": r"GET /api/leads/\d+",
    "PUT /api/leads/[id]": r"PUT /api/leads/\d+",
    "GET /api/leads/[id]/notes": r"GET /api/leads/\d+/notes",
    "GET /api/leads?[query]": r"GET /api/leads\?page=\d+&per_page=100&stage=\w+",
    "GET /api/reports/[date]": r"GET /api/reports/2024-\d\d-\d\d",
    "GET /api/files/[id]": r"GET /api/files/[0-9a-f-]{36}",
}
RULES = """version: 1
defaults: {p95: 5s, fail-ratio: 1%%, min-requests: 1}
endpoints:
  - regex: "^PUT /api/leads/\\\\d+$"    # written against the raw names
    p95: 1ms
%s"""


@pytest.fixture(scope="module")
def crm_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocustRun]:
    with serve(ROUTES) as server:
        out = tmp_path_factory.mktemp("crm")
        yield run_locust(LOCUSTFILES / "crm.py", server.url, out, users=3, run_time=4,
                         html=False).check()


def _raw(run: LocustRun) -> dict[str, dict[str, object]]:
    """results.json's endpoints by `METHOD NAME`, as written (no gate code involved)."""
    data = json.loads(run.results.read_text(encoding="utf-8"))
    return {f"{e['method']} {e['name']}": e for e in data["endpoints"]}


def gate(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gate", *map(str, args)], capture_output=True,
                          text=True, timeout=60, check=False)


def test_grouped_endpoints_are_lockusts_own_numbers_over_the_merged_histograms(
    crm_run: LocustRun,
) -> None:
    raw = _raw(crm_run)
    assert sum(e["num_failures"] for e in raw.values()) == 0  # type: ignore[misc]
    results = loader.load_results(crm_run.results)
    judged = {e.key: e for e in results.endpoints}
    assert len(raw) > 3 * len(judged)  # hundreds of raw names, a handful of endpoints
    assert set(judged) == {*GROUPS, "POST /api/login", "POST /api/v2/leads"}
    for group, pattern in GROUPS.items():
        members = {k: v for k, v in raw.items() if re.fullmatch(pattern, k)}
        assert members, group
        merged: dict[int, int] = {}
        for entry in members.values():
            for bucket, count in entry["response_times"].items():  # type: ignore[attr-defined]
                merged[int(bucket)] = merged.get(int(bucket), 0) + count
        total = sum(e["num_requests"] for e in members.values())  # type: ignore[misc]
        mine = judged[group]
        assert mine.num_requests == total
        assert mine.num_failures == sum(e["num_failures"] for e in members.values())  # type: ignore[misc]
        assert sorted(mine.members) == sorted(k.split(" ", 1)[1] for k in members)
        for fraction in (0.5, 0.95, 0.99):
            assert mine.percentile(fraction) == calculate_response_time_percentile(
                merged, total, fraction), (group, fraction)
    # the explicit name= is kept, digits and all; the aggregate is Locust's own
    assert judged["POST /api/v2/leads"].members == ()
    assert results.total.num_requests == sum(e["num_requests"] for e in raw.values())  # type: ignore[misc]


def test_check_reports_groups_keeps_raw_names_and_applies_raw_rules(
    crm_run: LocustRun, tmp_path: Path,
) -> None:
    before = crm_run.results.read_bytes()
    rules = tmp_path / "t.yml"
    rules.write_text(RULES % "", encoding="utf-8")
    done = gate("check", crm_run.results, "--thresholds", rules, "--report-dir", tmp_path / "r")
    assert done.returncode == 1, done.stdout + done.stderr  # the raw-name rule: p95 > 1 ms
    assert "PUT /api/leads/[id]" in done.stdout and "breached (fail)" in done.stdout
    assert re.search(r"note: request names with ids.*GET /api/leads/\[id\]: \d+ names",
                     done.stdout)
    assert "matched no endpoint" not in done.stdout  # the raw-name rule matched its group
    verdict = json.loads((tmp_path / "r" / "verdict.json").read_text(encoding="utf-8"))
    assert {g["endpoint"] for g in verdict["groups"]} == set(GROUPS)
    put = [c for c in verdict["checks"] if c["endpoint"] == "PUT /api/leads/[id]"]
    assert {c["outcome"] for c in put if c["metric"] == "p95"} == {"breached"}
    report = (tmp_path / "r" / "report.md").read_text(encoding="utf-8")
    assert "> [!NOTE]" in report and "names" in report
    assert crm_run.results.read_bytes() == before  # results.json keeps the raw names


def test_group_names_false_judges_the_raw_names(crm_run: LocustRun, tmp_path: Path) -> None:
    rules = tmp_path / "t.yml"
    rules.write_text(RULES % "group-names: false\n", encoding="utf-8")
    done = gate("check", crm_run.results, "--thresholds", rules, "--report-dir", tmp_path / "r")
    verdict = json.loads((tmp_path / "r" / "verdict.json").read_text(encoding="utf-8"))
    assert verdict["groups"] == [] and "note: request names" not in done.stdout
    endpoints = {c["endpoint"] for c in verdict["checks"] if c["scope"] == "endpoint"}
    assert endpoints == set(_raw(crm_run))
    assert not any("[id]" in e or "[query]" in e for e in endpoints)


def test_stored_runs_keep_raw_names_and_meet_the_run_grouped(
    crm_run: LocustRun, tmp_path: Path,
) -> None:
    store = f"{tmp_path}/store/"
    for commit in ("c1", "c2", "c3"):
        saved = gate("baseline", "save", crm_run.results, "--store", store, "--branch", "main",
                     "--commit", commit)
        assert saved.returncode == 0, saved.stderr
    stored = json.loads(next((tmp_path / "store" / "runs").glob("*/*.json")).read_text())
    assert {f"{e['method']} {e['name']}" for e in stored["results"]["endpoints"]} == set(
        _raw(crm_run))  # the store keeps Locust's raw names
    rules = tmp_path / "t.yml"
    rules.write_text("version: 1\ndefaults: {fail-ratio: 1%}\n", encoding="utf-8")
    done = gate("check", crm_run.results, "--thresholds", rules, "--baseline", store,
                "--baseline-branch", "main", "--report-dir", tmp_path / "r")
    assert done.returncode == 0, done.stdout + done.stderr
    verdict = json.loads((tmp_path / "r" / "verdict.json").read_text(encoding="utf-8"))
    assert verdict["verdict"] == "pass" and verdict["baseline"]["runs"] == 3
    compared = {c["endpoint"] for c in verdict["checks"] if c["comparison"] is not None}
    assert "GET /api/leads/[id]" in compared  # grouped on both sides: the same name
    assert not [c for c in verdict["checks"] if c["outcome"] in ("new", "missing")]
