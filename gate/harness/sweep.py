"""Find every process a run started, however it left the tree, and stop it.

Process groups and parent links do not hold everything: a seed or start command may
double-fork or `setsid` a daemon (it is re-parented to init and leaves our group), and if
the gate itself is killed with SIGKILL its `finally` never runs. So every process the gate
starts gets an environment mark, `LOCUST_GATE_RUN=<random id>`, which its descendants
inherit whatever they do to their parentage, and three things sweep by that mark:

- the gate itself, when a run ends (`stop_marked`), after stopping the trees it knows;
- a guardian process (`gate.harness.guardian`) started with each run in its own session:
  it waits for the gate's pipe to close, which happens however the gate ends (even by
  SIGKILL), and then stops whatever still carries the mark;
- the next run in the same output directory: the run's state file
  (`OUTPUT/.locust-gate-run.json`: the mark and the gate's pid) is removed at a normal
  end, so one still there names a run that died; whatever still carries its mark is
  stopped and reported (`Leftovers`).

A process that clears its environment escapes the mark; nothing else does.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil

MARK_VARIABLE = "LOCUST_GATE_RUN"
STATE_NAME = ".locust-gate-run.json"


def new_mark() -> str:
    return secrets.token_hex(12)


def marked(mark: str) -> list[psutil.Process]:
    """Every process (but this one) whose environment carries `mark`."""
    found = []
    for proc in psutil.process_iter():
        if proc.pid == os.getpid():
            continue
        with contextlib.suppress(psutil.Error, OSError):
            if proc.environ().get(MARK_VARIABLE) == mark:
                found.append(proc)
    return found


def describe(proc: psutil.Process) -> str:
    """`pid 123 (python -m uvicorn app:app)`, bounded for a message."""
    try:
        command = " ".join(proc.cmdline()) or proc.name()
    except psutil.Error:
        command = "?"
    if len(command) > 120:
        command = command[:119] + "\N{HORIZONTAL ELLIPSIS}"
    return f"pid {proc.pid} ({command})"


def stop_marked(mark: str, *, grace: float = 5.0) -> list[str]:
    """SIGTERM everything carrying `mark`, SIGKILL what is left after `grace` seconds;
    return what was found, described."""
    procs = marked(mark)
    described = [describe(p) for p in procs]
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            proc.terminate()
    _, alive = psutil.wait_procs(procs, timeout=grace)
    for proc in alive:
        with contextlib.suppress(psutil.Error):
            proc.kill()
    psutil.wait_procs(alive, timeout=2.0)
    return described


# --- the guardian -------------------------------------------------------------------------


@contextlib.contextmanager
def guarded(mark: str) -> Iterator[None]:
    """Start the guardian for `mark` for the block; it sweeps when the block ends or when
    this process dies, whichever comes first."""
    guardian = subprocess.Popen(
        [sys.executable, "-m", "gate.harness.guardian", mark],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # a signal to our process group must not reach it
    )
    try:
        yield
    finally:
        assert guardian.stdin is not None
        with contextlib.suppress(OSError):
            guardian.stdin.close()
        try:
            guardian.wait(timeout=15)
        except subprocess.TimeoutExpired:
            guardian.kill()
            guardian.wait()


# --- what a dead run left -----------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Leftovers:
    """Processes a previous run in this output directory left running, now stopped."""

    gate_pid: int
    stopped: tuple[str, ...]

    def message(self) -> str:
        return (
            f"a previous run here (gate pid {self.gate_pid}) ended without cleaning up "
            f"(killed with SIGKILL?) and left {len(self.stopped)} process(es) running; "
            "stopped them: " + "; ".join(self.stopped)
        )


class RunInProgress(Exception):
    """Another live gate uses this output directory."""

    def __init__(self, pid: int) -> None:
        super().__init__(pid)
        self.pid = pid


def claim(output_dir: Path, mark: str) -> Leftovers | None:
    """Record this run in `output_dir` after sweeping what a dead earlier run left there.
    Raises RunInProgress when the earlier run is still alive."""
    state = output_dir / STATE_NAME
    leftovers = None
    previous = _read_state(state)
    if previous is not None:
        old_mark, pid = previous
        if _guardian_alive(old_mark):
            raise RunInProgress(pid)
        stopped = stop_marked(old_mark)
        if stopped:
            leftovers = Leftovers(gate_pid=pid, stopped=tuple(stopped))
    output_dir.mkdir(parents=True, exist_ok=True)
    state.write_text(json.dumps({"mark": mark, "pid": os.getpid()}) + "\n", encoding="utf-8")
    return leftovers


def release(output_dir: Path) -> None:
    """The run ended and cleaned up: nothing for the next one to sweep."""
    with contextlib.suppress(OSError):
        (output_dir / STATE_NAME).unlink()


def _read_state(state: Path) -> tuple[str, int] | None:
    try:
        data = json.loads(state.read_text(encoding="utf-8"))
        mark, pid = data["mark"], data["pid"]
    except (OSError, ValueError, TypeError, KeyError):
        return None
    if not isinstance(mark, str) or not mark or isinstance(pid, bool) or not isinstance(pid, int):
        return None
    return mark, pid


def _guardian_alive(mark: str) -> bool:
    """The run of `mark` is live while its guardian is (it outlives the gate only for the
    moment of its sweep)."""
    wanted = ["-m", "gate.harness.guardian", mark]
    for proc in psutil.process_iter():
        with contextlib.suppress(psutil.Error):
            if proc.cmdline()[-3:] == wanted:
                return True
    return False
