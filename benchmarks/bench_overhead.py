"""The plugin's overhead on Locust itself (issue 23): Locust's maximum request rate against a
fast local server with and without the plugin, interleaved in one run.

The server is a minimal HTTP/1.1 keep-alive responder on 127.0.0.1 in its own process
(asyncio, a fixed 2-byte body), far faster than one Locust process can ask, so Locust's
own CPU is the bound and anything the plugin costs shows in the rate. Locust runs headless
in one process with `FastHttpUser`s that wait 0 s between requests.

Cases, each a pair of runs (without the plugin, with it), the pair's order alternating:

- `1 endpoint`: the plugin with its defaults (results.json, the per-second series, progress
  lines every second);
- `2,000 endpoints`: requests spread over 2,000 names, so every per-second sample and the
  write at the end walk 2,000 entries;
- `2,000 endpoints, abort rules and stages`: the same with two live `abort:` rules (a
  windowed p95 and fail ratio over every endpoint, checked each second, never tripping)
  and two gate stages (their boundary copies of every histogram); the run without the
  plugin runs the same users for the same time.

A run's rate is the requests Locust counted over its run time (`--json-file`: the sum of
every endpoint's `num_requests` over the span from the first entry's start to the last
request). The ratio is with / without, pair by pair; the table gives its median and range.

Run: .venv/bin/python benchmarks/bench_overhead.py [--repeats 5] [--run-time 8] [--users 10]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.backend import free_port  # noqa: E402

PLUGIN = ROOT / "gate" / "plugin.py"
_RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok"

LOCUSTFILE = """
import os
from locust import FastHttpUser, constant, task

N = int(os.environ["BENCH_ENDPOINTS"])


class Fast(FastHttpUser):
    wait_time = constant(0)
    count = 0

    @task
    def hit(self):
        self.count += 1
        name = f"/e/{self.count % N}"
        self.client.get(name, name=name)
"""

ABORT_RULES = """version: 1
abort:
  - metric: p95
    above: 60s
    for: 5s
    window: 5s
  - metric: fail-ratio
    above: 50%
    for: 5s
"""

CASES = (
    ("1 endpoint", 1, False),
    ("2,000 endpoints", 2000, False),
    ("2,000 endpoints, abort rules and stages", 2000, True),
)


# --------------------------------------------------------------------------- the server


async def _serve(port: int) -> None:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                if not head:
                    break
                writer.write(_RESPONSE)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", port, backlog=512)
    async with server:
        await server.serve_forever()


def _server_main(port: int) -> None:
    asyncio.run(_serve(port))


# --------------------------------------------------------------------------- one run


def _rate(json_file: Path) -> tuple[int, float]:
    entries = json.loads(json_file.read_text())
    requests = sum(int(e["num_requests"]) for e in entries)
    start = min(float(e["start_time"]) for e in entries)
    end = max(float(e["last_request_timestamp"]) for e in entries)
    return requests, requests / max(end - start, 1e-9)


def one_run(
    work: Path, host: str, *, endpoints: int, plugin: bool, extras: bool, users: int,
    run_time: int,
) -> float:
    out = Path(tempfile.mkdtemp(prefix="run-", dir=work))
    files = f"{work / 'locustfile.py'},{PLUGIN}" if plugin else str(work / "locustfile.py")
    args = [sys.executable, "-m", "locust", "-f", files, "--headless", "-H", host,
            "--json-file", str(out / "locust"), "--stop-timeout", "0", "--only-summary",
            "--loglevel", "WARNING"]
    if plugin and extras:
        half = run_time // 2
        stages = [{"name": "a", "users": users, "spawn_rate": users, "duration": half},
                  {"name": "b", "users": users, "spawn_rate": users,
                   "duration": run_time - half}]
        args += ["--gate-stages", json.dumps(stages),
                 "--gate-thresholds", str(work / "abort.yml")]
    else:
        args += ["-u", str(users), "-r", str(users), "-t", f"{run_time}s"]
    if plugin:
        args += ["--gate-results", str(out / "results.json"), "--gate-progress-interval", "1"]
    proc = subprocess.run(args, cwd=work, capture_output=True, text=True, check=False,
                          timeout=run_time + 60,
                          env={**{k: v for k, v in os.environ.items()
                                  if not k.startswith("LOCUST_")},
                               "BENCH_ENDPOINTS": str(endpoints)})
    if proc.returncode != 0 or (plugin and not (out / "results.json").is_file()):
        raise SystemExit(f"locust failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    _, rate = _rate(out / "locust.json")
    return rate


# --------------------------------------------------------------------------- the table


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--run-time", type=int, default=8)
    parser.add_argument("--users", type=int, default=10)
    args = parser.parse_args()
    import multiprocessing  # noqa: PLC0415

    port = free_port()
    server = multiprocessing.Process(target=_server_main, args=(port,), daemon=True)
    server.start()
    time.sleep(0.5)
    rows: dict[str, list[tuple[float, float]]] = {name: [] for name, _, _ in CASES}
    try:
        with tempfile.TemporaryDirectory(prefix="gate-bench-overhead-") as tmp:
            work = Path(tmp)
            (work / "locustfile.py").write_text(LOCUSTFILE)
            (work / "abort.yml").write_text(ABORT_RULES)
            host = f"http://127.0.0.1:{port}"
            for repeat in range(args.repeats):
                for name, endpoints, extras in CASES:
                    order = (False, True) if repeat % 2 == 0 else (True, False)
                    rate = {
                        plugin: one_run(work, host, endpoints=endpoints, plugin=plugin,
                                        extras=extras, users=args.users,
                                        run_time=args.run_time)
                        for plugin in order
                    }
                    rows[name].append((rate[False], rate[True]))
                    print(f"# {repeat + 1}/{args.repeats} {name}: without {rate[False]:,.0f}/s,"
                          f" with {rate[True]:,.0f}/s, ratio {rate[True] / rate[False]:.3f}",
                          file=sys.stderr, flush=True)
    finally:
        server.terminate()
    _print_table(rows, args)
    return 0


def _print_table(rows: dict[str, list[tuple[float, float]]], args: argparse.Namespace) -> None:
    print(f"{time.strftime('%Y-%m-%d')}, {platform.processor() or platform.machine()}, "
          f"{args.repeats} pairs of {args.run_time} s runs per case, {args.users} users\n")
    print("| case | without the plugin (req/s, median) | with it | ratio with/without: "
          "median | min - max |")
    print("|---|---:|---:|---:|---|")
    for name, pairs in rows.items():
        ratios = [w / wo for wo, w in pairs]
        print(f"| {name} | {statistics.median(p[0] for p in pairs):,.0f} | "
              f"{statistics.median(p[1] for p in pairs):,.0f} | "
              f"{statistics.median(ratios):.3f} | {min(ratios):.3f} - {max(ratios):.3f} |")


if __name__ == "__main__":
    raise SystemExit(main())
