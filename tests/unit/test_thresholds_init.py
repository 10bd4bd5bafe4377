"""`thresholds init` writes a file that holds: the same code passes it run after run (the
limits take a percentile's own noise at that request count into account), a slower
endpoint fails it, thin endpoints get no latency limit but a comment saying why, and
the defaults carry what the endpoints share."""

from __future__ import annotations

import random

import pytest

from gate.core.evaluate import evaluate
from gate.core.model import Results
from gate.core.rules import Metric
from gate.core.verdict import Status
from gate.thresholds.init import human_ceil, render
from gate.thresholds.parser import parse
from tests.factory import endpoint, results


def _run(rng: random.Random, *, requests: int, slow: float = 1.0) -> Results:
    """A service as one run measures it: two fast endpoints with a long tail, a slow one,
    and a rare one (13 requests)."""
    def tail(base: float, scale: float) -> float:
        return base + rng.expovariate(1 / scale)

    return results(
        endpoint("/api/leads", [tail(4, 3) for _ in range(requests)]),
        endpoint("/api/leads/[id]", [tail(8, 4) for _ in range(requests // 2)], method="PUT"),
        endpoint("/api/report", [slow * tail(120, 15) for _ in range(requests // 3)]),
        endpoint("/api/export", [tail(60, 5) for _ in range(13)], method="POST"),
    )


@pytest.mark.parametrize("requests", [300, 1500])
def test_the_same_code_passes_run_after_run_and_a_2x_slowdown_fails(requests: int) -> None:
    for seed in range(10):
        rng = random.Random(seed)
        thresholds = parse(render([_run(rng, requests=requests)], source="r.json"), "t.yml")
        for _ in range(10):
            verdict = evaluate(_run(rng, requests=requests), thresholds)
            assert verdict.status is not Status.FAIL, (seed, verdict.reasons)
            assert verdict.warnings == ()  # every rule matched an endpoint of the run
        slower = evaluate(_run(rng, requests=requests, slow=2.0), thresholds)
        assert slower.status is Status.FAIL, (seed, slower.reasons)
        assert any("GET /api/report: p95" in reason for reason in slower.reasons)


def test_the_file_a_person_would_write() -> None:
    text = render([_run(random.Random(1), requests=600)], source="out/results.json")
    thresholds = parse(text, "thresholds.yml")
    defaults = {rule.metric: rule for rule in thresholds.defaults}
    assert defaults[Metric.P95].limits[0].value in (40.0, 45.0, 50.0, 60.0)  # the fast ones
    assert thresholds.min_requests == 20  # not 1: a rule needs enough data to judge
    # Overrides only where an endpoint really differs: the slow one, and the rare one whose
    # slowest request would not fit the default's p95 with 13 requests.
    overrides = {o.matcher.pattern: o for o in thresholds.endpoints}
    assert set(overrides) == {"GET /api/report", "POST /api/export"}
    assert Metric.P95 in overrides["POST /api/export"].disabled
    assert "p95: off                # 13 requests: a p95 needs 100" in text
    assert "# A p95 needs 100 requests per run, a p99 500" in text
    assert "# p99: off                # 3 endpoint(s) made fewer than the 500 requests" in text
    assert "required" not in text
    for line in text.splitlines():  # every limit is a value people write
        if line.strip().startswith(("p95:", "p99:")) and "off" not in line:
            value = float(line.split(":")[1].split("#")[0].strip().removesuffix("ms"))
            assert human_ceil(value) == value, line


def test_several_runs_add_their_spread_and_say_so() -> None:
    rng = random.Random(7)
    runs = [_run(rng, requests=300) for _ in range(3)]
    one = parse(render(runs[:1], source="a"), "t.yml")
    three_text = render(runs, source="a b c")
    three = parse(three_text, "t.yml")
    assert "3 runs of" in three_text and "the spread between the runs" in three_text
    for run in runs:
        assert evaluate(run, three).status is not Status.FAIL

    def report_limit(thresholds: object) -> float:
        (override,) = [o for o in thresholds.endpoints  # type: ignore[attr-defined]
                       if o.matcher.pattern == "GET /api/report"]
        return float(override.rules[0].limits[0].value)

    assert report_limit(three) >= 0.5 * report_limit(one)  # the same order of magnitude


def test_thin_data_writes_no_latency_limit_and_says_how_many_are_needed() -> None:
    # The case: 13 requests per endpoint, no limit can be estimated from them.
    run = results(endpoint("/a", [50.0] * 13), endpoint("/b", [56.0] * 12, method="PUT"))
    text = render([run], source="r.json")
    thresholds = parse(text, "t.yml")
    assert not any(rule.metric.fraction for rule in thresholds.defaults)
    assert "# p95: off                # 2 endpoint(s) made fewer than the 100 requests" in text
    assert "2 of 2 endpoints had too few requests for a p95 limit of their own" in text
    assert evaluate(run, thresholds).status is not Status.FAIL


def test_failing_endpoints_get_a_fail_ratio_from_what_was_seen() -> None:
    run = results(endpoint("/ok", [5.0] * 200), endpoint("/flaky", [5.0] * 200, failures=10))
    text = render([run], source="r.json")
    assert "fail-ratio: 12%" in text and "measured 5.00 %: expected?" in text
    thresholds = parse(text, "t.yml")
    assert evaluate(run, thresholds).status is Status.PASS
    worse = results(endpoint("/ok", [5.0] * 200), endpoint("/flaky", [5.0] * 200, failures=40))
    assert evaluate(worse, thresholds).status is Status.FAIL


def test_a_rare_endpoint_gets_no_entry_that_a_next_run_may_not_match() -> None:
    # 4 requests: a next run will not make min-requests of it (and may make none, so an
    # entry for it would warn "matched no endpoint"): the default covers it, inconclusive.
    run = results(endpoint("/fast", [5.0] * 500), endpoint("/export", [900.0] * 4, method="POST"))
    text = render([run], source="r.json")
    assert "/export" not in text
    next_run = results(endpoint("/fast", [5.0] * 500))
    verdict = evaluate(next_run, parse(text, "t.yml"))
    assert verdict.status is Status.PASS and verdict.warnings == ()
