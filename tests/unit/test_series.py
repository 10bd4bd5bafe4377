"""Long runs stay small: the plugin's series is bounded and exact for every slice, results.json
version 1 is still read, and the load chart weighs slices by their width."""

from __future__ import annotations

import itertools
import json
import random
from dataclasses import replace
from pathlib import Path

import pytest

from gate.core import histogram
from gate.core.model import SecondSample
from gate.errors import UserError
from gate.reports.markdown import chart
from gate.results import loader, resultsfile
from gate.results.series import EXACT_SECONDS, MAX_MERGED, Slices
from tests import factory

V1_FILE = Path(__file__).parent / "data" / "results-v1.json"  # a real 3 s run, plugin v1
EIGHT_HOURS = 8 * 3600


def _seconds(count: int, seed: int = 23) -> list[SecondSample]:
    rng = random.Random(seed)
    out = []
    for t in range(count):
        hist = {histogram.bucket(rng.lognormvariate(3, 1)): rng.randint(1, 9) for _ in range(4)}
        requests = sum(hist.values())
        out.append(
            SecondSample(t=t, users=rng.randint(0, 500), requests=requests,
                         failures=rng.randint(0, requests), histogram=hist)
        )
    return out


def test_eight_hours_of_seconds_stay_bounded_and_every_slice_is_exact() -> None:
    seconds = _seconds(EIGHT_HOURS)
    slices = Slices()
    largest = 0
    for sample in seconds:
        slices.add(sample)
        largest = max(largest, len(slices))
    assert largest <= EXACT_SECONDS + MAX_MERGED
    out = slices.samples
    assert out[:EXACT_SECONDS] == tuple(seconds[:EXACT_SECONDS])  # the first 10 min: as fed
    assert out[0].t == 0 and out[-1].t + out[-1].seconds == EIGHT_HOURS
    for before, after in itertools.pairwise(out):
        assert after.t == before.t + before.seconds  # contiguous, no gap, no overlap
    assert {s.seconds for s in out[EXACT_SECONDS:-1]} == {64}  # 28,200 s in <= 600 slices
    for piece in out:  # each slice holds exactly the seconds of its own interval
        inputs = seconds[piece.t : piece.t + piece.seconds]
        assert piece.histogram == histogram.merge([s.histogram for s in inputs])
        assert piece.requests == sum(s.requests for s in inputs)
        assert piece.failures == sum(s.failures for s in inputs)
        assert piece.users == max(s.users for s in inputs)


def test_a_run_shorter_than_the_exact_minutes_is_one_sample_per_second() -> None:
    seconds = _seconds(EXACT_SECONDS)
    slices = Slices()
    for sample in seconds:
        slices.add(sample)
    assert slices.samples == tuple(seconds) and slices.width == 1


def test_neighbours_merge_pairwise_when_the_bound_is_hit() -> None:
    slices = Slices(exact_seconds=3, max_merged=4)
    spans = []
    for sample in _seconds(20):
        slices.add(sample)
        spans.append([(s.t, s.seconds) for s in slices.samples[3:]])
    assert spans[6] == [(3, 1), (4, 1), (5, 1), (6, 1)]
    assert spans[7] == [(3, 2), (5, 2), (7, 1)]  # a fifth slice: width 1 -> 2
    assert spans[12] == [(3, 4), (7, 4), (11, 2)]
    assert spans[19] == [(3, 8), (11, 8), (19, 1)]


def test_results_json_version_1_is_still_read() -> None:
    old = json.loads(V1_FILE.read_text())
    assert old["version"] == 1 and "seconds" not in old["series"][0]
    results = loader.load_results(V1_FILE)  # with the sanity checks
    assert results.total.num_requests == 134 == sum(s.requests for s in results.series)
    assert {s.seconds for s in results.series} == {1}
    assert sum(results.total.requests_per_second.values()) == 134  # v1's per-second counts
    assert results.total.percentile(0.95) is not None


def test_the_current_version_is_written_without_per_endpoint_seconds(tmp_path: Path) -> None:
    results = resultsfile.read(V1_FILE)
    path = tmp_path / "results.json"
    resultsfile.write(path, results)
    data = json.loads(path.read_text())
    assert data["version"] == resultsfile.PLAIN_VERSION == 3 and resultsfile.VERSION == 4
    assert data["stages"] == [] and data["cut"] is None
    assert "num_reqs_per_sec" not in data["total"]
    assert all("num_reqs_per_sec" not in e for e in data["endpoints"])
    assert [s["seconds"] for s in data["series"]] == [1, 1, 1]
    again = resultsfile.read(path)
    no_seconds = {"requests_per_second": {}, "failures_per_second": {}}
    assert again.total == replace(results.total, **no_seconds)
    assert again.series == results.series


def test_a_slice_of_zero_seconds_is_refused(tmp_path: Path) -> None:
    data = json.loads(V1_FILE.read_text())
    data["series"][1]["seconds"] = 0
    path = tmp_path / "results.json"
    path.write_text(json.dumps(data))
    with pytest.raises(UserError) as excinfo:
        resultsfile.read(path)
    text = excinfo.value.render()
    assert str(path) in text and "series[1].seconds" in text and "must be 1 or more" in text
    assert excinfo.value.exit_code == 2


def test_chart_weighs_wide_slices_by_their_seconds() -> None:
    """10 req/s throughout: 600 one-second samples, then 100 slices of 64 s."""
    exact = [SecondSample(t=t, users=5, requests=10, failures=1) for t in range(600)]
    wide = [SecondSample(t=600 + 64 * i, users=5, requests=640, failures=64, seconds=64)
            for i in range(100)]
    drawn = chart(factory.results(factory.endpoint("/a", [10.0]), series=[*exact, *wide]))
    assert drawn is not None
    assert set(drawn["rps"].split(", ")) == {"10.0"}
    assert set(drawn["fps"].split(", ")) == {"1.0"}
    labels = [int(x.strip('"')) for x in drawn["x"].split(", ")]
    assert len(labels) <= 60 and labels[-1] > 6000  # the hours after the first 10 minutes
    steps = {b - a for a, b in itertools.pairwise(labels)}
    assert steps == {-(-7000 // 60)}  # even spans of time, not one point per sample
