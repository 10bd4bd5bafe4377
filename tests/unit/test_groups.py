"""Endpoint groups (`groups:`): the section's parser and errors, the judging of a group from
its members' merged histograms, unmatched groups, and hostile names in every sink."""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import jsonschema
import pytest
import yaml

from gate.core import groups, histogram, thin
from gate.core.evaluate import evaluate
from gate.core.model import Results, Source
from gate.core.names import group as group_names
from gate.core.relative import Baseline
from gate.core.rules import Level
from gate.core.ruleset import Thresholds
from gate.core.verdict import Check, Outcome, Scope, Status
from gate.errors import UserError
from gate.reports import console, junit, markdown, review
from gate.reports.context import ReportContext
from gate.thresholds.groups import GROUP_KEYS
from gate.thresholds.parser import json_schema, parse
from tests import factory
from tests.support import mdcheck

# The issue's own example, as written.
ISSUE_EXAMPLE = """version: 1
groups:
  - name: Authentication
    match: ["* /api/auth/*", "GET /api/me"]   # the same matching as endpoints: (glob); or regex:
    avg: 500ms
    fail-ratio: 0.5%
  - name: WebSocket setup
    type: WS                                  # or by Locust request type
    p95: 2s
"""


def _rules(text: str) -> Thresholds:
    return parse(text, "t.yml")


def _error(text: str) -> UserError:
    with pytest.raises(UserError) as info:
        parse(text, "t.yml")
    return info.value


def _check(checks: Sequence[Check], name: str, metric: str) -> Check:
    return next(c for c in checks if c.endpoint == name and c.metric == metric)


# --- the section ---------------------------------------------------------------------------


def test_the_issues_example_parses_as_written() -> None:
    auth, ws = _rules(ISSUE_EXAMPLE).groups
    assert auth.name == "Authentication" and auth.type is None
    assert [m.describe() for m in auth.matchers] == ["* /api/auth/*", "GET /api/me"]
    assert [(r.metric.value, r.limits[0].value) for r in auth.rules] == [
        ("avg", 500.0), ("fail-ratio", 0.005)]
    assert auth.where == "t.yml:3 (at groups[0])"
    assert ws.type == "WS" and ws.matchers == () and ws.rules[0].limits[0].value == 2000.0
    assert ws.describe() == "type WS"


def test_a_file_with_only_groups_has_rules() -> None:
    assert _rules(ISSUE_EXAMPLE).has_absolute_rules


def test_match_as_a_string_regex_as_a_list_and_type_with_a_pattern() -> None:
    one, two = _rules(
        "version: 1\ngroups:\n"
        "  - {name: CRM, match: '/api/crm/*', p95: {warn: 800ms, fail: 1s}, min-requests: 50}\n"
        "  - {name: Sockets, type: ws, regex: ['^connect$', '^send '], p95: 2s}\n"
    ).groups
    assert [m.kind.value for m in one.matchers] == ["glob"] and one.min_requests == 50
    assert {lim.level for lim in one.rules[0].limits} == {Level.WARN, Level.FAIL}
    assert [m.kind.value for m in two.matchers] == ["regex", "regex"] and two.type == "ws"
    assert two.describe() == "type ws and regex:^connect$, regex:^send "


