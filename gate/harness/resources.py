"""The backend's resources while the load runs: its process tree sampled once a second.

`run` starts a `Sampler` when Locust starts and stops it when Locust exits. Each sample
walks the trees of the backend's `start` command (or, for a start command that
daemonised, of its daemon's processes) and of the process named by the
`resources-pidfile` setting, read afresh each time (a worker the seed started, a server
that writes its pid once it listens): children that appear later (workers forked by
uvicorn or gunicorn) are included, processes that exited are dropped without error. Per
sample: resident memory summed over the processes, CPU time used since the last sample
per second of wall time (1.0 = one core), threads, open TCP connections (listening
sockets left out, a connection shared by forked workers counted once) and processes.
A sample is bounded in time (`BUDGET`): one that runs out of it is left out (a partial
look would undercount; the next sample covers its interval), and the report says so.

Why here and not in the Locust plugin: `run` started the backend and knows its process
tree; Locust may run as several processes (`--processes`), under gevent, where blocking
reads of /proc would stall the users. After Locust exits, `save` adds the samples to
results.json as its `backend` section (`gate.results.backend`), atomically, with times
relative to the run's start as the load series has them. Samples are bounded like that
series (`gate.results.series.Slices`): one a second for 10 minutes, then slices that
double in width. A backend outside the process tree (a service container, a remote host)
cannot be sampled this way.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

import psutil

from gate.core.model import BackendUsage, ResourceSample
from gate.errors import UserError
from gate.harness import process
from gate.harness.config import RunConfig
from gate.results import backend as section
from gate.results import resultsfile
from gate.results.series import Slices

INTERVAL = 1.0  # seconds between samples
BUDGET = 0.5  # seconds one sample may take; a slower one is left out
_PIDFILE_BYTES = 64  # a pid file holds a number, not a document


def merged(first: ResourceSample, second: ResourceSample) -> ResourceSample:
    """One slice covering both (`second` follows `first`): peaks kept, CPU averaged."""
    seconds = second.t + second.seconds - first.t
    cpu_seconds = first.cpu * first.seconds + second.cpu * second.seconds
    return ResourceSample(
        t=first.t, seconds=seconds, rss=max(first.rss, second.rss),
        cpu=cpu_seconds / (first.seconds + second.seconds),
        threads=max(first.threads, second.threads),
        connections=max(first.connections, second.connections),
        processes=max(first.processes, second.processes),
    )


@dataclass(frozen=True, kw_only=True)
class _Reading:
    """One look at one process."""

    rss: int
    cpu: float  # seconds of CPU since it started
    threads: int
    connections: frozenset[tuple[object, object]]  # (local, remote) of each, not listening


@dataclass(frozen=True, kw_only=True)
class _Tree:
    """One look at the whole tree: sums, CPU seconds since the previous look, counts."""

    rss: int
    cpu: float
    threads: int
    connections: int
    processes: int


class Sampler:
    """Samples the trees under `pids` (and the pid file's process) in a thread."""

    def __init__(self, pids: Iterable[int], *, pidfile: Path | None = None,
                 interval: float = INTERVAL, budget: float = BUDGET) -> None:
        self.pids = tuple(pids)
        self.pidfile = pidfile
        self.interval = interval
        self.budget = budget
        self.slices: Slices[ResourceSample] = Slices(merge=merged)
        self.warnings: dict[str, None] = {}  # ordered, each said once
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._cpu: dict[tuple[int, float], float] = {}  # (pid, create time) -> CPU seconds
        self._started = 0.0  # wall clock (epoch) of the first look
        self._last = 0.0
        self._pidfile_pid: int | None = None

    def start(self) -> None:
        self._started = self._last = time.time()
        self._look()  # the CPU baseline: the first interval starts here
        self._thread = threading.Thread(target=self._loop, name="resources", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.budget + 2 * self.interval)
            self._thread = None

    def usage(self, *, start_time: float | None = None) -> BackendUsage:
        """The samples, with `t` relative to `start_time` (the run's; default: the first look)."""
        shift = self._started - (start_time if start_time is not None else self._started)
        return BackendUsage(
            samples=tuple(_shifted(s, shift) for s in self.slices.samples),
            warnings=(*self.warnings, *self._pidfile_warning()),
        )

    def save(self, results: Path) -> None:
        """Add the samples to `results` (results.json) as its `backend` section."""
        try:
            start_time = resultsfile.read(results).meta.start_time
        except UserError:
            return  # no usable results: the check reports that, not us
        resultsfile.add_section(results, section.KEY,
                                section.to_dict(self.usage(start_time=start_time)))

    def _loop(self) -> None:
        while not self._stop.wait(max(0.0, self._last + self.interval - time.time())):
            try:
                self.sample()
            except Exception as exc:  # a bug here must not print a traceback over the run
                self.warnings.setdefault(
                    f"sampling the backend's processes failed ({type(exc).__name__}) after "
                    f"{len(self.slices)} samples; the samples stop there", None)
                return

    def sample(self) -> None:
        """One sample of the interval since the last one; none when the look ran out of
        time (the next one then covers both intervals)."""
        began = time.time()
        seconds = max(began - self._last, 1e-6)
        tree = self._look()
        if tree is None:
            return
        self.slices.add(ResourceSample(
            t=self._last - self._started, seconds=seconds, rss=tree.rss,
            cpu=tree.cpu / seconds, threads=tree.threads, connections=tree.connections,
            processes=tree.processes,
        ))
        self._last = began

    def _look(self) -> _Tree | None:
        """The tree now, with its CPU seconds since the last look; None when the look ran
        out of its time budget (a partial look would undercount: it is not kept)."""
        deadline = time.monotonic() + self.budget
        rss = threads = 0
        cpu = 0.0
        seen: dict[tuple[int, float], float] = {}
        # A connection shared by forked workers (an inherited socket) counts once.
        connections: set[tuple[object, object]] = set()
        for proc in self._processes():
            if time.monotonic() > deadline:
                self.warnings.setdefault(
                    f"a sample of the backend's processes took longer than {self.budget:g}s "
                    "and was left out (the next one covers its time)", None)
                return None
            reading = _read(proc)
            if reading is None:
                continue  # it exited meanwhile
            key = (proc.pid, _created(proc))
            # A process first seen now ran, since its start, within this interval (or
            # before the first look, which is the baseline).
            before = self._cpu.get(key, 0.0 if key[1] >= self._last else reading.cpu)
            cpu += max(0.0, reading.cpu - before)
            seen[key] = reading.cpu
            rss += reading.rss
            threads += reading.threads
            connections |= reading.connections
        self._cpu = seen
        return _Tree(rss=rss, cpu=cpu, threads=threads, connections=len(connections),
                     processes=len(seen))

    def _processes(self) -> list[psutil.Process]:
        roots = [*self.pids, *self._pidfile_pids()]
        found: dict[int, psutil.Process] = {}
        for pid in roots:
            try:
                root = psutil.Process(pid)
                tree = [root, *root.children(recursive=True)]
            except psutil.Error:
                continue
            for proc in tree:
                found.setdefault(proc.pid, proc)
        return list(found.values())

    def _pidfile_pids(self) -> list[int]:
        if self.pidfile is None:
            return []
        pid = read_pid(self.pidfile)
        if pid is not None:
            self._pidfile_pid = pid
        return [pid] if pid is not None else []

    def _pidfile_warning(self) -> tuple[str, ...]:
        if self.pidfile is None or self._pidfile_pid is not None:
            return ()
        return (f"resources-pidfile {self.pidfile} never held a process id while the load "
                "ran, so the processes it names were not sampled (write the pid, a number, "
                "before the load starts, e.g. from the start command)",)


def read_pid(path: Path) -> int | None:
    """The process id a pid file holds (its first word), None when it holds none yet."""
    try:
        with path.open("rb") as handle:
            words = handle.read(_PIDFILE_BYTES).split()
    except OSError:
        return None
    if not words or not words[0].isdigit():
        return None
    pid = int(words[0])
    return pid if 0 < pid < 2**22 else None


def _read(proc: psutil.Process) -> _Reading | None:
    try:
        with proc.oneshot():
            if proc.status() == psutil.STATUS_ZOMBIE:
                return None
            times = proc.cpu_times()
            return _Reading(rss=proc.memory_info().rss, cpu=times.user + times.system,
                            threads=proc.num_threads(), connections=_connections(proc))
    except psutil.Error:
        return None


def _created(proc: psutil.Process) -> float:
    try:
        return proc.create_time()
    except psutil.Error:
        return 0.0


def _connections(proc: psutil.Process) -> frozenset[tuple[object, object]]:
    """The process's open TCP connections; listening sockets are not connections."""
    return frozenset((c.laddr, c.raddr) for c in proc.net_connections(kind="tcp")
                     if c.status != psutil.CONN_LISTEN)


def _shifted(sample: ResourceSample, shift: float) -> ResourceSample:
    return replace(sample, t=sample.t + shift)


def sampler(config: RunConfig, backend: process.Managed | None) -> Sampler | None:
    """The sampler of this run's backend, or None when there is nothing to sample (no
    `start` command and no `resources-pidfile`)."""
    pids: list[int] = []
    if backend is not None:
        pids.append(backend.pid)
        pids += [p.pid for p in backend.daemons or ()]
    if not pids and config.resources_pidfile is None:
        return None
    return Sampler(pids, pidfile=config.resources_pidfile)
