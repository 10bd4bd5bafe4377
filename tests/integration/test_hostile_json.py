"""Hostile JSON in every file the gate reads, through the real CLI in a subprocess: nesting
200,000 deep, an integer of 5,000 digits (Python refuses to convert it), one of 4,001
digits (it converts, but no run holds it) and 1e4000 (no float holds it); and the long
integer in the YAML files too. Each is exit 2 with the file, the place and a fix, never a
traceback (exit 3); a reader that tolerates a bad file (the Action's steps, the job
summary's event read) goes on without it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from gate.results import resultsfile
from tests import factory

REPO = Path(__file__).resolve().parents[2]

# name -> (a JSON value as text, the place the error must name)
HOSTILE = {
    "nested-200000": ("[" * 200_000 + "]" * 200_000, "nested too deeply"),
    "digits-5000": ("9" * 5000, "5000-digit number"),
    "digits-4001": ("1" + "0" * 4000, "4001-digit number"),
    "1e4000": ("1e4000", "too large for any float"),
}
THRESHOLDS = "version: 1\ndefaults:\n  p95: 500ms\n"


def gate(*args: str | Path, env: dict[str, str] | None = None,
         module: str = "gate") -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "LGA_"))}
    full.update(PYTHONPATH=str(REPO), **(env or {}))
    return subprocess.run([sys.executable, "-m", module, *map(str, args)], env=full,
                          capture_output=True, text=True, timeout=60, check=False)


def refused(proc: subprocess.CompletedProcess[str], path: Path, what: str) -> None:
    """Exit 2 naming the file, the place and a fix; no traceback."""
    text = proc.stdout + proc.stderr
    assert proc.returncode == 2, text[-2000:]
    assert "Traceback" not in text, text[-2000:]
    assert str(path) in text and "fix:" in text and what in text, text[-2000:]
    if "nested" not in what:  # a number is placed by its key or its line and column
        assert re.search(r"\(at (\[0\]\.|pull_request\.)?x\)|\(at line 1, column \d+\)", text), text


@pytest.mark.parametrize("kind", HOSTILE)
def test_results_json(tmp_path: Path, kind: str) -> None:
    fragment, what = HOSTILE[kind]
    path = tmp_path / "results.json"
    path.write_text('{"schema": "locust-gate/results", "x": ' + fragment + "}")
    (tmp_path / "t.yml").write_text(THRESHOLDS)
    refused(gate("check", path, "--thresholds", tmp_path / "t.yml"), path, what)
    # The same file found in a directory (RESULTS may be one).
    refused(gate("check", tmp_path, "--thresholds", tmp_path / "t.yml"), path, what)


@pytest.mark.parametrize("kind", HOSTILE)
def test_locust_json_file(tmp_path: Path, kind: str) -> None:
    fragment, what = HOSTILE[kind]
    path = tmp_path / "locust.json"
    path.write_text('[{"name": "/a", "x": ' + fragment + "}]")
    (tmp_path / "t.yml").write_text(THRESHOLDS)
    refused(gate("check", path, "--thresholds", tmp_path / "t.yml"), path, what)


@pytest.mark.parametrize("kind", HOSTILE)
def test_stored_run(tmp_path: Path, kind: str) -> None:
    fragment, what = HOSTILE[kind]
    entry = tmp_path / "store" / "runs" / "main" / "20250101T000000Z-0123456789ab.json"
    entry.parent.mkdir(parents=True)
    entry.write_text('{"schema": "locust-gate/stored-run", "version": 1, "x": ' + fragment + "}")
    before = entry.read_bytes()
    proc = gate("baseline", "show", "--store", f"{tmp_path / 'store'}/")
    refused(proc, Path("runs/main/20250101T000000Z-0123456789ab.json"), what)
    assert entry.read_bytes() == before  # never skipped, never deleted
    single = tmp_path / "baseline.json"  # the one-run store reads the same way
    single.write_bytes(before)
    refused(gate("baseline", "show", "--store", single), single, what)


@pytest.mark.parametrize("kind", HOSTILE)
def test_verdict_json_read_back_by_comment(tmp_path: Path, kind: str) -> None:
    fragment, what = HOSTILE[kind]
    path = tmp_path / "verdict.json"
    path.write_text('{"verdict": "pass", "x": ' + fragment + "}")
    refused(gate("comment", "--report-dir", tmp_path, "--mode", "always"), path, what)


@pytest.mark.parametrize("kind", HOSTILE)
def test_event_payload(tmp_path: Path, kind: str) -> None:
    fragment, what = HOSTILE[kind]
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "verdict.json").write_text('{"verdict": "pass"}')
    event = tmp_path / "event.json"
    event.write_text('{"pull_request": {"number": 7, "x": ' + fragment + "}}")
    actions = {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request",
               "GITHUB_EVENT_PATH": str(event)}
    refused(gate("comment", "--report-dir", reports, "--mode", "always", env=actions), event,
            what)
    # The Action's save step reads the payload for the default branch: no payload, no
    # default branch, no save; never a crash.
    proc = gate("save-baseline", module="gate.action", env={
        **actions, "GITHUB_EVENT_NAME": "push", "GITHUB_REF": "refs/heads/main",
        "LGA_SAVE_BASELINE": str(tmp_path / "store") + "/", "LGA_VERDICT": "pass",
        "LGA_RESULTS_JSON": str(tmp_path / "results.json")})
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "baseline not saved" in proc.stdout and "Traceback" not in proc.stderr
    assert not (tmp_path / "store").exists()


@pytest.mark.parametrize("kind", ["nested-200000", "1e4000"])
def test_action_finish_reads_a_hostile_verdict(tmp_path: Path, kind: str) -> None:
    (tmp_path / "verdict.json").write_text('{"verdict": "pass", "x": ' + HOSTILE[kind][0] + "}")
    proc = gate("finish", module="gate.action", env={
        "LGA_REPORT_DIR": str(tmp_path), "LGA_VERDICT": "pass", "LGA_EXIT_CODE": "0"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("kind", ["nested-200000", "digits-5000"])
def test_thresholds_init_beside_a_hostile_schema_file(tmp_path: Path, kind: str) -> None:
    results = tmp_path / "results.json"
    results.write_text(json.dumps(resultsfile.to_dict(
        factory.results(factory.endpoint("/a", [10.0, 20.0, 30.0])))))
    schema = tmp_path / "out" / "thresholds.schema.json"
    schema.parent.mkdir()
    schema.write_text('{"title": ' + HOSTILE[kind][0] + "}")
    before = schema.read_bytes()
    proc = gate("thresholds", "init", results, "-o", tmp_path / "out" / "thresholds.yml")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert "is not the locust-gate thresholds schema" in proc.stderr
    assert schema.read_bytes() == before


def test_yaml_integers_of_5000_digits(tmp_path: Path) -> None:
    """The same limit in YAML (PyYAML converts with int() too): locust-gate.yml and the
    thresholds file, placed by line and column."""
    digits = "9" * 5000
    (tmp_path / "api.py").write_text("from locust import HttpUser\n")
    thresholds = tmp_path / "t.yml"
    thresholds.write_text(f"version: 1\ndefaults:\n  min-requests: {digits}\n")
    proc = gate("check", tmp_path / "missing.json", "--thresholds", thresholds)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert "holds a 5000-digit number" in proc.stderr and f"{thresholds}:3:17" in proc.stderr
    config = tmp_path / "locust-gate.yml"
    config.write_text(f"locustfile: api.py\nthresholds: t.yml\nusers: {digits}\n")
    proc = gate("run", "--config", config)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert "holds a 5000-digit number" in proc.stderr and f"{config}:3:8" in proc.stderr
