"""`run --repeat N` in the core: every metric the median of the N runs' own values, each
resting on its own run's requests; groups, stages and the stored baseline alike; the
results file keeps the runs (version 4) and refuses what it cannot mean."""

from __future__ import annotations

import json
import statistics
from dataclasses import replace
from pathlib import Path

import pytest

from gate.core.evaluate import evaluate
from gate.core.measure import measure, requests
from gate.core.model import Results, Window
from gate.core.pooling import pool
from gate.core.reading import count, fine
from gate.core.relative import Baseline
from gate.core.rules import Metric
from gate.core.verdict import Check, Outcome, Status
from gate.errors import UserError
from gate.results import resultsfile
from gate.thresholds.parser import parse
from tests.factory import endpoint, past, results


def _runs(*medians: float, n: int = 100) -> list[Results]:
    """One run per value: GET /a near it (spread +-10 %), GET /b at 5 ms."""
    return [results(endpoint("/a", [m * (0.9 + 0.2 * i / n) for i in range(n)]),
                    endpoint("/b", [5.0] * n)) for m in medians]


def _check(checks: tuple[Check, ...], label: str, metric: str) -> Check:
    return next(c for c in checks if c.endpoint == label and c.metric == metric)


def test_every_metric_is_the_median_of_the_runs_own_values() -> None:
    runs = _runs(20, 200, 22)
    one = pool(runs, repeated=True)
    a = one.endpoint("GET", "/a")
    assert a is not None and len(a.repeats) == 3 and a.num_requests == 300
    for metric in (Metric.P50, Metric.P95, Metric.AVG, Metric.MAX, Metric.RPS):
        own = [measure(r.endpoint("GET", "/a"), metric) for r in runs]  # type: ignore[arg-type]
        assert measure(a, metric) == statistics.median(v for v in own if v is not None)
    # The pooled histogram would be judged on the slow run's requests too; the median not.
    pooled = pool(runs).endpoint("GET", "/a")
    assert pooled is not None and not pooled.repeats
    assert (measure(pooled, Metric.P95) or 0) > 150 > (measure(a, Metric.P95) or 0)
    assert fine(a, Metric.P50) == statistics.median(
        fine(r.endpoint("GET", "/a"), Metric.P50) for r in runs)  # type: ignore[arg-type, type-var]


def test_an_absolute_rule_passes_on_the_median_and_fails_on_the_pooled_run() -> None:
    rules = parse("version: 1\ndefaults:\n  p95: 100ms\n  min-requests: 20\n", "t.yml")
    runs = _runs(20, 200, 22)
    assert evaluate(pool(runs), rules).status is Status.FAIL
    verdict = evaluate(pool(runs, repeated=True), rules)
    assert verdict.status is Status.PASS
    assert _check(verdict.checks, "GET /a", "p95").measured == pytest.approx(23.0, abs=1)
    assert evaluate(pool(_runs(200, 200, 22), repeated=True), rules).status is Status.FAIL


def test_the_requests_a_median_rests_on_are_the_fewest_of_one_run() -> None:
    runs = _runs(20, 20, 20)
    runs[1] = results(endpoint("/a", [20.0] * 8), endpoint("/b", [5.0] * 100))
    a = pool(runs, repeated=True).endpoint("GET", "/a")
    assert a is not None and a.num_requests == 208
    assert requests(a) == 8 and count(a, Metric.P50) == 8
    rules = parse("version: 1\ndefaults:\n  p50: 100ms\n  min-requests: 20\n", "t.yml")
    check = _check(evaluate(pool(runs, repeated=True), rules).checks, "GET /a", "p50")
    assert check.outcome is Outcome.INCONCLUSIVE and check.too_few


def test_an_endpoint_missing_from_one_run_is_too_thin_to_judge() -> None:
    runs = _runs(20, 20, 20)
    runs[2] = results(endpoint("/b", [5.0] * 100))
    b_only = pool(runs, repeated=True)
    a = b_only.endpoint("GET", "/a")
    assert a is not None and [r.num_requests for r in a.repeats] == [100, 100, 0]
    assert requests(a) == 0 and measure(a, Metric.P50) == pytest.approx(20, abs=1)


def test_groups_and_the_aggregate_are_merged_run_by_run() -> None:
    one = pool(_runs(20, 200, 22), repeated=True)
    assert len(one.total.repeats) == 3
    assert [r.num_requests for r in one.total.repeats] == [200, 200, 200]
    rules = parse("version: 1\ngroups:\n  - name: both\n    match: ['GET /a', 'GET /b']\n"
                  "    p95: 100ms\n    min-requests: 20\n", "t.yml")
    verdict = evaluate(one, rules)
    group = _check(verdict.checks, "both", "p95")
    assert group.outcome is Outcome.PASS, group


