"""The comparison's decision rules on constructed histories (pure functions, no I/O)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from gate.core.compare import DEFAULT_RULES_NOTE
from gate.core.evaluate import evaluate
from gate.core.model import Results
from gate.core.reading import band, fine, needed_requests, resolution
from gate.core.relative import Baseline, BaselineRules, PastRun, RelativeRule, default_rules
from gate.core.rules import Level, Metric
from gate.core.ruleset import Thresholds
from gate.core.verdict import Outcome, Status
from tests import factory
from tests.factory import compared


def run(ms: float, *, n: int = 400, spread: int = 0, name: str = "/a",
        fingerprint: str | None = "sha256:x", extra: dict[str, float] | None = None) -> Results:
    """A run whose endpoint `name` answers in `ms` .. `ms + spread` (evenly spread)."""
    entries = [factory.endpoint(name, [ms + spread * (i % 10) / 10 for i in range(n)])]
    for other, other_ms in (extra or {}).items():
        entries.append(factory.endpoint(other, [other_ms] * n))
    results = factory.results(*entries)
    return replace(results, meta=replace(results.meta, fingerprint=fingerprint))


def stored(results: Results, commit: str = "c0ffee") -> PastRun:
    return factory.past(results, commit=commit)


def rule(metric: Metric, *, fail: float | None = 0.10, warn: float | None = None,
         min_delta: float = 0.0) -> BaselineRules:
    tolerance = {lv: v for lv, v in ((Level.FAIL, fail), (Level.WARN, warn)) if v is not None}
    return BaselineRules(defaults=(RelativeRule(metric=metric, tolerance=tolerance,
                                                min_delta=min_delta),))


def outcomes(current: Results, history: list[Results], rules: BaselineRules,
             **kwargs: bool | Level) -> dict[tuple[str, str], tuple[Outcome, Level | None]]:
    result = compared(current, [stored(h) for h in history], rules, store="s",
                      on_inconclusive=Level.WARN, **kwargs)
    return {(c.endpoint, c.metric): (c.outcome, c.level) for c in result.checks}


def test_single_baseline_the_tolerance_decides() -> None:
    rules = rule(Metric.P50, fail=0.10)
    assert outcomes(run(55), [run(50)], rules)[("GET /a", "p50")] == (Outcome.PASS, None)
    assert outcomes(run(60), [run(50)], rules)[("GET /a", "p50")] == (Outcome.REGRESSED,
                                                                       Level.FAIL)
    assert outcomes(run(40), [run(50)], rules)[("GET /a", "p50")][0] is Outcome.IMPROVED


def test_warn_and_fail_levels() -> None:
    rules = rule(Metric.P50, warn=0.10, fail=0.30)
    assert outcomes(run(60), [run(50)], rules)[("GET /a", "p50")] == (Outcome.REGRESSED,
                                                                       Level.WARN)
    assert outcomes(run(70), [run(50)], rules)[("GET /a", "p50")] == (Outcome.REGRESSED,
                                                                       Level.FAIL)


def test_min_delta_is_an_absolute_floor() -> None:
    rules = rule(Metric.P50, fail=0.10, min_delta=10)
    assert outcomes(run(8), [run(5)], rules)[("GET /a", "p50")] == (Outcome.PASS, None)  # +60 %
    assert outcomes(run(20), [run(5)], rules)[("GET /a", "p50")][0] is Outcome.REGRESSED


def test_a_change_within_one_bucket_is_never_a_regression() -> None:
    # 100 -> 110 ms is +10 %, one Locust bucket (10 ms between 100 ms and 1 s): not flagged.
    rules = rule(Metric.P50, fail=0.01)
    assert outcomes(run(110, spread=0), [run(100, spread=0)], rules)[("GET /a", "p50")] == (
        Outcome.PASS, None)
    assert outcomes(run(120, spread=0), [run(100, spread=0)], rules)[("GET /a", "p50")][0] is (
        Outcome.REGRESSED)
    assert resolution(Metric.P95, 99) == 1 and resolution(Metric.P95, 100) == 10
    assert resolution(Metric.P95, 5000) == 100 and resolution(Metric.AVG, 5000) == 0


def test_history_band_absorbs_noise_whatever_the_percentage() -> None:
    noisy = [run(ms) for ms in (40, 50, 60, 45, 55, 50, 62, 38)]  # median 50, wide spread
    rules = rule(Metric.P50, fail=0.10)
    # +20 % is beyond the tolerance but inside the noise band of this history: not flagged.
    assert outcomes(run(60), noisy, rules)[("GET /a", "p50")] == (Outcome.PASS, None)
    # The same +20 % against one run is flagged: one baseline has no band.
    assert outcomes(run(60), [run(50)], rules)[("GET /a", "p50")][0] is Outcome.REGRESSED
    steady = [run(ms) for ms in (49, 50, 51, 50, 50, 49, 51, 50)]
    assert outcomes(run(60), steady, rules)[("GET /a", "p50")][0] is Outcome.REGRESSED


def test_band_is_median_and_mad_at_least_one_bucket() -> None:
    assert band([50, 50], Metric.P50) is None  # too few runs for a band
    low, high = band([50, 50, 51, 50, 50], Metric.P50)  # type: ignore[misc]
    assert (low, high) == (49, 51)  # MAD 0 -> one bucket, 1 ms at 50 ms, each side
    # Heavy tails: the band holds every value the history has shown.
    assert band([40, 50, 60, 50, 50], Metric.P50) == (40, 60)
    low, high = band([50, 50, 50], Metric.P50)  # type: ignore[misc]
    assert high - low == 2
    low, high = band([40, 45, 50, 55, 60], Metric.P50)  # type: ignore[misc]
    assert high == pytest.approx(50 + 3 * 1.4826 * 5)


def test_too_few_requests_for_a_percentile_is_reported_not_counted() -> None:
    rules = rule(Metric.P99, fail=0.10)
    result = compared(run(80, n=40), [stored(run(50))], rules, store="s",
                     on_inconclusive=Level.WARN)  # p99 from 40 requests
    check = next(c for c in result.checks if c.metric == "p99")
    assert (check.outcome, check.level, check.needs, check.requests) == (
        Outcome.INCONCLUSIVE, None, 500, 40)
    assert check.counts_at is None and "needs 500" in check.message
    # asked for: on-too-few-requests: warn
    out = outcomes(run(80, n=40), [run(50)], rules, on_too_few=Level.WARN)
    assert out[("GET /a", "p99")] == (Outcome.INCONCLUSIVE, Level.WARN)
    out = outcomes(run(80, n=600), [run(50, n=40)], rules)  # the baseline side is short
    assert out[("GET /a", "p99")] == (Outcome.INCONCLUSIVE, None)
    assert needed_requests(Metric.P99, 20) == 500
    assert needed_requests(Metric.P95, 20) == 100
    assert needed_requests(Metric.P50, 20) == 20


def test_rps_is_judged_downwards() -> None:
    rules = rule(Metric.RPS, fail=0.20)
    fast = run(50, n=400)
    slow = run(50, n=200)  # same 10 s span: half the throughput
    assert outcomes(slow, [fast], rules)[("GET /a", "rps")][0] is Outcome.REGRESSED
    assert outcomes(fast, [slow], rules)[("GET /a", "rps")][0] is Outcome.IMPROVED


def test_new_and_missing_endpoints() -> None:
    current = run(50, extra={"/new": 20})
    base = run(50, extra={"/gone": 20})
    out = outcomes(current, [base], default_rules())
    assert out[("GET /new", "baseline")] == (Outcome.NEW, None)
    assert out[("GET /gone", "baseline")] == (Outcome.MISSING, Level.WARN)


def test_fingerprint_mismatch_is_inconclusive_unless_allowed() -> None:
    base = run(50, fingerprint="sha256:old")
    base = replace(base, meta=replace(base.meta, users=10))
    result = compared(run(80), [stored(base)], rule(Metric.P50), store="s",
                     on_inconclusive=Level.FAIL)
    (check,) = result.checks
    assert check.outcome is Outcome.INCONCLUSIVE and check.level is Level.FAIL
    assert "users 10 -> 5" in check.message and "--allow-mismatch" in check.message
    out = outcomes(run(80), [base], rule(Metric.P50), allow_mismatch=True)
    assert out[("GET /a", "p50")][0] is Outcome.REGRESSED


def test_mismatching_runs_are_left_out_of_a_history() -> None:
    history = [run(50), run(50), run(50, fingerprint="sha256:old")]
    result = compared(run(50), [stored(h) for h in history], rule(Metric.P50), store="s",
                     on_inconclusive=Level.WARN)
    assert result.ref.runs == 2
    assert any("left out" in w for w in result.warnings)


def test_runs_without_fingerprint_are_compared_with_a_warning() -> None:
    result = compared(run(60, fingerprint=None), [stored(run(50, fingerprint=None))],
                     rule(Metric.P50), store="s", on_inconclusive=Level.WARN)
    assert any(c.outcome is Outcome.REGRESSED for c in result.checks)
    assert any("fingerprint" in w for w in result.warnings)


def test_an_empty_store_never_passes() -> None:
    result = compared(run(50), [], default_rules(), store="dir/", on_inconclusive=Level.WARN)
    (check,) = result.checks
    assert check.outcome is Outcome.INCONCLUSIVE and "baseline save" in check.message
    # nothing was compared: no run to warn about, only the default rules standing in
    assert result.ref is not None and (result.ref.store, result.ref.runs) == ("dir/", 0)
    assert result.warnings == (DEFAULT_RULES_NOTE,)


def test_one_pass_decides_the_status_and_records_the_baseline() -> None:
    current = run(80)
    verdict = evaluate(current, Thresholds(path="t.yml"))
    assert verdict.status is Status.PASS
    merged = evaluate(current, Thresholds(path="t.yml"),
                      Baseline(store="s", runs=(stored(run(50), commit="abc"),)))
    assert merged.status is Status.FAIL
    assert merged.baseline is not None and merged.baseline.commit == "abc"
    assert merged.totals.checks == len(merged.checks) > len(verdict.checks)
    assert any("p50" in reason for reason in merged.reasons)
    check = next(c for c in merged.checks if c.metric == "p50" and c.endpoint == "GET /a")
    assert check.comparison is not None
    assert check.comparison.baseline == 50 and check.comparison.change == 30
    assert check.comparison.change_ratio == pytest.approx(0.6)
    # the absolute checks come first and are the same checks as without a baseline
    assert merged.checks[: len(verdict.checks)] == verdict.checks


def test_per_endpoint_overrides_replace_and_switch_off() -> None:
    from gate.thresholds.parser import parse

    thresholds = parse(
        "version: 1\nbaseline:\n  p50: {max-increase: 10%}\n  endpoints:\n"
        "    - match: /slow*\n      p50: {max-increase: 50%}\n"
        "    - match: /off\n      p50: off\n", "t.yml")
    rules = thresholds.baseline
    assert rules is not None
    current = run(60, extra={"/slowish": 60, "/off": 90})
    base = run(50, extra={"/slowish": 50, "/off": 50})
    out = outcomes(current, [base], rules)
    assert out[("GET /a", "p50")][0] is Outcome.REGRESSED
    assert out[("GET /slowish", "p50")][0] is Outcome.PASS
    assert ("GET /off", "p50") not in out


def test_a_metric_noisier_than_its_tolerance_is_inconclusive_not_failed() -> None:
    noisy = [run(ms) for ms in (40, 50, 60, 45, 55, 50, 62, 38, 50, 52)]
    out = outcomes(run(90), noisy, rule(Metric.P50, fail=0.10))
    assert out[("GET /a", "p50")] == (Outcome.INCONCLUSIVE, Level.WARN)
    # The same jump against a steady history is a regression.
    steady = [run(ms) for ms in (49, 50, 51, 50, 50, 49, 51, 50)]
    assert outcomes(run(90), steady, rule(Metric.P50))[("GET /a", "p50")][0] is (
        Outcome.REGRESSED)


def test_fine_percentiles_interpolate_within_a_bucket() -> None:
    # 100 requests: 50 at 20 ms, 50 at 21 ms. Locust's p50 is 21 (rank 50); the fine one
    # lies inside the 21 ms bucket [20.5, 21.5).
    entry = factory.endpoint("/a", [20] * 50 + [21] * 50)
    value = fine(entry, Metric.P50)
    assert value is not None and 20.5 <= value < 21.5
    assert fine(entry, Metric.AVG) == 20.5
    wide = factory.endpoint("/b", [300] * 10)  # one 10 ms bucket: [295, 305)
    wide_value = fine(wide, Metric.P95)
    assert wide_value is not None and 295 <= wide_value < 305
