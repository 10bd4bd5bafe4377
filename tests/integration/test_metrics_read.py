"""The `metrics:` section against a real local server: JSON and Prometheus numbers read
over HTTP (gate.harness.metrics), judged (gate.core.external), failing and passing; every
way of giving no number is a failed check that says which; bounds and redirects."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path

import pytest

from gate.core.evaluate import evaluate
from gate.core.model import MetricReading
from gate.core.verdict import Outcome, Scope, Status
from gate.errors import UserError
from gate.harness import metrics
from gate.results import metricsfile
from gate.thresholds.parser import parse
from tests import factory
from tests.support.metrics_server import Answer, Sequence, prometheus_gauge, serve_metrics

STATS = '{"cache": {"hit_rate": 0.83, "hits": 830, "misses": 170}, "pools": [{"used": 7}]}'
PROMETHEUS = (
    "# HELP db_connections_in_use Connections checked out.\n"
    "# TYPE db_connections_in_use gauge\n"
    'db_connections_in_use{pool="main"} 12.0\n'
    'db_connections_in_use{pool="replica"} 3.0\n'
    "# HELP requests_total Requests served.\n# TYPE requests_total counter\n"
    'requests_total{code="200"} 1027.0\n'
)
ROUTES = {
    "/stats": Answer(body=STATS),
    "/metrics": Answer(body=PROMETHEUS, content_type="text/plain; version=0.0.4"),
    "/text": Answer(body='{"cache": {"hit_rate": "83%"}}'),
    "/html": Answer(body="<html>oops</html>", content_type="text/html"),
    "/broken": Answer(body="db_connections_in_use{pool=main 12\n"),
    "/error": Answer(status=503, body="down"),
    "/away": Answer(status=302, headers=(("Location", "http://192.0.2.1:9/stats"),)),
    "/here": Answer(status=302, headers=(("Location", "/stats"),)),
    "/big": Answer(body='{"x": "' + "a" * (metrics.MAX_BYTES + 10) + '"}'),
}


@pytest.fixture(scope="module")
def server():  # type: ignore[no-untyped-def]
    with serve_metrics(ROUTES) as running:
        yield running


def _thresholds(body: str) -> str:
    return f"version: 1\nmetrics:\n{body}"


def _judge(text: str, host: str, readings_during: list[MetricReading] | None = None):  # type: ignore[no-untyped-def]
    rules = parse(_thresholds(text), "t.yml")
    found = metrics.targets(rules.metrics, host)
    readings = {r.name: r for r in (*(readings_during or []), *metrics.read_after(found))}
    run = replace(factory.results(factory.endpoint("/a", [5.0] * 20)),
                  metrics=tuple(readings[t.metric.name] for t in found))
    verdict = evaluate(run, rules)
    return verdict, [c for c in verdict.checks if c.scope is Scope.EXTERNAL]


def test_json_number_read_passes_and_fails(server) -> None:  # type: ignore[no-untyped-def]
    verdict, checks = _judge(
        "  - {name: hit rate, url: '{host}/stats', json: cache.hit_rate, min: 0.8}\n"
        "  - {name: pool used, url: '{host}/stats', json: pools.0.used, max: 5}\n",
        server.url)
    hit, pool = checks
    assert (hit.outcome, hit.measured, hit.metric) == (Outcome.PASS, 0.83, "value")
    assert (pool.outcome, pool.measured, pool.level) == (Outcome.BREACHED, 7.0, "fail")
    assert pool.message == "value 7 > limit 5 (fail)"
    assert verdict.status is Status.FAIL


def test_prometheus_sample_by_labels_and_counter_name(server) -> None:  # type: ignore[no-untyped-def]
    _, checks = _judge(
        "  - name: main pool\n    prometheus: 'http://127.0.0.1:{port}/metrics'\n"
        "    metric: db_connections_in_use\n    labels: {pool: main}\n"
        "    max: {warn: 10, fail: 50}\n"
        "  - {name: served, prometheus: '{host}/metrics', metric: requests, "
        "labels: {code: 200}, min: 1000}\n",
        server.url)
    main, served = checks
    assert (main.outcome, main.measured, main.level, main.limit) == (
        Outcome.BREACHED, 12.0, "warn", 10.0)
    assert (served.outcome, served.measured) == (Outcome.PASS, 1027.0)


@pytest.mark.parametrize(
    ("entry", "says"),
    [
        ("{name: m, url: '{host}/stats', json: cache.ratio, min: 1}",
         "missing path: cache has no key 'ratio' (its keys: hit_rate, hits, misses)"),
        ("{name: m, url: '{host}/stats', json: pools.3.used, min: 1}",
         "missing path: pools has 1 items, no item 3"),
        ("{name: m, url: '{host}/text', json: cache.hit_rate, min: 1}",
         "not a number: cache.hit_rate is '83%'"),
        ("{name: m, url: '{host}/html', json: cache.hit_rate, min: 1}", "not a JSON document"),
        ("{name: m, prometheus: '{host}/metrics', metric: db_connections, max: 1}",
         "missing metric: no sample named 'db_connections'"),
        ("{name: m, prometheus: '{host}/metrics', metric: db_connections_in_use, "
         "labels: {pool: other}, max: 1}", 'missing labels: no db_connections_in_use sample '
         'has {pool="other"} (it has: {pool="main"}; {pool="replica"})'),
        ("{name: m, prometheus: '{host}/metrics', metric: db_connections_in_use, max: 1}",
         "2 db_connections_in_use samples match {}: add labels to pick one"),
        ("{name: m, prometheus: '{host}/broken', metric: db_connections_in_use, max: 1}",
         "not Prometheus' text format"),
        ("{name: m, url: '{host}/error', json: a, max: 1}", "the URL answered HTTP 503"),
        ("{name: m, url: '{host}/away', json: a, max: 1}",
         "redirected to another host (http://192.0.2.1:9/stats): not followed"),
        ("{name: m, url: '{host}/big', json: a, max: 1}", "the body is larger than 1,000,000"),
        ("{name: m, url: 'http://127.0.0.1:9/stats', json: a, max: 1}", "unreachable: "),
    ],
)
def test_no_number_is_a_failed_check_that_says_why(server, entry: str, says: str) -> None:  # type: ignore[no-untyped-def]
    verdict, (check,) = _judge(f"  - {entry}\n", server.url)
    assert check.outcome is Outcome.NO_DATA
    assert check.level == "fail"
    assert says in check.message, check.message
    assert verdict.status is Status.FAIL


def test_a_redirect_on_the_same_host_is_followed(server) -> None:  # type: ignore[no-untyped-def]
    _, (check,) = _judge("  - {name: m, url: '{host}/here', json: cache.hits, min: 800}\n",
                         server.url)
    assert (check.outcome, check.measured) == (Outcome.PASS, 830.0)


def test_credentials_in_the_url_are_never_shown(server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    secret = "s3cr3t-token"
    url = server.url.replace("http://", f"http://user:{secret}@") + "/stats"
    rules = parse(_thresholds(f"  - {{name: m, url: '{url}', json: cache.hits, min: 1}}\n"),
                  "t.yml")
    (target,) = metrics.targets(rules.metrics, None)
    (reading,) = metrics.read_after([target])
    assert reading.samples == 1  # the request carried them
    metricsfile.write(tmp_path / "metrics.json", [reading])
    assert secret not in (tmp_path / "metrics.json").read_text()
    assert reading.url == server.url + "/stats"


def test_a_placeholder_without_a_host_is_refused_before_anything_runs() -> None:
    rules = parse(_thresholds("  - {name: m, url: 'http://127.0.0.1:{port}/x', json: a, "
                              "max: 1}\n"), "t.yml")
    with pytest.raises(UserError, match="no host is configured"):
        metrics.targets(rules.metrics, None)


def test_during_judges_the_peak_and_the_lowest_of_a_known_pattern() -> None:
    """The gauge answers 4, 17, 9, 11, then 11 again: read once a second, the peak is 17
    and the lowest 4, and the check says how many reads it judged."""
    pattern = Sequence(bodies=tuple(prometheus_gauge("queue_depth", v) for v in (4, 17, 9, 11)))
    with serve_metrics({"/metrics": pattern}) as running:
        rules = parse(_thresholds(
            "  - {name: queue peak, prometheus: '{host}/metrics', metric: queue_depth, "
            "max: 15, during: true}\n"), "t.yml")
        with metrics.sampling(metrics.targets(rules.metrics, running.url)) as sampler:
            time.sleep(4.5)
        (reading,) = sampler.readings()
    assert reading.samples >= 4
    assert (reading.peak, reading.lowest, reading.failed) == (17.0, 4.0, 0)
    run = replace(factory.results(factory.endpoint("/a", [5.0] * 20)), metrics=(reading,))
    (check,) = [c for c in evaluate(run, rules).checks if c.scope is Scope.EXTERNAL]
    assert (check.metric, check.outcome, check.measured) == ("peak", Outcome.BREACHED, 17.0)
    assert check.message.startswith("peak 17 > limit 15 (fail); ")
    assert f"{reading.samples} reads, one a second while the load ran" in check.message


def test_metrics_json_round_trips_and_refuses_a_foreign_file(tmp_path: Path) -> None:
    reading = MetricReading(name="m", what="json a", url="http://h/x", during=True,
                            samples=3, peak=9.0, lowest=1.5, failed=1, error="unreachable: x")
    metricsfile.write(tmp_path / "metrics.json", [reading])
    assert metricsfile.read(tmp_path / "metrics.json") == (reading,)
    assert metricsfile.read(tmp_path / "absent.json") is None
    (tmp_path / "metrics.json").write_text('{"cpu": 3}')
    with pytest.raises(UserError, match="not a locust-gate/metrics file"):
        metricsfile.read(tmp_path / "metrics.json")


def test_metrics_json_refuses_damaged_readings(tmp_path: Path) -> None:
    path = tmp_path / "metrics.json"
    entry = {"name": "m", "what": "json a", "url": "u", "during": False, "samples": 2,
             "peak": None, "lowest": None, "failed": 0, "error": ""}
    for damage, says in ((entry, "2 samples but no peak and lowest"),
                         ({**entry, "samples": 0, "error": "x" * 3000}, "longer than 2,000"),
                         ({**entry, "samples": -1}, "must be a count")):
        path.write_text(json.dumps({"schema": "locust-gate/metrics", "version": 1,
                                    "metrics": [damage]}))
        with pytest.raises(UserError, match=says) as caught:
            metricsfile.read(path)
        assert str(path) in (caught.value.where or "")
