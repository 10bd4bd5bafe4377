"""`locust-gate thresholds init R1 R2 R3` as a user runs it: several results files in, one
file out that every one of those runs passes; --force semantics unchanged; runs made
with other settings are used with a warning; a missing file is exit 2, nothing written."""

from __future__ import annotations

import random
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from gate.core.model import Results
from gate.results import resultsfile
from tests.factory import endpoint, results


def gate(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gate", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=60, check=False)


def _run(seed: int, fingerprint: str = "sha256:same") -> Results:
    rng = random.Random(seed)
    run = results(
        endpoint("/api/items", [5 + rng.expovariate(1 / 3) for _ in range(800)]),
        endpoint("/api/search", [150 + rng.expovariate(1 / 20) for _ in range(300)]),
    )
    return replace(run, meta=replace(run.meta, fingerprint=fingerprint))


def test_init_from_three_runs_writes_a_file_each_of_them_passes(tmp_path: Path) -> None:
    paths = []
    for i in range(3):
        path = tmp_path / f"run{i}" / "results.json"
        path.parent.mkdir()
        resultsfile.write(path, _run(i))
        paths.append(path.parent)
    proc = gate("thresholds", "init", *paths, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "from 3 run(s)" in proc.stdout and "warning" not in proc.stderr
    text = (tmp_path / "thresholds.yml").read_text()
    assert "3 runs of 1,100 to 1,100 requests" in text
    assert '- name: "GET /api/search"' in text  # the slow one differs: its own limit
    for path in paths:
        check = gate("check", path, "--thresholds", "thresholds.yml", cwd=tmp_path)
        assert check.returncode == 0 and "PASS" in check.stdout, check.stdout + check.stderr

    again = gate("thresholds", "init", *paths, cwd=tmp_path)
    assert again.returncode == 2 and "already exists" in again.stderr
    assert (tmp_path / "thresholds.yml").read_text() == text  # untouched without --force
    assert gate("thresholds", "init", *paths, "--force", cwd=tmp_path).returncode == 0


def test_runs_made_with_other_settings_are_used_with_a_warning(tmp_path: Path) -> None:
    resultsfile.write(tmp_path / "a.json", _run(1))
    resultsfile.write(tmp_path / "b.json", _run(2, fingerprint="sha256:other"))
    proc = gate("thresholds", "init", "a.json", "b.json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "fingerprints differ" in proc.stderr


def test_a_missing_results_file_is_exit_2_and_writes_nothing(tmp_path: Path) -> None:
    resultsfile.write(tmp_path / "a.json", _run(1))
    proc = gate("thresholds", "init", "a.json", "missing.json", cwd=tmp_path)
    assert proc.returncode == 2 and "missing.json" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "thresholds.yml").exists()
    assert gate("thresholds", "init", cwd=tmp_path).returncode == 2  # RESULTS is required


def test_runs_without_a_config_is_exit_2_naming_the_fix(tmp_path: Path) -> None:
    proc = gate("thresholds", "init", "--runs", "2", cwd=tmp_path)
    assert proc.returncode == 2 and "there is none here" in proc.stderr
    assert "--config PATH" in proc.stderr and "Traceback" not in proc.stderr