def test_stages_every_run_has_are_pooled_stage_by_stage() -> None:
    def staged(run: Results, slow: float) -> Results:
        spike = Window(name="spike", start=2, end=4, endpoints=(endpoint("/a", [slow] * 50),),
                       total=endpoint("/a", [slow] * 50))
        return replace(run, stages=(spike,))

    runs = [staged(r, ms) for r, ms in zip(_runs(20, 20, 20), (30, 300, 31), strict=True)]
    runs[1] = replace(runs[1], stages=(*runs[1].stages, replace(runs[1].stages[0], name="x")))
    one = pool(runs, repeated=True)
    assert [w.name for w in one.stages] == ["spike"]
    assert measure(one.stages[0].total, Metric.P50) == 31


def test_a_stored_repeated_run_is_its_median_as_the_baseline() -> None:
    rules = parse("version: 1\ndefaults: {fail-ratio: 5%}\nbaseline:\n  min-requests: 20\n"
                  "  p50: {max-increase: 10%}\n", "t.yml")
    stored = pool(_runs(20, 200, 21), repeated=True)
    baseline = Baseline(store="s", runs=(past(stored),))
    same = evaluate(_runs(21)[0], rules, baseline)
    p50 = _check(same.checks, "GET /a", "p50")
    assert p50.outcome is Outcome.PASS and p50.comparison is not None
    assert p50.comparison.baseline == measure(stored.endpoint("GET", "/a"), Metric.P50)  # type: ignore[arg-type]
    slower = evaluate(_runs(30)[0], rules, baseline)
    assert _check(slower.checks, "GET /a", "p50").outcome is Outcome.REGRESSED


def test_the_results_file_keeps_the_runs_as_version_4(tmp_path: Path) -> None:
    plain, repeated = tmp_path / "plain.json", tmp_path / "repeated.json"
    resultsfile.write(plain, pool(_runs(20, 22)))
    resultsfile.write(repeated, pool(_runs(20, 200, 22), repeated=True))
    assert json.loads(plain.read_text())["version"] == 3
    data = json.loads(repeated.read_text())
    assert data["version"] == 4 and len(data["total"]["repeats"]) == 3
    back = resultsfile.read(repeated)
    a = back.endpoint("GET", "/a")
    assert a is not None and len(a.repeats) == 3
    assert measure(a, Metric.P95) == measure(
        pool(_runs(20, 200, 22), repeated=True).endpoint("GET", "/a"), Metric.P95)  # type: ignore[arg-type]


def test_a_repeat_holding_repeats_is_refused_with_the_place(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    resultsfile.write(path, pool(_runs(20, 22), repeated=True))
    data = json.loads(path.read_text())
    data["endpoints"][0]["repeats"][1]["repeats"] = [data["endpoints"][0]["repeats"][0]]
    path.write_text(json.dumps(data))
    with pytest.raises(UserError) as info:
        resultsfile.read(path)
    assert "endpoints[0].repeats[1]" in str(info.value.where) + info.value.what
    data["version"] = 5
    path.write_text(json.dumps(data))
    with pytest.raises(UserError, match="newer locust-gate"):
        resultsfile.read(path)


def test_a_during_metric_read_in_every_run_keeps_all_its_reads() -> None:
    from gate.core.model import MetricReading
    from gate.harness.metrics import combined

    def reading(samples: int, peak: float | None, lowest: float | None, error: str = "",
                failed: int = 0) -> MetricReading:
        return MetricReading(name="hits", what="json hits", url="http://127.0.0.1/m",
                             during=True, samples=samples, peak=peak, lowest=lowest,
                             failed=failed, error=error)

    both = combined(reading(10, 0.9, 0.5), reading(8, 0.7, 0.2, "timed out", failed=2))
    assert (both.samples, both.failed, both.peak, both.lowest) == (18, 2, 0.9, 0.2)
    assert both.error == "timed out"
    none_then = combined(reading(0, None, None, "refused", failed=3), reading(5, 0.4, 0.3))
    assert (none_then.peak, none_then.lowest, none_then.error) == (0.4, 0.3, "refused")


def test_thresholds_init_reads_a_repeated_run_as_its_runs() -> None:
    from gate.core.pooling import runs_of
    from gate.thresholds import init

    runs = _runs(20, 26, 22)
    apart = runs_of(pool(runs, repeated=True))
    assert [r.total.num_requests for r in apart] == [200, 200, 200]
    assert runs_of(runs[0]) == (runs[0],)
    assert init.render(list(apart), source="r") == init.render(runs, source="r")
    assert init.render(list(apart), source="r") != init.render([pool(runs)], source="r")


def test_names_with_ids_are_grouped_run_by_run() -> None:
    from gate.core.names import group

    runs = [results(endpoint("/items/1", [10.0] * 30), endpoint("/b", [5.0] * 30)),
            results(endpoint("/items/2", [50.0] * 30), endpoint("/b", [5.0] * 30)),
            results(endpoint("/items/3", [12.0] * 30), endpoint("/items/4", [12.0] * 30),
                    endpoint("/b", [5.0] * 30))]
    grouped = group(pool(runs, repeated=True))
    items = grouped.endpoint("GET", "/items/[id]")
    assert items is not None and len(items.members) == 4
    assert [r.num_requests for r in items.repeats] == [30, 30, 60]
    assert measure(items, Metric.P50) == 12
