"""Benchmark long and large runs (issue 23): results.json size, `check` time and peak memory,
the plugin's write at the end of the run and its memory over the run, for 1, 2 and 8 hours
x 200, 2,000 and 10,000 endpoints.

A run is simulated in a real `locust.env.Environment`, second by second: its stats are
left as Locust's `StatsEntry.log` would leave them after that second (histogram buckets,
counts, response time sum/min/max, content length, `num_reqs_per_sec`/`num_fail_per_sec`
keyed by the simulated epoch second, last request time), for every endpoint and the
Aggregated row. 500 requests/s in all, Zipf-like popularity over the endpoints, lognormal
response times around a per-endpoint base (the synthetic run of bench_check.py, whose
thresholds file and endpoint names are reused), 0.2 % failures. Updating the stats one
(endpoint, bucket) group at a time instead of calling `log` per request keeps 8 hours of
10,000 endpoints feasible; what the plugin reads is the same. After each simulated second
the plugin's real sampler runs (`Collector.series.sample(t)`, the call its greenlet makes
once a second), and at the end the plugin's real `Collector.write()` (Locust's stats as
`Results`, results.json written atomically) is timed three times, as the plugin writes
at test_stop, after a worker's late report and at quitting. Memory: the deep size of
everything the plugin's `Series` holds (not Locust's own stats) at every hour mark, and
the growth of the process's peak RSS over the writes (`/proc/self/clear_refs` resets the
peak first). `check` runs as the real CLI in a fresh process (`python -m gate check FILE
--thresholds T --report-dir D`): wall time and that process's peak RSS (`os.wait4`).

`--old DIR` measures an earlier checkout the same way, interleaved with this one (the
order alternates case by case; the `check` repeats alternate old, new, old, new...):

    git archive 120d9e4 | tar -x -C /tmp/gate-old   # the last commit before results.json v2
    .venv/bin/python benchmarks/bench_long.py --old /tmp/gate-old

Run: .venv/bin/python benchmarks/bench_long.py [--old DIR] [--hours 1,2,8]
     [--endpoints 200,2000,10000] [--repeats 3] [--json OUT.jsonl]
then `benchmarks/bench_long.py --table OUT.jsonl` prints the tables of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
START = 1_760_000_000
TOTAL_RPS = 500
FAIL_RATIO = 0.002
CHUNK = 300  # seconds drawn at once


# --------------------------------------------------------------------------- one run (worker)


def _buckets(np: Any, rts: Any) -> Any:
    """`gate.core.histogram.bucket` (Locust's rule) over an array; numpy rounds half to
    even like Python's round."""
    out = np.round(rts)
    for limit, digits in ((100, -1), (1000, -2), (10000, -3)):
        out = np.where(rts >= limit, np.round(rts, digits), out)
    return out.astype(np.int64)


def _log_group(  # noqa: PLR0917 (a benchmark's helper)
    entry: Any, epoch: int, count: int, failures: int, low: float, high: float, total: float
) -> None:
    """What Locust's `StatsEntry.log`/`log_error` leave after `count` requests in a second
    (but the histogram: see `_log_second`)."""
    entry.num_requests += count
    entry.num_failures += failures
    entry.total_response_time += total
    entry.min_response_time = low if entry.min_response_time is None else min(
        entry.min_response_time, low)
    entry.max_response_time = max(entry.max_response_time, high)
    entry.total_content_length += 512 * count
    entry.num_reqs_per_sec[epoch] += count
    if failures:
        entry.num_fail_per_sec[epoch] += failures
    entry.last_request_timestamp = epoch + 0.9


def _deep_size(obj: Any, seen: set[int]) -> int:
    if id(obj) in seen:
        return 0
    seen.add(id(obj))
    size = sys.getsizeof(obj)
    if isinstance(obj, dict):
        size += sum(_deep_size(k, seen) + _deep_size(v, seen) for k, v in obj.items())
    elif isinstance(obj, list | tuple | set):
        size += sum(_deep_size(item, seen) for item in obj)
    elif hasattr(obj, "__dict__"):
        size += _deep_size(vars(obj), seen)
    return size


def _plugin_bytes(series: Any) -> int:
    """Everything the plugin's Series holds, without the Locust environment it reads."""
    return sum(_deep_size(v, {id(series.env)}) for k, v in vars(series).items() if k != "env")


def _rss_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(field)


def worker(hours: int, endpoints: int, out: Path) -> dict[str, Any]:
    import argparse as ap  # noqa: PLC0415

    import numpy as np  # noqa: PLC0415
    from locust.env import Environment  # noqa: PLC0415

    import gate  # noqa: PLC0415
    from gate.results.collector import Collector  # noqa: PLC0415

    rng = np.random.default_rng(hours * 100_000 + endpoints)
    weights = 1 / np.arange(1, endpoints + 1)
    cdf = np.cumsum(weights) / weights.sum()
    base = rng.uniform(5, 400, endpoints)
    env = Environment()
    env.parsed_options = ap.Namespace(gate_results=str(out), num_users=100, spawn_rate=10,
                                      run_time=hours * 3600, host="http://127.0.0.1:8089")
    stats = env.stats
    entries = [stats.get(f"/api/v{1 + i % 2}/resource{i % 40}/{i}", "GET")
               for i in range(endpoints)]
    for entry in [*entries, stats.total]:
        entry.start_time = START
    collector = Collector(env)
    collector.started_at = START
    series = collector.series
    marks: dict[int, int] = {}
    sample_s = 0.0
    for chunk in range(0, hours * 3600, CHUNK):
        n = CHUNK * TOTAL_RPS
        ids = np.searchsorted(cdf, rng.random(n))
        rts = base[ids] * rng.lognormal(0, 0.5, n)
        buckets = _buckets(np, rts)
        fails = rng.random(n) < FAIL_RATIO
        for k in range(CHUNK):
            t = chunk + k
            part = slice(k * TOTAL_RPS, (k + 1) * TOTAL_RPS)
            _log_second(np, entries, stats.total, START + t,
                        ids[part], rts[part], buckets[part], fails[part])
            t0 = time.perf_counter()
            series.sample(t)
            sample_s += time.perf_counter() - t0
            if (t + 1) % 3600 == 0 and (t + 1) // 3600 in (1, 2, 4, 8):
                marks[(t + 1) // 3600] = _plugin_bytes(series)
    Path("/proc/self/clear_refs").write_text("5")  # the peak RSS from here on
    rss_before = _rss_kb("VmRSS")
    writes, write_cpu = [], []
    for _ in range(3):
        t0, c0 = time.perf_counter(), time.process_time()
        collector.write()
        writes.append(time.perf_counter() - t0)
        write_cpu.append(time.process_time() - c0)
    return {
        "code": str(Path(gate.__file__).parent.parent),
        "hours": hours, "endpoints": endpoints,
        "results_mb": round(out.stat().st_size / 1e6, 2),
        "series_samples": len(series.samples),
        "plugin_mb_by_hour": {h: round(b / 1e6, 2) for h, b in marks.items()},
        "sample_us": round(1e6 * sample_s / (hours * 3600), 1),
        "locust_per_sec_entries": sum(len(e.num_reqs_per_sec) for e in entries),
        "write_s": [round(w, 3) for w in writes],
        "write_cpu_s": [round(w, 3) for w in write_cpu],
        "write_rss_growth_mb": round((_rss_kb("VmHWM") - rss_before) / 1024, 1),
    }


def _log_second(  # noqa: PLR0917 (a benchmark's helper)
    np: Any, entries: list[Any], total: Any, epoch: int, ids: Any, rts: Any, buckets: Any,
    fails: Any,
) -> None:
    """One second of requests into Locust's stats: grouped by endpoint, then by bucket."""
    order = np.lexsort((buckets, ids))
    ids, rts, buckets, fails = ids[order], rts[order], buckets[order], fails[order]
    n = len(ids)
    new_id = np.r_[True, ids[1:] != ids[:-1]]
    starts = np.flatnonzero(new_id)
    groups = zip(
        ids[starts].tolist(), np.diff(np.r_[starts, n]).tolist(),
        np.add.reduceat(fails.astype(np.int64), starts).tolist(),
        np.minimum.reduceat(rts, starts).tolist(), np.maximum.reduceat(rts, starts).tolist(),
        np.add.reduceat(rts, starts).tolist(), strict=True,
    )
    for index, count, failures, low, high, summed in groups:
        _log_group(entries[index], epoch, count, failures, low, high, summed)
    pairs = np.flatnonzero(new_id | np.r_[True, buckets[1:] != buckets[:-1]])
    for index, bucket, count in zip(ids[pairs].tolist(), buckets[pairs].tolist(),
                                    np.diff(np.r_[pairs, n]).tolist(), strict=True):
        entries[index].response_times[bucket] += count
    _log_group(total, epoch, n, int(fails.sum()), float(rts.min()), float(rts.max()),
               float(rts.sum()))
    keys, counts = np.unique(buckets, return_counts=True)
    for bucket, count in zip(keys.tolist(), counts.tolist(), strict=True):
        total.response_times[bucket] += count


# --------------------------------------------------------------------------- orchestration


def _env(code: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(code), "LOCUST_SKIP_MONKEY_PATCH": "1"}


def _run_worker(code: Path, hours: int, endpoints: int, out: Path) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, __file__, "--worker", str(hours), str(endpoints), str(out)],
        env=_env(code), capture_output=True, text=True, check=False, cwd=out.parent,
    )
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-3000:])
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    if Path(result["code"]).resolve() != code.resolve():
        raise RuntimeError(f"ran {result['code']}, not {code}")
    return result


