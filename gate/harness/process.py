"""Child processes the gate owns: each in its own session, its output in a log file.

`start` puts a command in a new session (so a new process group whose id is the pid),
with stdout and stderr going to a log file, or through a pipe copied to both the log and
a stream (`tee`) so that CI logs show progress. `stop` ends the whole tree: SIGTERM to
the group, a grace period, then SIGKILL to the group and to every descendant seen before
signalling (a child that called setsid() has left the group but is still ours).
`managed` is the context manager that guarantees `stop` runs. A command given as a string
runs through /bin/sh; when it is one simple command it is prefixed with `exec`, so that
the process we hold is the program itself (see `exec_form`).
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import signal
import subprocess
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TextIO

import psutil

TAIL_LINES = 30
TAIL_LINE_CHARS = 500
_TAIL_BYTES = 64 * 1024


@dataclass(kw_only=True)
class Managed:
    """A started process, its log, and the thread copying its output (when teed)."""

    proc: subprocess.Popen[bytes]
    log_path: Path
    name: str
    _log: IO[bytes] | None = None
    _pump: threading.Thread | None = None
    _seen: dict[int, psutil.Process] = field(default_factory=dict)
    # A start command that daemonised (exited 0 once its daemon was running): the
    # daemon's processes, found by the run's mark; None while the command itself runs.
    daemons: tuple[psutil.Process, ...] | None = None

    @property
    def pid(self) -> int:
        return self.proc.pid

    def poll(self) -> int | None:
        return self.proc.poll()

    def ended(self) -> int | None:
        """The exit code once the backend is gone: the process itself, or for a command
        that daemonised, 0 once every daemon process is gone too (a daemon whose
        processes the mark cannot see, e.g. a container run by dockerd, never ends here)."""
        code = self.proc.poll()
        if code == 0 and self.daemons is not None:
            return 0 if self.daemons and not _alive(self.daemons) else None
        return code

    def remember_tree(self) -> None:
        """Record the current descendants, so that stop() still finds those that escape
        the group or are orphaned before it runs."""
        for child in _descendants(self.proc.pid):
            self._seen.setdefault(child.pid, child)


def start(
    command: str | Sequence[str],
    *,
    log_path: Path,
    name: str,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    tee: TextIO | None = None,
) -> Managed:
    """Start `command` (a string runs through the shell) in a new session.

    Output goes to `log_path` (truncated); with `tee`, it is also copied line by line to
    `tee`. stdin is /dev/null: a backend must not read the gate's terminal.
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    shell = isinstance(command, str)
    if isinstance(command, str):
        command = exec_form(command)
    log = log_path.open("wb")
    try:
        proc = subprocess.Popen(
            command,
            shell=shell,  # user-supplied commands, from the user's own config
            cwd=cwd,
            env=dict(env) if env is not None else None,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE if tee is not None else log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    except BaseException:
        log.close()
        raise
    managed = Managed(proc=proc, log_path=log_path, name=name, _log=log)
    if tee is not None:
        assert proc.stdout is not None
        managed._pump = threading.Thread(
            target=_copy, args=(proc.stdout, log, tee), name=f"{name}-output", daemon=True
        )
        managed._pump.start()
    else:
        log.close()
        managed._log = None
    return managed


_SHELL_SYNTAX = re.compile(r"[|&;<>()`\n]")
# Shell keywords and builtins that must not follow `exec`.
_KEYWORDS = ("!", "{", "}", "case", "do", "done", "elif", "else", "esac", "fi", "for", "if")
_MORE_KEYWORDS = ("function", "in", "then", "until", "while")
_BUILTINS = ("exec", "cd", "export", "set", "source", ".", "eval", "exit", "ulimit", "umask")
_RESERVED = frozenset((*_KEYWORDS, *_MORE_KEYWORDS, *_BUILTINS))


def exec_form(command: str) -> str:
    """`exec COMMAND` when COMMAND is one simple command, so that the shell replaces
    itself with it: the pid we hold, signal and wait for is then the program itself, and
    its exit code is not filtered through a shell (dash does not do this on its own).
    Anything else (pipes, lists, redirections, `VAR=x cmd`, builtins) is left alone."""
    if _SHELL_SYNTAX.search(command):
        return command
    try:
        words = shlex.split(command)
    except ValueError:
        return command
    if not words or words[0] in _RESERVED or "=" in words[0]:
        return command
    return f"exec {command}"


def _copy(source: IO[bytes], log: IO[bytes], tee: TextIO) -> None:
    tee_ok = True
    with contextlib.suppress(OSError, ValueError):
        for line in iter(source.readline, b""):
            log.write(line)
            log.flush()
            if tee_ok:
                try:
                    tee.write(line.decode("utf-8", errors="replace"))
                    tee.flush()
                except (OSError, ValueError):
                    tee_ok = False  # our own stderr went away: keep logging to the file


def _descendants(pid: int) -> list[psutil.Process]:
    try:
        return list(psutil.Process(pid).children(recursive=True))
    except psutil.Error:
        return []


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def _alive(procs: Sequence[psutil.Process]) -> list[psutil.Process]:
    alive = []
    for proc in procs:
        try:
            if proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE:
                alive.append(proc)
        except psutil.Error:
            continue
    return alive


def stop(managed: Managed, grace: float = 5.0) -> int | None:
    """Stop the process and everything it started; return its exit code.

    SIGTERM to the group (and to descendants that left it), wait up to `grace` seconds
    for all of them, then SIGKILL whatever is left. Safe to call more than once and on a
    process that already exited.
    """
    proc = managed.proc
    managed.remember_tree()
    pgid = proc.pid  # start_new_session=True: the group id is the leader's pid
    tracked = list(managed._seen.values())
    try:
        if proc.poll() is None or _alive(tracked) or _group_exists(pgid):
            _signal_group(pgid, signal.SIGTERM)
            for child in _alive(tracked):
                with contextlib.suppress(psutil.Error):
                    child.terminate()
            deadline = time.monotonic() + grace
            while time.monotonic() < deadline:
                # Zombies do not count: an orphan may wait a while for init to reap it.
                if proc.poll() is not None and not _alive(tracked):
                    break
                time.sleep(0.05)
            _signal_group(pgid, signal.SIGKILL)  # also any member we never saw
            for child in _alive(tracked):
                with contextlib.suppress(psutil.Error):
                    child.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)
        deadline = time.monotonic() + 2.0  # SIGKILL is delivered asynchronously
        while _alive(tracked) and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        _finish_output(managed)
    return proc.returncode


