"""Detection benchmark of the baseline comparison: false alarms (A/A) and caught
slowdowns (A/B, one endpoint +20 % via DEMO_SLOWDOWN), single-baseline vs history mode.

1. `record`: real runs of the embedded demo with `locust-gate run` (seed, start the API on
   a free port, Locust with the plugin, stop), interleaved A, B, A, B... so that load on
   the machine hits both pools alike. A = unchanged; B = `DEMO_SLOWDOWN=search=1.2`.
2. `evaluate`: many baseline/candidate combinations drawn from the pool, judged with the
   default relative rules (`gate.baseline.rules.DEFAULT_RULES`) by the pure comparison:
   - single mode: the candidate against one other A run;
   - history mode: the candidate against `--history` other A runs (median + noise band).
   A false alarm is an A candidate with any `regressed` check at level fail; a catch is a
   B candidate with a fail-level `regressed` check on `GET /api/search`.

Run: .venv/bin/python benchmarks/detection.py record --pool /tmp/pool --pairs 25
     .venv/bin/python benchmarks/detection.py evaluate --pool /tmp/pool
"""

from __future__ import annotations

import argparse
import json
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gate.baseline.compare import compare  # noqa: E402
from gate.baseline.rules import default_rules  # noqa: E402
from gate.baseline.stored import GitInfo, StoredRun  # noqa: E402
from gate.core.evaluate import measure  # noqa: E402
from gate.core.rules import Level, Metric  # noqa: E402
from gate.core.verdict import Outcome  # noqa: E402
from gate.results import resultsfile  # noqa: E402

SLOWED = "GET /api/search"
SLOWDOWN = "search=1.2"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def one_run(pool: Path, name: str, slowdown: str | None, users: int, run_time: int) -> None:
    port = free_port()
    out = Path(tempfile.mkdtemp(prefix="gate-detect-"))
    args = [
        sys.executable, "-m", "gate", "run", "--config", str(ROOT / "locust-gate.yml"),
        "--host", f"http://127.0.0.1:{port}",
        "--start", f"{{python}} -m demo.app --host 127.0.0.1 --port {port} "
                   "--db {output}/demo.sqlite3",
        "--health", f"http://127.0.0.1:{port}/health",
        "--users", str(users), "--spawn-rate", str(users),
        "--run-time", f"{run_time}s", "--output-dir", str(out),
    ]
    if slowdown:
        args += ["--env", f"DEMO_SLOWDOWN={slowdown}"]
    proc = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=False,
                          timeout=run_time + 120)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"run failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    (pool / f"{name}.json").write_bytes((out / "results.json").read_bytes())


def record(pool: Path, pairs: int, users: int, run_time: int) -> None:
    pool.mkdir(parents=True, exist_ok=True)
    started = time.time()
    for i in range(pairs):
        for label, slowdown in (("a", None), ("b", SLOWDOWN)):
            name = f"{label}-{i:03d}"
            if (pool / f"{name}.json").exists():
                continue
            one_run(pool, name, slowdown, users, run_time)
        elapsed = time.time() - started
        print(f"[detection] {i + 1}/{pairs} pairs recorded, {elapsed / 60:.1f} min elapsed",
              flush=True)
    (pool / "recorded.json").write_text(json.dumps(
        {"pairs": pairs, "users": users, "run_time_s": run_time,
         "wall_s": round(time.time() - started), "date": time.strftime("%Y-%m-%d")}))


def _stored(path: Path) -> StoredRun:
    results = resultsfile.read(path)
    return StoredRun(results=results, git=GitInfo(branch="main"), saved_at=0.0)


def _judge(candidate: StoredRun, history: list[StoredRun]) -> tuple[bool, bool, bool]:
    """(any fail-level regression, fail-level regression on the slowed endpoint,
    anything inconclusive)."""
    result = compare(candidate.results, history, default_rules(), store="pool",
                     on_inconclusive=Level.WARN)
    regressed = [c for c in result.checks
                 if c.outcome is Outcome.REGRESSED and c.level is Level.FAIL]
    inconclusive = any(c.outcome is Outcome.INCONCLUSIVE for c in result.checks)
    return bool(regressed), any(c.endpoint == SLOWED for c in regressed), inconclusive


def evaluate(pool: Path, draws: int, history: int, seed: int) -> None:
    a_runs = [_stored(p) for p in sorted(pool.glob("a-*.json"))]
    b_runs = [_stored(p) for p in sorted(pool.glob("b-*.json"))]
    rng = random.Random(seed)
    info = json.loads((pool / "recorded.json").read_text()) if (pool / "recorded.json").exists() \
        else {}
    print(f"pool: {len(a_runs)} A runs, {len(b_runs)} B runs ({SLOWDOWN}); {info}")
    for label, runs in (("A", a_runs), ("B", b_runs)):
        for metric in (Metric.P50, Metric.P95):
            values = [measure(e, metric) for r in runs
                      if (e := r.results.endpoint("GET", "/api/search")) is not None]
            nums = [v for v in values if v is not None]
            print(f"  {label} search {metric.value}: median {statistics.median(nums):.0f} ms, "
                  f"min {min(nums):.0f}, max {max(nums):.0f}, "
                  f"requests median {statistics.median(r.results.endpoint('GET', '/api/search').num_requests for r in runs):.0f}")  # type: ignore[union-attr]  # noqa: E501
    for mode, size in (("single", 1), ("history", history)):
        started = time.time()
        fa = caught = incon_a = incon_b = 0
        for _ in range(draws):
            i = rng.randrange(len(a_runs))
            others = [r for j, r in enumerate(a_runs) if j != i]
            alarm, _, incon = _judge(a_runs[i], rng.sample(others, size))
            fa += alarm
            incon_a += incon
            cand = rng.choice(b_runs)
            _, hit, incon = _judge(cand, rng.sample(a_runs, size))
            caught += hit
            incon_b += incon
        took = time.time() - started
        print(f"{mode:8} (baseline of {size:2} run(s)): false alarms {fa}/{draws} = "
              f"{fa / draws:.1%}; +20 % caught {caught}/{draws} = {caught / draws:.1%}; "
              f"inconclusive A {incon_a / draws:.0%} B {incon_b / draws:.0%}; "
              f"{took:.1f} s for {2 * draws} comparisons")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    rec = sub.add_parser("record")
    rec.add_argument("--pool", type=Path, required=True)
    rec.add_argument("--pairs", type=int, default=25)
    rec.add_argument("--users", type=int, default=20)
    rec.add_argument("--run-time", type=int, default=10)
    ev = sub.add_parser("evaluate")
    ev.add_argument("--pool", type=Path, required=True)
    ev.add_argument("--draws", type=int, default=1000)
    ev.add_argument("--history", type=int, default=10)
    ev.add_argument("--seed", type=int, default=8)
    args = parser.parse_args()
    if args.cmd == "record":
        record(args.pool, args.pairs, args.users, args.run_time)
    else:
        evaluate(args.pool, args.draws, args.history, args.seed)


if __name__ == "__main__":
    main()
