"""Dynamic request names: which names are grouped, how exactly, and that rules written
against raw names keep applying (gate.core.names)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from gate.core import histogram, names
from gate.core.evaluate import evaluate, unmatched_rules
from gate.core.model import FailureGroup, Source
from gate.core.verdict import Outcome, Status
from gate.reports import console, markdown, review, verdictfile
from gate.reports.context import ReportContext
from gate.thresholds.parser import parse
from tests.factory import endpoint, results

UUID = "3f2b8c1e-9a4d-4e6f-8b2a-1c3d5e7f9a0b"


@pytest.mark.parametrize(("raw", "grouped"), [
    ("/api/leads/121", "/api/leads/[id]"),
    ("/api/leads/121/notes/7", "/api/leads/[id]/notes/[id]"),
    (f"/api/orders/{UUID}", "/api/orders/[id]"),
    (f"/api/orders/{UUID.upper()}/items", "/api/orders/[id]/items"),
    ("/api/blobs/5f0c2a9e1b3d", "/api/blobs/[id]"),  # hex, 12 digits, a digit among them
    ("/api/objects/507f1f77bcf86cd799439011", "/api/objects/[id]"),  # a MongoDB ObjectId
    ("/s/aZ3kQ9xL2mN8pR4t", "/s/[id]"),  # a url-safe token, mixed case
    ("/s/k3j9d8f7g6h5j4k2l1", "/s/[id]"),  # a token, letters and digits alternating
    ("/reports/2024-05-01", "/reports/[date]"),
    ("/reports/2024-05-01T10:30:00Z/csv", "/reports/[date]/csv"),
    ("/api/leads?page=4&per_page=100&status=new", "/api/leads?[query]"),
    ("/api/leads/9?expand=notes", "/api/leads/[id]?[query]"),
    ("http://127.0.0.1:8000/api/leads/5", "http://127.0.0.1:8000/api/leads/[id]"),
    # kept: an explicit name= that merely contains digits, words, an empty query
    ("/api/v2/items", "/api/v2/items"),
    ("/api/v1/resource3", "/api/v1/resource3"),
    ("/api/items/[id]", "/api/items/[id]"),
    ("/api/facade/deadbeef", "/api/facade/deadbeef"),  # hex letters only: a word
    ("/blog/order_items_2024_summary", "/blog/order_items_2024_summary"),
    ("/blog/my-very-long-article-title", "/blog/my-very-long-article-title"),
    ("/img/photo-7.png", "/img/photo-7.png"),
    ("/api/leads?", "/api/leads?"),
    ("login flow", "login flow"),  # not a URL path: a name the locustfile chose
    ("12345", "12345"),
    ("/api/\u0661\u0662\u0663", "/api/\u0661\u0662\u0663"),  # not ASCII digits
])
def test_shape(raw: str, grouped: str) -> None:
    assert names.shape(raw) == grouped
    assert names.shape(grouped) == grouped  # idempotent: a stored grouped name stays


def _leads() -> list:  # type: ignore[type-arg]
    return [
        endpoint("/api/leads/1", [10.0] * 30 + [200.0] * 2, method="PUT", failures=1),
        endpoint("/api/leads/2", [12.0] * 20 + [450.0], method="PUT", duration=8.0),
        endpoint("/api/leads/3", [8.0] * 3, method="PUT"),
        endpoint("/api/leads/3", [5.0] * 4),  # another method: another endpoint
        endpoint("/api/v2/items", [3.0] * 50),
    ]


def test_group_merges_exactly() -> None:
    members = _leads()
    per_second = [replace(members[0], requests_per_second={0: 20, 1: 12},
                          failures_per_second={1: 1}),
                  replace(members[1], requests_per_second={1: 21}), members[2]]
    run = results(*per_second, *members[3:],
                  failures=[FailureGroup(method="PUT", name="/api/leads/1", error="500",
                                         occurrences=1)])
    grouped = names.group(run)
    put = grouped.endpoint("PUT", "/api/leads/[id]")
    assert put is not None
    assert put.members == ("/api/leads/1", "/api/leads/2", "/api/leads/3")
    hist = histogram.merge([e.histogram for e in per_second])  # type: ignore[misc]
    assert put.histogram == hist
    assert put.num_requests == 56 and put.num_failures == 1
    assert put.total_response_time == sum(e.total_response_time for e in per_second)
    assert (put.min_response_time, put.max_response_time) == (8.0, 450.0)
    assert put.last_request_timestamp == per_second[0].last_request_timestamp
    assert put.requests_per_second == {0: 20, 1: 33} and put.failures_per_second == {1: 1}
    # Locust's own percentile over the merged histogram, never an average of percentiles
    assert put.percentile(0.95) == histogram.percentile(hist, 56, 0.95) == 200
    assert grouped.endpoint("GET", "/api/leads/[id]") is not None  # GET kept apart
    assert grouped.endpoint("GET", "/api/v2/items") is run.endpoints[-1]  # untouched
    assert grouped.total == run.total  # the aggregate does not change
    assert grouped.failures == (FailureGroup(method="PUT", name="/api/leads/[id]",
                                             error="500", occurrences=1),)
    assert names.group(grouped) == grouped  # grouping twice changes nothing more


def test_a_single_id_is_grouped_too_so_every_run_has_the_same_name() -> None:
    grouped = names.group(results(endpoint("/api/items/42", [5.0] * 10)))
    (entry,) = grouped.endpoints
    assert (entry.name, entry.members) == ("/api/items/[id]", ("/api/items/42",))


def test_csv_results_are_not_grouped_and_say_why() -> None:
    run = replace(results(endpoint("/api/items/42", [5.0] * 10)), source=Source.CSV)
    grouped = names.group(run)
    assert grouped.endpoints == run.endpoints
    assert grouped.warnings == (names.CSV_NOT_GROUPED,)
    clean = replace(results(endpoint("/api/items", [5.0])), source=Source.CSV)
    assert names.group(clean) is clean  # nothing to group: no warning


RAW_RULES = """version: 1
defaults: {p95: 1s, min-requests: 1}
endpoints:
  - regex: "^PUT /api/leads/\\\\d+$"
    p95: 100ms
  - match: "GET /api/leads/3"
    p95: 1ms
  - match: /api/leads/[id]
    method: DELETE
    required: true