@pytest.mark.parametrize(
    ("body", "where", "what", "fix"),
    [
        ("groups: {name: a}", "t.yml:2 (at groups)", "must be a list", "dash"),
        ("groups:\n  - just-a-name", "t.yml:3 (at groups[0])", "must be a mapping", "name:"),
        ("groups:\n  - {match: /a, p95: 1s}", "t.yml:3 (at groups[0].name)", "no name",
         "name: Authentication"),
        ("groups:\n  - {name: '', match: /a, p95: 1s}", "t.yml:3 (at groups[0].name)",
         "non-empty", "name:"),
        ("groups:\n  - {name: Aggregated, match: /a, p95: 1s}", "t.yml:3 (at groups[0].name)",
         "whole run", "aggregate:"),
        ("groups:\n  - {name: a, match: /a, p95: 1s}\n  - {name: a, match: /b, p95: 1s}",
         "t.yml:4 (at groups[1].name)", "groups[0] (line 3)", "rename"),
        ("groups:\n  - {name: a, p95: 1s}", "t.yml:3 (at groups[0])", "does not say which",
         "type: WS"),
        ("groups:\n  - name: a\n    match: /a\n    regex: ^/b\n    p95: 1s",
         "t.yml:5 (at groups[0].regex)", "both match and regex", "keep one"),
        ("groups:\n  - {name: a, match: [], p95: 1s}", "t.yml:3 (at groups[0].match)",
         "empty list", "at least one"),
        ("groups:\n  - name: a\n    match: [/a, 7]\n    p95: 1s",
         "t.yml:4 (at groups[0].match[1])", "non-empty text", "quotes"),
        ("groups:\n  - {name: a, regex: '(a', p95: 1s}", "t.yml:3 (at groups[0].regex)",
         "does not compile", "RE2"),
        ("groups:\n  - {name: a, type: 'W S', p95: 1s}", "t.yml:3 (at groups[0].type)",
         "one plain word", "type: WS"),
        ("groups:\n  - {name: a, match: /a}", "t.yml:3 (at groups[0])", "no limit",
         "p95: 500ms"),
        ("groups:\n  - {name: a, match: /a, p95: off}", "t.yml:3 (at groups[0].p95)",
         "defaults do not apply", "delete the p95 line"),
        ("groups:\n  - {name: a, match: /a, p95: 5}", "t.yml:3 (at groups[0].p95)",
         "unit", "ms"),
        ("groups:\n  - {name: a, method: WS, p95: 1s}", "t.yml:3 (at groups[0].method)",
         "unknown key 'method'", "did you mean 'type'"),
        ("groups:\n  - {name: a, match: /a, exceptions: 0}", "t.yml:3 (at groups[0].exceptions)",
         "whole run", "aggregate"),
        ("groups:\n  - {name: a, match: /a, p95: 1s, min-requests: 0}",
         "t.yml:3 (at groups[0].min-requests)", "less than 1", "1 or more"),
    ],
)
def test_errors_name_the_file_line_key_and_fix(body: str, where: str, what: str,
                                              fix: str) -> None:
    error = _error(f"version: 1\n{body}\n")
    assert error.where == where, error.render()
    assert what in error.what, error.render()
    assert fix in (error.fix or ""), error.render()


# --- the schema agrees with the parser ----------------------------------------------------


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json_schema())


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        (ISSUE_EXAMPLE, True),
        ("version: 1\ngroups:\n  - {name: a, match: /a, regex: /b, p95: 1s}\n", False),
        ("version: 1\ngroups:\n  - {name: a, p95: 1s}\n", False),
        ("version: 1\ngroups:\n  - {name: a, match: [], p95: 1s}\n", False),
        ("version: 1\ngroups:\n  - {name: Aggregated, type: WS, p95: 1s}\n", False),
        ("version: 1\ngroups:\n  - {name: a, type: WS, p95: 5}\n", False),
        ("version: 1\ngroups:\n  - {name: a, type: WS, method: GET, p95: 1s}\n", False),
        ("version: 1\ngroups:\n  - {name: a, regex: [^/a, ^/b], rps: 5, min-requests: 9}\n",
         True),
    ],
)
def test_schema_and_parser_agree(validator: jsonschema.Draft202012Validator, text: str,
                                 valid: bool) -> None:
    errors = [e.message for e in validator.iter_errors(yaml.safe_load(text))]
    assert (not errors) is valid, errors
    if valid:
        parse(text, "t.yml")
    else:
        with pytest.raises(UserError):
            parse(text, "t.yml")


def test_schema_keys_are_the_parsers() -> None:
    items = json_schema()["properties"]["groups"]["items"]
    assert set(items["properties"]) == set(GROUP_KEYS)


# --- judging -----------------------------------------------------------------------------

