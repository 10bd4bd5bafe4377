"""The sampler of the backend's process tree against real processes: CPU and connections
checked against what the processes did, children that come and go, the pid file, and a
leaking, a warming-up and a flat server under real HTTP load judged by the leak rule."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from pathlib import Path

from gate.core.evaluate import evaluate
from gate.core.model import SecondSample
from gate.core.verdict import Outcome, Scope
from gate.harness.resources import Sampler
from gate.thresholds.parser import parse
from tests.factory import endpoint, results
from tests.support.backend import PATH as BACKEND
from tests.support.backend import free_port


@contextmanager
def _python(code: str) -> Iterator[subprocess.Popen[str]]:
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        yield proc
    finally:
        proc.kill()
        proc.wait(timeout=10)


@contextmanager
def _backend(*args: str) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, str(BACKEND), "--port", str(port), *args],
                            stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "the test backend did not start"
                time.sleep(0.05)
        yield proc, port
    finally:
        proc.kill()
        proc.wait(timeout=10)


def _sampled(sampler: Sampler, seconds: float) -> None:
    sampler.start()
    try:
        time.sleep(seconds)
    finally:
        sampler.stop()


def test_cpu_is_the_cpu_time_the_process_used() -> None:
    burn = ("import time\nend = time.time() + 1.2\nwhile time.time() < end: pass\n"
            "print(time.process_time(), flush=True)\ntime.sleep(60)\n")
    with _python(burn) as proc:
        sampler = Sampler([proc.pid], interval=0.25)
        _sampled(sampler, 1.7)
        assert proc.stdout is not None
        used = float(proc.stdout.readline())
    samples = sampler.usage().samples
    sampled = sum(s.cpu * s.seconds for s in samples)
    # Only the interpreter's start-up, before the first look, is not in the samples.
    assert used - 0.3 < sampled <= used + 0.05
    assert max(s.cpu for s in samples) > 0.3  # a busy core shows, also on a busy machine
    assert samples[-1].cpu < 0.1  # asleep after its burn


def test_connections_are_the_open_client_connections_once_each() -> None:
    with _backend() as (proc, port), ExitStack() as stack:
        for _ in range(7):
            client = stack.enter_context(socket.create_connection(("127.0.0.1", port)))
            client.sendall(b"GET /slow")  # an unfinished request: the server holds it open
        sampler = Sampler([proc.pid], interval=0.25)
        _sampled(sampler, 1.0)
    samples = sampler.usage().samples
    assert max(s.connections for s in samples) == 7  # the listening socket is not one
    assert max(s.threads for s in samples) >= 8  # one per connection and the server's


def test_children_that_start_and_exit_are_followed_without_error() -> None:
    parent = ("import subprocess, sys, time\ntime.sleep(0.5)\n"
              "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(0.8)'])\n"
              "child.wait()\ntime.sleep(60)\n")
    with _python(parent) as proc:
        sampler = Sampler([proc.pid], interval=0.2)
        _sampled(sampler, 2.2)
    counts = [s.processes for s in sampler.usage().samples]
    assert counts[0] == 1 and max(counts) == 2 and counts[-1] == 1, counts
    assert sampler.usage().warnings == ()


def test_the_pid_file_names_a_process_to_sample(tmp_path: Path) -> None:
    pidfile = tmp_path / "worker.pid"
    with _python("import time\nkept = b'x' * 30_000_000\ntime.sleep(60)\n") as proc:
        pidfile.write_text(f"{proc.pid}\n")
        sampler = Sampler([], pidfile=pidfile, interval=0.2)
        _sampled(sampler, 0.7)
    assert max(s.rss for s in sampler.usage().samples) > 30_000_000
    garbage = tmp_path / "garbage.pid"
    garbage.write_text("::error::not a pid\n")
    never = Sampler([], pidfile=garbage, interval=0.2)
    _sampled(never, 0.5)
    usage = never.usage()
    assert {s.processes for s in usage.samples} == {0}
    assert len(usage.warnings) == 1 and "never held a process id" in usage.warnings[0]
    assert "::error::" not in usage.warnings[0]  # what the file held is never repeated


RULES = "version: 1\nresources:\n  rss-growth: 5MB/min\n  rss: 1GB\n  min-samples: 4\n"


def _load(port: int, until: float) -> None:
    while time.time() < until:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/item", timeout=5).close()
        time.sleep(0.005)


def test_the_leak_rule_catches_a_leak_not_a_warm_up_or_a_flat_server() -> None:
    servers = {"leak": ("--leak-kb", "40"), "warm-up": ("--allocate-mb", "50"), "flat": ()}
    with ExitStack() as stack:
        running = {name: stack.enter_context(_backend(*args)) for name, args in servers.items()}
        samplers = {name: Sampler([proc.pid]) for name, (proc, _) in running.items()}
        for sampler in samplers.values():
            sampler.start()
        until = time.time() + 7.0
        loaders = [threading.Thread(target=_load, args=(port, until))
                   for _, port in running.values()]
        for loader in loaders:
            loader.start()
        for loader in loaders:
            loader.join()
        for sampler in samplers.values():
            sampler.stop()
    rules = parse(RULES, "t.yml")
    outcome = {}
    for name, sampler in samplers.items():
        usage = sampler.usage()
        series = [SecondSample(t=i, users=3, requests=1, failures=0) for i in range(7)]
        run = replace(results(endpoint("/item", [1.0] * 20), series=series), backend=usage)
        checks = {c.metric: c for c in evaluate(run, rules).checks if c.scope is Scope.RESOURCE}
        assert checks["rss-growth"].outcome is not Outcome.INCONCLUSIVE, checks["rss-growth"]
        outcome[name] = (checks["rss-growth"].outcome, checks["rss-growth"].measured)
    assert outcome["leak"][0] is Outcome.BREACHED, outcome
    assert outcome["warm-up"][0] is Outcome.PASS, outcome
    assert outcome["flat"][0] is Outcome.PASS, outcome


def test_a_sample_that_runs_out_of_time_is_left_out_and_said() -> None:
    with _python("import time\ntime.sleep(60)\n") as proc:
        sampler = Sampler([proc.pid], interval=0.2, budget=0.0)
        _sampled(sampler, 0.5)
    usage = sampler.usage()
    assert usage.samples == ()  # a partial look would undercount: none is kept
    assert len(usage.warnings) == 1 and "took longer than 0s" in usage.warnings[0]