"""


def test_rules_written_against_raw_names_apply_to_their_group() -> None:
    thresholds = parse(RAW_RULES, "t.yml")
    run = names.group(results(*_leads(), endpoint("/api/leads/8", [4.0], method="DELETE")))
    verdict = evaluate(run, thresholds)
    by = {(c.endpoint, c.metric): c for c in verdict.checks}
    # the regex matches the members, so its 100 ms applies to the group: p95 200 ms
    assert by[("PUT /api/leads/[id]", "p95")].outcome is Outcome.BREACHED
    assert by[("PUT /api/leads/[id]", "p95")].limit == 100
    assert by[("GET /api/leads/[id]", "p95")].limit == 1  # the exact raw name
    assert ("DELETE /api/leads/[id]", "required") not in by  # present: the group name
    assert unmatched_rules(run, thresholds) == []  # no rule "matched nothing"
    assert verdict.status is Status.FAIL


def test_rules_and_reports_say_what_was_grouped() -> None:
    # names are hostile text in every sink, the grouped line's too
    run = names.group(results(*_leads(), endpoint("/x/1/`<b>|\n::error::x", [1.0] * 3),
                              endpoint("/x/2/`<b>|\n::error::x", [1.0] * 3)))
    verdict = evaluate(run, parse("version: 1\ndefaults: {p95: 1s}\n", "t.yml"))
    ctx = ReportContext(verdict=verdict, results=run, results_path="r.json",
                        thresholds_path="t.yml")
    line = names.describe(run)
    assert line is not None and "PUT /api/leads/[id]: 3 names" in line
    assert line.endswith("GET /api/leads/[id]: 1 name") and "group-names: false" in line
    text = console.render_console(ctx)
    assert "note: request names with ids" in text and "PUT /api/leads/[id]: 3 names" in text
    assert not any(row.startswith("::") for row in text.splitlines())
    for rendered in (markdown.render_markdown(ctx), review.render(ctx, links=None, root=None)):
        note = rendered.split("> [!NOTE]\n> ", 1)[1].split("\n", 1)[0]
        assert "3 names" in note and "`<b>" in line and "<b>" not in note
        assert "\n\n> [!NOTE]" in rendered  # a block of its own
    data = verdictfile.verdict_dict(ctx)
    groups = {g["endpoint"]: g for g in data["groups"]}
    assert groups["PUT /api/leads/[id]"]["names"] == 3
    assert groups["PUT /api/leads/[id]"]["members"] == ["/api/leads/1", "/api/leads/2",
                                                        "/api/leads/3"]
    assert data["notes"] == ctx.notes


def test_group_names_false_and_bad_values() -> None:
    assert parse("version: 1\ndefaults: {p95: 1s}\n", "t.yml").group_names is True
    assert parse("version: 1\ngroup-names: false\ndefaults: {p95: 1s}\n",
                 "t.yml").group_names is False
    with pytest.raises(Exception, match="group-names must be true or false") as info:
        parse("version: 1\ngroup-names: sometimes\ndefaults: {p95: 1s}\n", "t.yml")
    assert "t.yml:2" in str(info.value.where)  # type: ignore[attr-defined]
