"""Renderers: golden report.md, valid junit.xml, a versioned verdict.json."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest

from gate.core.evaluate import evaluate
from gate.core.model import FailureGroup, RaisedException, SecondSample
from gate.core.verdict import Status
from gate.errors import HarnessError, exit_code
from gate.reports import console, junit, markdown, review, verdictfile
from gate.reports.context import ReportContext
from gate.thresholds.parser import parse
from tests.factory import endpoint, results
from tests.support.mdcheck import CELL_BAR

GOLDEN = Path(__file__).parent / "golden"
NAMES = ["/api/items", "NA", "/a|b`c`", "<b>bold</b> @octocat", "/two\nlines::error::x"]
THRESHOLDS = """version: 1
defaults:
  p95: {warn: 50ms, fail: 300ms}
  fail-ratio: 5%
  min-requests: 10
endpoints:
  - match: /api/items
    p95: 20ms
  - match: /login
    method: POST
    required: true
  - match: /api/itemz
    p95: 1s
aggregate:
  rps: 5
  p99: 1s
"""


def _context() -> ReportContext:
    entries = [
        endpoint(NAMES[0], [10.0] * 90 + [30.0] * 10),
        endpoint(NAMES[1], [5.0] * 40, failures=4),
        endpoint(NAMES[2], [120.0] * 30 + [400.0] * 10, method="POST"),
        endpoint(NAMES[3], [8.0] * 5),
        endpoint(NAMES[4], [60.0] * 20),
    ]
    failures = [
        FailureGroup(method="GET", name="NA", error="HTTPError('500 | <i>x</i> `y`')",
                     occurrences=4)
    ]
    series = [
        SecondSample(t=i, users=5, requests=20 + i, failures=i % 2)
        for i in range(10)
    ]
    crashed = (
        RaisedException(message="'NoneType' <b>x</b> | @octocat", count=3,
                        where="locustfile.py:14 in checkout"),
    )
    run = replace(results(*entries, failures=failures, series=series), exceptions=crashed)
    verdict = evaluate(run, parse(THRESHOLDS, "thresholds/t.yml"))
    return ReportContext(
        verdict=verdict, results=run, results_path="out/results.json",
        thresholds_path="thresholds/t.yml",
    )


def _golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{name} changed: UPDATE_GOLDEN=1 to accept"


def test_markdown_matches_golden() -> None:
    _golden("report.md", markdown.render_markdown(_context()))


def test_console_matches_golden() -> None:
    _golden("console.txt", console.render_console(_context()))


def test_markdown_has_no_raw_user_syntax() -> None:
    text = markdown.render_markdown(_context())
    assert "<b>" not in text and "@octocat" not in text and "`c`" not in text
    assert "<i>" not in text
    # every table row has the same number of cells as its header: no name broke a table
    for block in text.split("\n\n"):
        rows = [line for line in block.splitlines() if line.startswith("|")]
        assert len({len(CELL_BAR.findall(row)) for row in rows}) <= 1, block


def test_verdict_json_is_versioned_and_complete() -> None:
    ctx = _context()
    data = json.loads(verdictfile.to_json(verdictfile.verdict_dict(ctx)))
    assert data["schema"] == "locust-gate/verdict" and data["version"] == 1
    assert data["verdict"] == ctx.verdict.status.value == "fail"
    assert data["exit_code"] == 1
    assert len(data["checks"]) == len(ctx.verdict.checks)
    keys = {"endpoint", "metric", "measured", "limit", "outcome", "level"}
    assert all(keys <= set(check) for check in data["checks"])
    missing = [c for c in data["checks"] if c["outcome"] == "missing"]
    assert missing and missing[0]["level"] == "fail"
    assert data["totals"]["requests"] == 205


def test_junit_has_one_case_per_check_and_parses() -> None:
    ctx = _context()
    root = ET.fromstring(junit.render_junit(ctx))
    cases = root.findall("./testsuite/testcase")
    assert len(cases) == len(ctx.verdict.checks)
    failed = [c for c in cases if c.find("failure") is not None]
    assert int(root.find("testsuite").get("failures")) == len(failed) > 0  # type: ignore[union-attr]
    message = failed[0].find("failure").get("message")  # type: ignore[union-attr]
    assert "measured" in message and "limit" in message


@pytest.mark.parametrize("status", list(Status))
def test_exit_codes(status: Status) -> None:
    expected = {Status.PASS: 0, Status.WARN: 0, Status.FAIL: 1, Status.ERROR: 2}[status]
    assert exit_code(status) == expected


EVERYDAY = ["/api/items/[id]", "/api/leads?page=1&per_page=100", "/api/leads/{lead_id}/notes"]
EVERYDAY_THRESHOLDS = """version: 1
defaults: {p95: 100ms, fail-ratio: 5%}
endpoints:
  - match: "/api/items/[id]"
    p95: 20ms
  - match: /api/lead
    p95: 1s
"""


def _everyday() -> ReportContext:
    """A run with the names real locustfiles produce: grouped ids, query strings."""
    entries = [
        endpoint(EVERYDAY[0], [10.0] * 90 + [30.0] * 10),
        endpoint(EVERYDAY[1], [40.0] * 50, failures=1),
        endpoint(EVERYDAY[2], [15.0] * 20, method="POST"),
    ]
    failures = [FailureGroup(
        method="GET", name=EVERYDAY[1], occurrences=1,
        error="HTTPError('500 Server Error: for url: http://127.0.0.1:8000/api/leads?page=1')")]
    run = results(*entries, failures=failures)
    return ReportContext(
        verdict=evaluate(run, parse(EVERYDAY_THRESHOLDS, "loadtests/thresholds.yml")),
        results=run, results_path="out/results.json", thresholds_path="loadtests/thresholds.yml",
    )


def test_everyday_names_read_as_text_in_report_md_and_the_comment() -> None:
    ctx = _everyday()
    report = markdown.render_markdown(ctx)
    comment = review.render(ctx, links=None, root=None)
    _golden("report-names.md", report)
    _golden("review-names.md", comment)
    for text in (report, comment):
        assert "&#" not in text  # no numeric entity anywhere
        assert "| GET /api/items/[id] |" in text
        assert "| GET /api/leads?page=1&per_page=100 |" in text
        assert "| POST /api/leads/{lead_id}/notes |" in text
    assert "p95 30 ms > limit 20 ms (fail)" in report
    for text in (report, comment):  # the warning, in the comment as in the fork-safe one
        assert "endpoints[1] '/api/lead' (loadtests/thresholds.yml:" in text
    assert "HTTPError('500 Server Error: for url: http:\u200b//127.0.0.1:8000" in report


def test_the_verdict_is_spelled_the_same_in_every_report() -> None:
    ctx = _everyday()
    assert "locust-gate: FAIL - " in console.render_console(ctx)
    assert markdown.render_markdown(ctx).splitlines()[1] == "## ❌ Load test gate: **FAIL**"
    assert review.render(ctx, links=None, root=None).startswith("## ❌ Load test gate: **FAIL**")
    error = markdown.render_error_markdown(HarnessError("no answer", stage="health",
                                                        log_tail="a\n\n# b\n1. c"))
    assert "## 💥 Load test gate: **ERROR**" in error
    assert "> a\n>\n> \\# b\n> 1\\. c\n" in error  # log lines stay lines of the quote, as text