# Two fast members and one slow one: the average of the members' p95s is far from the p95
# of their requests taken together.
FAST_A = [5.0] * 60
FAST_B = [7.0] * 30
SLOW = [40.0] * 8 + [900.0] * 2


def _auth_run() -> Results:
    return factory.results(
        factory.endpoint("/api/auth/login", FAST_A, method="POST"),
        factory.endpoint("/api/auth/refresh", FAST_B, method="POST", failures=1),
        factory.endpoint("/api/me", SLOW),
        factory.endpoint("/api/crm/leads", [20.0] * 50),
    )


def test_a_groups_figures_are_its_members_merged_never_an_average() -> None:
    run = _auth_run()
    rules = _rules("version: 1\ngroups:\n  - name: Authentication\n"
                   "    match: ['* /api/auth/*', GET /api/me]\n    p95: 1s\n    avg: 500ms\n"
                   "    fail-ratio: 5%\n")
    merged = groups.entry(run, rules.groups[0])
    assert merged.members == ("POST /api/auth/login", "POST /api/auth/refresh", "GET /api/me")
    assert merged.num_requests == 100 and merged.num_failures == 1
    times = FAST_A + FAST_B + SLOW
    buckets: dict[int, int] = {}
    for t in times:
        buckets[histogram.bucket(t)] = buckets.get(histogram.bucket(t), 0) + 1
    verdict = evaluate(run, rules)
    p95 = _check(verdict.checks, "Authentication", "p95")
    assert p95.scope is Scope.GROUP and p95.outcome is Outcome.PASS
    assert p95.measured == histogram.percentile(buckets, 100, 0.95) == 40
    averaged = sum(e.percentile(0.95) or 0 for e in run.endpoints[:3]) / 3
    assert averaged > 300  # what an average of percentiles would have said
    avg = _check(verdict.checks, "Authentication", "avg")
    assert avg.measured == pytest.approx(sum(times) / 100)
    ratio = _check(verdict.checks, "Authentication", "fail-ratio")
    assert ratio.measured == pytest.approx(0.01)


def test_a_group_fails_while_each_member_is_too_thin_to_judge() -> None:
    """min-requests counts the group's requests: members of 30 requests each are too few
    for min-requests 50 on their own, the group's 90 are judged, and it fails."""
    slow = [300.0] * 30
    run = factory.results(*(factory.endpoint(f"/api/search/{kind}", slow)
                            for kind in ("leads", "deals", "notes")))
    rules = _rules("version: 1\ndefaults: {p95: 500ms, min-requests: 50}\ngroups:\n"
                   "  - {name: Search, match: '/api/search/*', p95: 200ms}\n")
    verdict = evaluate(run, rules)
    members = [c for c in verdict.checks if c.scope is Scope.ENDPOINT]
    assert len(members) == 3 and all(c.too_few and c.counts_at is None for c in members)
    search = _check(verdict.checks, "Search", "p95")
    assert search.outcome is Outcome.BREACHED and search.level is Level.FAIL
    assert search.measured == 300
    assert verdict.status is Status.FAIL
    assert any(r.startswith("Search: p95 300 ms > limit 200 ms") for r in verdict.reasons)
    # the too-thin note is about endpoints: the judged group is not counted as one
    assert (thin.summary(verdict.checks) or "").startswith("3 of 3 endpoints had too few")
    # and the other way: a group of 90 is too thin for its own min-requests of 100
    too_thin = _rules("version: 1\ngroups:\n  - {name: Search, match: '/api/search/*', "
                  "p95: 200ms, min-requests: 100}\n")
    check = _check(evaluate(run, too_thin).checks, "Search", "p95")
    assert check.too_few and check.requests == 90 and check.needs == 100


