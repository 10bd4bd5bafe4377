"""Harness overhead of `locust-gate run`: its wall time minus Locust's own run time.

Runs the embedded demo (seed, start, health, Locust, check, stop) several times with
`--run-time 10s` and reports the overhead, split into what happens before Locust starts
and after it ends (taken from results.json's start/end times).

Run: .venv/bin/python benchmarks/bench_run.py [--repeats N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.backend import free_port  # noqa: E402
from tests.support.gaterun import demo_flags  # noqa: E402


def one_run(run_time: int) -> dict[str, float]:
    port = free_port()
    out = Path(tempfile.mkdtemp(prefix="gate-bench-run-"))
    args = [
        sys.executable, "-m", "gate", "run", "--config", str(ROOT / "locust-gate.yml"),
        *demo_flags(port, out), "--run-time", f"{run_time}s",
    ]
    t0 = time.time()
    proc = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=False)
    wall = time.time() - t0
    if proc.returncode not in (0, 1):
        raise SystemExit(f"run failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    meta = json.loads((out / "results.json").read_text())["meta"]
    locust = meta["end_time"] - meta["start_time"]
    return {
        "wall_s": wall,
        "locust_s": locust,
        "overhead_s": wall - locust,
        "before_locust_s": meta["start_time"] - t0,
        "after_locust_s": t0 + wall - meta["end_time"],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--run-time", type=int, default=10)
    args = parser.parse_args()
    runs = [one_run(args.run_time) for _ in range(args.repeats)]
    summary = {
        key: round(statistics.median(r[key] for r in runs), 2) for key in runs[0]
    }
    print(json.dumps({"run_time_s": args.run_time, "repeats": args.repeats,
                      "median": summary, "runs": runs}, indent=2))


if __name__ == "__main__":
    main()
