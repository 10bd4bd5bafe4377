"""The plugin's series over 8 hours of Locust's own stats: bounded, and equal to Locust's totals.

Drives the real `gate.results.series.Series` against a real `locust.env.Environment`:
requests are logged through Locust's `log_request` and sampled once per simulated second
(the sampler's greenlet only adds the one-second sleep between the same calls).
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from locust.env import Environment

from gate.core import histogram
from gate.results import resultsfile, snapshot
from gate.results.series import EXACT_SECONDS, MAX_MERGED, Series

EIGHT_HOURS = 8 * 3600


def test_eight_hours_of_locust_stats_stay_bounded_and_add_up(tmp_path: Path) -> None:
    env = Environment()
    series = Series(env)
    rng = random.Random(8)
    for t in range(EIGHT_HOURS):
        for _ in range(rng.randint(0, 3)):
            name = f"/item/{rng.randint(0, 40)}"
            env.stats.log_request("GET", name, rng.lognormvariate(3, 1.2), 100)
            if rng.random() < 0.05:
                env.stats.log_error("GET", name, "HTTPError('500 Server Error')")
        series.sample(t)
        if t % 3600 == 0:
            assert len(series.slices) <= EXACT_SECONDS + MAX_MERGED
    samples = series.samples
    total = env.stats.total
    assert len(samples) <= EXACT_SECONDS + MAX_MERGED
    assert samples[-1].t + samples[-1].seconds == EIGHT_HOURS
    assert sum(s.requests for s in samples) == total.num_requests > 30_000
    assert sum(s.failures for s in samples) == total.num_failures > 0
    assert histogram.merge([s.histogram for s in samples]) == {
        k: v for k, v in total.response_times.items() if v
    }
    path = tmp_path / "results.json"
    resultsfile.write(path, snapshot.build_results(env, series=samples))
    # 41 endpoints and <= 1,200 samples (version 1 held 28,800 samples and 41 x 28,800 counts)
    assert path.stat().st_size < 1_000_000
    assert "num_reqs_per_sec" not in json.loads(path.read_text())["total"]
    back = resultsfile.read(path)
    assert back.series == samples and back.total.num_requests == total.num_requests
