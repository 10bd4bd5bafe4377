"""`locust-gate run` end to end: a LoadTestShape, stale outputs, the output-directory
lock, and an interrupted run then `check`, with the fake backend and real Locust."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from gate.results import resultsfile
from tests.e2e.test_orchestrate import RUNFILES, run_gate, write_config
from tests.support import backend
from tests.support.gaterun import GateRun

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(90)]


def gate(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gate", *map(str, args)],
        capture_output=True, text=True, timeout=60, check=False,
    )


def test_a_load_shape_runs_through_run(tmp_path: Path) -> None:
    config = write_config(
        tmp_path,
        port=backend.free_port(),
        locustfile=str(RUNFILES / "shaped.py"),
        run_time="1s",  # would cut the run short if it were passed: the shape must win
        locust_args=["--gate-progress-interval", "1"],
    )
    gate_run, code = run_gate(config)
    assert code == 0, gate_run.stderr + gate_run.stdout
    assert "with the load shape Steps for about 3s" in gate_run.stderr
    locust = next(line for line in gate_run.cmdlines if "-m locust" in line)
    assert " -t " not in locust and " -u " not in locust and " -r " not in locust
    progress = [ln for ln in gate_run.stderr.splitlines() if ln.startswith("[locust-gate] 00:")]
    assert progress and all("(shape Steps)" in ln and " left" not in ln for ln in progress)
    results = resultsfile.read(tmp_path / "out" / "results.json")
    meta = results.meta
    assert (meta.shape, meta.peak_users, meta.users, meta.completed) == ("Steps", 3, None, True)
    assert meta.end_reason == "the load shape Steps ended"
    assert meta.end_time - meta.start_time >= 2.5  # the shape's 3 s, not the 1 s run-time


def test_a_shape_without_a_known_duration_needs_max_run_time(tmp_path: Path) -> None:
    locustfile = tmp_path / "endless.py"
    locustfile.write_text(
        (RUNFILES / "shaped.py").read_text().replace("    stages:", "    steps:")
    )
    config = write_config(tmp_path, port=backend.free_port(), locustfile=str(locustfile))
    gate_run, code = run_gate(config)
    assert code == 2
    assert "the gate cannot tell how long that is" in gate_run.stderr
    assert "max-run-time" in gate_run.stderr and "Traceback" not in gate_run.stderr
    assert not (tmp_path / "backend.pids").exists()  # nothing was started


def test_a_failed_run_after_a_passing_one_leaves_no_green_report(tmp_path: Path) -> None:
    port = backend.free_port()
    out = tmp_path / "out"
    gate_run, code = run_gate(write_config(tmp_path, port=port))
    assert code == 0, gate_run.stderr
    assert "**PASS**" in (out / "report.md").read_text()
    gate_run, code = run_gate(
        write_config(tmp_path, port=port, backend_flags=("--never-healthy",),
                     health_timeout="1s")
    )
    assert code == 2
    report = (out / "report.md").read_text()
    assert "**ERROR**" in report and "**health**" in report and "**PASS**" not in report
    junit = (out / "junit.xml").read_text()
    assert "<error" in junit and 'errors="1"' in junit
    assert json.loads((out / "verdict.json").read_text())["verdict"] == "error"
    for stale in ("results.json", "locust.log", "locust_stats.csv", "locust.json"):
        assert not (out / stale).exists(), stale  # the passing run's outputs are gone


def test_a_second_run_into_the_same_directory_is_refused_then_check_refuses_the_cut_run(
    tmp_path: Path,
) -> None:
    config = write_config(tmp_path, port=backend.free_port(), run_time="30s")
    first = GateRun(config)
    first.wait_for("All users spawned")
    log = tmp_path / "out" / "locust.log"
    second, code = run_gate(config, timeout=20)
    assert code == 2
    assert "another locust-gate run" in second.stderr and "--output-dir" in second.stderr
    assert second.tree == {}  # it started nothing
    assert "All users spawned" in log.read_text()  # the first run's log is intact

    first.proc.send_signal(signal.SIGINT)  # a CI cancel: the run stops with partial results
    assert first.finish(timeout=20) == 130
    first.assert_nothing_left()
    results = tmp_path / "out" / "results.json"
    assert resultsfile.read(results).meta.completed is False

    thresholds = RUNFILES / "thresholds.yml"
    refused = gate("check", results, "--thresholds", thresholds)
    assert refused.returncode == 1, refused.stdout
    assert "the run did not complete" in refused.stdout and "--allow-incomplete" in refused.stdout
    allowed = gate("check", results, "--thresholds", thresholds, "--allow-incomplete")
    assert allowed.returncode == 0 and "WARN" in allowed.stdout


def test_output_dir_dot_never_deletes_the_users_own_files(tmp_path: Path) -> None:
    """`output-dir: .` in the user's own folder: a report.md, results.json and junit.xml
    of theirs refuse the run (exit 2, each named, nothing started, nothing touched); once
    they are gone, runs and checks there replace only what they wrote themselves."""
    config = write_config(tmp_path, port=backend.free_port())
    users = {"report.md": "# my report\n", "results.json": '{"mine": true}\n',
             "junit.xml": "<testsuites/>\n", "notes.md": "my notes\n"}
    for name, text in users.items():
        (tmp_path / name).write_text(text)
    refused, code = run_gate(config, "--output-dir", ".")
    assert code == 2, refused.stderr
    assert "holds results.json, report.md, junit.xml, which locust-gate did not write" in (
        refused.stderr)
    assert "fix: point --output-dir at a directory of its own" in refused.stderr
    assert refused.tree == {}  # nothing was started
    assert {n: (tmp_path / n).read_text() for n in users} == users

    for name in ("report.md", "results.json", "junit.xml"):  # the user moves them away
        (tmp_path / name).unlink()
    gate_run, code = run_gate(config, "--output-dir", ".")
    assert code == 0, gate_run.stderr
    assert (tmp_path / "notes.md").read_text() == "my notes\n"
    assert json.loads((tmp_path / "verdict.json").read_text())["verdict"] == "pass"

    # `check --report-dir .` replaces the reports the run wrote (they are ours) ...
    thresholds = RUNFILES / "thresholds.yml"
    again = gate("check", tmp_path / "results.json", "--thresholds", thresholds,
                 "--report-dir", tmp_path)
    assert again.returncode == 0, again.stderr
    # ... but not one the user has edited since: that is theirs now.
    (tmp_path / "report.md").write_text("# my edits\n")
    edited = gate("check", tmp_path / "results.json", "--thresholds", thresholds,
                  "--report-dir", tmp_path)
    assert edited.returncode == 2 and "holds report.md, which locust-gate did not write" in (
        edited.stderr)
    assert "--report-dir" in edited.stderr and "Traceback" not in edited.stderr
    assert (tmp_path / "report.md").read_text() == "# my edits\n"
    assert (tmp_path / "notes.md").read_text() == "my notes\n"
