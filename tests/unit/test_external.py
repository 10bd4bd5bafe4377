"""The `metrics:` section: its parser (errors name file, line, key and fix) and its pure
checks (gate.core.external): a reading is judged like any measured value, and a metric
without a number is never a pass."""

from __future__ import annotations

from dataclasses import replace

import pytest

from gate.core.evaluate import evaluate
from gate.core.model import MetricReading
from gate.core.sections import Format
from gate.core.verdict import Check, Outcome, Scope, Status
from gate.errors import UserError
from gate.reports import markdown
from gate.reports.context import ReportContext
from gate.thresholds.parser import parse
from tests import factory
from tests.unit.test_report import _golden

SECTION = """version: 1
metrics:
  - name: hit rate
    url: "http://127.0.0.1:{port}/stats"
    json: cache.hit_rate
    min: {warn: 0.9, fail: 0.8}
  - name: pool
    prometheus: "{host}/metrics"
    metric: db_connections_in_use
    labels: {pool: main}
    max: 50
    min: 1
    during: true
"""


def _reading(name: str, what: str, *, during: bool = False, peak: float | None = None,
             lowest: float | None = None, samples: int = 1, failed: int = 0,
             error: str = "") -> MetricReading:
    return MetricReading(name=name, what=what, url="http://127.0.0.1:8000/x", during=during,
                         samples=samples, peak=peak, lowest=lowest if lowest is not None
                         else peak, failed=failed, error=error)


HIT = "json cache.hit_rate"
POOL = 'prometheus db_connections_in_use{pool="main"}'


def _checks(*readings: MetricReading, metrics: bool = True, text: str = SECTION) -> list[Check]:
    run = factory.results(factory.endpoint("/a", [5.0] * 20))
    if metrics:
        run = replace(run, metrics=readings)
    return [c for c in evaluate(run, parse(text, "t.yml")).checks if c.scope is Scope.EXTERNAL]


def test_the_section_parses_into_what_to_read() -> None:
    hit, pool = parse(SECTION, "t.yml").metrics
    assert (hit.format, hit.path, hit.what, hit.during) == (
        Format.JSON, ("cache", "hit_rate"), HIT, False)
    assert (pool.format, pool.labels, pool.what, pool.during) == (
        Format.PROMETHEUS, (("pool", "main"),), POOL, True)
    assert [r.where for r in pool.rules] == ["t.yml:12 (at metrics[1].min)",
                                             "t.yml:11 (at metrics[1].max)"]


def test_readings_are_judged_at_their_levels() -> None:
    hit, pool_min, pool_max = _checks(
        _reading("hit rate", HIT, peak=0.85),
        _reading("pool", POOL, during=True, peak=61, lowest=0, samples=9))
    assert (hit.metric, hit.outcome, hit.level, hit.limit) == ("value", Outcome.BREACHED,
                                                               "warn", 0.9)
    assert hit.message == "value 0.85 < limit 0.9 (warn)"
    assert (pool_max.metric, pool_max.measured, pool_max.outcome) == ("peak", 61,
                                                                      Outcome.BREACHED)
    assert pool_max.message == ("peak 61 > limit 50 (fail); 9 reads, one a second while the "
                                "load ran")
    assert (pool_min.metric, pool_min.measured, pool_min.level) == ("lowest", 0, "fail")


def test_passing_readings_pass_and_say_about_failed_reads() -> None:
    hit, pool_min, pool_max = _checks(
        _reading("hit rate", HIT, peak=0.95),
        _reading("pool", POOL, during=True, peak=12, lowest=2, samples=8, failed=2,
                 error="no answer within 5 s"))
    assert [c.outcome for c in (hit, pool_max, pool_min)] == [Outcome.PASS] * 3
    assert hit.message == ""
    assert "2 reads gave no number (the last: no answer within 5 s)" in pool_max.message


def test_a_reading_without_a_number_fails_whatever_on_inconclusive_says() -> None:
    (hit, *_) = _checks(
        _reading("hit rate", HIT, samples=0, failed=1, error="unreachable: Connection refused"),
        _reading("pool", POOL, during=True, peak=1, samples=3))
    assert (hit.outcome, hit.level, hit.measured) == (Outcome.NO_DATA, "fail", None)
    assert hit.message == ("json cache.hit_rate: no number could be read: unreachable: "
                           "Connection refused")


def test_unread_metrics_are_no_data_never_a_pass() -> None:
    never = _checks(metrics=False)
    assert {(c.outcome, c.level) for c in never} == {(Outcome.NO_DATA, "warn")}
    assert "not read: `locust-gate run` reads the metrics" in never[0].message
    missing = _checks(_reading("pool", POOL, during=True, peak=1, samples=3))
    assert "metrics.json has no reading of it" in missing[0].message
    stale = _checks(_reading("hit rate", "json cache.ratio", peak=0.99),
                    _reading("pool", POOL, during=True, peak=1, samples=3))
    assert stale[0].outcome is Outcome.NO_DATA
    assert "this run read json cache.ratio, the thresholds now ask for json cache.hit_rate" \
        in stale[0].message


def test_a_file_with_only_metrics_is_a_gate_and_a_failed_read_fails_it() -> None:
    run = replace(factory.results(factory.endpoint("/a", [5.0] * 20)),
                  metrics=(_reading("m", "json a", samples=0, failed=1, error="x"),))
    text = "version: 1\nmetrics:\n  - {name: m, url: 'http://h/x', json: a, max: 1}\n"
    assert evaluate(run, parse(text, "t.yml")).status is Status.FAIL


