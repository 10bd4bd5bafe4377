"""Trends, step changes and suggested limits on constructed histories."""

from __future__ import annotations

from dataclasses import replace

from gate.baseline import trend
from gate.baseline.stored import GitInfo, StoredRun
from gate.core.rules import Metric
from gate.thresholds import init
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


def test_suggested_thresholds_are_inits_file_from_the_runs() -> None:
    runs = history([50, 52, 48, 50, 51, 49])
    text = init.render([r.results for r in runs], source="git:locust-gate-data (branch main)",
                       command="thresholds suggest")
    thresholds = parse(text, "suggested.yml")
    assert "# Written by `locust-gate thresholds suggest`" in text
    assert "6 runs of 1,200 to 1,200 requests" in text
    assert "the spread between the runs is added" in text
    (p95,) = [r for r in thresholds.defaults if r.metric is Metric.P95]
    # the band's top: median 50 + 3 x 1.4826 x MAD 1 = 54.4 ms, +30 ms, up to 90 ms
    assert p95.limits[0].value == 90
    assert thresholds.aggregate


def _fingerprinted(runs: list[StoredRun], prints: list[str | None]) -> list[StoredRun]:
    return [
        replace(run, results=replace(run.results, meta=replace(run.results.meta,
                                                               fingerprint=fp)))
        for run, fp in zip(runs, prints, strict=True)
    ]


def test_only_runs_made_like_the_newest_are_used_and_the_others_are_named() -> None:
    runs = _fingerprinted(history([90, 91, 50, 51, 49, 50]), ["b", "b", "a", "a", "a", "a"])
    kept = trend.comparable(runs)
    assert [r.git.commit for r in kept.runs] == ["c002", "c003", "c004", "c005"]
    assert kept.left_out == ("left out 2 of 6 runs: made with another locustfile or other "
                             "load options than the newest run (their fingerprints differ)",)
    text = trend.render_text(kept.runs, "4 runs", trend.notes(kept))
    assert "left out 2 of 6 runs" in text and "c000" not in text
    assert trend.comparable(runs[:2]).left_out == ()  # all alike: nothing to say


def test_a_metric_from_too_few_requests_is_left_out_and_counted() -> None:
    # 40 requests a run: enough for p50 (20), not for p95 (100).
    runs = history([50, 51, 49, 50, 52, 50, 90, 91, 90], n=40)
    assert trend.series(runs, "GET /api/items", Metric.P95) == [None] * 9
    assert trend.series(runs, "GET /api/items", Metric.P50)[0] == 50
    lines = trend.thin(runs)
    assert lines == ["left out 27 p95 value(s) of 3 endpoint(s): fewer than the 100 requests "
                     "a p95 needs in that run"]
    assert not any(s.metric is Metric.P95 for s in trend.steps(runs))
    assert any(s.metric is Metric.P50 for s in trend.steps(runs))  # p50 had enough


def test_a_step_change_needs_enough_runs_on_each_side() -> None:
    assert trend.step([50, 51, 90, 91, 90], Metric.P50) is None  # 2 runs before the shift
    assert trend.step([50, 51, 49, 90, 91, 90], Metric.P50) is not None
    # the last runs lack the value (too few requests): no step, whatever came before
    assert trend.step([50, 51, 49, 50, 90, None, 90], Metric.P50) is None
