"""Benchmark start-up: `import gate.cli`, and `locust-gate check` on a small run side by
side with locomotive (PyPI `locomotive`, the closest peer) judging the same run.

Measured as users run it: locust-gate installed NON-editable (`pip install .`, the
README's install line) into a new virtualenv that the script builds in a temporary
directory, with its runtime dependencies from the package index pip is configured with
(about half a minute; `--installed VENV` reuses one). The dev install (`pip install -e`,
this checkout's .venv) is measured too, as a second row: its editable finder imports
pathlib and more at every interpreter start-up, which an installed package does not.

Part 1: `python -X importtime -c "import gate.cli"` (the cumulative time of gate.cli), and
the wall time of `python -c "import gate.cli"` against `python -c "pass"`, in each venv;
then, in the installed venv, the wall time of `python -c "import X"` for the libraries the
two tools stand on (click, argparse, jinja2, yaml, dataclasses; `sys` is the interpreter
alone): what each costs any command that imports it.

Part 2: one real 3 s Locust run (4 users, tests/support/locustfiles/mixed.py against a
local server) with the gate's plugin and Locust's `--csv`. Then, interleaved so that
machine noise hits both alike, as new processes:
- `locust-gate check results.json --thresholds T --report-dir D` (all four reports), the
  installed `locust-gate` script, and the same through the dev install (`python -m gate`);
- the same without `--report-dir` (the console table only: no Jinja2, no files);
- a stand-in that is not the product: the same `run_check`, console only, wired through
  argparse instead of click (what the CLI layer costs);
- `locust-gate check PREFIX` (the same run through Locust's CSV, which loads pandas);
- `loco --config C analyze --storage S --run-id R`: locomotive's analysis of the run's
  `_stats.csv`, read into its metrics.json by its own parser (`locomotive.launcher
  .parse_locust_stats`, what `loco run` does after Locust exits; done once, not timed),
  with absolute thresholds on p95, p99 and the error rate of the Aggregated row; it
  writes analysis.json and prints nothing: the like of our console-only `check`;
- `loco analyze`, then `loco report --summary MD --junit XML --output HTML`: how
  locomotive gets the reports of an existing run (two commands), the like of our
  `check --report-dir`;
- each tool's libraries alone, `python -c "import click, yaml, dataclasses"` (ours) and
  `python -c "import argparse, yaml, dataclasses"` (locomotive's): subtracted round by
  round, what each tool's own code costs over the libraries it stands on.
Ratios are taken pair by pair within a round. Ours judges more (every endpoint and the
aggregate); it is the fixed cost that matters at this size. Every process runs without
PYTHONDONTWRITEBYTECODE and after one warm-up, as an installed package would (pip
compiles bytecode when it installs).

locomotive lives in its own virtualenv (its dependencies are not ours):
    python3 -m venv .venv-peer && .venv-peer/bin/pip install locomotive==0.3.1
Run: .venv/bin/python benchmarks/bench_startup.py [--repeats 15] [--peer .venv-peer]
     [--installed VENV]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.locustrun import LOCUSTFILES, run_locust  # noqa: E402
from tests.support.server import Route, serve  # noqa: E402

THRESHOLDS = """version: 1
defaults: {p95: 1s, p99: 2s, fail-ratio: 60%}
aggregate: {p95: 1s, p99: 2s, fail-ratio: 60%}
"""
LOCO_CONFIG = """analysis:
  gate:
    thresholds:
      p95_ms: {fail: 1000}
      p99_ms: {fail: 2000}
      error_rate: {fail: 60}
"""
# A stand-in, not the product: the same `run_check` as `locust-gate check` (console only),
# wired through argparse instead of click, to measure what the CLI layer costs.
ARGPARSE_CHECK = """import argparse, os, sys
from pathlib import Path
parser = argparse.ArgumentParser(prog="locust-gate check")
parser.add_argument("results", type=Path)
parser.add_argument("--thresholds", type=Path, required=True)
args = parser.parse_args()
from gate.commands.checking import exit_code_for, run_check
from gate.github.runner import Runner
verdict = run_check(results=args.results, thresholds=args.thresholds, report_dir=None,
                    out=sys.stdout, runner=Runner.from_env(os.environ))
