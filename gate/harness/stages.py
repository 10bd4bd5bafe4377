"""The `stages:` run setting and the load shape that runs it.

    stages:
      - {name: before, users: 100, spawn-rate: 20, duration: 2m}
      - {name: spike, users: 1000, spawn-rate: 200, duration: 1m}
      - {name: after, users: 100, spawn-rate: 200, duration: 2m}

`validate` is the setting's validator (a YAML list, or the same text as a flag); a profile
that carries `stages` uses it too. `run` hands the stages to the plugin as JSON
(`--gate-stages`, `encode`/`decode`), and the plugin installs `make_shape`'s
LoadTestShape: each stage holds its users for its duration, one after the other, and the
run ends with the last. In the tick that enters a stage the shape tells the plugin, which
copies every endpoint's stats there (`gate.results.boundaries`): each stage gets its own
exact figures. A locustfile's own LoadTestShape still runs when there are no `stages`;
both at once is refused (`gate.harness.invocation`, and the plugin itself).

Pure data and parsing; Locust is imported only inside `make_shape`, which runs in Locust.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gate.core.units import parse_seconds
from gate.files import yamlfile

if TYPE_CHECKING:
    from gate.harness.validators import Given

STAGE_KEYS = ("name", "users", "spawn-rate", "duration")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_EXAMPLE = "stages:\n  - {name: before, users: 10, spawn-rate: 5, duration: 1m}"
MAX_STAGES = 100


@dataclass(frozen=True, kw_only=True)
class Stage:
    """One stage: hold `users` (reached at `spawn_rate` per second) for `duration` s."""

    name: str
    users: int
    spawn_rate: float
    duration: float


def validate(value: object, given: Given) -> tuple[Stage, ...]:
    """The `stages` setting: a list of `{name, users, spawn-rate, duration}` (a flag's
    text is read as YAML, e.g. `--stages '[{name: a, users: 5, spawn-rate: 5, duration: 10s}]'`)."""
    if isinstance(value, str):
        value = _yaml(value, given)
    if not isinstance(value, list) or not value:
        raise given.fail(
            f"stages must be a list of stages, got {yamlfile.kind(value)}", f"write\n{_EXAMPLE}"
        )
    if len(value) > MAX_STAGES:
        raise given.fail(f"at most {MAX_STAGES} stages, got {len(value)}", "merge stages")
    stages = tuple(_stage(item, index, given) for index, item in enumerate(value))
    names = [s.name for s in stages]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise given.fail(
            f"stage names must differ: {', '.join(twice)} is used more than once",
            "give each stage its own name (rules and reports find a stage by its name)",
        )
    return stages


def _yaml(text: str, given: Given) -> object:
    import yaml  # noqa: PLC0415 (only a --stages flag pays for it)

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        raise given.fail("stages is not valid YAML", f"write e.g. {_EXAMPLE}") from None


def _stage(item: object, index: int, given: Given) -> Stage:
    at = f"stages[{index}]"
    if not isinstance(item, dict):
        raise given.fail(f"{at} must be a mapping, got {yamlfile.kind(item)}", _EXAMPLE)
    unknown = [str(k) for k in item if k not in STAGE_KEYS]
    missing = [k for k in STAGE_KEYS if k not in item]
    if unknown or missing:
        what = f"unknown key {unknown[0]!r}" if unknown else f"no {missing[0]}"
        raise given.fail(f"{at}: {what}", f"each stage has exactly {', '.join(STAGE_KEYS)}")
    name = item["name"]
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise given.fail(
            f"{at}.name must be a short name of letters, digits, '_', '.' or '-', got "
            f"{yamlfile.kind(name)}",
            "e.g. name: spike",
        )
    users, rate = item["users"], item["spawn-rate"]
    if isinstance(users, bool) or not isinstance(users, int) or not 0 <= users <= 1_000_000:
        raise given.fail(f"{at}.users must be a whole number from 0, got {users!r}", "users: 10")
    if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 < rate < math.inf:
        raise given.fail(f"{at}.spawn-rate must be a number above 0, got {rate!r}", "spawn-rate: 5")
    seconds = parse_seconds(item["duration"])
    if seconds is None or not 0 < seconds <= 7 * 86400:
        raise given.fail(
            f"{at}.duration must be a duration from 1s to 7 days, got {item['duration']!r}",
            "duration: 1m",
        )
    return Stage(name=name, users=users, spawn_rate=float(rate), duration=math.ceil(seconds))


def total_seconds(stages: Sequence[Stage]) -> float:
    return sum(s.duration for s in stages)


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
