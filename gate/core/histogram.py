"""Locust's response-time bucketing and percentile rule, reproduced exactly.

Checked against Locust 2.47 (`locust.stats`): a percentile is read from the bucketed
histogram walking down from the slowest bucket, so the result equals the value Locust
prints in its HTML report and CSV for the same histogram. Tests compare both on real runs.
"""

from __future__ import annotations

from collections.abc import Mapping


def bucket(response_time: float) -> int:
    """The bucket Locust files a response time under (`StatsEntry._log_response_time`)."""
    if response_time < 100:
        return round(response_time)
    if response_time < 1000:
        return int(round(response_time, -1))
    if response_time < 10000:
        return int(round(response_time, -2))
    return int(round(response_time, -3))


def percentile(histogram: Mapping[int, int], num_requests: int, fraction: float) -> int:
    """Locust's `calculate_response_time_percentile`: the bucket where the share of requests
    above it first drops to `fraction`. Not clamped to max (as in Locust)."""
    threshold = int(num_requests * fraction)
    processed = 0
    for response_time in sorted(histogram, reverse=True):
        processed += histogram[response_time]
        if num_requests - processed <= threshold:
            return response_time
    return 0


def merge(histograms: list[Mapping[int, int]]) -> dict[int, int]:
    """Add histograms bucket by bucket (or any counts keyed by an int: per-second series)."""
    merged: dict[int, int] = {}
    for hist in histograms:
        for key, count in hist.items():
            merged[key] = merged.get(key, 0) + count
    return merged
