"""The Action's overhead: its wall time minus Locust's run time, cold and with a warm cache.

    .venv/bin/python benchmarks/bench_action.py [--warm-runs 2]

Runs docs/examples/pr-gate.yml with the real `act` in host mode, exactly as
tests/e2e/test_action_act.py does (the demo backend on a free port, 3 s of load), first
with an empty cache (the Action creates its venv and installs its pinned packages), then
with the cache filled by that first run. The PR comment is posted for real, to the local
fake GitHub (tests/support/fake_github.py), as on a pull request. Prints Markdown tables
for docs/benchmarks.md, and the size of the environment the first run cached (files,
bytes, and as a zstd tar, which is what actions/cache stores).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_sizes import kb, venv_sizes
from tests.support.act import PR_EVENT, REPO, Consumer, action_copy
from tests.support.fake_github import FakeGitHub

_DURATION = re.compile(r"Main (.+?) \[([\d.]+)(ms|µs|s|m[\d.]+s)\]")


def seconds(value: str, unit: str) -> float:
    """act's durations: 1.2s, 40.3ms, 12µs, and over a minute 1m19.74s."""
    if unit.startswith("m") and unit != "ms":  # value minutes, then "m<seconds>s"
        return float(value) * 60 + float(unit[1:-1])
    return float(value) / {"s": 1, "ms": 1e3, "µs": 1e6}[unit]


def one_run(root: Path, action: Path, cache: Path, n: int) -> dict[str, float]:
    repo = Consumer(root=root / f"run{n}", action_dir=action, cache_dir=cache)
    repo.with_demo()
    repo.copy(REPO / "docs" / "examples" / "pr-gate.yml", ".github/workflows/load-test.yml")
    with FakeGitHub() as api:
        api.add_pull("acme/shop", 7, head_sha="0" * 40)
        result = repo.act("pull_request", PR_EVENT, env={"GITHUB_API_URL": api.api_url})
        posted = [(r.method, r.status) for r in api.writes()]
    # The job fails when the gate does (fail-on): on a busy machine the demo's thresholds
    # can, and the overhead is the same. The run must have judged and posted, though.
    report = repo.artifacts / "locust-gate-report"
    if not (report / "results.json").is_file() or posted != [("POST", 201)]:
        raise SystemExit(f"comment requests {posted}\n{result.messages[-4000:]}")
    verdict = json.loads((report / "verdict.json").read_text())["verdict"]
    print(f"run {n}: act exit {result.code}, verdict {verdict}", flush=True)
    steps: dict[str, float] = {}
    for event in result.steps:
        match = _DURATION.search(str(event.get("msg", "")))
        if match and event.get("stage") == "Main":
            steps[match.group(1)] = seconds(match.group(2), match.group(3))
    meta = json.loads((report / "results.json").read_text())["meta"]
    locust = meta["end_time"] - meta["start_time"]
    action = steps["OWNER/locust-gate@v1"]
    install = sum(steps.get(name, 0.0) for name in (
        "Set up Python for locust-gate", "Prepare locust-gate's environment",
        "Restore locust-gate's environment from the cache", "Install locust-gate",
        "Save locust-gate's environment to the cache"))
    return {"action": action, "locust": locust, "overhead": action - locust,
            "install": install, "run_step": steps["Run the load test and check the thresholds"],
            **{f"step: {name}": value for name, value in steps.items()
               if not name.startswith(("OWNER/", "actions/", "python -m pip"))
               and "$" not in name}}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--warm-runs", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        action = action_copy(root / "action")
        cache = root / "cache"
        runs = [one_run(root, action, cache, n) for n in range(1 + args.warm_runs)]
        (venv,) = [p for p in cache.iterdir() if p.is_dir()]
        files, total, packed = venv_sizes(venv, root)
    cold, warm = runs[0], runs[1:]
    print(f"the cached environment: {files:,} files, {kb(total)}; as a zstd tar {kb(packed)}")
    print("| measure | cold cache | warm cache (median) |")
    print("|---|---:|---:|")
    for key, label in (("action", "wall time of the Action step"),
                       ("locust", "Locust's own run (results.json start -> end)"),
                       ("overhead", "**overhead** (wall time - Locust)"),
                       ("install", "of which: setup-python, prepare, cache, install"),
                       ("run_step", "the run-and-check step (seed, start, health, Locust, "
                                    "stop, check)")):
        w = statistics.median(r[key] for r in warm) if warm else float("nan")
        print(f"| {label} | {cold[key]:.2f} s | {w:.2f} s |")
    print()
    print("| step of the Action | cold cache | warm cache (median) |")
    print("|---|---:|---:|")
    for key in [k for k in cold if k.startswith("step: ")]:
        w = statistics.median(r.get(key, 0.0) for r in warm) if warm else float("nan")
        print(f"| {key[6:]} | {cold[key]:.2f} s | {w:.2f} s |")


if __name__ == "__main__":
    main()
