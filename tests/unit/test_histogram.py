"""gate.core.histogram reproduces Locust's bucketing and percentile rule exactly."""

from __future__ import annotations

import random

import pytest
from locust.stats import (
    PERCENTILES_TO_REPORT,
    bucket_response_time,
    calculate_response_time_percentile,
)

from gate.core import histogram

FRACTIONS = sorted({*PERCENTILES_TO_REPORT, 0.0, 0.6, 0.7, 0.01, 0.333, 0.5, 0.999999})


@pytest.mark.parametrize(
    "value",
    [0, 0.4, 0.5, 1.5, 2.5, 49.5, 99.4, 99.5, 99.9, 100, 104.9, 105, 115, 125, 994, 995,
     999.9, 1000, 1050, 1150, 9949, 9950, 9999, 10000, 10500, 11500, 59999, 123456.7],
)  # fmt: skip
def test_bucket_matches_locust_on_edges(value: float) -> None:
    assert histogram.bucket(value) == bucket_response_time(value)


def test_bucket_matches_locust_on_generated_values() -> None:
    rng = random.Random(20240611)
    for _ in range(20000):
        value = rng.choice([rng.uniform(0, 150), rng.uniform(0, 2000), rng.expovariate(1 / 800)])
        assert histogram.bucket(value) == bucket_response_time(value), value
        whole = rng.randrange(0, 30000)
        assert histogram.bucket(whole) == bucket_response_time(whole), whole


def test_percentile_matches_locust_on_generated_histograms() -> None:
    rng = random.Random(7)
    for _ in range(400):
        size = rng.choice([1, 2, 3, 5, 10, 99, 100, 101, 1000, rng.randrange(1, 5000)])
        hist: dict[int, int] = {}
        for _ in range(size):
            key = bucket_response_time(rng.lognormvariate(4, 1.2))
            hist[key] = hist.get(key, 0) + 1
        for fraction in FRACTIONS:
            expected = calculate_response_time_percentile(hist, size, fraction)
            assert histogram.percentile(hist, size, fraction) == expected, (hist, fraction)


def test_percentile_with_fewer_timed_requests_than_counted() -> None:
    # num_requests smaller than the histogram sum (None requests): same rule as Locust
    hist = {10: 5, 20: 5, 300: 1}
    for n in range(0, 12):
        for fraction in FRACTIONS:
            assert histogram.percentile(hist, n, fraction) == calculate_response_time_percentile(
                hist, n, fraction
            )


def test_percentile_is_one_past_nearest_rank_when_whole() -> None:
    # 10 samples 1..10: Locust's p50 is the 6th value, not the textbook 5th
    hist = {v: 1 for v in range(1, 11)}
    assert (
        histogram.percentile(hist, 10, 0.5)
        == 6
        == calculate_response_time_percentile(hist, 10, 0.5)
    )


def test_merge_adds_buckets() -> None:
    assert histogram.merge([{1: 2, 5: 1}, {5: 3, 7: 1}, {}]) == {1: 2, 5: 4, 7: 1}