@pytest.mark.parametrize(
    ("entry", "where", "says"),
    [
        ("{name: m, url: 'http://h:{prot}/x', json: a, max: 1}", "metrics[0].url",
         "unknown placeholder {prot}"),
        ("{name: m, url: 'ftp://h/x', json: a, max: 1}", "metrics[0].url",
         "must be an http(s) URL"),
        ("{name: m, url: 'http://h/x', prometheus: 'http://h/m', json: a, max: 1}",
         "metrics[0]", "both url and prometheus"),
        ("{name: m, json: a, max: 1}", "metrics[0]", "neither url nor prometheus"),
        ("{name: m, url: 'http://h/x', max: 1}", "metrics[0].json", "needs json:"),
        ("{name: m, url: 'http://h/x', json: a, metric: b, max: 1}", "metrics[0].metric",
         "metric: goes with prometheus:"),
        ("{name: m, url: 'http://h/x', json: a..b, max: 1}", "metrics[0].json", "empty key"),
        ("{name: m, prometheus: 'http://h/m', metric: 'a b', max: 1}", "metrics[0].metric",
         "not a Prometheus metric name"),
        ("{name: m, prometheus: 'http://h/m', metric: a, labels: [x], max: 1}",
         "metrics[0].labels", "labels must be a mapping"),
        ("{name: m, url: 'http://h/x', json: a}", "metrics[0]", "no limit"),
        ("{name: m, url: 'http://h/x', json: a, min: 80%}", "metrics[0].min",
         "0.8 if it reports a fraction"),
        ("{name: m, url: 'http://h/x', json: a, max: {warn: 9, fail: 5}}", "metrics[0].max",
         "warn limit 9 is above the fail limit 5"),
        ("{name: m, url: 'http://h/x', json: a, max: 1, during: yes please}",
         "metrics[0].during", "during must be true or false"),
        ("{url: 'http://h/x', json: a, max: 1}", "metrics[0].name", "has no name"),
        ("{name: m, url: 'http://h/x', json: a, max: 1, mx: 2}", "metrics[0].mx",
         "did you mean 'max'?"),
    ],
)
def test_every_mistake_names_the_place_and_the_fix(entry: str, where: str, says: str) -> None:
    with pytest.raises(UserError) as caught:
        parse(f"version: 1\nmetrics:\n  - {entry}\n", "t.yml")
    error = caught.value
    assert says in f"{error.what} {error.fix}", (error.what, error.fix)
    assert error.where == f"t.yml:3 (at {where})"
    assert error.fix


def test_names_are_unique_and_endpoint_sections_refuse_reading_metrics() -> None:
    twice = "version: 1\nmetrics:\n" + "  - {name: m, url: 'http://h/x', json: a, max: 1}\n" * 2
    with pytest.raises(UserError, match="has the name 'm' of metrics\\[0\\]"):
        parse(twice, "t.yml")
    with pytest.raises(UserError, match="unknown"):
        parse("version: 1\ndefaults: {reading-max: 5}\n", "t.yml")


def test_report_shows_what_was_read_where() -> None:
    run = replace(factory.results(factory.endpoint("/a", [5.0] * 20)), metrics=(
        _reading("hit rate", HIT, peak=0.8312),
        _reading("pool", POOL, during=True, peak=12, lowest=2, samples=8, failed=2,
                 error="no answer within 5 s | <b>x</b>"),
    ))
    verdict = evaluate(run, parse(SECTION, "thresholds/t.yml"))
    ctx = ReportContext(verdict=verdict, results=run, results_path="out/results.json",
                        thresholds_path="thresholds/t.yml")
    _golden("report-metrics.md", markdown.render_markdown(ctx))


def test_a_passing_reading_does_not_hide_a_run_that_judged_no_request() -> None:
    """Every endpoint check too thin to judge: the run is inconclusive (thin's guard) even
    though the metric read from a URL passed, and the thin summary counts no metric as an
    endpoint."""
    run = replace(factory.results(factory.endpoint("/a", [5.0] * 3)),
                  metrics=(_reading("m", "json a", peak=0.5),))
    text = ("version: 1\ndefaults: {p95: 1s, min-requests: 20}\n"
            "metrics:\n  - {name: m, url: 'http://h/x', json: a, max: 1}\n")
    verdict = evaluate(run, parse(text, "t.yml"))
    judged = [c for c in verdict.checks if c.metric == "judged"]
    assert len(judged) == 1 and judged[0].outcome is Outcome.INCONCLUSIVE
    assert verdict.status is Status.WARN


def test_the_schema_knows_the_section_as_the_parser_does() -> None:
    import jsonschema
    import yaml

    from gate.thresholds.metrics import ENTRY_KEYS
    from gate.thresholds.parser import json_schema

    schema = json_schema()
    assert set(schema["properties"]["metrics"]["items"]["properties"]) == set(ENTRY_KEYS)
    validator = jsonschema.Draft202012Validator(schema)
    assert list(validator.iter_errors(yaml.safe_load(SECTION))) == []
    for bad in ("{name: m, url: 'http://h/x', max: 1}",  # no json:
                "{name: m, url: 'http://h/x', json: a}",  # no limit
                "{name: m, url: 'ftp://h/x', json: a, max: 1}",
                "{name: m, url: 'http://h/x', json: a, min: 80%}",
                "{name: m, prometheus: 'http://h/m', metric: a, json: b, max: 1}"):
        document = yaml.safe_load(f"version: 1\nmetrics:\n  - {bad}\n")
        assert list(validator.iter_errors(document)), bad
        with pytest.raises(UserError):
            parse(f"version: 1\nmetrics:\n  - {bad}\n", "t.yml")