def test_type_selects_by_request_type_and_narrows_a_pattern() -> None:
    run = factory.results(
        factory.endpoint("connect", [150.0] * 20, method="WS"),
        factory.endpoint("send chat", [20.0] * 20, method="WS"),
        factory.endpoint("connect", [10.0] * 20, method="GET"),
    )
    rules = _rules("version: 1\ngroups:\n  - {name: WebSocket, type: ws, p95: 2s}\n"
                   "  - {name: WS setup, type: WS, match: connect, p95: 100ms}\n")
    every, setup = rules.groups
    assert groups.entry(run, every).members == ("WS connect", "WS send chat")
    assert groups.entry(run, setup).members == ("WS connect",)
    verdict = evaluate(run, rules)
    assert _check(verdict.checks, "WS setup", "p95").outcome is Outcome.BREACHED
    assert _check(verdict.checks, "WebSocket", "p95").outcome is Outcome.PASS


def test_groups_match_the_grouped_names_and_their_raw_names() -> None:
    raw = factory.results(*(factory.endpoint(f"/api/leads/{i}", [10.0] * 5)
                            for i in range(1, 5)), factory.endpoint("/api/me", [10.0] * 5))
    run = group_names(raw)
    rules = _rules("version: 1\ngroups:\n  - {name: Leads, match: 'GET /api/leads/[id]', "
                   "p95: 1s}\n  - {name: By raw name, regex: '^/api/leads/\\d+$', p95: 1s}\n")
    by_name, by_raw = (groups.entry(run, g) for g in rules.groups)
    assert by_name.members == by_raw.members == ("GET /api/leads/[id]",)
    assert by_name.num_requests == 20


def test_an_unmatched_group_is_warned_about_and_never_a_pass() -> None:
    run = _auth_run()
    rules = _rules("version: 1\ngroups:\n  - {name: WebSocket setup, type: WS, p95: 2s}\n")
    warnings = groups.unmatched(run, rules)
    assert warnings == [
        "groups[0] 'WebSocket setup' (t.yml:3 (at groups[0])) selects type WS and matched no "
        "endpoint of this run, so its rules checked nothing; the run's request types: GET, POST"
    ]
    verdict = evaluate(run, rules)
    check = _check(verdict.checks, "WebSocket setup", "p95")
    assert check.too_few and check.requests == 0
    assert "matched no endpoint" in check.message
    # the file's only rule checked nothing: the run is inconclusive, not a pass
    assert verdict.status is Status.WARN
    assert any(c.metric == "judged" for c in verdict.checks)
    matched = _rules("version: 1\ngroups:\n  - {name: Me, match: GET /api/me, p95: 2s}\n")
    assert groups.unmatched(run, matched) == []


def test_a_run_without_requests_gets_no_group_checks() -> None:
    verdict = evaluate(factory.results(), _rules(ISSUE_EXAMPLE))
    assert [c.metric for c in verdict.checks] == ["requests"]
    assert verdict.status is Status.FAIL


def test_endpoint_rules_and_groups_judge_the_same_endpoint_each() -> None:
    """Groups overlap and take nothing from endpoints: an endpoint in two groups is
    judged on its own and in both."""
    rules = _rules("version: 1\ndefaults: {p95: 2s}\ngroups:\n"
                   "  - {name: Auth, match: '* /api/auth/*', p95: 1s}\n"
                   "  - {name: Writes, type: POST, p95: 1s}\n")
    verdict = evaluate(_auth_run(), rules)
    assert len([c for c in verdict.checks if c.scope is Scope.ENDPOINT]) == 4
    assert groups.entries(_auth_run(), rules)[0].members == groups.entries(
        _auth_run(), rules)[1].members


# --- the reports ---------------------------------------------------------------------------

HOSTILE_GROUP = "Auth | @octocat ::error::x ##[group]<img src=x>"
HOSTILE_MEMBER = "/api/auth/|@admin ##[error]<b>`x`"


