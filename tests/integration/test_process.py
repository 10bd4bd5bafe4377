"""gate.harness.process with real processes: whole trees stopped, SIGKILL after the grace period."""

from __future__ import annotations

import io
import signal
import sys
import time
from pathlib import Path

import psutil
import pytest

from gate.harness import process
from tests.support import backend

pytestmark = pytest.mark.timeout(60)


def alive(pids: set[int]) -> set[int]:
    """The pids still running (a zombie has exited: it only waits to be reaped)."""
    running = set()
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                running.add(pid)
        except psutil.NoSuchProcess:
            continue
    return running


def wait_for_pidfile(path: Path, timeout: float = 10.0) -> tuple[int, int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.is_file():
            own, child = path.read_text().split()
            return int(own), int(child)
        time.sleep(0.05)
    raise AssertionError(f"the fake backend never wrote {path}")


def start_backend(tmp_path: Path, *flags: str) -> tuple[process.Managed, set[int]]:
    pidfile = tmp_path / "pids"
    command = [sys.executable, str(backend.PATH), "--port", str(backend.free_port())]
    command += ["--pidfile", str(pidfile), *flags]
    managed = process.start(command, log_path=tmp_path / "backend.log", name="backend")
    own, child = wait_for_pidfile(pidfile)
    assert own == managed.pid
    pids = {own} | ({child} if child else set())
    assert alive(pids) == pids
    return managed, pids


def test_stop_ends_the_whole_tree(tmp_path: Path) -> None:
    managed, pids = start_backend(tmp_path, "--spawn-child")
    assert len(pids) == 2
    code = process.stop(managed, grace=5.0)
    assert code == -signal.SIGTERM
    assert alive(pids) == set()


def test_stop_also_ends_a_descendant_that_left_the_group(tmp_path: Path) -> None:
    managed, pids = start_backend(tmp_path, "--spawn-child", "--child-new-session")
    child = max(pids - {managed.pid})
    assert psutil.Process(child).as_dict(["pid"])  # exists
    import os

    assert os.getpgid(child) != managed.pid  # it really escaped the group
    process.stop(managed, grace=5.0)
    assert alive(pids) == set()


def test_sigkill_after_the_grace_period_when_sigterm_is_ignored(tmp_path: Path) -> None:
    managed, pids = start_backend(tmp_path, "--ignore-sigterm", "--spawn-child")
    began = time.monotonic()
    code = process.stop(managed, grace=1.0)
    elapsed = time.monotonic() - began
    assert code == -signal.SIGKILL
    assert 0.9 <= elapsed < 4.0
    assert alive(pids) == set()
    assert "ignoring SIGTERM" in process.tail(tmp_path / "backend.log")


def test_managed_stops_the_tree_when_the_block_raises(tmp_path: Path) -> None:
    pidfile = tmp_path / "pids"
    command = f"{sys.executable} {backend.PATH} --port {backend.free_port()} --spawn-child"
    command += f" --pidfile {pidfile}"
    seen: set[int] = set()
    with (
        pytest.raises(RuntimeError),
        process.managed(command, log_path=tmp_path / "b.log", name="b", grace=2.0) as managed,
    ):
        own, child = wait_for_pidfile(pidfile)
        seen = {own, child, managed.pid}  # the shell may have exec'd: own == managed.pid
        raise RuntimeError("boom")
    assert alive(seen) == set()


def test_stop_is_safe_on_an_exited_process_and_twice(tmp_path: Path) -> None:
    managed = process.start(
        [sys.executable, "-c", "import sys; sys.exit(4)"], log_path=tmp_path / "x.log", name="x"
    )
    assert process.wait(managed, timeout=10) == 4
    assert process.stop(managed) == 4
    assert process.stop(managed) == 4
    assert process.describe_exit(4) == "code 4"
    assert process.describe_exit(-9) == "signal SIGKILL"


def test_output_goes_to_the_log_and_to_the_tee(tmp_path: Path) -> None:
    tee = io.StringIO()
    script = "import sys; print('out line'); print('err line', file=sys.stderr)"
    managed = process.start(
        [sys.executable, "-c", script], log_path=tmp_path / "t.log", name="t", tee=tee
    )
    assert process.wait(managed, timeout=10) == 0
    process.stop(managed)
    log = (tmp_path / "t.log").read_text()
    assert "out line" in log and "err line" in log
    assert "out line" in tee.getvalue() and "err line" in tee.getvalue()


def test_shell_commands_run_in_cwd_with_env(tmp_path: Path) -> None:
    managed = process.start(
        'echo "$GATE_TEST_VALUE in $(pwd)"',
        log_path=tmp_path / "s.log",
        name="s",
        cwd=tmp_path,
        env={"GATE_TEST_VALUE": "hello", "PATH": "/usr/bin:/bin"},
    )
    assert process.wait(managed, timeout=10) == 0
    process.stop(managed)
    assert process.tail(tmp_path / "s.log") == f"hello in {tmp_path}"


def test_tail(tmp_path: Path) -> None:
    log = tmp_path / "long.log"
    log.write_text("".join(f"line {i}\n" for i in range(100)))
    assert process.tail(log, 3) == "line 97\nline 98\nline 99"
    assert process.tail(tmp_path / "missing.log") == ""
    (tmp_path / "bin.log").write_bytes(b"ok\n\xff\xfe broken\n")
    assert process.tail(tmp_path / "bin.log", 1) == "\ufffd\ufffd broken"


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("python -m app --port 1", "exec python -m app --port 1"),
        ("'/opt/my python/bin/python' app.py", "exec '/opt/my python/bin/python' app.py"),
        ("python app.py --db $HOME/x.db", "exec python app.py --db $HOME/x.db"),
        ("cd srv && python app.py", "cd srv && python app.py"),
        ("python app.py > log", "python app.py > log"),
        ("PORT=1 python app.py", "PORT=1 python app.py"),
        ("if true; then x; fi", "if true; then x; fi"),
        ("echo 'unbalanced", "echo 'unbalanced"),
    ],
)
def test_exec_form_only_for_one_simple_command(command: str, expected: str) -> None:
    assert process.exec_form(command) == expected


def test_a_simple_shell_command_is_the_process_we_hold(tmp_path: Path) -> None:
    """With `exec`, the pid is the program's and its exit code is its own."""
    pidfile = tmp_path / "pids"
    command = f"{sys.executable} {backend.PATH} --port {backend.free_port()} --pidfile {pidfile}"
    managed = process.start(command, log_path=tmp_path / "b.log", name="b")
    own, _child = wait_for_pidfile(pidfile)
    assert own == managed.pid
    assert process.stop(managed, grace=2.0) == -signal.SIGTERM
