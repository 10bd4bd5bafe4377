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
from gate.files import outputs
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


def _files(folder: Path) -> list[str]:
    hidden = (sweep.STATE_NAME, outputs.RECORD_NAME)
    return sorted(p.name for p in folder.iterdir() if p.name not in hidden)


def test_claiming_removes_the_previous_outputs_only(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with sweep.claimed(tmp_path):  # a run writing its outputs
        for name in ("results.json", "report.md", "comment.md", "locust.log"):
            (tmp_path / name).write_text("old")
    with sweep.claimed(tmp_path):
        assert _files(tmp_path) == ["notes.txt"]


def test_a_claim_never_removes_a_file_it_did_not_write(tmp_path: Path) -> None:
    """`output-dir: .`: the user's own report.md and results.json stay; the run is refused
    before anything is touched, naming them."""
    with sweep.claimed(tmp_path):
        (tmp_path / "locust.log").write_text("ours")
        (tmp_path / "junit.xml").write_text("ours")
    (tmp_path / "report.md").write_text("the user's own report")
    (tmp_path / "junit.xml").write_text("ours, then edited by the user")
    with pytest.raises(UserError) as info, sweep.claimed(tmp_path):
        pass
    assert "holds report.md, junit.xml, which locust-gate did not write" in info.value.what
    assert "--output-dir" in (info.value.fix or "")
    assert (tmp_path / "report.md").read_text() == "the user's own report"
    assert (tmp_path / "locust.log").read_text() == "ours"  # refused before anything


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