def _group_exists(pgid: int) -> bool:
    """True while any process is in the group (zombies awaiting our wait() included)."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _finish_output(managed: Managed) -> None:
    if managed._pump is not None:
        managed._pump.join(timeout=5)
        managed._pump = None
    if managed.proc.stdout is not None:
        with contextlib.suppress(OSError):
            managed.proc.stdout.close()
    if managed._log is not None:
        with contextlib.suppress(OSError):
            managed._log.close()
        managed._log = None


def wait(managed: Managed, timeout: float | None = None) -> int:
    """Wait for the process to exit on its own and for its output to be fully logged."""
    code = managed.proc.wait(timeout=timeout)
    if managed._pump is not None:
        managed._pump.join(timeout=5)
    return code


@contextlib.contextmanager
def managed(
    command: str | Sequence[str],
    *,
    log_path: Path,
    name: str,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    tee: TextIO | None = None,
    grace: float = 5.0,
) -> Iterator[Managed]:
    """`start` a process and `stop` its whole tree when the block exits, however it exits."""
    process = start(command, log_path=log_path, name=name, cwd=cwd, env=env, tee=tee)
    try:
        yield process
    finally:
        stop(process, grace=grace)


def tail(path: Path, lines: int = TAIL_LINES) -> str:
    """The last `lines` lines of a log file ("" when it is missing or empty)."""
    try:
        with path.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - _TAIL_BYTES))
            data = handle.read()
    except OSError:
        return ""
    text = data.decode("utf-8", errors="replace")
    return "\n".join(_bounded(line) for line in text.splitlines()[-lines:])


def _bounded(line: str) -> str:
    """One log line cut to TAIL_LINE_CHARS: a verdict must not carry a 64 KB line."""
    if len(line) <= TAIL_LINE_CHARS:
        return line
    more = len(line) - TAIL_LINE_CHARS
    return f"{line[:TAIL_LINE_CHARS]}\N{HORIZONTAL ELLIPSIS} ({more:,} more characters)"


def describe_exit(code: int) -> str:
    """`code 3`, or `signal SIGKILL` for a negative Popen return code."""
    if code < 0:
        try:
            return f"signal {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"code {code}"
