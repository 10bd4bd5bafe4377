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
- the next run in the same output directory (`claimed`): the run's state file
  (`OUTPUT/.locust-gate-run.json`: the mark and the gate's pid, under an flock that only
  a live run holds) is emptied at a normal end, so a record still there names a run
  that died; whatever still carries its mark is stopped and reported (`Leftovers`).

A process that clears its environment escapes the mark; nothing else does.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil

from gate.errors import UserError
from gate.files import jsontext, outputs

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
def guarded(mark: str, *, worktree: tuple[Path, Path] | None = None) -> Iterator[None]:
    """Start the guardian for `mark` for the block; it sweeps when the block ends or when
    this process dies, whichever comes first; then removes `worktree` (the repository's
    root and the worktree's path) if given."""
    extra = [str(p) for p in worktree] if worktree is not None else []
    guardian = subprocess.Popen(
        [sys.executable, "-m", "gate.harness.guardian", mark, *extra],
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


# --- the output directory's claim -----------------------------------------------------


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


@dataclass(frozen=True, kw_only=True)
class Claim:
    """This run's hold on its output directory."""

    mark: str  # the environment mark of every process the run starts
    leftovers: Leftovers | None  # what a dead earlier run left, stopped when claiming


@contextlib.contextmanager
def claimed(output_dir: Path) -> Iterator[Claim]:
    """Own the existing `output_dir` for the block: one run at a time (UserError at once
    when another live run owns it), what a dead earlier run left there stopped, and that
    run's outputs removed, so nothing of it is judged or shown as this run's (only files
    of ours: `gate.files.outputs.owned`; a file of the user's there is a UserError).

    The state file is both the lock and the record: an exclusive `flock` on it, which
    the kernel drops however its holder ends (even SIGKILL), so it never goes stale; and
    the mark and pid of the run holding it, emptied at a normal end. A record found
    under a free lock therefore names a run that died without cleaning up."""
    state = output_dir / STATE_NAME
    try:
        fd = os.open(state, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise UserError(
            f"cannot write to the output directory {output_dir}: {exc.strerror or exc}",
            where=str(state),
            fix="point --output-dir at a directory you can write to",
        ) from None
    try:
        _lock(fd, output_dir)
        leftovers = _stop_leftovers(_read_state(fd))
        # After the sweep, so that nothing of a dead run still writes; only our own files.
        with outputs.owned(output_dir, outputs.RUN_FILES, option="--output-dir"):
            mark = new_mark()
            _write_state(fd, json.dumps({"mark": mark, "pid": os.getpid()}) + "\n")
            try:
                yield Claim(mark=mark, leftovers=leftovers)
            finally:
                _write_state(fd, "")  # ended and cleaned up: nothing for the next run to sweep
    finally:
        os.close(fd)  # releases the lock


def _lock(fd: int, output_dir: Path) -> None:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            raise
        holder = _read_state(fd)
        pid = holder[1] if holder is not None else "?"
        raise UserError(
            f"another locust-gate run (pid {pid}) is writing to the output directory "
            f"{output_dir}; this run would overwrite its logs and results, so it did not start",
            where=str(output_dir / STATE_NAME),
            fix="wait for that run to finish, or give this one its own output directory "
            "(--output-dir)",
        ) from None


def _stop_leftovers(previous: tuple[str, int] | None) -> Leftovers | None:
    if previous is None:
        return None
    old_mark, pid = previous
    stopped = stop_marked(old_mark)
    return Leftovers(gate_pid=pid, stopped=tuple(stopped)) if stopped else None


def _write_state(fd: int, text: str) -> None:
    os.ftruncate(fd, 0)
    os.pwrite(fd, text.encode("utf-8"), 0)


def _read_state(fd: int) -> tuple[str, int] | None:
    try:
        data = jsontext.loads(os.pread(fd, 4096, 0).decode("utf-8"))
        mark, pid = data["mark"], data["pid"]
    except (OSError, ValueError, TypeError, KeyError):
        return None
    if not isinstance(mark, str) or not mark or isinstance(pid, bool) or not isinstance(pid, int):
        return None
    return mark, pid
