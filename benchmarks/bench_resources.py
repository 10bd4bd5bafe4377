"""What sampling the backend's resources costs, and the leak rule's slope on a long run.

1. One sample (`gate.harness.resources.Sampler.sample`) of a process tree of N sleeping
   Python processes, each holding 4 open TCP connections: the CPU `run` spends on it
   once a second.
2. The leak rule's Theil-Sen slope over the most samples a run keeps (1,200: the bound
   of `gate.results.series.Slices`), thinned to `MAX_SLOPE_POINTS`.

Run: .venv/bin/python benchmarks/bench_resources.py [--processes N] [--repeats N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gate.core.resources import theil_sen  # noqa: E402
from gate.harness.resources import Sampler  # noqa: E402

# A parent that forks `n` children; every process opens 4 connections to a listener of its own.
TREE = """
import os, socket, sys, time
listener = socket.socket(); listener.bind(("127.0.0.1", 0)); listener.listen()
for _ in range(int(sys.argv[1])):
    if os.fork() == 0:
        break
held = [socket.create_connection(listener.getsockname()) for _ in range(4)]
accepted = [listener.accept() for _ in range(4)]
time.sleep(600)
"""


def sample_cost(processes: int, repeats: int) -> list[float]:
    tree = subprocess.Popen([sys.executable, "-c", TREE, str(processes - 1)])
    try:
        time.sleep(1.0)  # the children forked and connected
        sampler = Sampler([tree.pid], interval=3600)
        sampler.start()
        times = []
        for _ in range(repeats):
            began = time.perf_counter()
            sampler.sample()
            times.append(time.perf_counter() - began)
        last = sampler.usage().samples[-1]
        print(f"tree: {last.processes} processes, {last.connections} connections, "
              f"{last.rss / 1e6:.0f} MB")
        sampler.stop()
        return times
    finally:
        for child in psutil.Process(tree.pid).children(recursive=True):
            child.kill()
        tree.kill()
        tree.wait()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--processes", type=int, default=9)
    parser.add_argument("--repeats", type=int, default=50)
    args = parser.parse_args()
    times = sample_cost(args.processes, args.repeats)
    print(f"| one sample of {args.processes} processes | median "
          f"{statistics.median(times) * 1000:.1f} ms, max {max(times) * 1000:.1f} ms |")
    points = [(float(t), 50e6 + 1e4 * t + (t % 7) * 1e5) for t in range(1200)]
    began = time.perf_counter()
    slope = theil_sen(points)
    print(f"| Theil-Sen slope of 1,200 samples | {(time.perf_counter() - began) * 1000:.0f} ms "
          f"(slope {slope:.0f} B/s) |")


if __name__ == "__main__":
    main()
