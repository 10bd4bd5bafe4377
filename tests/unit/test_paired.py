"""The same-runner comparison's decision (gate.core.paired) on built rounds: the interval,
the outcomes at the rule's tolerance, bucket resolution, too few pairs, never a silent
pass; and the harness's balanced order and pooling (gate.harness.rounds)."""

from __future__ import annotations

import math
import random

import pytest

from gate.core import paired
from gate.core.evaluate import evaluate
from gate.core.model import Pair, Results, Rounds, Side
from gate.core.pooling import pool
from gate.core.verdict import Status
from gate.harness.rounds import schedule
from gate.thresholds.parser import parse
from tests.factory import endpoint, results

RULES = parse("version: 1\ndefaults: {fail-ratio: 5%}\nbaseline:\n  min-requests: 20\n"
              "  p50: {max-increase: 10%}\n", "t.yml")


def run(a_ms: float, b_ms: float, *, n: int = 200, jitter: float = 0.02,
        rng: random.Random) -> Results:
    """A round: /a and /b with their medians near the given values."""
    def times(ms: float) -> list[float]:
        return [ms * (1 + rng.gauss(0, jitter)) for _ in range(n)]
    return results(endpoint("/a", times(a_ms)), endpoint("/b", times(b_ms)))


def rounds(pairs: int, *, base: tuple[float, float], head: tuple[float, float],
           n: int = 200, seed: int = 1, jitter: float = 0.02) -> Results:
    rng = random.Random(seed)
    made = tuple(Pair(base=run(*base, n=n, rng=rng, jitter=jitter),
                      head=run(*head, n=n, rng=rng, jitter=jitter),
                      head_first=bool(i % 2)) for i in range(pairs))
    pooled = pool([p.head for p in made])
    return Results(source=pooled.source, meta=pooled.meta, endpoints=pooled.endpoints,
                   total=pooled.total,
                   rounds=Rounds(ref="main", commit="c" * 40, round_time=10, pairs=made))


def outcomes(measured: Results) -> dict[str, str]:
    verdict = evaluate(measured, RULES)
    return {c.endpoint or c.metric: c.outcome.value for c in verdict.checks
            if c.comparison is not None or c.metric in ("p50", "rounds")}


def test_the_interval_is_the_exact_signed_rank_one() -> None:
    logs = [0.1, 0.2, 0.3, 0.4, 0.5]  # n=5 at 90 %: the widest, min to max
    estimate, low, high = paired.interval(logs) or (0, 0, 0)
    assert (low, high) == (0.1, 0.5) and estimate == pytest.approx(0.3)
    six = [0.01 * i for i in range(1, 7)]  # n=6: the 3rd Walsh average from each end
    walsh = sorted((a + b) / 2 for i, a in enumerate(six) for b in six[i:])
    assert paired.interval(six) == (pytest.approx(0.035), walsh[2], walsh[-3])
    assert paired.interval(logs[:4]) is None  # 4 pairs cannot reach 90 %


def test_one_slower_endpoint_regresses_alone_and_a_a_passes() -> None:
    slow = rounds(6, base=(20, 20), head=(20, 30))
    assert outcomes(slow) == {"GET /a": "pass", "GET /b": "regressed"}
    assert evaluate(slow, RULES).status is Status.FAIL
    same = rounds(6, base=(20, 20), head=(20, 20), seed=2)
    assert outcomes(same) == {"GET /a": "pass", "GET /b": "pass"}
    faster = rounds(6, base=(20, 20), head=(20, 14), seed=3)
    assert outcomes(faster)["GET /b"] == "improved"


def test_a_change_straddling_the_tolerance_is_inconclusive() -> None:
    # +10 % on /b, the tolerance: the interval reaches past it but does not lie beyond it
    noisy = rounds(6, base=(20, 20), head=(20, 22.2), jitter=0.3, n=60, seed=4)
    assert outcomes(noisy)["GET /b"] == "inconclusive"


def test_a_change_within_one_bucket_is_never_a_regression() -> None:
    # 5 ms -> 5.6 ms is +12 %, beyond 10 %, but less than Locust's 1 ms bucket
    tiny = rounds(6, base=(5, 5), head=(5, 5.6), jitter=0.01)
    assert outcomes(tiny)["GET /b"] != "regressed"


def test_too_few_requests_per_round_is_reported_and_never_a_silent_pass() -> None:
    thin = rounds(6, base=(20, 20), head=(20, 40), n=10)
    verdict = evaluate(thin, RULES)
    found = {c.metric: c for c in verdict.checks if c.metric in ("p50", "rounds")}
    assert found["p50"].too_few and found["p50"].needs == 20
    assert found["rounds"].outcome.value == "inconclusive"
    assert verdict.status is not Status.PASS


def test_the_order_is_balanced_abba_baab() -> None:
    order = schedule(8)
    assert ["".join("A" if s is Side.BASE else "B" for s in p) for p in order] == \
        ["AB", "BA", "BA", "AB"] * 2


def test_pooled_rounds_add_histograms_and_keep_the_rounds_own_throughput() -> None:
    rng = random.Random(5)
    runs = [run(10, 20, n=100, rng=rng) for _ in range(3)]
    pooled = pool(runs)
    b = pooled.endpoint("GET", "/b")
    assert b is not None and b.num_requests == 300
    assert sum(b.histogram.values()) == 300 if b.histogram else False
    assert b.rps == pytest.approx(10.0)  # 300 requests over 3 x 10 s, not the wall time
    assert math.isclose(pooled.total.num_requests, 600)
