"""Benchmark `locust-gate check` on a large run, and the exactness of totals vs the CSV.

Part 1 (speed): a results.json with 2,000 endpoints and one hour of per-second series
(500 req/s in all, Zipf-like popularity, ~30 histogram buckets per endpoint), judged
against a thresholds file with defaults, globs and regexes. Timed in-process and as the
real CLI (a subprocess, imports included). Target: under 2 s.

Part 2 (exactness): real Locust runs of several lengths against a local server; request
counts and p95/p99 from the plugin's results.json, from the `_stats.csv` route (what a
hand-written check_thresholds.py reads) and from Locust's own HTML report (the truth).

Run: .venv/bin/python benchmarks/bench_check.py [--quick]
"""

from __future__ import annotations

import argparse
import io
import json
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gate.commands.checking import run_check  # noqa: E402
from gate.core import histogram  # noqa: E402
from gate.core.model import (  # noqa: E402
    EndpointStats,
    Results,
    RunMeta,
    SecondSample,
    Source,
    aggregate,
)
from gate.results import csvreader, resultsfile  # noqa: E402
from tests.support.locustrun import LOCUSTFILES, html_template_args, run_locust  # noqa: E402
from tests.support.server import Route, serve  # noqa: E402

START = 1_760_000_000
SECONDS = 3600
ENDPOINTS = 2000
TOTAL_RPS = 500
# group-names: false keeps the 2,000 names (`/api/v1/resource3/123`) 2,000 endpoints, as in
# docs/benchmarks.md; grouped, they would be 80.
THRESHOLDS = """version: 1
group-names: false
defaults: {p50: 200ms, p95: 800ms, p99: 2s, fail-ratio: 1%, min-requests: 20}
endpoints:
""" + "".join(
    f'  - match: "/api/v1/resource{i}/*"\n    p95: 1s\n' for i in range(15)
) + "".join(f'  - regex: "^GET /api/v2/thing{i}/\\\\d+$"\n    p99: 3s\n' for i in range(5)) + """
aggregate: {rps: 100, fail-ratio: 1%, p95: 800ms}
"""


def synthetic_results(rng: random.Random) -> Results:
    weights = [1 / (rank + 1) for rank in range(ENDPOINTS)]
    scale = TOTAL_RPS / sum(weights)
    entries = []
    for i, weight in enumerate(weights):
        rate = weight * scale  # requests per second for this endpoint
        per_sec: dict[int, int] = {}
        for second in range(SECONDS):
            count = int(rate) + (1 if rng.random() < rate - int(rate) else 0)
            if count:
                per_sec[START + second] = count
        n = sum(per_sec.values())
        base = rng.uniform(5, 400)
        hist: dict[int, int] = {}
        for _ in range(min(n, 300)):  # shape from 300 samples, scaled to n
            bucket = histogram.bucket(rng.lognormvariate(0, 0.5) * base)
            hist[bucket] = hist.get(bucket, 0) + 1
        sampled = sum(hist.values()) or 1
        hist = {k: max(1, round(v * n / sampled)) for k, v in hist.items()} if n else {}
        n = sum(hist.values())
        entries.append(
            EndpointStats(
                method="GET",
                name=f"/api/v{1 + i % 2}/resource{i % 40}/{i}",
                num_requests=n,
                num_failures=n // 500,
                histogram=hist,
                total_response_time=sum(k * v for k, v in hist.items()),
                min_response_time=min(hist) if hist else None,
                max_response_time=max(hist) if hist else 0.0,
                total_content_length=n * 512,
                start_time=START,
                last_request_timestamp=START + SECONDS,
                requests_per_second=per_sec,
            )
        )
    series = tuple(
        SecondSample(t=s, users=100, requests=TOTAL_RPS, failures=1,
                     histogram={20: 300, 50: 150, 120: 50})
        for s in range(SECONDS)
    )
    return Results(
        source=Source.PLUGIN,
        meta=RunMeta(start_time=START, end_time=START + SECONDS, users=100,
                     locust_version="2.47.0", host="http://127.0.0.1:8089"),
        endpoints=tuple(entries),
        total=aggregate(entries, start_time=START),
        series=series,
    )


