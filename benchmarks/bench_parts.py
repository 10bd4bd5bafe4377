"""Where the time of `check` goes, and the small costs docs/benchmarks.md quotes.

Part 1 (the parts of `check`): bench_check.py's large run (2,000 endpoints, one hour of
series, 8,003 checks), timed part by part in-process: reading the file (`json.loads`
alone, then the bounded decoder `gate.files.jsontext`, then the whole reader with its
checks), judging (`evaluate`; of it, the unmatched-rule warnings), and rendering each
report (console table, verdict.json, report.md, junit.xml, comment.md).

Part 2 (start-up pieces): creating the core's frozen dataclasses (importing the core's
modules in a fresh interpreter that has already imported what they import), and
parsing thresholds/demo.yml with PyYAML's pure-Python SafeLoader, with libyaml's
CSafeLoader (tried and left out: see docs/benchmarks.md), and with the gate's own
positioned loader.

Every figure is the median of `--repeats` runs, with min and max.

Run: .venv/bin/python benchmarks/bench_parts.py [--repeats 5] [--small-repeats 51]
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from benchmarks.bench_check import THRESHOLDS, synthetic_results  # noqa: E402
from gate.core.evaluate import evaluate, unmatched_rules  # noqa: E402
from gate.files import jsontext, yamlfile  # noqa: E402
from gate.reports import console, junit, markdown, review, verdictfile  # noqa: E402
from gate.reports.context import ReportContext  # noqa: E402
from gate.results import loader, resultsfile  # noqa: E402
from gate.thresholds.parser import load_thresholds  # noqa: E402


def spread(values: list[float], scale: float = 1000.0) -> str:
    """median (min-max), in ms by default."""
    scaled = sorted(v * scale for v in values)
    return f"{statistics.median(scaled):.1f} ({scaled[0]:.1f}-{scaled[-1]:.1f})"


def timed(repeats: int, work: Callable[[], object]) -> list[float]:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return times


def parts_of_check(repeats: int) -> list[tuple[str, list[float]]]:
    work = Path(tempfile.mkdtemp(prefix="gate-bench-parts-"))
    results_path = work / "results.json"
    resultsfile.write(results_path, synthetic_results(random.Random(42)))
    thresholds_path = work / "thresholds.yml"
    thresholds_path.write_text(THRESHOLDS)
    text = results_path.read_text(encoding="utf-8")
    rules = load_thresholds(thresholds_path)
    measured = loader.load_results(results_path)
    verdict = evaluate(measured, rules)
    ctx = ReportContext(verdict=verdict, results=measured, results_path=str(results_path),
                        thresholds_path=rules.path)
    print(f"input: {results_path.stat().st_size / 1e6:.1f} MB, "
          f"{len(measured.endpoints)} endpoints, {len(verdict.checks)} checks")
    return [
        ("read: `json.loads` alone", timed(repeats, lambda: json.loads(text))),
        ("read: the bounded decoder (`jsontext.loads`)",
         timed(repeats, lambda: jsontext.loads(text))),
        ("read: the whole reader (`loader.load_results`: decode, check, build)",
         timed(repeats, lambda: loader.load_results(results_path))),
        ("judge: `evaluate` (all checks and warnings)",
         timed(repeats, lambda: evaluate(measured, rules))),
        ("judge: of it, the unmatched-rule warnings",
         timed(repeats, lambda: unmatched_rules(measured, rules))),
        ("render: console table",
         timed(repeats, lambda: console.render_console(ctx, report_dir=work))),
        ("render: verdict.json",
         timed(repeats, lambda: verdictfile.to_json(verdictfile.verdict_dict(ctx)))),
        ("render: report.md", timed(repeats, lambda: markdown.render_markdown(ctx))),
        ("render: junit.xml", timed(repeats, lambda: junit.render_junit(ctx))),
        ("render: comment.md (`review.fit`)", timed(repeats, lambda: review.fit(
            ctx, links=None, root=str(ROOT), limit=review.COMMENT_LIMIT - 200,
            limit_name="GitHub's 65,536 characters per comment"))),
    ]


def core_dataclasses() -> tuple[int, list[str]]:
    """How many frozen dataclasses the core defines, and its modules (by import name)."""
    count, modules = 0, []
    for path in sorted((ROOT / "gate" / "core").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and any(
                "dataclass" in ast.unparse(d) and "frozen=True" in ast.unparse(d)
                for d in node.decorator_list
            ):
                count += 1
        if path.stem != "__init__":
            modules.append(f"gate.core.{path.stem}")
    return count, modules


# In a fresh interpreter that has imported what the core imports: the time to import the
# core's modules, and of it the time spent inside @dataclass (dataclasses._process_class,
# which generates __init__, __eq__, __hash__, __setattr__ ... by exec), per class.
_CORE_IMPORT = """\
import collections, collections.abc, dataclasses, enum, fnmatch, functools, math, re, typing
import time
spent = []
real = dataclasses._process_class
def timed(*args, **kwargs):
    t = time.perf_counter()
    try:
        return real(*args, **kwargs)
    finally:
        spent.append(time.perf_counter() - t)
dataclasses._process_class = timed
t = time.perf_counter()
import MODULES
print(time.perf_counter() - t, sum(spent), len(spent))
"""


def dataclass_creation(repeats: int) -> tuple[int, list[float], list[float]]:
    """(dataclasses created, import times of the core's modules, time inside @dataclass)."""
    _, modules = core_dataclasses()
    script = _CORE_IMPORT.replace("MODULES", ", ".join(modules))
    imports, inside, count = [], [], 0
    for _ in range(repeats):
        proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                              check=True, cwd=ROOT)
        total, spent, made = proc.stdout.split()
        imports.append(float(total))
        inside.append(float(spent))
        count = int(made)
    return count, imports, inside


def yaml_parsing(repeats: int) -> list[tuple[str, list[float]]]:
    path = ROOT / "thresholds" / "demo.yml"
    text = path.read_text(encoding="utf-8")
    rows = [
        ("PyYAML `SafeLoader` (pure Python)",
         timed(repeats, lambda: yaml.load(text, yaml.SafeLoader))),
        ("the gate's positioned loader (`yamlfile`, on SafeLoader)",
         timed(repeats, lambda: yamlfile.parse_yaml(text, str(path), what="the thresholds file",
                                              example="version: 1"))),
    ]
    if hasattr(yaml, "CSafeLoader"):
        rows.insert(1, ("libyaml `CSafeLoader`",
                        timed(repeats, lambda: yaml.load(text, yaml.CSafeLoader))))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--small-repeats", type=int, default=51)
    args = parser.parse_args()
    print(f"Python {sys.version.split()[0]}, {time.strftime('%Y-%m-%d %H:%M')}, load "
          f"average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    parts = parts_of_check(args.repeats)
    print("\n| part of `check` on the large run | median (min-max), ms |\n|---|---:|")
    for label, times in parts:
        print(f"| {label} | {spread(times)} |")
    count, imports, inside = dataclass_creation(args.small_repeats)
    print("\n| start-up piece | median (min-max), ms |\n|---|---:|")
    print(f"| importing the core's modules (`gate.core.*`), new process | {spread(imports)} |")
    print(f"| of it, creating its {count} dataclasses (inside `@dataclass`) | {spread(inside)} |")
    for label, times in yaml_parsing(args.small_repeats):
        print(f"| parse thresholds/demo.yml: {label} | {spread(times, 1000.0)} |")
    print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