def _hostile_context() -> ReportContext:
    run = factory.results(factory.endpoint(HOSTILE_MEMBER, [600.0] * 20, method="POST"),
                          factory.endpoint("/api/me", [5.0] * 20))
    rules = _rules("version: 1\ngroups:\n"
                   f"  - name: {json.dumps(HOSTILE_GROUP)}\n"
                   "    match: ['* /api/auth/*', GET /api/me]\n    avg: 200ms\n"
                   "  - {name: Calendar, match: '/api/calendar/*', avg: 800ms}\n")
    verdict = evaluate(run, rules)
    verdict = replace(verdict, warnings=(*verdict.warnings, *groups.unmatched(run, rules)))
    return ReportContext(verdict=verdict, results=run, results_path="r.json",
                         thresholds_path="t.yml", groups=groups.entries(run, rules))


def _groups_table(text: str) -> list[str]:
    """The rows of the groups table (after its header and its alignment row)."""
    lines = text.splitlines()
    start = next(i for i in range(lines.index("### Groups"), len(lines))
                 if lines[i].startswith("| "))
    end = next((i for i in range(start, len(lines)) if not lines[i].startswith("|")), len(lines))
    return lines[start + 2:end]


@pytest.mark.parametrize("render", ["report", "comment"])
def test_the_groups_table_lists_figures_and_members_escaped(render: str) -> None:
    ctx = _hostile_context()
    text = (markdown.render_markdown(ctx) if render == "report"
            else review.render(ctx, links=None, root=None))
    auth, calendar = _groups_table(text)
    cells = [c.strip() for c in mdcheck.CELL_BAR.split(auth)[1:-1]]
    assert len(cells) == 11, auth  # no bar of a hostile name splits a cell
    assert cells[0] == "❌" and cells[2] == "40" and cells[3] == "0 (0.00 %)"
    assert cells[4] == "302 ms"  # avg of 20 x 600 ms and 20 x 5 ms
    html = mdcheck.to_html(text)
    assert "<img" not in html and "<b>" not in html and "@octocat" not in html
    assert re.fullmatch(r"POST /api/auth/\\\|@\u200badmin .* · GET /api/me", cells[10]), cells[10]
    assert calendar.startswith(f"| {markdown.TOO_FEW_ICON} | Calendar | 0 |")
    assert calendar.endswith("| none: matched no endpoint |")
    if render == "report":  # the report carries the verdict's warnings (the comment does not)
        assert "matched no endpoint of this run" in text
    else:
        assert "No endpoint was checked" not in text
        assert "**2** groups checked: **1** failed · **0** warned · **1** inconclusive" in text


def test_console_and_junit_show_group_checks_escaped() -> None:
    ctx = _hostile_context()
    text = console.render_console(ctx)
    assert "FAIL" in text and "Auth" in text and "avg" in text
    for line in text.splitlines():
        assert not line.lstrip().startswith("::") and "##[" not in line, line
    root = ET.fromstring(junit.render_junit(ctx).encode("utf-8"))
    cases = {c.get("classname"): c for c in root.iter("testcase")}
    assert cases[HOSTILE_GROUP].find("failure") is not None  # the name round-trips intact
    assert cases["Calendar"].find("skipped") is not None  # 0 requests: nothing judged


def test_reports_without_groups_have_no_groups_section() -> None:
    run = _auth_run()
    ctx = ReportContext(verdict=evaluate(run, _rules("version: 1\ndefaults: {p95: 1s}\n")),
                        results=run, results_path="r.json", thresholds_path="t.yml")
    assert "### Groups" not in markdown.render_markdown(ctx)
    assert "### Groups" not in review.render(ctx, links=None, root=None)


def test_the_groups_table_names_at_most_a_few_members() -> None:
    run = factory.results(*(factory.endpoint(f"/api/crm/{i}x", [5.0]) for i in range(30)))
    rules = _rules("version: 1\ngroups:\n  - {name: CRM, match: '/api/crm/*', p95: 1s}\n")
    ctx = ReportContext(verdict=evaluate(run, rules), results=run, results_path="r",
                        thresholds_path="t.yml", groups=groups.entries(run, rules))
    (row,) = _groups_table(markdown.render_markdown(ctx))
    assert row.count(" · ") == 8 and row.endswith("and 22 more |")


GOLDEN = Path(__file__).parent / "golden"


