"""gate.thresholds.parser: the YAML thresholds file -> gate.core.ruleset.Thresholds, with
errors that name the file, the line, the key and a fix; and the JSON Schema that editors use."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from gate.core.rules import (
    RESOURCE_METRICS,
    Level,
    Limit,
    Matcher,
    MatchKind,
    Metric,
    Rule,
    default_exceptions_rule,
)
from gate.core.ruleset import Thresholds
from gate.core.units import (
    CPU_PATTERN,
    DURATION_PATTERN,
    PERCENT_PATTERN,
    RATE_PATTERN,
    SIZE_PATTERN,
    SIZE_RATE_PATTERN,
)
from gate.errors import EXIT_USER_ERROR, UserError
from gate.thresholds import resources
from gate.thresholds.parser import (
    AGGREGATE_KEYS,
    ENDPOINT_KEYS,
    SECTION_KEYS,
    TOP_KEYS,
    json_schema,
    load_thresholds,
    parse,
)

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data" / "thresholds"
EXAMPLE = ROOT / "thresholds" / "example.yml"
SCHEMA = ROOT / "thresholds" / "thresholds.schema.json"
PACKAGED_SCHEMA = ROOT / "gate" / "thresholds" / "schema" / "thresholds.schema.json"
BAD_PATH = "thresholds/bad.yml"

# --- helpers -----------------------------------------------------------------------------


def error_of(text: str) -> UserError:
    with pytest.raises(UserError) as info:
        parse(text, BAD_PATH)
    return info.value


def load_error(name: str) -> UserError:
    with pytest.raises(UserError) as info:
        load_thresholds(DATA / name)
    return info.value


def assert_reported(error: UserError, *, line: int, key: str | None, path: str = BAD_PATH) -> str:
    """The error names the file, the line and the key, gives a fix, and hides the traceback
    of whatever caused it. Returns the rendered text."""
    rendered = error.render()
    assert error.exit_code == EXIT_USER_ERROR
    place = f"{path}:{line}" + (f" (at {key})" if key else "")
    assert f"  where: {place}" in rendered.splitlines(), rendered
    assert error.fix, rendered
    assert "  fix: " in rendered
    assert "Traceback" not in rendered
    assert error.__cause__ is None
    assert error.__context__ is None or error.__suppress_context__
    return rendered


def limits(rule: Rule) -> dict[Level, float]:
    return {limit.level: limit.value for limit in rule.limits}


def by_metric(rules: tuple[Rule, ...]) -> dict[Metric, Rule]:
    return {rule.metric: rule for rule in rules}


# --- the example file and valid variants -------------------------------------------------


@pytest.fixture(scope="module")
def example() -> Thresholds:
    return load_thresholds(EXAMPLE)


def test_example_top_level(example: Thresholds) -> None:
    assert example.path == str(EXAMPLE)
    assert example.version == 1
    assert example.on_inconclusive is Level.WARN
    assert example.source_text == EXAMPLE.read_text(encoding="utf-8")
    assert example.min_requests == 20
    assert example.aggregate_min_requests == 100


def test_example_defaults_in_canonical_units(example: Thresholds) -> None:
    defaults = by_metric(example.defaults)
    assert list(defaults) == [Metric.P95, Metric.P99, Metric.FAIL_RATIO]
    assert limits(defaults[Metric.P95]) == {Level.FAIL: 500.0}
    assert limits(defaults[Metric.P99]) == {Level.WARN: 800.0, Level.FAIL: 1000.0}
    assert defaults[Metric.P99].limits[0].level is Level.WARN  # warn before fail
    assert limits(defaults[Metric.FAIL_RATIO]) == {Level.FAIL: pytest.approx(0.01)}
    assert defaults[Metric.P95].where == f"{EXAMPLE}:27 (at defaults.p95)"


def test_example_endpoints(example: Thresholds) -> None:
    search, login, detail, items_list, create = example.endpoints
    assert search.matcher == Matcher(kind=MatchKind.GLOB, pattern="GET /api/search*")
    assert limits(by_metric(search.rules)[Metric.P999]) == {Level.FAIL: 3000.0}
    assert search.where == f"{EXAMPLE}:40 (at endpoints[0])"

    assert login.matcher == Matcher(kind=MatchKind.EXACT, pattern="/api/login", method="POST")
    assert login.required is True
    assert login.min_requests == 5
    assert login.disabled == frozenset({Metric.P99})
    login_rules = by_metric(login.rules)
    assert limits(login_rules[Metric.AVG]) == {Level.FAIL: 500.0}
    assert limits(login_rules[Metric.MAX]) == {Level.FAIL: 2000.0}  # {max: 2s}
    assert limits(login_rules[Metric.FAIL_RATIO]) == {
        Level.WARN: pytest.approx(0.001),
        Level.FAIL: pytest.approx(0.005),
    }
    assert login_rules[Metric.FAIL_RATIO].where == f"{EXAMPLE}:49 (at endpoints[1].fail-ratio)"

    # name: is exact even with glob characters; the merge key brings p50 and p95
    assert detail.matcher == Matcher(kind=MatchKind.EXACT, pattern="/api/items/[id]")
    detail_rules = by_metric(detail.rules)
    assert limits(detail_rules[Metric.P50]) == {Level.FAIL: 20.0}
    assert limits(detail_rules[Metric.P95]) == {Level.WARN: 40.0, Level.FAIL: 60.0}
    assert limits(detail_rules[Metric.P99]) == {Level.FAIL: 100.0}

    assert items_list.matcher.kind is MatchKind.REGEX
    assert create.matcher == Matcher(kind=MatchKind.EXACT, pattern="POST /api/items")
    assert limits(by_metric(create.rules)[Metric.RPS]) == {Level.WARN: 2.0, Level.FAIL: 1.0}


def test_example_aggregate_floor(example: Thresholds) -> None:
    aggregate = by_metric(example.aggregate)
    assert limits(aggregate[Metric.RPS]) == {Level.WARN: 80.0, Level.FAIL: 50.0}  # {min: 50}
    assert limits(aggregate[Metric.P95]) == {Level.FAIL: 800.0}


def test_example_rules_for_first_match_wins(example: Thresholds) -> None:
    # GET /api/search: the glob entry replaces p95, keeps p99 and fail-ratio, adds p99.9
    rules, min_requests = example.rules_for("GET", "/api/search")
    assert [rule.metric for rule in rules] == [
        Metric.P99,
        Metric.FAIL_RATIO,
        Metric.P95,
        Metric.P999,
    ]
    assert limits(by_metric(rules)[Metric.P95]) == {Level.FAIL: 1500.0}
    assert min_requests == 20

    # The method prefix in the glob restricts it: POST /api/search gets the defaults
    assert example.rules_for("POST", "/api/search") == (example.defaults, 20)

    # POST /api/login: p99 switched off, own min-requests
    rules, min_requests = example.rules_for("POST", "/api/login")
    assert Metric.P99 not in by_metric(rules)
    assert Metric.P95 in by_metric(rules)  # a default the entry does not touch
    assert min_requests == 5
    # method: POST restricts the exact name; GET /api/login gets the defaults
    assert example.rules_for("GET", "/api/login") == (example.defaults, 20)

    # GET /api/items/[id] is matched by name:, not by the later regex
    override = example.override_for("GET", "/api/items/[id]")
    assert override is not None and override.matcher.pattern == "/api/items/[id]"
    # GET and HEAD /api/items by the regex; POST /api/items by the exact METHOD NAME
    assert example.override_for("HEAD", "/api/items") is example.endpoints[3]
    assert example.override_for("POST", "/api/items") is example.endpoints[4]
    assert example.override_for("GET", "/api/other") is None


def test_first_match_wins_between_overlapping_entries() -> None:
    thresholds = parse(
        """
