"""Trends, step changes and suggested limits on constructed histories."""

from __future__ import annotations

from dataclasses import replace

from gate.baseline import trend
from gate.baseline.stored import GitInfo, StoredRun
from gate.core.rules import Metric
from gate.thresholds.parser import parse
from tests import factory


def history(p50s: list[float], n: int = 600) -> list[StoredRun]:
    runs = []
    for i, ms in enumerate(p50s):
        results = factory.results(
            factory.endpoint("/api/items", [ms] * n),
            factory.endpoint("/odd [name]|`x`", [ms + 5] * n, method="POST"),
        )
        results = replace(results, meta=replace(results.meta, end_time=results.meta.end_time
                                                + 3600 * i))
        runs.append(StoredRun(results=results, git=GitInfo(commit=f"c{i:03d}", branch="main"),
                              saved_at=0.0))
    return runs


def test_a_sustained_shift_is_a_step_change() -> None:
    runs = history([50, 51, 49, 50, 52, 50, 60, 61, 60])
    found = {(s.endpoint, s.metric, s.direction) for s in trend.steps(runs)}
    assert ("GET /api/items", Metric.P50, "up") in found
    shift = next(s for s in trend.steps(runs) if s.endpoint == "GET /api/items")
    assert (shift.before, shift.after) == (50, 60)


def test_one_slow_run_is_not_a_step_change() -> None:
    assert trend.step([50, 51, 49, 50, 52, 50, 60, 50, 60], Metric.P50) is None
    assert trend.step([50, 60, 61, 62], Metric.P50) is None  # too little before the shift


def test_markdown_has_a_mermaid_chart_with_a_legend_and_escapes_names() -> None:
    text = trend.render_markdown(history([50, 51, 49, 50]), "4 runs of main in git:")
    assert text.count("```mermaid") == 3 and "legend: line 1 = p50, line 2 = p95" in text
    assert "`x`" not in text and "[name]\\|\\`x\\`" in text  # the hostile name is escaped
    assert 'title "POST /odd  name   x "' in text


def test_text_table_lists_every_run() -> None:
    text = trend.render_text(history([50, 51, 49]), "3 runs")
    assert text.count("c00") == 3 * 3  # three runs for two endpoints and the aggregate


def test_suggested_thresholds_parse_and_come_from_the_band() -> None:
    runs = history([50, 52, 48, 50, 51, 49])
    text = trend.suggest(runs, "git:locust-gate-data (branch main)")
    thresholds = parse(text, "suggested.yml")
    override = thresholds.override_for("GET", "/api/items")
    assert override is not None
    p95 = next(r for r in override.rules if r.metric is Metric.P95)
    # median 50, MAD 1 -> 50 + 3 * 1.4826 = 54.4 -> rounded up to 55 ms
    assert p95.limits[0].value == 55
    odd = thresholds.override_for("POST", "/odd [name]|`x`")
    assert odd is not None and odd.matcher.pattern == "/odd [name]|`x`"
    assert "median + 3 x 1.4826 x MAD" in text
    assert thresholds.aggregate


def test_round_up_to_a_bucket_and_two_digits() -> None:
    assert trend.round_up(54.4) == 55
    assert trend.round_up(231) == 240
    assert trend.round_up(1234) == 1300
    assert trend.round_up(100) == 100
