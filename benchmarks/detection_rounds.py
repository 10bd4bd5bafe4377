"""Detection benchmark of same-runner rounds (`run --against-ref`, issue 22): false alarms
(A/A) and caught slowdowns (A/B: `GET /api/search` +20 % and +10 %), on this machine,
quiet or with a background CPU hog that comes and goes (the noise of a shared runner).

1. `record`: four demo backends run at once, each seeded and started as `locust-gate
   run` does (`python -m demo.seed`, `python -m demo.app` on a free port): A (the base),
   A' (the same code: the A/A head), B20 (`DEMO_SLOWDOWN=search=1.2`) and B10
   (`search=1.1`). After one warm-up round against each (not counted), pairs of Locust
   rounds (the demo's locustfile, 20 users as in `detection.py`, the gate plugin's
   results.json per round) run head against base for each comparison in turn, A/A,
   A/B20, A/B10, each in the gate's balanced order (ABBA BAAB: `gate.harness.rounds`).
   `--hog` adds a process that keeps one core busy for 1-4 s, then idles for 1-4 s, at
   random, all along.
2. `evaluate`: each decision draws `--rounds` pairs (the gate's default: 6) without
   replacement from a comparison's recorded pairs and judges them with the gate's own
   paired decision (`gate.core.paired.judged`, the default `baseline:` rules: p50 +10 %
   fail, p95 +15 % and rps -25 % warn). A false alarm is an A/A decision with any
   fail-level `regressed` check; a catch is an A/B decision with a fail-level `regressed`
   check on `GET /api/search`. Draws reuse recorded pairs, so they are not independent:
   the pool's size bounds what the rates can resolve (it is printed beside them).

Run: .venv/bin/python benchmarks/detection_rounds.py record --pool /tmp/rpool --pairs 12
     .venv/bin/python benchmarks/detection_rounds.py record --pool /tmp/rpool-hog --pairs 12 --hog
     .venv/bin/python benchmarks/detection_rounds.py evaluate --pool /tmp/rpool [--draws 2000]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gate.core import paired  # noqa: E402
from gate.core.model import Pair, Rounds  # noqa: E402
from gate.core.rules import Level  # noqa: E402
from gate.core.ruleset import Thresholds  # noqa: E402
from gate.core.verdict import Outcome  # noqa: E402
from gate.results.loader import load_results  # noqa: E402
from tests.support.backend import free_port  # noqa: E402

SLOWED = "GET /api/search"
SIDES = {"a": None, "a2": None, "b20": "search=1.2", "b10": "search=1.1"}
COMPARISONS = {"aa": "a2", "b20": "b20", "b10": "b10"}  # comparison -> its head backend
ORDER = (False, True, True, False)  # head first? ABBA BAAB, as gate.harness.rounds
USERS = 20  # the history benchmark's load: about 25 search requests a second


@contextmanager
def backend(work: Path, name: str, slowdown: str | None) -> Iterator[str]:
    port = free_port()
    db = work / f"{name}.sqlite3"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LOCUST_", "DEMO_"))}
    if slowdown:
        env["DEMO_SLOWDOWN"] = slowdown
    subprocess.run([sys.executable, "-m", "demo.seed", "--db", str(db)], cwd=ROOT, env=env,
                   check=True, capture_output=True, timeout=60)
    log = (work / f"{name}.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "demo.app", "--host", "127.0.0.1",
                             "--port", str(port), "--db", str(db)], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise SystemExit(f"backend {name} did not come up: see {log.name}") from None
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


@contextmanager
def hog(on: bool) -> Iterator[None]:
    """One core busy 1-4 s, idle 1-4 s, at random, while the block runs."""
    if not on:
        yield
        return
    code = ("import random, time\n"
            "while True:\n"
            "    end = time.monotonic() + random.uniform(1, 4)\n"
            "    while time.monotonic() < end: pass\n"
            "    time.sleep(random.uniform(1, 4))\n")
    proc = subprocess.Popen([sys.executable, "-c", code])
    try:
        yield
    finally:
        proc.kill()
        proc.wait()


def one_round(host: str, out: Path, round_time: int) -> None:
    args = [sys.executable, "-m", "locust", "-f",
            f"{ROOT / 'locustfiles' / 'demo.py'},{ROOT / 'gate' / 'plugin.py'}",
            "--headless", "-H", host, "-u", str(USERS), "-r", str(USERS),
            "-t", f"{round_time}s", "--stop-timeout", "0", "--only-summary",
            "--gate-results", str(out), "--gate-progress-interval", "0"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOCUST_")}
    done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=round_time + 60, check=False)
    if not out.is_file():
        raise SystemExit(f"a round left no results ({done.returncode}):\n{done.stderr[-2000:]}")


def record(pool: Path, pairs: int, round_time: int, with_hog: bool) -> None:
    pool.mkdir(parents=True, exist_ok=True)
    started = time.time()
    with tempfile.TemporaryDirectory(prefix="gate-rounds-") as tmp, ExitStack() as stack:
        work = Path(tmp)
        hosts = {name: stack.enter_context(backend(work, name, slowdown))
                 for name, slowdown in SIDES.items()}
        stack.enter_context(hog(with_hog))
        for name, host in hosts.items():  # one warm-up round each, not counted
            one_round(host, work / f"warmup-{name}.json", round_time)
        for i in range(pairs):
            head_first = ORDER[i % len(ORDER)]
            for comparison, head in COMPARISONS.items():
                folder = pool / comparison
                folder.mkdir(exist_ok=True)
                sides = [("head", hosts[head]), ("base", hosts["a"])]
                for side, host in sides if head_first else reversed(sides):
                    one_round(host, folder / f"{i:03d}-{side}.json", round_time)
                (folder / f"{i:03d}-order.json").write_text(json.dumps(head_first))
            print(f"[rounds] {i + 1}/{pairs} pairs of each comparison, "
                  f"{(time.time() - started) / 60:.1f} min", file=sys.stderr, flush=True)
    (pool / "recorded.json").write_text(json.dumps(
        {"pairs": pairs, "round_time_s": round_time, "users": USERS, "hog": with_hog,
         "wall_s": round(time.time() - started), "date": time.strftime("%Y-%m-%d")}))


def _pairs(folder: Path) -> list[Pair]:
    found = []
    for order in sorted(folder.glob("*-order.json")):
        stem = order.name.removesuffix("-order.json")
        found.append(Pair(base=load_results(folder / f"{stem}-base.json"),
                          head=load_results(folder / f"{stem}-head.json"),
                          head_first=json.loads(order.read_text())))
    return found


def _decide(pairs: list[Pair]) -> tuple[bool, bool, float | None]:
    """(any fail-level regression, one on the slowed endpoint, search p50's estimate)."""
    rounds = Rounds(ref="base", commit="0" * 40, round_time=0, pairs=tuple(pairs))
    from dataclasses import replace  # noqa: PLC0415

    head = replace(pairs[0].head, rounds=rounds)
    judged = paired.judged(head, Thresholds(path="benchmark", on_inconclusive=Level.WARN))
    failed = [(e, c) for e, c in judged
              if c.outcome is Outcome.REGRESSED and c.level is Level.FAIL]
    change = next((e.change for e, _ in judged
                   if e.endpoint == SLOWED and e.metric.value == "p50"), None)
    return bool(failed), any(e.endpoint == SLOWED for e, _ in failed), change


def evaluate(pool: Path, draws: int, per_decision: int, seed: int) -> None:
    meta = json.loads((pool / "recorded.json").read_text())
    rng = random.Random(seed)
    print(f"pool {pool}: {meta['pairs']} recorded pairs per comparison, rounds of "
          f"{meta['round_time_s']} s, {meta['users']} users, hog {meta['hog']}, recorded "
          f"{meta['date']} in {meta['wall_s'] / 60:.1f} min; {draws} decisions of "
          f"{per_decision} pairs each (seed {seed})")
    print("| comparison | decisions with a fail-level regression | on GET /api/search | "
          "search p50 change: median estimate (range over decisions) |")
    print("|---|---:|---:|---|")
    for comparison in COMPARISONS:
        pairs = _pairs(pool / comparison)
        results = [_decide(rng.sample(pairs, per_decision)) for _ in range(draws)]
        anywhere = sum(r[0] for r in results) / draws
        search = sum(r[1] for r in results) / draws
        changes = [r[2] for r in results if r[2] is not None]
        spread = (f"{statistics.median(changes):+.1%} ({min(changes):+.1%} to "
                  f"{max(changes):+.1%})") if changes else "n/a"
        print(f"| {comparison} | {anywhere:.1%} | {search:.1%} | {spread} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    rec = sub.add_parser("record")
    rec.add_argument("--pool", type=Path, required=True)
    rec.add_argument("--pairs", type=int, default=12)
    rec.add_argument("--round-time", type=int, default=10)
    rec.add_argument("--hog", action="store_true")
    ev = sub.add_parser("evaluate")
    ev.add_argument("--pool", type=Path, required=True)
    ev.add_argument("--draws", type=int, default=2000)
    ev.add_argument("--rounds", type=int, default=6)
    ev.add_argument("--seed", type=int, default=8)
    args = parser.parse_args()
    if args.command == "record":
        record(args.pool, args.pairs, args.round_time, args.hog)
    else:
        evaluate(args.pool, args.draws, args.rounds, args.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