@pytest.mark.parametrize(("name", "render"), [
    ("report-groups.md", markdown.render_markdown),
    ("review-groups.md", lambda ctx: review.render(ctx, links=None, root=None)),
])
def test_groups_match_golden(name: str, render: Callable[[ReportContext], str]) -> None:
    """The groups table as a reader gets it (UPDATE_GOLDEN=1 after a deliberate change)."""
    text = render(_hostile_context())
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{name} changed: UPDATE_GOLDEN=1 to accept"


def test_without_histograms_a_groups_percentiles_are_no_data_never_a_pass() -> None:
    """Locust's --csv has per-endpoint percentiles but no histograms: a group's percentile
    cannot be computed exactly (and is never averaged); its avg still can."""
    csv = [replace(factory.endpoint(f"/api/auth/{n}", [10.0] * 30), histogram=None,
                   csv_percentiles={0.95: 10.0}) for n in ("login", "refresh")]
    run = replace(factory.results(*csv), source=Source.CSV)
    verdict = evaluate(run, _rules("version: 1\ngroups:\n"
                                   "  - {name: Auth, match: '/api/auth/*', p95: 1s, avg: 1s}\n"))
    p95, avg = _check(verdict.checks, "Auth", "p95"), _check(verdict.checks, "Auth", "avg")
    assert p95.outcome is Outcome.NO_DATA and p95.counts_at is Level.WARN
    assert avg.outcome is Outcome.PASS and avg.measured == 10.0
    assert verdict.status is Status.WARN


# --- a group against the baseline -------------------------------------------------------

GROUP_BASELINE = """version: 1
groups:
  - name: Search
    match: "GET /search/*"
    p95: 5s
baseline:
  shared-shift: false
  p95: {max-increase: 10%}
  endpoints:
    - match: "GET /search/a"     # an override for a member is the member's, not the group's
      p95: off
"""


def _searched(a_ms: float, b_ms: float, *, other_ms: float = 20.0) -> Results:
    run = factory.results(factory.endpoint("/search/a", [a_ms] * 300),
                          factory.endpoint("/search/b", [b_ms] * 300),
                          factory.endpoint("/other", [other_ms] * 300))
    return replace(run, meta=replace(run.meta, fingerprint="sha256:x"))


def _relative(now: Results, before: Results) -> dict[tuple[str, str], Outcome]:
    thresholds = parse(GROUP_BASELINE, "t.yml", with_baseline=True)
    verdict = evaluate(now, thresholds, Baseline(store="s", runs=(factory.past(before),)))
    return {(c.endpoint, c.metric): c.outcome for c in verdict.checks
            if c.comparison is not None and c.endpoint != "Aggregated"}


def test_a_group_is_compared_with_the_same_group_merged_in_the_baseline() -> None:
    before = _searched(50, 50)
    unchanged = _relative(_searched(50, 50), before)
    assert unchanged[("Search", "p95")] is Outcome.PASS
    # only /search/a slower, and its own p95 rule is off: the group's p95 catches it
    slower = _relative(_searched(200, 50), before)
    assert ("GET /search/a", "p95") not in slower
    assert slower[("GET /search/b", "p95")] is Outcome.PASS
    assert slower[("Search", "p95")] is Outcome.REGRESSED
    assert _relative(_searched(30, 30), before)[("Search", "p95")] is Outcome.IMPROVED


def test_a_group_new_to_the_baseline_is_new_never_a_pass() -> None:
    before = factory.results(factory.endpoint("/other", [20.0] * 300))
    before = replace(before, meta=replace(before.meta, fingerprint="sha256:x"))
    thresholds = parse(GROUP_BASELINE, "t.yml", with_baseline=True)
    verdict = evaluate(_searched(50, 50), thresholds,
                       Baseline(store="s", runs=(factory.past(before),)))
    new = [c for c in verdict.checks if c.scope is Scope.GROUP and c.metric == "baseline"]
    assert [(c.endpoint, c.outcome) for c in new] == [("Search", Outcome.NEW)]
