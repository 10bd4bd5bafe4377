"""The size of a stored run, and of the Action's cached environment.

Stored runs: a real run of the demo (`locust-gate run`, 20 users, 10 s, `--repeats`
times) and bench_check.py's synthetic large run (2,000 endpoints, one hour): the size of
results.json, of the stored run a baseline store keeps (`gate.baseline.stored`, no
per-second series) and of that gzip-compressed, as git stores a blob.

The Action's environment (`--venv DIR`, e.g. the venv the Action built under act: see
benchmarks/bench_action.py, which measures it after its runs): files, bytes, and the size
of a zstd tar of it, which is what actions/cache uploads.

Run: .venv/bin/python benchmarks/bench_sizes.py [--repeats 3] [--venv DIR]
"""

from __future__ import annotations

import argparse
import gzip
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_check import synthetic_results  # noqa: E402
from gate.baseline import stored  # noqa: E402
from gate.core.model import Results  # noqa: E402
from gate.results import resultsfile  # noqa: E402
from tests.support.backend import free_port  # noqa: E402
from tests.support.gaterun import demo_flags  # noqa: E402


def sizes(results_path: Path) -> tuple[int, int, int]:
    """results.json, the stored run, the stored run gzipped (bytes)."""
    results: Results = resultsfile.read(results_path)
    text = stored.dumps(stored.StoredRun(results=stored.slim(results),
                                         git=stored.GitInfo(commit="0" * 40, branch="main"),
                                         saved_at=time.time()))
    data = text.encode("utf-8")
    return results_path.stat().st_size, len(data), len(gzip.compress(data))


def demo_run(work: Path) -> Path:
    out = work / f"demo-{len(list(work.iterdir()))}"
    port = free_port()
    proc = subprocess.run(
        [sys.executable, "-m", "gate", "run", "--config", str(ROOT / "locust-gate.yml"),
         *demo_flags(port, out), "--users", "20", "--spawn-rate", "20", "--run-time", "10s"],
        cwd=ROOT, capture_output=True, text=True, check=False, timeout=180,
    )
    if proc.returncode not in (0, 1):
        raise SystemExit(f"the demo run failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return out / "results.json"


def venv_sizes(venv: Path, work: Path) -> tuple[int, int, int]:
    """files, bytes, zstd tar bytes (actions/cache's format: tar with zstd)."""
    files = [p for p in venv.rglob("*") if p.is_file() and not p.is_symlink()]
    total = sum(p.stat().st_size for p in files)
    archive = work / "venv.tar.zst"
    subprocess.run(["tar", "--zstd", "-cf", str(archive), "-C", str(venv.parent), venv.name],
                   check=True)
    return len(files), total, archive.stat().st_size


def kb(n: int) -> str:
    return f"{n / 1e3:.1f} KB" if n < 1e6 else f"{n / 1e6:.2f} MB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--venv", type=Path)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="gate-bench-sizes-"))
    print(f"{time.strftime('%Y-%m-%d %H:%M')}")
    print("| run | results.json | stored run | stored run gzip |\n|---|---:|---:|---:|")
    for n in range(args.repeats):
        got = sizes(demo_run(work))
        print(f"| demo, 20 users, 10 s (run {n + 1}) | " + " | ".join(map(kb, got)) + " |")
    large = work / "large.json"
    resultsfile.write(large, synthetic_results(random.Random(42)))
    print("| synthetic, 2,000 endpoints, one hour | " + " | ".join(map(kb, sizes(large))) + " |")
    if args.venv is not None:
        files, total, packed = venv_sizes(args.venv, work)
        print(f"\nthe Action's environment {args.venv}: {files:,} files, {kb(total)}; "
              f"as a zstd tar {kb(packed)}")


if __name__ == "__main__":
    main()
