"""Run `python -m gate run` as a subprocess and record its whole process tree, so tests can
prove that nothing it started is left running."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[2]


def demo_flags(port: int, output: Path) -> list[str]:
    """`locust-gate run` flags that put the demo of REPO/locust-gate.yml on `port` (its
    file has 8089) and its outputs in `output`: runs side by side do not collide."""
    return [
        "--host", f"http://127.0.0.1:{port}",
        "--start", f"{{python}} -m demo.app --host 127.0.0.1 --port {port} "
                   "--db {output}/demo.sqlite3",
        "--health", f"http://127.0.0.1:{port}/health",
        "--output-dir", str(output),
    ]


def alive(procs: list[psutil.Process]) -> list[psutil.Process]:
    """Still running (a zombie has exited; is_running() also guards against pid reuse)."""
    running = []
    for proc in procs:
        try:
            if proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE:
                running.append(proc)
        except psutil.NoSuchProcess:
            continue
    return running


class GateRun:
    """`python -m gate run` as a subprocess, with its output collected as it comes and
    every process of its tree recorded (sampled every 50 ms) for the leftover check."""

    def __init__(
        self, config: Path, *args: str, env_extra: dict[str, str] | None = None
    ) -> None:
        # Not the tests' own LOCUST_SKIP_MONKEY_PATCH (tests/conftest.py): a Locust without
        # gevent's patches cannot run its --processes workers.
        env = {k: v for k, v in os.environ.items() if k != "LOCUST_SKIP_MONKEY_PATCH"}
        env.update(env_extra or {})
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
        self.config = config
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gate", "run", "--config", str(config), *args],
            cwd=config.parent,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self._out: list[str] = []
        self._err: list[str] = []
        self.tree: dict[int, psutil.Process] = {}
        self.cmdlines: list[str] = []
        self._threads = [
            threading.Thread(target=self._read, args=(self.proc.stdout, self._out), daemon=True),
            threading.Thread(target=self._read, args=(self.proc.stderr, self._err), daemon=True),
            threading.Thread(target=self._sample, daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    @staticmethod
    def _read(stream: io.TextIOBase, into: list[str]) -> None:
        for line in stream:
            into.append(line)

    def _sample(self) -> None:
        try:
            root = psutil.Process(self.proc.pid)
        except psutil.NoSuchProcess:
            return
        while self.proc.poll() is None:
            try:
                for child in root.children(recursive=True):
                    self.tree.setdefault(child.pid, child)
                    # Read again at every look: a child first seen between its fork and its
                    # exec still shows its parent's command line.
                    with contextlib.suppress(psutil.Error):
                        line = " ".join(child.cmdline())
                        if line not in self.cmdlines:
                            self.cmdlines.append(line)
            except psutil.Error:
                pass
            time.sleep(0.05)

    @property
    def stdout(self) -> str:
        return "".join(self._out)

    @property
    def stderr(self) -> str:
        return "".join(self._err)

    def wait_for(self, text: str, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.stderr:
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"never saw {text!r}; stderr:\n{self.stderr}")

    def finish(self, timeout: float = 45.0) -> int:
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"gate still running after {timeout}s:\n{self.stderr}") from None
        for thread in self._threads:
            thread.join(timeout=5)
        return code

    def backend_pids(self) -> list[psutil.Process]:
        """The backend and its grandchild, from the pid file it wrote."""
        pidfile = self.config.parent / "backend.pids"
        if not pidfile.is_file():
            return []
        procs = []
        for pid in map(int, pidfile.read_text().split()):
            if pid and pid in self.tree:
                procs.append(self.tree[pid])
        return procs

    def assert_nothing_left(self) -> None:
        left = alive(list(self.tree.values()))
        assert not left, f"left running: {[(p.pid, p.cmdline()) for p in left]}"

    def verdict(self) -> dict[str, object]:
        data = json.loads((self.config.parent / "out" / "verdict.json").read_text())
        assert isinstance(data, dict)
        return data