def _run_check(
    code: Path, results: Path, thresholds: Path, report: Path
) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak RSS (MB) of one `python -m gate check` process."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gate", "check", str(results), "--thresholds", str(thresholds),
         "--report-dir", str(report)],
        env=_env(code), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=code,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    code_ = os.waitstatus_to_exitcode(status)
    if code_ not in (0, 1):
        raise RuntimeError(f"check exited {code_}: {proc.stderr.read().decode()[-2000:]}"
                           if proc.stderr else str(code_))
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def _spread(values: list[float], digits: int = 2) -> dict[str, float]:
    return {"median": round(statistics.median(values), digits),
            "min": round(min(values), digits), "max": round(max(values), digits)}


def orchestrate(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(Path(__file__).parent))
    from bench_check import THRESHOLDS  # noqa: PLC0415 (the same rules as the 1-hour figures)

    codes = {"new": ROOT} | ({"old": Path(args.old).resolve()} if args.old else {})
    work = Path(tempfile.mkdtemp(prefix="gate-long-"))
    thresholds = work / "thresholds.yml"
    thresholds.write_text(THRESHOLDS)
    print(f"machine: {platform.platform()}, python {platform.python_version()}, "
          f"load {os.getloadavg()[0]:.2f}", flush=True)
    flip = False
    for hours in args.hours:
        for endpoints in args.endpoints:
            order = list(codes.items())[:: -1 if flip else 1]
            flip = not flip
            rows: dict[str, dict[str, Any]] = {}
            for label, code in order:
                out = work / f"{label}-{hours}h-{endpoints}" / "results.json"
                out.parent.mkdir()
                rows[label] = {"label": label, **_run_worker(code, hours, endpoints, out)}
                rows[label]["file"] = out
            checks: dict[str, list[tuple[float, float, float]]] = {label: [] for label in codes}
            for _ in range(args.repeats):
                for label, code in order:
                    report = rows[label]["file"].parent / "report"
                    checks[label].append(_run_check(code, rows[label]["file"], thresholds, report))
            for label, row in rows.items():
                row["file"].unlink()
                row["file"] = None
                row["check_s"] = _spread([c[0] for c in checks[label]])
                row["check_cpu_s"] = _spread([c[1] for c in checks[label]])
                row["check_peak_rss_mb"] = _spread([c[2] for c in checks[label]], 0)
                row["write_s"] = _spread(row["write_s"], 3)
                row["write_cpu_s"] = _spread(row["write_cpu_s"], 3)
                row["load"] = round(os.getloadavg()[0], 2)
                line = json.dumps(row)
                print(line, flush=True)
                if args.json:
                    with open(args.json, "a") as fh:
                        fh.write(line + "\n")


