"""gate.plugin on real Locust runs against a real local server: exact, complete results."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from gate.core import histogram
from gate.core.model import Results, Source
from gate.results import csvreader, jsonfile, plugin_path, resultsfile
from gate.results.fingerprint import fingerprint, load_options
from gate.results.progress import progress_line
from tests.support.locustrun import (
    LOCUSTFILES,
    REPO,
    LocustRun,
    html_template_args,
    run_locust,
)
from tests.support.server import TestServer

pytestmark = pytest.mark.e2e

AWKWARD = {"NA", "null", "/odd|pipe `tick`"}


def _by_key(results: Results) -> dict[tuple[str, str], object]:
    return {(e.method, e.name): e for e in results.endpoints}


def test_plugin_writes_results(mixed_run: LocustRun) -> None:
    results = resultsfile.read(mixed_run.results)
    assert results.source is Source.PLUGIN
    names = {e.name for e in results.endpoints}
    assert names == {"/fast", "/slow", "/boom", "NA", "null", "/odd|pipe `tick`"}
    assert results.total.num_requests == sum(e.num_requests for e in results.endpoints) > 20
    assert results.total.num_failures == results.endpoint("GET", "/boom").num_failures > 0
    assert results.endpoint("POST", "null") is not None
    # several buckets on each side of 100 ms
    assert results.total.histogram is not None
    assert len([b for b in results.total.histogram if b < 100]) >= 5
    assert len([b for b in results.total.histogram if b >= 100]) >= 3
    meta = results.meta
    assert meta.users == 4 and meta.run_time == 3.0 and meta.locust_version == "2.47.0"
    assert meta.locustfile is not None and meta.locustfile.endswith("mixed.py")
    assert "plugin.py" not in meta.locustfile
    assert meta.host is not None and meta.host.startswith("http://127.0.0.1:")
    raw = json.loads(mixed_run.results.read_text())
    assert raw["schema"] == "locust-gate/results" and raw["version"] == 3
    assert all("num_reqs_per_sec" not in e for e in [raw["total"], *raw["endpoints"]])
    assert set(raw) == {
        "schema", "version", "source", "start_time", "last_request_timestamp", "meta",
        "endpoints", "total", "failures", "exceptions", "series", "warnings", "stages", "cut",
    }  # fmt: skip
    assert raw["stages"] == [] and raw["cut"] is None  # no stages, no warm-up: none
    assert raw["exceptions"] == [] and meta.completed is True
    assert meta.end_reason == "the run time of 3s was reached" and meta.peak_users == 4


def test_percentiles_and_counts_equal_locust_html_report(mixed_run: LocustRun) -> None:
    results = resultsfile.read(mixed_run.results)
    args = html_template_args(mixed_run.html)
    rows = args["response_time_statistics"]
    assert len(rows) == len(results.endpoints) + 1
    requests = {(r["method"], r["name"]): r for r in args["requests_statistics"]}
    checked = 0
    for row in rows:
        key = (row["method"], row["name"])
        entry = results.total if key == ("", "Aggregated") else results.endpoint(*key)
        assert entry is not None, key
        fractions = [k for k in row if k not in {"name", "method"}]
        assert len(fractions) == 8
        for fraction in fractions:
            assert entry.percentile(float(fraction)) == row[fraction], (key, fraction)
            checked += 1
        html_counts = requests[("" if key[1] == "Aggregated" else key[0], key[1])]
        assert entry.num_requests == html_counts["num_requests"], key
        assert entry.num_failures == html_counts["num_failures"], key
        assert entry.rps == pytest.approx(html_counts["total_rps"], rel=1e-12), key
        assert entry.avg_response_time == pytest.approx(html_counts["avg_response_time"]), key
    assert checked == 8 * (len(results.endpoints) + 1)
    assert {r["name"] for r in rows} >= AWKWARD


def test_failure_groups_equal_html(mixed_run: LocustRun) -> None:
    results = resultsfile.read(mixed_run.results)
    html = html_template_args(mixed_run.html)["failures_statistics"]
    ours = {(f.method, f.name, f.error): f.occurrences for f in results.failures}
    theirs = {(f["method"], f["name"], f["error"]): f["occurrences"] for f in html}
    assert ours == theirs
    assert sum(ours.values()) == results.total.num_failures


def test_series_adds_up_to_the_totals(mixed_run: LocustRun) -> None:
    results = resultsfile.read(mixed_run.results)
    series = results.series
    assert len(series) >= 2  # 3 s of load; a CPU-starved start starts the series late
    # a short run is one sample per second, as before the series was bounded
    assert [(s.t, s.seconds) for s in series] == [(t, 1) for t in range(len(series))]
    assert sum(s.requests for s in series) == results.total.num_requests
    assert sum(s.failures for s in series) == results.total.num_failures
    assert histogram.merge([s.histogram for s in series]) == dict(results.total.histogram or {})
    assert max(s.users for s in series) == 4


def test_csv_route_undercounts(mixed_run: LocustRun) -> None:
    exact = resultsfile.read(mixed_run.results)
    stale = csvreader.read(mixed_run.csv_prefix)
    assert stale.source is Source.CSV and not stale.exact
    assert stale.total.num_requests < exact.total.num_requests
    assert any("last second" in w and "gate.plugin" in w for w in stale.warnings)
    assert {e.name for e in stale.endpoints} <= {e.name for e in exact.endpoints}
    missed = exact.total.num_requests - stale.total.num_requests
    print(f"CSV missed {missed} of {exact.total.num_requests} requests")


def test_json_file_totals_equal_results(mixed_run: LocustRun) -> None:
    exact = resultsfile.read(mixed_run.results)
    other = jsonfile.read(mixed_run.json_file)
    assert other.source is Source.JSON_FILE
    assert other.total.num_requests == exact.total.num_requests
    assert other.total.num_failures == exact.total.num_failures
    assert other.total.histogram == exact.total.histogram
    assert other.total.percentile(0.95) == exact.total.percentile(0.95)
    for entry in exact.endpoints:
        twin = other.endpoint(entry.method, entry.name)
        assert twin is not None
        assert (twin.num_requests, twin.num_failures, twin.histogram) == (
            entry.num_requests,
            entry.num_failures,
            entry.histogram,
        )
        # the json-file lacks the run-wide start (entries start at their first request)
        assert twin.rps == pytest.approx(entry.rps, rel=0.05)


def test_progress_line_and_single_write_in_log(mixed_run: LocustRun) -> None:
    lines = mixed_run.stderr.splitlines()
    progress = [ln for ln in lines if ln.startswith("[locust-gate]") and "elapsed" in ln]
    assert progress, mixed_run.stderr[-2000:]
    assert " left | users " in progress[0] and "req/s" in progress[0]
    assert sum("[locust-gate] wrote" in ln for ln in lines) == 1
    assert "Traceback" not in mixed_run.stderr


def test_fingerprint_covers_locustfile_and_load_options(mixed_run: LocustRun) -> None:
    results = resultsfile.read(mixed_run.results)
    options = {k: json.loads(v) for k, v in results.meta.options.items()}
    assert options["users"] == 4 and options["processes"] is None
    assert results.meta.fingerprint == fingerprint([LOCUSTFILES / "mixed.py"], options)
    assert fingerprint([LOCUSTFILES / "importing.py"], options) != results.meta.fingerprint
    assert fingerprint([LOCUSTFILES / "mixed.py"], {**options, "users": 5}) != (
        results.meta.fingerprint
    )


def test_load_options_normalise() -> None:
    class Opts:
        num_users = 3
        spawn_rate = 1
        run_time = 10
        host = "http://x/"
        tags = ("b", "a")
        exclude_tags = None
        processes = 0

    assert load_options(Opts()) == {
        "users": 3, "spawn_rate": 1.0, "run_time": 10.0, "host": "http://x",
        "tags": ["a", "b"], "exclude_tags": [], "processes": None,
    }  # fmt: skip


def test_progress_line_format() -> None:
    line = progress_line(
        elapsed=12.3, run_time=60, users=10, target_users=10, rps=153.24,
        requests=1843, failures=3,
    )  # fmt: skip
    assert line == (
        "[locust-gate] 00:12 elapsed, 00:48 left | users 10/10 | 153.2 req/s"
        " | 1,843 requests | 3 failures (0.16%)"
    )
    assert "left" not in progress_line(
        elapsed=5, run_time=None, users=1, target_users=None, rps=0, requests=0, failures=0
    )


def test_plugin_path_and_module_entry_point() -> None:
    assert Path(plugin_path()) == REPO / "gate" / "plugin.py"
    out = subprocess.run(
        [sys.executable, "-m", "gate.plugin"], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == str(plugin_path())


def test_locust_f_does_not_accept_a_module_name(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "locust", "-f", f"{LOCUSTFILES / 'mixed.py'},gate.plugin",
         "--headless", "-t", "1s"],
        cwd=REPO, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode != 0
    assert "Could not find 'gate.plugin'" in proc.stderr


def test_import_and_path_together_write_once(http_server: TestServer, tmp_path: Path) -> None:
    run = run_locust(
        LOCUSTFILES / "importing.py",
        http_server.url,
        tmp_path,
        users=2,
        run_time=2,
        env={"PYTHONPATH": str(REPO)},
    ).check()
    assert sum("[locust-gate] wrote" in ln for ln in run.stderr.splitlines()) == 1
    results = resultsfile.read(run.results)
    assert results.total.num_requests == jsonfile.read(run.json_file).total.num_requests > 0


def test_unwritable_results_path_does_not_break_the_run(
    http_server: TestServer, tmp_path: Path
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    run = run_locust(
        LOCUSTFILES / "importing.py",
        http_server.url,
        tmp_path / "out",
        users=1,
        run_time=1,
        extra_args=["--gate-results", str(blocker / "results.json")],
        env={"PYTHONPATH": str(REPO)},
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "locust-gate: writing results failed" in run.stderr
    assert run.html.is_file() and run.json_file.is_file()


def test_distributed_processes_2(http_server: TestServer, tmp_path: Path) -> None:
    run = run_locust(
        LOCUSTFILES / "mixed.py", http_server.url, tmp_path, users=2, run_time=3, processes=2
    ).check()
    assert sum("[locust-gate] wrote" in ln for ln in run.stderr.splitlines()) == 1
    results = resultsfile.read(run.results)
    assert results.meta.processes == 2
    args = html_template_args(run.html)
    html_total = next(r for r in args["requests_statistics"] if r["name"] == "Aggregated")
    assert results.total.num_requests == html_total["num_requests"] > 0
    assert results.total.num_failures == html_total["num_failures"]
    assert results.total.num_requests == jsonfile.read(run.json_file).total.num_requests
    assert results.total.num_requests == sum(s.requests for s in results.series)
    for row in args["response_time_statistics"]:
        key = (row["method"], row["name"])
        entry = results.total if key == ("", "Aggregated") else results.endpoint(*key)
        assert entry is not None
        for fraction in (k for k in row if k not in {"name", "method"}):
            assert entry.percentile(float(fraction)) == row[fraction], (key, fraction)


SLOW_START = """\
import time
from locust import HttpUser, constant, events, task


@events.test_start.add_listener
def busy(**_kwargs):  # before the plugin's own listener: its clock starts 1.5 s late
    end = time.monotonic() + 1.5
    while time.monotonic() < end:
        pass


class Reader(HttpUser):
    wait_time = constant(0.05)

    @task
    def fast(self):
        self.client.get("/fast")
"""


def test_the_run_time_is_named_as_the_end_even_when_the_start_was_late(
    http_server: TestServer, tmp_path: Path,
) -> None:
    # As on a CPU-starved CI machine: Locust's --run-time clock starts before test_start
    # reaches the plugin. The end is read from Locust's own timer, not from the clock.
    locustfile = tmp_path / "slow_start.py"
    locustfile.write_text(SLOW_START)
    run = run_locust(locustfile, http_server.url, tmp_path / "out", users=1, run_time=3,
                     html=False).check()
    meta = resultsfile.read(run.results).meta
    assert meta.completed is True
    assert meta.end_reason == "the run time of 3s was reached"
    assert len(resultsfile.read(run.results).series) <= 2  # the plugin did start 1.5 s late
