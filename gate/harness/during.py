"""What `run` samples while the load runs, besides Locust: one entry per kind in `SAMPLERS`.

Each entry makes the run's sampler from the config and the backend it started (None:
nothing to sample). `gate.harness.orchestrate` starts every sampler just before Locust,
stops them when Locust exits (also when it fails), and, once Locust's results.json is
there, lets each add what it measured to it (a section of its own, atomically).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

from gate.harness import process, resources
from gate.harness.config import RunConfig


class Sampler(Protocol):
    def start(self) -> None:
        """Take the first look and start sampling in the background (returns at once)."""

    def stop(self) -> None:
        """Stop sampling; bounded in time."""

    def save(self, results: Path) -> None:
        """Add what was measured to results.json."""


SAMPLERS: tuple[Callable[[RunConfig, process.Managed | None], Sampler | None], ...] = (
    resources.sampler,  # the backend's process tree: CPU, memory, threads, connections
)


@contextmanager
def sampling(config: RunConfig, backend: process.Managed | None) -> Iterator[list[Sampler]]:
    """The run's samplers, started; stopped when the block exits, however it exits."""
    made = [s for make in SAMPLERS if (s := make(config, backend)) is not None]
    started: list[Sampler] = []
    try:
        for sampler in made:
            sampler.start()
            started.append(sampler)
        yield started
    finally:
        for sampler in started:
            sampler.stop()