def _cell(row: dict[str, Any] | None, key: str, unit: str = "") -> str:
    if row is None:
        return "-"
    value = row[key]
    if isinstance(value, dict):
        return f"{value['median']:g}{unit} ({value['min']:g}-{value['max']:g})"
    return f"{value:g}{unit}"


def table(jsonl: Path) -> str:
    """The rows of a `--json` file as the Markdown tables of docs/benchmarks.md."""
    rows = [json.loads(line) for line in jsonl.read_text().splitlines() if line.strip()]
    cases = sorted({(r["hours"], r["endpoints"]) for r in rows})
    find = {(r["hours"], r["endpoints"], r["label"]): r for r in rows}
    out = [
        "| run | results.json: old → new | plugin memory at the end: old → new "
        "| write at the end, wall: old → new | write, CPU: old → new "
        "| peak RSS growth of the writes: old → new |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for hours, endpoints in cases:
        old, new = find.get((hours, endpoints, "old")), find.get((hours, endpoints, "new"))
        plugin = [_cell(r, "plugin_mb_by_hour") if r is None else
                  f"{r['plugin_mb_by_hour'][str(hours)]:g} MB" for r in (old, new)]
        out.append(
            f"| {hours} h x {endpoints:,} | {_cell(old, 'results_mb', ' MB')} → "
            f"**{_cell(new, 'results_mb', ' MB')}** | {plugin[0]} → **{plugin[1]}** | "
            f"{_cell(old, 'write_s', ' s')} → **{_cell(new, 'write_s', ' s')}** | "
            f"{_cell(old, 'write_cpu_s', ' s')} → **{_cell(new, 'write_cpu_s', ' s')}** | "
            f"{_cell(old, 'write_rss_growth_mb', ' MB')} → "
            f"**{_cell(new, 'write_rss_growth_mb', ' MB')}** |"
        )
    out += [
        "",
        "| run | `check`, wall: old → new | `check`, CPU: old → new "
        "| `check`, peak RSS: old → new | load average |",
        "|---|---:|---:|---:|---:|",
    ]
    for hours, endpoints in cases:
        old, new = find.get((hours, endpoints, "old")), find.get((hours, endpoints, "new"))
        out.append(
            f"| {hours} h x {endpoints:,} | {_cell(old, 'check_s', ' s')} → "
            f"**{_cell(new, 'check_s', ' s')}** | {_cell(old, 'check_cpu_s', ' s')} → "
            f"**{_cell(new, 'check_cpu_s', ' s')}** | "
            f"{_cell(old, 'check_peak_rss_mb', ' MB')} → "
            f"**{_cell(new, 'check_peak_rss_mb', ' MB')}** | {_cell(new, 'load')} |"
        )
    return "\n".join(out)


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--table":
        print(table(Path(sys.argv[2])))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        hours, endpoints, out = int(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4])
        print(json.dumps(worker(hours, endpoints, out)))
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--old", help="an earlier checkout, measured interleaved with this one")
    parser.add_argument("--hours", type=lambda s: [int(x) for x in s.split(",")],
                        default=[1, 2, 8])
    parser.add_argument("--endpoints", type=lambda s: [int(x) for x in s.split(",")],
                        default=[200, 2000, 10000])
    parser.add_argument("--repeats", type=int, default=3, help="check runs per file and code")
    parser.add_argument("--json", help="append each row to this file (JSON lines)")
    orchestrate(parser.parse_args())


if __name__ == "__main__":
    main()
