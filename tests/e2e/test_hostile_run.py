"""`locust-gate run` against hostile output and misbehaving commands, with real processes:
no console line is a workflow command, every wait is bounded, nothing is left running."""

from __future__ import annotations

import os
import re
import signal
import time
from pathlib import Path

import psutil
import pytest
import yaml

from gate.harness import sweep
from tests.e2e.test_orchestrate import RUNFILES, error_stage, run_gate, write_config
from tests.support import backend
from tests.support.gaterun import GateRun, alive

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(90)]

_LINE_END = re.compile(r"\r\n|\r|\n")


def runner_commands(text: str) -> list[str]:
    """Lines GitHub's runner would execute, by its own rules (independent of the gate's
    sanitizer): it splits on CR and LF, trims leading whitespace and looks for `::` at the
    start, or `##[` anywhere."""
    return [
        line
        for line in _LINE_END.split(text)
        if line.lstrip(" \t\f\v\u00a0\u2000\u2001\u2002\u2003\u200a\u3000\u200b\ufeff")
        .startswith("::")
        or "##[" in line
    ]


def assert_inert(gate_run: GateRun) -> None:
    for stream in (gate_run.stdout, gate_run.stderr):
        assert runner_commands(stream) == [], runner_commands(stream)


def test_hostile_names_and_messages_stay_inert_and_judged(tmp_path: Path) -> None:
    config = write_config(
        tmp_path, port=backend.free_port(), locustfile=str(RUNFILES / "hostile.py")
    )
    gate_run, code = run_gate(config)
    assert code == 1, gate_run.stderr + gate_run.stdout  # 1/7 failing > 5 %: judged, no crash
    assert_inert(gate_run)
    # the hostile text did reach the console (escaped), so the test tested something
    assert "injected-by-name" in gate_run.stdout + gate_run.stderr
    assert "injected-by-message" in gate_run.stderr  # Locust's output, copied
    out = tmp_path / "out"
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "\u202e" not in report and "www.example" not in report and "\ud800" not in report
    assert (out / "junit.xml").is_file() and gate_run.verdict()["verdict"] == "fail"


def test_commands_in_the_backend_and_seed_logs_stay_inert(tmp_path: Path) -> None:
    port = backend.free_port()
    start = (
        "echo '::error::backend-injected'; echo '  ::add-mask::x'; "
        "printf 'a ##[error]b\\r::warning::cr\\n'; exit 3"
    )
    config = write_config(tmp_path, port=port, start=start)
    gate_run, code = run_gate(config)
    assert code == 2 and error_stage(gate_run) == "start"
    assert "backend-injected" in gate_run.stderr
    assert_inert(gate_run)
    seed = "echo '::error::seed-injected'; echo '##[group]x'; exit 4"
    config = write_config(tmp_path, port=port, seed=seed)
    gate_run, code = run_gate(config)
    assert code == 2 and "seed-injected" in gate_run.stderr
    assert_inert(gate_run)


def test_a_hanging_seed_ends_at_seed_timeout_with_its_output(tmp_path: Path) -> None:
    config = write_config(
        tmp_path,
        port=backend.free_port(),
        seed="head -c 70000 /dev/zero | tr '\\0' y; echo; echo seed-$((6*7)); sleep 60",
        seed_timeout="1s",
    )
    began = time.monotonic()
    gate_run, code = run_gate(config)
    assert code == 2 and error_stage(gate_run) == "seed"
    assert time.monotonic() - began < 20
    assert "still running after 1s" in gate_run.stderr
    assert "seed-42" in gate_run.stderr  # its output, not only its command line
    assert "y" * 500 + "\N{HORIZONTAL ELLIPSIS} (" in gate_run.stderr
    assert "y" * 501 not in gate_run.stderr  # a 70 KB line is bounded, in verdict.json too
    assert "y" * 501 not in (tmp_path / "out" / "verdict.json").read_text()


def test_an_empty_backend_log_is_not_promised_below(tmp_path: Path) -> None:
    config = write_config(tmp_path, port=backend.free_port(), start="exit 5")
    gate_run, code = run_gate(config)
    assert code == 2
    assert "see the backend log below" not in gate_run.stderr
    assert "the backend printed nothing" in gate_run.stderr


def _daemons(tag: str) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter():
        try:
            if tag in " ".join(proc.cmdline()):
                found.append(proc)
        except psutil.Error:
            continue
    return alive(found)


def test_daemons_that_left_the_tree_are_stopped(tmp_path: Path) -> None:
    seed_tag = f"{300 + os.getpid() % 1000}.{time.time_ns() % 10**6}"
    start_tag = f"{seed_tag}1"
    port = backend.free_port()
    config = write_config(tmp_path, port=port)
    start = yaml_start(config)
    config = write_config(
        tmp_path,
        port=port,
        seed=f"(setsid sleep {seed_tag} > /dev/null 2>&1 &); true",
        start=f"(setsid sleep {start_tag} > /dev/null 2>&1 &); {start}",
    )
    gate_run, code = run_gate(config)
    assert code == 0, gate_run.stderr
    assert _daemons(f"sleep {seed_tag}") == [] and _daemons(f"sleep {start_tag}") == []
    assert "left in the background" in gate_run.stderr


def yaml_start(config: Path) -> str:
    data = yaml.safe_load(config.read_text())
    return str(data["start"])


def _marked_processes_of(config: Path) -> list[psutil.Process]:
    state = config.parent / "out" / sweep.STATE_NAME
    mark = state.read_text().split('"mark": "')[1].split('"')[0]
    return sweep.marked(mark)


def test_kill_9_of_the_gate_takes_locust_and_the_backend_with_it(tmp_path: Path) -> None:
    config = write_config(tmp_path, port=backend.free_port(), run_time="30s")
    gate_run = GateRun(config)
    gate_run.wait_for("running Locust", timeout=30)
    time.sleep(1.0)
    started = _marked_processes_of(config)
    assert len(started) >= 2  # the backend and Locust
    os.kill(gate_run.proc.pid, signal.SIGKILL)
    gate_run.finish(timeout=10)
    deadline = time.monotonic() + 20
    everything = [*started, *gate_run.tree.values()]  # the guardian too, once it swept
    while alive(everything) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert alive(started) == []
    gate_run.assert_nothing_left()


def test_the_next_run_stops_and_reports_what_a_dead_run_left(tmp_path: Path) -> None:
    port = backend.free_port()
    config = write_config(tmp_path, port=port, run_time="30s")
    gate_run = GateRun(config)
    gate_run.wait_for("running Locust", timeout=30)
    time.sleep(1.0)
    left = _marked_processes_of(config)
    children = psutil.Process(gate_run.proc.pid).children()
    guardians = [p for p in children if "guardian" in " ".join(p.cmdline())]
    assert len(guardians) == 1
    for proc in (guardians[0], psutil.Process(gate_run.proc.pid)):  # the whole gate dies
        proc.kill()
    gate_run.finish(timeout=10)
    assert alive(left), "the test needs leftovers"
    config = write_config(tmp_path, port=port)
    again, code = run_gate(config)
    assert code == 0, again.stderr
    assert "a previous run here (gate pid" in again.stderr and "stopped them" in again.stderr
    assert alive(left) == []
