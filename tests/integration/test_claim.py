"""gate.harness.sweep.claimed with real files and processes: one live run per output
directory, a dead run's leftovers stopped, the previous run's outputs removed."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import psutil
import pytest

from gate.errors import UserError
from gate.harness import sweep

pytestmark = pytest.mark.timeout(60)


def test_a_second_claim_is_refused_while_the_first_is_held(tmp_path: Path) -> None:
    with sweep.claimed(tmp_path) as first:
        with pytest.raises(UserError) as info, sweep.claimed(tmp_path):
            pass
        assert f"another locust-gate run (pid {os.getpid()})" in info.value.what
        assert "--output-dir" in (info.value.fix or "")
        state = json.loads((tmp_path / sweep.STATE_NAME).read_text())
        assert state == {"mark": first.mark, "pid": os.getpid()}
    assert (tmp_path / sweep.STATE_NAME).read_text() == ""  # a clean end leaves no record
    with sweep.claimed(tmp_path) as again:
        assert again.leftovers is None and again.mark != first.mark


def test_claiming_removes_the_previous_outputs_only(tmp_path: Path) -> None:
    for name in ("results.json", "report.md", "comment.md", "locust.log", "notes.txt"):
        (tmp_path / name).write_text("old")
    with sweep.claimed(tmp_path):
        assert sorted(p.name for p in tmp_path.iterdir() if p.name != sweep.STATE_NAME) == [
            "notes.txt"
        ]


def test_a_record_left_by_a_dead_run_is_swept(tmp_path: Path) -> None:
    mark = sweep.new_mark()
    left = subprocess.Popen(  # what a run killed with SIGKILL left running
        ["sleep", "60"], env={**os.environ, sweep.MARK_VARIABLE: mark}, start_new_session=True
    )
    try:
        # /proc shows the child's new environment only once it has exec'd: wait for that
        # (bounded), so the sweep below is tested, not the start-up of `sleep`.
        deadline = time.monotonic() + 10
        while not any(p.pid == left.pid for p in sweep.marked(mark)):
            assert time.monotonic() < deadline, "the marked process never showed up"
            time.sleep(0.05)
        (tmp_path / sweep.STATE_NAME).write_text(json.dumps({"mark": mark, "pid": 4242}))
        with sweep.claimed(tmp_path) as claim:
            assert claim.leftovers is not None and claim.leftovers.gate_pid == 4242
            assert len(claim.leftovers.stopped) == 1
            assert f"pid {left.pid}" in claim.leftovers.stopped[0]
            # stopped (and reaped: it is our child here) before the claim was granted
            assert not psutil.pid_exists(left.pid)
    finally:
        if left.poll() is None:
            left.kill()
            left.wait()