def bench_speed(repeats: int) -> dict[str, object]:
    rng = random.Random(42)
    work = Path(tempfile.mkdtemp(prefix="gate-bench-"))
    results_path = work / "results.json"
    t0 = time.perf_counter()
    resultsfile.write(results_path, synthetic_results(rng))
    generate_s = time.perf_counter() - t0
    thresholds_path = work / "thresholds.yml"
    thresholds_path.write_text(THRESHOLDS)
    in_process = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        run_check(results=results_path, thresholds=thresholds_path,
                  report_dir=work / "report", out=io.StringIO())
        in_process.append(time.perf_counter() - t0)
    cli = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "gate", "check", str(results_path), "--thresholds",
             str(thresholds_path), "--report-dir", str(work / "report-cli")],
            capture_output=True, text=True, check=False,
        )
        cli.append(time.perf_counter() - t0)
        assert proc.returncode in (0, 1), proc.stderr
    verdict = json.loads((work / "report-cli" / "verdict.json").read_text())
    return {
        "endpoints": ENDPOINTS,
        "series_seconds": SECONDS,
        "results_mb": round(results_path.stat().st_size / 1e6, 1),
        "checks": len(verdict["checks"]),
        "generate_s": round(generate_s, 2),
        "in_process_median_s": round(statistics.median(in_process), 3),
        "cli_median_s": round(statistics.median(cli), 3),
        "cli_max_s": round(max(cli), 3),
        "repeats": repeats,
    }


def bench_exactness(durations: list[int]) -> list[dict[str, object]]:
    """Real Locust runs; the HTML report is the truth both routes are compared with."""
    routes = {"/fast": Route(ms=1, jitter_ms=8), "/slow": Route(ms=95, jitter_ms=160),
              "/boom": Route(ms=3, status=500), "/odd": Route(ms=15, jitter_ms=40)}
    rows: list[dict[str, object]] = []
    with serve(routes) as server:
        for seconds in durations:
            out = Path(tempfile.mkdtemp(prefix=f"gate-exact-{seconds}s-"))
            run = run_locust(LOCUSTFILES / "mixed.py", server.url, out, users=4,
                             run_time=seconds).check()
            html = html_template_args(run.html)
            truth = {(r["method"], r["name"]): r for r in html["response_time_statistics"]}
            counts = {(r["method"], r["name"]): r["num_requests"]
                      for r in html["requests_statistics"]}
            exact = resultsfile.read(run.results)
            csv = csvreader.read(run.csv_prefix)
            rows.append({
                "run_s": seconds,
                "html_requests": counts[("", "Aggregated")],
                "gate_requests": exact.total.num_requests,
                "csv_requests": csv.total.num_requests,
                "csv_missing_pct": round(
                    100 * (1 - csv.total.num_requests / exact.total.num_requests), 1),
                "gate_percentile_mismatches": _mismatches(exact, truth),
                "csv_percentile_mismatches": _mismatches(csv, truth),
                "percentile_cells": len(truth) * len(_FRACTIONS),
            })
    return rows


_FRACTIONS = ("0.5", "0.95", "0.99")


def _mismatches(results: Results, truth: dict[tuple[str, str], dict[str, float]]) -> int:
    """Percentile cells (p50, p95, p99 of every row) that differ from Locust's HTML."""
    wrong = 0
    for (method, name), row in truth.items():
        entry = results.total if name == "Aggregated" else results.endpoint(method, name)
        for fraction in _FRACTIONS:
            value = entry.percentile(float(fraction)) if entry else None
            wrong += value != row[fraction]
    return wrong


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer repeats and runs")
    args = parser.parse_args()
    print(f"machine: {platform.platform()}, {platform.processor() or 'cpu'}, "
          f"python {platform.python_version()}")
    speed = bench_speed(repeats=1 if args.quick else 5)
    print(json.dumps({"speed": speed}, indent=2))
    exact = bench_exactness([3] if args.quick else [3, 5, 10])
    print(json.dumps({"exactness": exact}, indent=2))


if __name__ == "__main__":
    main()
