"""The gate's load shape: the `stages:` run setting, run inside Locust.

`run` hands the stages to the plugin as JSON (`--gate-stages`, `encode`/`decode`); the
plugin installs `make_shape`'s LoadTestShape at Locust's `init`: each stage holds its users
for its duration, one after the other, and the run ends with the last. In the tick that
enters a stage the shape tells the plugin, which copies every endpoint's stats there
(`gate.results.boundaries`), so each stage gets its own exact figures. Locust's shape
worker ticks once a second, so a stage starts on the first tick at or after its nominal
start; the figures use the moments the copies were taken.

Pure data here; Locust is imported only inside `make_shape`, which runs in Locust. The
setting's validator is `gate.harness.stages`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, kw_only=True)
class Stage:
    """One stage: hold `users` (reached at `spawn_rate` per second) for `duration` s."""

    name: str
    users: int
    spawn_rate: float
    duration: float


def encode(stages: Sequence[Stage]) -> str:
    """The stages as the plugin's `--gate-stages` value (JSON)."""
    return json.dumps([
        {"name": s.name, "users": s.users, "spawn_rate": s.spawn_rate, "duration": s.duration}
        for s in stages
    ], separators=(",", ":"))  # fmt: skip


def decode(text: str) -> tuple[Stage, ...]:
    """`encode`'s text back (ValueError when it is not)."""
    items = json.loads(text)
    if not isinstance(items, list) or not items:
        raise ValueError("--gate-stages must be a non-empty JSON list")
    return tuple(
        Stage(name=str(i["name"]), users=int(i["users"]), spawn_rate=float(i["spawn_rate"]),
              duration=float(i["duration"]))
        for i in items
    )  # fmt: skip


def index_at(stages: Sequence[Stage], seconds: float) -> int | None:
    """The stage running `seconds` after the start; None after the last."""
    end = 0.0
    for index, stage in enumerate(stages):
        end += stage.duration
        if seconds < end:
            return index
    return None


def make_shape(stages: Sequence[Stage], on_stage: Callable[[int], None]) -> Any:
    """A LoadTestShape instance running `stages`; `on_stage(index)` is called in the tick
    that enters a stage, before the users change (the plugin copies the stats there)."""
    from locust import LoadTestShape  # noqa: PLC0415 (this runs inside Locust only)

    class GateStages(LoadTestShape):
        """The gate's `stages:` (see gate.harness.stages)."""

        current: int | None = None

        def tick(self) -> tuple[int, float] | None:
            index = index_at(stages, self.get_run_time())  # type: ignore[no-untyped-call]
            if index is None:
                return None
            if index != self.current:
                self.current = index
                on_stage(index)
            return stages[index].users, stages[index].spawn_rate

    return GateStages()  # type: ignore[no-untyped-call]