sys.exit(exit_code_for(verdict))
"""
LOCO_METRICS = """import json, pathlib, sys
from locomotive.launcher import parse_locust_stats
out = pathlib.Path(sys.argv[2]); out.mkdir(parents=True, exist_ok=True)
(out / "metrics.json").write_text(json.dumps(parse_locust_stats(pathlib.Path(sys.argv[1]))))
"""


# As installed: pip writes bytecode at install time, so no process should compile sources
# (a CI image may set PYTHONDONTWRITEBYTECODE; the commands are warmed up once).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def install(work: Path) -> Path:
    """A new virtualenv in `work` with locust-gate installed from a copy of this checkout
    (not editable; the copy keeps build/ out of the checkout); returns the venv."""
    source = work / "source"
    source.mkdir(parents=True)
    shutil.copy2(ROOT / "pyproject.toml", source)
    shutil.copy2(ROOT / "README.md", source)
    shutil.copytree(ROOT / "gate", source / "gate",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    venv = work / "installed"
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
                    "--disable-pip-version-check", str(source)], check=True)
    print(f"installed locust-gate (not editable) in {time.perf_counter() - t0:.0f} s",
          file=sys.stderr)
    return venv


# The installed venv's processes run outside the checkout: `python -c` puts the working
# directory first on sys.path, which would import the checkout's gate/ instead.
OUTSIDE = Path(tempfile.gettempdir())


def _seconds(command: Sequence[str], cwd: Path = ROOT) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True, check=False, cwd=cwd,
                          env=ENV)
    elapsed = time.perf_counter() - t0
    assert proc.returncode in (0, 1), (command, proc.stdout, proc.stderr)
    return elapsed


def _steps_seconds(steps: Sequence[Sequence[str]], cwd: Path) -> float:
    """One tool's job done in several processes, one after the other (as a CI job runs
    them): the sum of their wall times."""
    return sum(_seconds(step, cwd) for step in steps)


def _spread(values: list[float], unit: str, digits: int) -> dict[str, float]:
    """Median, min and max of `values`, the keys suffixed with `unit` (`_s`, `_ms`, or
    nothing for a ratio)."""
    return {f"{name}{unit}": round(figure, digits) for name, figure in
            (("median", statistics.median(values)), ("min", min(values)),
             ("max", max(values)))}


def _ratio(ours: list[float], theirs: list[float]) -> dict[str, float]:
    """Pair by pair (the same round of the interleaved loop): median and spread."""
    return _spread([a / b for a, b in zip(ours, theirs, strict=True)], "", 2)


def _over(total: list[float], base: list[float]) -> dict[str, float]:
    """Round by round, what a command costs over another (its libraries alone), in ms."""
    return _spread([(a - b) * 1000 for a, b in zip(total, base, strict=True)], "_ms", 1)


def _summary(times: list[float]) -> dict[str, float]:
    return _spread(times, "_s", 3)


# What the two tools' command lines and reports stand on: ours click and Jinja2, locomotive
# argparse and string formatting; both PyYAML. `import sys` is the interpreter alone.
LIBRARIES = ("click", "argparse", "jinja2", "yaml", "dataclasses", "sys")


def bench_import(repeats: int, installed: Path) -> dict[str, object]:
    pythons = {"installed": (str(installed / "bin" / "python"), OUTSIDE),
               "editable": (sys.executable, ROOT)}
    libraries: dict[str, list[float]] = {lib: [] for lib in LIBRARIES}
    own: dict[str, list[float]] = {name: [] for name in pythons}
    wall_import: dict[str, list[float]] = {name: [] for name in pythons}
    wall_bare: dict[str, list[float]] = {name: [] for name in pythons}
    for python, cwd in pythons.values():
        _seconds([python, "-c", "import gate.cli"], cwd)  # writes the bytecode
    for _ in range(repeats):
        for name, (python, cwd) in pythons.items():
            err = subprocess.run(
                [python, "-X", "importtime", "-c", "import gate.cli"],
                capture_output=True, text=True, check=True, env=ENV, cwd=cwd,
            ).stderr
            line = next(x for x in err.splitlines() if x.rstrip().endswith("| gate.cli"))
            own[name].append(int(re.split(r"\s*\|\s*", line)[1]) / 1e6)
            wall_import[name].append(_seconds([python, "-c", "import gate.cli"], cwd))
            wall_bare[name].append(_seconds([python, "-c", "pass"], cwd))
        python = pythons["installed"][0]
        for lib in LIBRARIES:  # the same interpreter start-up each: compare medians
            libraries[lib].append(_seconds([python, "-c", f"import {lib}"], OUTSIDE))
    result: dict[str, object] = {
        name: {
            "importtime_gate_cli": _summary(own[name]),
            "wall_import_gate_cli": _summary(wall_import[name]),
            "wall_python_pass": _summary(wall_bare[name]),
        }
        for name in pythons
    }
    result["installed: wall time of python -c 'import X'"] = {
        lib: _summary(times) for lib, times in libraries.items()}
    return result


def bench_check(repeats: int, peer: Path, installed: Path, work: Path) -> dict[str, object]:
    routes = {"/fast": Route(ms=1, jitter_ms=8), "/slow": Route(ms=95, jitter_ms=160),
              "/boom": Route(ms=3, status=500), "/odd": Route(ms=15, jitter_ms=40)}
    with serve(routes) as server:
        run = run_locust(LOCUSTFILES / "mixed.py", server.url, work / "run", run_time=3).check()
    thresholds = work / "thresholds.yml"
    thresholds.write_text(THRESHOLDS)
    loco_config = work / "loco.yml"
    loco_config.write_text(LOCO_CONFIG)
    store = work / "loco-store"
    subprocess.run(
        [str(peer / "bin" / "python"), "-c", LOCO_METRICS, f"{run.csv_prefix}_stats.csv",
         str(store / "runs" / "cur")],
        check=True,
    )
    gate = [str(installed / "bin" / "locust-gate"), "check"]
    dev = [sys.executable, "-m", "gate", "check"]
    loco = [str(peer / "bin" / "loco"), "--config", str(loco_config)]
    where = ["--storage", str(store), "--run-id", "cur"]
    loco_analyze = [*loco, "analyze", *where]
    # locomotive's reports of an existing run come from a second command: `loco report`
    # writes the HTML report, the Markdown summary and JUnit (what --report-dir writes).
    loco_report = [*loco, "report", *where, "--output", str(work / "loco" / "report.html"),
                   "--summary", str(work / "loco" / "summary.md"),
                   "--junit", str(work / "loco" / "junit.xml")]
    # name -> (the processes run one after the other, working directory)
    commands: dict[str, tuple[list[list[str]], Path]] = {
        "locust-gate check results.json --report-dir": (
            [[*gate, str(run.results), "--thresholds", str(thresholds),
              "--report-dir", str(work / "r1")]], OUTSIDE),
        "locust-gate check results.json, console only": (
            [[*gate, str(run.results), "--thresholds", str(thresholds)]], OUTSIDE),
        "stand-in: the same check wired through argparse, console only": (
            [[str(installed / "bin" / "python"), "-c", ARGPARSE_CHECK, str(run.results),
              "--thresholds", str(thresholds)]], OUTSIDE),
        "locust-gate check --csv prefix --report-dir": (
            [[*gate, str(run.csv_prefix), "--thresholds", str(thresholds),
              "--report-dir", str(work / "r2")]], OUTSIDE),
        "dev install: python -m gate check results.json --report-dir": (
            [[*dev, str(run.results), "--thresholds", str(thresholds),
              "--report-dir", str(work / "r3")]], ROOT),
        "loco analyze": ([loco_analyze], ROOT),
        "libraries alone, ours: python -c 'import click, yaml, dataclasses'": (
            [[str(installed / "bin" / "python"), "-c", "import click, yaml, dataclasses"]],
            OUTSIDE),
        "libraries alone, locomotive's: python -c 'import argparse, yaml, dataclasses'": (
            [[str(peer / "bin" / "python"), "-c", "import argparse, yaml, dataclasses"]],
            OUTSIDE),
        "loco analyze, then loco report --summary --junit": (
            [loco_analyze, loco_report], ROOT),
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    for steps, cwd in commands.values():
        _steps_seconds(steps, cwd)  # warm-up: bytecode, file cache
    for _ in range(repeats):  # interleaved: noise hits every command alike
        for name, (steps, cwd) in commands.items():
            times[name].append(_steps_seconds(steps, cwd))
    verdict = json.loads((work / "r1" / "verdict.json").read_text())
    return {
        "requests": verdict["totals"]["requests"],
        "checks": len(verdict["checks"]),
        **{name: _summary(values) for name, values in times.items()},
        # Like for like: judging alone (ours prints, locomotive writes analysis.json), and
        # judging with the reports (one process of ours, two of locomotive's).
        "ratio: console only / loco analyze": _ratio(
            times["locust-gate check results.json, console only"], times["loco analyze"]),
        "ratio: --report-dir / loco analyze + loco report": _ratio(
            times["locust-gate check results.json --report-dir"],
            times["loco analyze, then loco report --summary --junit"]),
        "ratio: argparse stand-in / loco analyze": _ratio(
            times["stand-in: the same check wired through argparse, console only"],
            times["loco analyze"]),
        "ratio: --report-dir / loco analyze": _ratio(
            times["locust-gate check results.json --report-dir"], times["loco analyze"]),
        # Where judging alone differs: each tool's own code over its libraries, and the
        # libraries themselves (the command-line library is the one that differs).
        "own code over the libraries: check, console only": _over(
            times["locust-gate check results.json, console only"],
            times["libraries alone, ours: python -c 'import click, yaml, dataclasses'"]),
        "own code over the libraries: loco analyze": _over(
            times["loco analyze"],
            times["libraries alone, locomotive's: python -c "
                  "'import argparse, yaml, dataclasses'"]),
        "libraries, ours over locomotive's": _over(
            times["libraries alone, ours: python -c 'import click, yaml, dataclasses'"],
            times["libraries alone, locomotive's: python -c "
                  "'import argparse, yaml, dataclasses'"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--peer", type=Path, default=ROOT / ".venv-peer",
                        help="virtualenv with locomotive installed")
    parser.add_argument("--installed", type=Path, default=None, metavar="VENV",
                        help="a virtualenv with locust-gate installed (not editable) to "
                        "reuse [default: build a new one]")
    args = parser.parse_args()
    print(f"machine: {platform.platform()}, python {platform.python_version()}, "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    work = Path(tempfile.mkdtemp(prefix="gate-startup-"))
    installed = args.installed or install(work)
    parts: list[tuple[str, Callable[[], dict[str, object]]]] = [
        ("import", lambda: bench_import(args.repeats, installed)),
        ("check", lambda: bench_check(args.repeats, args.peer, installed, work)),
    ]
    for name, bench in parts:
        print(json.dumps({name: bench()}, indent=2))
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