version: 1
defaults: {p95: 500ms}
endpoints:
  - match: "/api/items/*"
    p95: 100ms
  - match: "/api/*"
    p95: 900ms
""",
        "t.yml",
    )
    assert limits(thresholds.rules_for("GET", "/api/items/7")[0][0]) == {Level.FAIL: 100.0}
    assert limits(thresholds.rules_for("GET", "/api/users")[0][0]) == {Level.FAIL: 900.0}
    assert limits(thresholds.rules_for("GET", "/health")[0][0]) == {Level.FAIL: 500.0}


@pytest.mark.parametrize("name", ["bad-no-rules.yml", "bad-no-rules-empty-sections.yml"])
def test_a_file_with_no_rules_is_refused(name: str) -> None:
    # A gate that checks nothing must not pass: "PASS - 0 checks" on 17 % failures.
    error = load_error(name)
    assert "no rules" in error.what and "check nothing" in error.what
    assert error.fix is not None and "p95: 500ms" in error.fix and "thresholds init" in error.fix


def test_one_rule_is_enough_and_defaults_apply() -> None:
    thresholds = parse("version: 1\naggregate:\n  exceptions: {warn: 0}\n", "t.yml")
    assert thresholds.defaults == () and thresholds.endpoints == () and thresholds.aggregate == ()
    assert thresholds.min_requests == 1 and thresholds.aggregate_min_requests == 1
    assert thresholds.on_inconclusive is Level.WARN
    assert thresholds.exceptions is not None
    assert limits(thresholds.exceptions) == {Level.WARN: 0.0}
    required_only = parse("version: 1\nendpoints:\n  - {match: /a, required: true}\n", "t.yml")
    assert required_only.endpoints[0].required


def test_exceptions_default_to_zero_at_fail_and_can_be_switched_off() -> None:
    assert parse("version: 1\ndefaults: {p95: 1s}\n", "t.yml").exceptions == (
        default_exceptions_rule()
    )
    off = parse("version: 1\ndefaults: {p95: 1s}\naggregate: {exceptions: off}\n", "t.yml")
    assert off.exceptions is None
    with pytest.raises(UserError) as info:  # switching it off is not a rule
        parse("version: 1\naggregate: {exceptions: off}\n", "t.yml")
    assert "no rules" in info.value.what


def test_exceptions_belong_to_the_aggregate() -> None:
    with pytest.raises(UserError) as info:
        parse("version: 1\ndefaults:\n  exceptions: 0\n", "t.yml")
    assert "whole run" in info.value.what and "aggregate" in (info.value.fix or "")
    assert info.value.where == "t.yml:3 (at defaults.exceptions)"


def test_valid_variants() -> None:
    thresholds = load_thresholds(DATA / "valid-variants.yml")
    assert thresholds.on_inconclusive is Level.FAIL
    defaults = by_metric(thresholds.defaults)
    assert limits(defaults[Metric.P50]) == {Level.FAIL: 250.0}
    assert limits(defaults[Metric.P95]) == {Level.FAIL: 500.0}  # "500 ms"
    assert limits(defaults[Metric.MAX]) == {Level.FAIL: 60_000.0}  # 1m
    assert limits(defaults[Metric.FAIL_RATIO]) == {Level.WARN: pytest.approx(0.005)}  # warn only
    star, exact, regex = thresholds.endpoints
    assert star.matcher == Matcher(kind=MatchKind.GLOB, pattern="*", method="GET")
    assert exact.matcher == Matcher(kind=MatchKind.EXACT, pattern="/a")
    assert exact.rules == () and exact.disabled == frozenset()
    assert regex.matcher == Matcher(kind=MatchKind.REGEX, pattern=r"^/api/\d+$")
    assert regex.disabled == frozenset({Metric.P95})  # "off" quoted
    assert limits(by_metric(regex.rules)[Metric.RPS]) == {Level.FAIL: 12.5}
    assert limits(by_metric(regex.rules)[Metric.FAIL_RATIO]) == {Level.FAIL: 1.0}
    aggregate = by_metric(thresholds.aggregate)
    assert limits(aggregate[Metric.RPS]) == {Level.FAIL: 100.0}
    assert limits(aggregate[Metric.P999]) == {Level.WARN: 1000.0, Level.FAIL: 1500.0}


def test_match_without_glob_characters_is_exact() -> None:
    thresholds = parse(
        'version: 1\nendpoints:\n  - {match: "/api/items", p95: 1s}\n'
        '  - {match: "/api/item?", p95: 1s}\n',
        "t.yml",
    )
    assert [o.matcher.kind for o in thresholds.endpoints] == [MatchKind.EXACT, MatchKind.GLOB]


def test_off_and_no_switch_defaults_off() -> None:
    thresholds = parse(
        "version: 1\ndefaults: {p95: 1s, p99: 2s, avg: 1s}\n"
        "endpoints:\n  - {match: /a, p95: off, p99: no, avg: 'OFF'}\n",
        "t.yml",
    )
    assert thresholds.rules_for("GET", "/a") == ((), 1)


def test_keys_are_read_as_written() -> None:
    # YAML 1.1 reads a key `on` or `yes` as true; keys here stay text, so the error is exact.
    error = error_of("version: 1\non: warn\n")
    assert_reported(error, line=2, key="on")
    assert "'on'" in error.what


def test_extension_keys_hold_anchors() -> None:
    thresholds = parse(
        "version: 1\nx-slow: &slow {p95: 2s}\nendpoints:\n  - {match: /a, <<: *slow}\n", "t.yml"
    )
    assert limits(thresholds.endpoints[0].rules[0]) == {Level.FAIL: 2000.0}


def test_own_keys_override_merged_keys() -> None:
    thresholds = parse("version: 1\nx-c: &c {p95: 2s}\ndefaults:\n  <<: *c\n  p95: 1s\n", "t.yml")
    assert limits(thresholds.defaults[0]) == {Level.FAIL: 1000.0}


def test_load_reads_a_utf8_bom(tmp_path: Path) -> None:
    path = tmp_path / "bom.yml"
    path.write_bytes(b"\xef\xbb\xbfversion: 1\ndefaults: {p95: 1s}\n")
    assert load_thresholds(path).defaults[0].metric is Metric.P95


# --- bad input: every error names file, line and key, and gives a fix --------------------


def test_unknown_top_level_key_suggests_the_close_one() -> None:
    error = load_error("bad-unknown-key.yml")
    rendered = assert_reported(
        error, line=3, key="defualts", path=str(DATA / "bad-unknown-key.yml")
    )
    assert "unknown key 'defualts'" in rendered
    assert "did you mean 'defaults'?" in rendered
    assert ("Allowed keys here: version, on-inconclusive, on-too-few-requests, group-names, "
            "defaults, endpoints, aggregate") in rendered


def test_unknown_key_in_an_endpoint_entry_suggests_by_meaning() -> None:
    error = error_of("version: 1\nendpoints:\n  - match: /a\n    type: POST\n")
    assert_reported(error, line=4, key="endpoints[0].type")
    assert error.fix is not None and error.fix.startswith("did you mean 'method'?")


def test_unknown_key_without_a_close_match_lists_the_allowed_keys() -> None:
    error = error_of("version: 1\nzzz: 1\n")
    assert_reported(error, line=2, key="zzz")
    assert error.fix is not None and error.fix.startswith("remove it. Allowed keys here:")


def test_unknown_metric() -> None:
    error = load_error("bad-unknown-metric.yml")
    rendered = assert_reported(
        error, line=5, key="endpoints[0].p96", path=str(DATA / "bad-unknown-metric.yml")
    )
    assert "unknown metric 'p96' in endpoints[0]" in rendered
    assert (
        "Metrics: p50, p66, p75, p80, p90, p95, p98, p99, p99.9, max, avg, fail-ratio, rps"
        in rendered
    )


def test_unknown_key_inside_a_limit() -> None:
    error = load_error("bad-limit-key.yml")
    assert_reported(error, line=4, key="defaults.p99.warning", path=str(DATA / "bad-limit-key.yml"))
    assert error.fix is not None and "did you mean 'warn'?" in error.fix


def test_min_on_an_upper_limit_is_an_unknown_key() -> None:
    error = error_of("version: 1\ndefaults:\n  p95: {min: 1s}\n")
    assert_reported(error, line=3, key="defaults.p95.min")
    assert error.fix is not None and "warn, fail, max" in error.fix


def test_bad_unit() -> None:
    error = load_error("bad-unit.yml")
    rendered = assert_reported(error, line=4, key="defaults.p95", path=str(DATA / "bad-unit.yml"))
    assert "p95: 1h has an unknown unit 'h'" in rendered
    assert "use ms, s or m" in rendered


def test_bare_number_for_a_duration_is_ambiguous() -> None:
    error = load_error("bad-bare-duration.yml")
    assert_reported(error, line=5, key="defaults.p99", path=str(DATA / "bad-bare-duration.yml"))
    assert error.what == "p99: 800 has no unit (milliseconds or seconds?)"
    assert error.fix == "write 800ms for milliseconds or 800s for seconds"


def test_bare_number_for_a_ratio_is_ambiguous() -> None:
    error = error_of("version: 1\naggregate:\n  fail-ratio: 0.01\n")
    assert_reported(error, line=3, key="aggregate.fail-ratio")
    assert error.fix == "write a percentage: 1% if 0.01 is a ratio, or 0.01%"


def test_negative_limit() -> None:
    error = load_error("bad-negative.yml")
    assert_reported(error, line=5, key="aggregate.fail-ratio", path=str(DATA / "bad-negative.yml"))
    assert error.what == "fail-ratio: -1% is negative"


def test_negative_bare_rate() -> None:
    error = error_of("version: 1\naggregate:\n  rps: {warn: -5}\n")
    assert_reported(error, line=3, key="aggregate.rps.warn")
    assert "negative" in error.what


def test_non_numeric_limit() -> None:
    error = error_of("version: 1\ndefaults:\n  p95: fast\n")
    assert_reported(error, line=3, key="defaults.p95")
    assert error.what == "p95: 'fast' is not a duration"


def test_nan_limit() -> None:
    error = error_of("version: 1\naggregate:\n  rps: .nan\n")
    assert_reported(error, line=3, key="aggregate.rps")
    assert "not a finite number" in error.what


def test_infinite_limit() -> None:
    error = error_of("version: 1\ndefaults:\n  p95: .inf ms\n")
    assert_reported(error, line=3, key="defaults.p95")
    assert "not a finite number" in error.what


def test_percentage_over_100() -> None:
    error = load_error("bad-percentage-over-100.yml")
    assert_reported(
        error,
        line=6,
        key="endpoints[0].fail-ratio.warn",
        path=str(DATA / "bad-percentage-over-100.yml"),
    )
    assert error.what == "fail-ratio: 150% is more than 100%"


def test_empty_limit() -> None:
    error = error_of("version: 1\ndefaults:\n  p95:\n")
    assert_reported(error, line=3, key="defaults.p95")
    assert error.what == "p95 has no limit"


def test_empty_limit_mapping() -> None:
    error = error_of("version: 1\ndefaults:\n  p95: {}\n")
    assert_reported(error, line=3, key="defaults.p95")


def test_true_is_not_a_limit() -> None:
    error = error_of("version: 1\nendpoints:\n  - {match: /a, p95: true}\n")
    assert_reported(error, line=3, key="endpoints[0].p95")


def test_off_inside_a_limit_mapping() -> None:
    error = error_of("version: 1\nendpoints:\n  - match: /a\n    p95: {warn: off, fail: 1s}\n")
    assert_reported(error, line=4, key="endpoints[0].p95.warn")


def test_min_and_fail_together() -> None:
    error = error_of("version: 1\naggregate:\n  rps: {min: 5, fail: 5}\n")
    assert_reported(error, line=3, key="aggregate.rps.min")


def test_warn_looser_than_fail_for_an_upper_limit() -> None:
    error = load_error("bad-warn-looser.yml")
    assert_reported(error, line=4, key="defaults.p99", path=str(DATA / "bad-warn-looser.yml"))
    assert error.what == (
        "p99: the warn limit 2s is above the fail limit 1s, so warn could never be reported"
    )
    assert error.fix == "warn must be at most fail; swapped they read {warn: 1s, fail: 2s}"


def test_warn_looser_than_fail_for_a_floor() -> None:
    error = error_of("version: 1\naggregate:\n  rps:\n    warn: 10\n    fail: 50/s\n")
    assert_reported(error, line=4, key="aggregate.rps")
    assert "the warn floor 10/s is below the fail floor 50/s" in error.what
    assert error.fix is not None and "{warn: 50/s, fail: 10/s}" in error.fix


def test_warn_equal_to_fail_is_allowed() -> None:
    thresholds = parse("version: 1\naggregate:\n  rps: {warn: 5, fail: 5}\n", "t.yml")
    assert limits(thresholds.aggregate[0]) == {Level.WARN: 5.0, Level.FAIL: 5.0}


def test_regex_that_does_not_compile() -> None:
    error = load_error("bad-regex.yml")
    rendered = assert_reported(
        error, line=4, key="endpoints[0].regex", path=str(DATA / "bad-regex.yml")
    )
    assert "does not compile: missing ): ^/api/items/(\\d+$" in rendered


def test_malformed_yaml_reports_line_and_column() -> None:
    error = load_error("bad-syntax.yml")
    rendered = error.render()
    assert f"  where: {DATA / 'bad-syntax.yml'}:5:" in rendered  # line:column, no key
    assert error.what.startswith("the thresholds file is not valid YAML: ")
    assert "started on line 4" in error.what
    assert error.fix and "Traceback" not in rendered
    assert error.__context__ is None or error.__suppress_context__


def test_tabs_get_a_specific_fix() -> None:
    error = error_of("version: 1\ndefaults:\n\tp95: 1s\n")
    assert f"  where: {BAD_PATH}:3:1" in error.render()
    assert error.fix == "indent with spaces, not tabs"


def test_unquoted_star_gets_a_specific_fix() -> None:
    error = error_of("version: 1\nendpoints:\n  - match: */search\n")
    assert f"  where: {BAD_PATH}:3:" in error.render()
    assert error.fix is not None and error.fix.startswith("quote the value")


def test_duplicate_key() -> None:
    error = error_of("version: 1\nendpoints:\n  - match: /a\n    p95: 1s\n    p95: 2s\n")
    assert_reported(error, line=5, key="endpoints[0].p95")
    assert error.what == "duplicate key 'p95' (first written on line 4)"


def test_key_that_is_not_a_name() -> None:
    error = error_of("version: 1\ndefaults:\n  ? [p95, p99]\n  : 500ms\n")
    assert_reported(error, line=3, key="defaults")
    assert error.what == "a key must be a plain name, not a list or a mapping"


def test_empty_file() -> None:
    error = load_error("bad-empty.yml")
    rendered = assert_reported(error, line=1, key="top level", path=str(DATA / "bad-empty.yml"))
    assert "version: 1" in rendered


def test_comments_only_file() -> None:
    error = error_of("# nothing yet\n\n")
    assert_reported(error, line=1, key="top level")
    assert error.what == "the thresholds file is empty"


def test_top_level_list() -> None:
    error = error_of("# comment\n- p95: 500ms\n")
    assert_reported(error, line=2, key="top level")
    assert error.what == "the thresholds file must be a mapping of keys, not a list"


def test_top_level_scalar() -> None:
    error = error_of("p95 500ms\n")
    assert_reported(error, line=1, key="top level")
    assert "not the text 'p95 500ms'" in error.what


def test_missing_version() -> None:
    error = load_error("bad-missing-version.yml")
    assert_reported(error, line=2, key="version", path=str(DATA / "bad-missing-version.yml"))
    assert error.fix == "write version: 1 as the first key"


def test_newer_version() -> None:
    error = load_error("bad-newer-version.yml")
    # reported before the unknown key `baseline`: the file is simply too new
    assert_reported(error, line=2, key="version", path=str(DATA / "bad-newer-version.yml"))
    assert error.what.startswith("this file needs a newer locust-gate")


def test_version_as_text() -> None:
    error = error_of('version: "1"\n')
    assert_reported(error, line=1, key="version")
    assert error.fix == "write version: 1 (without quotes)"


def test_version_zero() -> None:
    error = error_of("version: 0\n")
    assert_reported(error, line=1, key="version")


def test_on_inconclusive_pass_is_refused() -> None:
    error = error_of("version: 1\non-inconclusive: pass\n")
    assert_reported(error, line=2, key="on-inconclusive")
    assert "never passes" in error.what


def test_off_in_defaults_is_refused() -> None:
    error = error_of("version: 1\ndefaults:\n  p99: off\n")
    assert_reported(error, line=3, key="defaults.p99")
    assert error.fix == "delete the p99 line to have no p99 limit in defaults"


def test_section_not_a_mapping() -> None:
    error = error_of("version: 1\ndefaults: 500ms\n")
    assert_reported(error, line=2, key="defaults")


def test_min_requests_zero() -> None:
    error = load_error("bad-min-requests.yml")
    assert_reported(
        error, line=4, key="aggregate.min-requests", path=str(DATA / "bad-min-requests.yml")
    )
    assert error.what == "min-requests: 0 is less than 1"


def test_min_requests_not_a_number() -> None:
    error = error_of("version: 1\nendpoints:\n  - match: /a\n    min-requests: many\n")
    assert_reported(error, line=4, key="endpoints[0].min-requests")


def test_endpoints_not_a_list() -> None:
    error = error_of("version: 1\nendpoints:\n  match: /a\n")
    assert_reported(error, line=3, key="endpoints")
    assert error.fix is not None and "dash" in error.fix


def test_endpoint_entry_not_a_mapping() -> None:
    error = error_of("version: 1\nendpoints:\n  - /api/items\n")
    assert_reported(error, line=3, key="endpoints[0]")


def test_endpoint_entry_without_selector() -> None:
    error = load_error("bad-no-selector.yml")
    assert_reported(error, line=5, key="endpoints[1]", path=str(DATA / "bad-no-selector.yml"))
    assert error.fix is not None and "match:" in error.fix and "regex:" in error.fix


def test_endpoint_entry_with_two_selectors() -> None:
    error = load_error("bad-two-selectors.yml")
    assert_reported(
        error, line=5, key="endpoints[0].regex", path=str(DATA / "bad-two-selectors.yml")
    )
    assert error.what == "this endpoints entry has both match and regex"


def test_empty_pattern() -> None:
    error = error_of('version: 1\nendpoints:\n  - name: ""\n')
    assert_reported(error, line=3, key="endpoints[0].name")


def test_pattern_not_text() -> None:
    error = error_of("version: 1\nendpoints:\n  - match: 404\n")
    assert_reported(error, line=3, key="endpoints[0].match")


def test_method_not_a_plain_word() -> None:
    error = load_error("bad-method.yml")
    assert_reported(error, line=5, key="endpoints[0].method", path=str(DATA / "bad-method.yml"))
    assert (
        error.what == "method must be one plain word such as GET or POST, not the text 'GET POST'"
    )


def test_method_list() -> None:
    error = error_of("version: 1\nendpoints:\n  - match: /a\n    method: [GET, POST]\n")
    assert_reported(error, line=4, key="endpoints[0].method")


def test_required_as_text() -> None:
    error = load_error("bad-required-string.yml")
    assert_reported(
        error, line=5, key="endpoints[0].required", path=str(DATA / "bad-required-string.yml")
    )
    assert error.fix == "write required: true or required: false, without quotes"


def test_unreachable_endpoint_entry() -> None:
    error = error_of(
        "version: 1\nendpoints:\n  - match: /a\n  - match: /b\n  - match: /a\n    method: GET\n"
    )
    assert_reported(error, line=5, key="endpoints[2]")
    assert "endpoints[0] (line 3)" in error.what


def test_same_pattern_for_two_methods_is_fine() -> None:
    thresholds = parse(
        "version: 1\nendpoints:\n  - {match: /a, method: GET, p95: 1s}\n"
        "  - {match: /a, method: POST, p95: 1s}\n",
        "t.yml",
    )
    assert [o.matcher.method for o in thresholds.endpoints] == ["GET", "POST"]


def test_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(UserError) as info:
        load_thresholds(tmp_path / "missing.yml")
    assert info.value.what == "thresholds file not found"
    assert str(tmp_path / "missing.yml") in info.value.render()
    assert info.value.fix


def test_directory_instead_of_file(tmp_path: Path) -> None:
    with pytest.raises(UserError) as info:
        load_thresholds(tmp_path)
    assert "directory" in info.value.what and info.value.fix


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yml"
    path.write_bytes("version: 1\n# caf\xe9\n".encode("latin-1"))
    with pytest.raises(UserError) as info:
        load_thresholds(path)
    assert "not UTF-8" in info.value.what and info.value.fix == "save the file as UTF-8"


# --- the JSON Schema ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_packaged_schema_is_identical() -> None:
    assert SCHEMA.read_bytes() == PACKAGED_SCHEMA.read_bytes()
    assert json_schema() == json.loads(SCHEMA.read_text(encoding="utf-8"))


def test_example_points_editors_to_the_schema() -> None:
    first = EXAMPLE.read_text(encoding="utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=./thresholds.schema.json"


VALID_FILES = [EXAMPLE, *sorted(DATA.glob("valid-*.yml"))]


@pytest.mark.parametrize("path", VALID_FILES, ids=lambda path: path.name)
def test_schema_accepts_valid_files(validator: jsonschema.Draft202012Validator, path: Path) -> None:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert [error.message for error in validator.iter_errors(document)] == []
    load_thresholds(path)  # and the parser agrees


# Bad files whose problem a schema can express (not: syntax, regex, warn vs fail).
SCHEMA_REJECTS = [
    "bad-unknown-key.yml",
    "bad-unknown-metric.yml",
    "bad-limit-key.yml",
    "bad-unit.yml",
    "bad-bare-duration.yml",
    "bad-negative.yml",
    "bad-percentage-over-100.yml",
    "bad-no-selector.yml",
    "bad-two-selectors.yml",
    "bad-required-string.yml",
    "bad-method.yml",
    "bad-missing-version.yml",
    "bad-newer-version.yml",
    "bad-min-requests.yml",
    "bad-empty.yml",
]


@pytest.mark.parametrize("name", SCHEMA_REJECTS)
def test_schema_rejects_bad_files(validator: jsonschema.Draft202012Validator, name: str) -> None:
    document = yaml.safe_load((DATA / name).read_text(encoding="utf-8"))
    assert list(validator.iter_errors(document)), f"the schema accepted {name}"
    with pytest.raises(UserError):
        load_thresholds(DATA / name)


def test_every_bad_file_is_covered() -> None:
    parser_only = {
        "bad-syntax.yml",
        "bad-regex.yml",
        "bad-warn-looser.yml",
        "bad-no-rules.yml",
        "bad-no-rules-empty-sections.yml",
    }
    assert {path.name for path in DATA.glob("bad-*.yml")} == set(SCHEMA_REJECTS) | parser_only


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        ("version: 1\ndefaults: {p95: -5ms}\n", False),
        ("version: 1\ndefaults: {p95: 5 h}\n", False),
        ("version: 1\ndefaults: {fail-ratio: 0.01}\n", False),
        ("version: 1\ndefaults: {p95: {max: 1s, fail: 1s}}\n", False),
        ("version: 1\ndefaults: {p95: {}}\n", False),
        ("version: 1\ndefaults: {p95: off}\n", False),
        ("version: 1\ndefaults: {p95: 1s}\nendpoints: [{match: /a, p95: off}]\n", True),
        ("version: 1\ndefaults: {p95: 1s}\nendpoints: [{match: /a, p95: 'off'}]\n", True),
        ("version: 1\naggregate: {exceptions: 3}\n", True),
        ("version: 1\naggregate: {exceptions: {warn: 0, fail: 5}}\n", True),
        ("version: 1\naggregate: {exceptions: -1}\n", False),
        ("version: 1\naggregate: {exceptions: 1%}\n", False),
        ("version: 1\naggregate: {rps: {min: 5}}\n", True),
        ("version: 1\naggregate: {rps: -1}\n", False),
        ("version: 1\nx-anchors: {a: 1}\ndefaults: {p95: 1s}\n", True),
    ],
)
def test_schema_and_parser_agree(
    validator: jsonschema.Draft202012Validator, text: str, valid: bool
) -> None:
    errors = [error.message for error in validator.iter_errors(yaml.safe_load(text))]
    assert (not errors) is valid, errors
    if valid:
        parse(text, "t.yml")
    else:
        with pytest.raises(UserError):
            parse(text, "t.yml")


def _properties(schema: dict[str, Any], *path: str) -> set[str]:
    node = schema
    for key in path:
        node = node[key]
    return set(node["properties"])


def test_schema_keys_match_the_parser() -> None:
    schema = json_schema()
    assert _properties(schema) == set(TOP_KEYS)
    assert _properties(schema, "properties", "defaults") == set(SECTION_KEYS)
    assert _properties(schema, "properties", "aggregate") == set(AGGREGATE_KEYS)
    assert _properties(schema, "properties", "endpoints", "items") == set(ENDPOINT_KEYS)
    assert set(AGGREGATE_KEYS) == (
        {m.value for m in Metric if m not in RESOURCE_METRICS and not m.is_reading}
        | {"min-requests"}
    )
    assert _properties(schema, "properties", "resources") == set(resources.SECTION_KEYS)
    assert set(AGGREGATE_KEYS) - set(SECTION_KEYS) == {"exceptions"}


def test_schema_patterns_are_the_parser_patterns() -> None:
    defs = json_schema()["$defs"]
    assert defs["duration"]["pattern"] == DURATION_PATTERN
    assert defs["percentage"]["pattern"] == PERCENT_PATTERN
    assert defs["rate"]["anyOf"][1]["pattern"] == RATE_PATTERN
    assert defs["size"]["pattern"] == SIZE_PATTERN
    assert defs["size-rate"]["pattern"] == SIZE_RATE_PATTERN
    assert defs["cpu-share"]["pattern"] == CPU_PATTERN


def _descriptions_missing(node: object, path: str = "") -> list[str]:
    missing: list[str] = []
    if isinstance(node, dict):
        for name, child in node.get("properties", {}).items():
            if "description" not in child:
                missing.append(f"{path}.{name}")
        for key, child in node.items():
            missing += _descriptions_missing(child, f"{path}/{key}")
    elif isinstance(node, list):
        for index, child in enumerate(node):
            missing += _descriptions_missing(child, f"{path}[{index}]")
    return missing


def test_every_schema_key_has_a_description() -> None:
    assert _descriptions_missing(json_schema()) == []


def test_limits_keep_their_source_line_for_reports() -> None:
    thresholds = parse("version: 1\n\naggregate:\n  p95: 800ms\n", "thresholds/demo.yml")
    assert thresholds.aggregate[0] == Rule(
        metric=Metric.P95,
        limits=(Limit(value=800.0, level=Level.FAIL),),
        where="thresholds/demo.yml:4 (at aggregate.p95)",
    )
