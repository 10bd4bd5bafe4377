"""Detection benchmark of the baseline comparison: false alarms (A/A) and caught
slowdowns (A/B, one endpoint +20 % via DEMO_SLOWDOWN), single-baseline vs history mode.

1. `record`: real runs of the embedded demo with `locust-gate run` (seed, start the API on
   a free port, Locust with the plugin, stop), interleaved A, B, A, B... so that load on
   the machine hits both pools alike. A = unchanged; B = `DEMO_SLOWDOWN=search=1.2`.
2. `evaluate`: many baseline/candidate combinations drawn from the pool, judged with the
   default relative rules (`gate.core.relative.DEFAULT_RULES`) by the pure comparison:
   - single mode: the candidate against one other A run;
   - history mode: the candidate against `--history` other A runs (median + noise band),
     with the defaults (the shared shift on) and with `shared-shift: false` side by side;
   - history with three runs pooled per side (runs three times as long);
   - history with the tail at fail level (p95 +15 % fail, as the defaults had before
     pool 2), the design step docs/benchmarks.md reports.
   It also prints the run-to-run spread of search's p50 over the A runs (1.4826 x MAD),
   as measured and with each run's shared shift removed (`gate.core.shift`), and how
   many checks per A/A trial are inconclusive in history mode.
   A false alarm is an A candidate with any `regressed` check at level fail; a catch is a
   B candidate with a fail-level `regressed` check on `GET /api/search`.

`record --repeat 3` records `run --repeat 3` runs instead (each run's three own files kept,
`a-000-r1.json` ...; `--hog` adds the CPU hog of `detection_rounds.py` all along), and
`evaluate` on such a pool judges, from the same runs, each side as one run (the gate
without --repeat), as the median of a `run`'s three (`--repeat 3`, `gate.core.pooling`)
and as the three summed, single and history, side by side.

Run: .venv/bin/python benchmarks/detection.py record --pool /tmp/pool --pairs 25
     .venv/bin/python benchmarks/detection.py evaluate --pool /tmp/pool
     .venv/bin/python benchmarks/detection.py record --pool /tmp/rpool3 --pairs 15 --repeat 3
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from detection_rounds import hog  # noqa: E402  (a sibling script: benchmarks/ is on the path)

from gate.core import pooling, shift  # noqa: E402
from gate.core.compare import compare_runs  # noqa: E402
from gate.core.measure import measure  # noqa: E402
from gate.core.model import Results, aggregate  # noqa: E402
from gate.core.relative import (  # noqa: E402
    DEFAULT_RULES,
    Baseline,
    BaselineRules,
    PastRun,
    default_rules,
)
from gate.core.rules import Level, Metric  # noqa: E402
from gate.core.verdict import Outcome  # noqa: E402
from gate.results import resultsfile  # noqa: E402
from tests.support.backend import free_port  # noqa: E402
from tests.support.gaterun import demo_flags  # noqa: E402

SLOWED = "GET /api/search"
SLOWDOWN = "search=1.2"



def one_run(pool: Path, name: str, slowdown: str | None, users: int, run_time: int,
            *, repeat: int = 1) -> None:
    """One `locust-gate run` into the pool as NAME.json; with `repeat` > 1 its runs'
    own files, NAME-r1.json ... (`run --repeat`: one backend, the runs back to back)."""
    port = free_port()
    out = Path(tempfile.mkdtemp(prefix="gate-detect-"))
    args = [
        sys.executable, "-m", "gate", "run", "--config", str(ROOT / "locust-gate.yml"),
        *demo_flags(port, out),
        "--users", str(users), "--spawn-rate", str(users), "--run-time", f"{run_time}s",
        "--repeat", str(repeat),
    ]
    if slowdown:
        args += ["--env", f"DEMO_SLOWDOWN={slowdown}"]
    proc = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=False,
                          timeout=repeat * (run_time + 60) + 60)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"run failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    if repeat == 1:
        (pool / f"{name}.json").write_bytes((out / "results.json").read_bytes())
    for k in range(1, repeat + 1) if repeat > 1 else ():
        (pool / f"{name}-r{k}.json").write_bytes((out / f"repeat-{k}.json").read_bytes())


def record(pool: Path, pairs: int, users: int, run_time: int, *, repeat: int = 1,
           with_hog: bool = False) -> None:
    pool.mkdir(parents=True, exist_ok=True)
    started = time.time()
    with hog(with_hog):
        _record(pool, pairs, users, run_time, repeat=repeat, started=started)
    (pool / "recorded.json").write_text(json.dumps(
        {"pairs": pairs, "users": users, "run_time_s": run_time, "repeat": repeat,
         "hog": with_hog, "wall_s": round(time.time() - started),
         "date": time.strftime("%Y-%m-%d")}))


def _record(pool: Path, pairs: int, users: int, run_time: int, *, repeat: int,
            started: float) -> None:
    for i in range(pairs):
        for label, slowdown in (("a", None), ("b", SLOWDOWN)):
            name = f"{label}-{i:03d}"
            if (pool / f"{name}.json").exists() or (pool / f"{name}-r1.json").exists():
                continue
            one_run(pool, name, slowdown, users, run_time, repeat=repeat)
        elapsed = time.time() - started
        print(f"[detection] {i + 1}/{pairs} pairs recorded, {elapsed / 60:.1f} min elapsed",
              flush=True)


def _stored(path: Path) -> PastRun:
    return PastRun(results=resultsfile.read(path), branch="main")


def _judge(candidate: Results, history: list[PastRun],
           rules: BaselineRules) -> tuple[bool, bool, bool, bool, int]:
    """(any fail-level regression, fail-level regression on the slowed endpoint,
    any warn-level regression, the slowed endpoint inconclusive, inconclusive checks)."""
    # Each run's demo listens on its own free port, so the fingerprints differ by the host
    # alone; everything else (locustfile, users, run time) is the same: compare anyway.
    checks = compare_runs(candidate, Baseline(store="pool", runs=tuple(history),
                                              allow_mismatch=True),
                          rules, on_inconclusive=Level.WARN)
    regressed = [c for c in checks if c.outcome is Outcome.REGRESSED]
    failed = [c for c in regressed if c.level is Level.FAIL]
    warned = any(c.level is Level.WARN for c in regressed)
    unsure = any(c.outcome is Outcome.INCONCLUSIVE and c.endpoint == SLOWED for c in checks)
    inconclusive = sum(c.outcome is Outcome.INCONCLUSIVE for c in checks)
    return bool(failed), any(c.endpoint == SLOWED for c in failed), warned, unsure, inconclusive


def pooled(runs: list[PastRun]) -> PastRun:
    """Several runs as one longer run: per endpoint the histograms and counts added (the
    percentiles of a run `len(runs)` times as long)."""
    first = runs[0].results
    endpoints = []
    for entry in first.endpoints:
        same = [e for r in runs if (e := r.results.endpoint(entry.method, entry.name))]
        merged = aggregate(same, start_time=entry.start_time)
        endpoints.append(replace(merged, method=entry.method, name=entry.name))
    total = aggregate([r.results.total for r in runs], start_time=first.total.start_time)
    results = replace(first, endpoints=tuple(endpoints), total=total)
    return replace(runs[0], results=results)


def _rates(label: str, trials: list[tuple[PastRun, list[PastRun], bool]],
           rules: BaselineRules) -> None:
    """trials: (candidate, history, candidate is slowed)."""
    started = time.time()
    aa = [t for t in trials if not t[2]]
    ab = [t for t in trials if t[2]]
    fa = warn = caught = unsure = inconclusive = 0
    for candidate, history, _ in aa:
        failed, _, warned, _, unjudged = _judge(candidate.results, history, rules)
        fa += failed
        warn += warned
        inconclusive += unjudged
    for candidate, history, _ in ab:
        _, hit, _, unsure_now, _ = _judge(candidate.results, history, rules)
        caught += hit
        unsure += unsure_now and not hit
    took = time.time() - started
    print(f"| {label} | {len(aa)} | {fa / len(aa):.1%} | {warn / len(aa):.1%} | {len(ab)} | "
          f"{caught / len(ab):.1%} | {unsure / len(ab):.1%} | {took:.1f} s | "
          f"{inconclusive / len(aa):.1f} |")


def _scaled_mad(values: list[float]) -> float:
    center = statistics.median(values)
    return 1.4826 * statistics.median(abs(v - center) for v in values)


def shift_spread(a_runs: list[PastRun]) -> None:
    """Search's p50 from run to run over the A runs: as measured, and with each run's
    shared shift (the median move of its other endpoints) removed."""
    def p50(entry: object) -> float | None:
        return measure(entry, Metric.P50)  # type: ignore[arg-type]

    results = [r.results for r in a_runs]
    center = shift.centers(results, p50)
    key = ("GET", "/api/search")
    raw, shifted = [], []
    for run in results:
        entry = run.endpoint(*key)
        value = p50(entry) if entry is not None else None
        moved = shift.run_shift(run, center, p50).seen_by(key)
        if value is not None and moved is not None:
            raw.append(value)
            shifted.append(value - moved)
    print(f"  search p50 over {len(raw)} A runs, 1.4826 x MAD: {_scaled_mad(raw):.2f} ms as "
          f"measured, {_scaled_mad(shifted):.2f} ms with the shared shift removed")


def evaluate(pool: Path, draws: int, history: int, seed: int) -> None:
    a_runs = [_stored(p) for p in sorted(pool.glob("a-*.json"))]
    b_runs = [_stored(p) for p in sorted(pool.glob("b-*.json"))]
    rng = random.Random(seed)
    info = json.loads((pool / "recorded.json").read_text()) if (pool / "recorded.json").exists() \
        else {}
    print(f"pool: {len(a_runs)} A runs, {len(b_runs)} B runs ({SLOWDOWN}); {info}")
    for label, runs in (("A", a_runs), ("B", b_runs)):
        for metric in (Metric.P50, Metric.P95):
            nums = sorted(v for r in runs if (e := r.results.endpoint("GET", "/api/search"))
                          is not None and (v := measure(e, metric)) is not None)
            quart = statistics.quantiles(nums, n=4)
            print(f"  {label} search {metric.value}: median {statistics.median(nums):.0f} ms, "
                  f"quartiles {quart[0]:.0f}-{quart[2]:.0f}, range {nums[0]:.0f}-{nums[-1]:.0f}")
    shift_spread(a_runs)
    defaults = default_rules()
    as_measured = replace(defaults, shared_shift=False)
    tail_fails = replace(defaults, defaults=tuple(
        replace(r, tolerance={Level.FAIL: 0.15}) if r.metric is Metric.P95 else r
        for r in DEFAULT_RULES))
    print("| mode | A/A trials | false alarms (fail) | warn-level regressions | A/B trials | "
          "+20 % caught (fail) | search inconclusive instead | time | inconclusive checks "
          "per A/A trial |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for size in (1, history):
        trials = []
        for _ in range(draws):
            i = rng.randrange(len(a_runs))
            others = [r for j, r in enumerate(a_runs) if j != i]
            trials.append((a_runs[i], rng.sample(others, size), False))
            trials.append((rng.choice(b_runs), rng.sample(a_runs, size), True))
        _rates(f"{'single' if size == 1 else 'history'}: 1 run vs {size}", trials, defaults)
        if size > 1:  # the same trials, read as measured only, and with the tail at fail
            _rates(f"history, `shared-shift: false`: 1 run vs {size}", trials, as_measured)
            _rates(f"history, p95 +15 % at fail: 1 run vs {size}", trials, tail_fails)
    # Each side three runs pooled (= runs three times as long), history as large as the
    # pool allows without reusing a run on both sides.
    size = min(history, (len(a_runs) - 3) // 3)
    trials = []
    for _ in range(draws):
        shuffled = rng.sample(a_runs, 3 * size + 3)
        hist = [pooled(shuffled[k : k + 3]) for k in range(3, 3 * size + 3, 3)]
        trials.append((pooled(shuffled[:3]), hist, False))
        trials.append((pooled(rng.sample(b_runs, 3)), hist, True))
    _rates(f"history, 3 runs pooled per side: 1 vs {size}", trials, defaults)


def _groups(pool: Path, label: str) -> list[list[PastRun]]:
    """A `record --repeat N` pool's runs of `label`, each `run`'s N runs together."""
    names = sorted({p.name.rsplit("-r", 1)[0] for p in pool.glob(f"{label}-*-r*.json")})
    return [[_stored(p) for p in sorted(pool.glob(f"{name}-r*.json"))] for name in names]


def repeated(runs: list[PastRun]) -> PastRun:
    """One `run --repeat N` as the gate stores it: every metric their median."""
    return replace(runs[0], results=pooling.pool([r.results for r in runs], repeated=True))


def summed(runs: list[PastRun]) -> PastRun:
    """The same runs pooled, as one run N times as long."""
    return replace(runs[0], results=pooling.pool([r.results for r in runs]))


def evaluate_repeat(folder: Path, draws: int, history: int, seed: int) -> None:
    """A pool of `run --repeat N` runs: each decision's sides are one run (any of a
    `run`'s N: single and history modes as the gate runs them without --repeat), the
    median of a `run`'s N (`--repeat N`), or its N summed; the history never holds a run
    of the candidate's own `run`."""
    a_groups, b_groups = _groups(folder, "a"), _groups(folder, "b")
    rng = random.Random(seed)
    info = json.loads((folder / "recorded.json").read_text()) \
        if (folder / "recorded.json").exists() else {}
    print(f"pool: {len(a_groups)} A and {len(b_groups)} B runs of --repeat "
          f"{len(a_groups[0])} ({SLOWDOWN}); {info}")
    for label, groups in (("A", a_groups), ("B", b_groups)):
        for name, pick in (("one run", lambda g: g[0]), ("median of the run's repeats",
                                                          repeated)):
            nums = sorted(v for g in groups if (e := pick(g).results.endpoint(
                "GET", "/api/search")) is not None and (v := measure(e, Metric.P50)) is not None)
            print(f"  {label} search p50, {name}: median {statistics.median(nums):.1f} ms, "
                  f"range {nums[0]:.1f}-{nums[-1]:.1f}, 1.4826 x MAD {_scaled_mad(nums):.2f} ms")
    defaults = default_rules()
    print("| mode | A/A trials | false alarms (fail) | warn-level regressions | A/B trials | "
          "+20 % caught (fail) | search inconclusive instead | time | inconclusive checks "
          "per A/A trial |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    size = min(history, len(a_groups) - 1)
    for mode, side in (("one run", rng.choice), ("--repeat 3", repeated),
                       ("3 runs summed", summed)):
        for count in (1, size):
            trials = []
            for _ in range(draws):
                i = rng.randrange(len(a_groups))
                others = rng.sample([g for j, g in enumerate(a_groups) if j != i], count)
                hist = [side(g) for g in others]
                trials.append((side(a_groups[i]), hist, False))
                trials.append((side(rng.choice(b_groups)), hist, True))
            _rates(f"{'single' if count == 1 else 'history'}, {mode} per side: 1 vs {count}",
                   trials, defaults)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    rec = sub.add_parser("record")
    rec.add_argument("--pool", type=Path, required=True)
    rec.add_argument("--pairs", type=int, default=25)
    rec.add_argument("--users", type=int, default=20)
    rec.add_argument("--run-time", type=int, default=10)
    rec.add_argument("--repeat", type=int, default=1,
                     help="record `run --repeat N` runs (each run's own file kept)")
    rec.add_argument("--hog", action="store_true",
                     help="a CPU hog coming and going all along (detection_rounds.hog)")
    ev = sub.add_parser("evaluate")
    ev.add_argument("--pool", type=Path, required=True)
    ev.add_argument("--draws", type=int, default=500)
    ev.add_argument("--history", type=int, default=10)
    ev.add_argument("--seed", type=int, default=8)
    args = parser.parse_args()
    if args.cmd == "record":
        record(args.pool, args.pairs, args.users, args.run_time, repeat=args.repeat,
               with_hog=args.hog)
    elif any(args.pool.glob("a-*-r1.json")):
        evaluate_repeat(args.pool, args.draws, args.history, args.seed)
    else:
        evaluate(args.pool, args.draws, args.history, args.seed)


if __name__ == "__main__":
    main()
