"""The `stages:` run setting: its validator (the shape that runs it is
`gate.results.loadshape`).

    stages:
      - {name: before, users: 100, spawn-rate: 20, duration: 2m}
      - {name: spike, users: 1000, spawn-rate: 200, duration: 1m}
      - {name: after, users: 100, spawn-rate: 200, duration: 2m}

`validate` is the setting's validator (a YAML list, or the same text as a flag); a profile
that carries `stages` uses it too. Each stage holds its users for its duration, one after
the other, and the run ends with the last; each gets its own exact figures. A
locustfile's own LoadTestShape still runs when there are no `stages`; both at once is
refused (`gate.harness.invocation`, and the plugin itself).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from gate.core.units import parse_seconds
from gate.files import yamlfile
from gate.results.loadshape import Stage, encode

if TYPE_CHECKING:
    from gate.harness.validators import Given

STAGE_KEYS = ("name", "users", "spawn-rate", "duration")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_EXAMPLE = "stages:\n  - {name: before, users: 10, spawn-rate: 5, duration: 1m}"
MAX_STAGES = 100


def validate(value: object, given: Given) -> tuple[Stage, ...]:
    """The `stages` setting: a list of `{name, users, spawn-rate, duration}` (a flag's
    text is read as YAML, e.g. `--stages '[{name: a, users: 5, spawn-rate: 5, duration: 10s}]'`)."""
    if isinstance(value, str):
        value = _yaml(value, given)
    if not isinstance(value, list) or not value:
        raise given.fail(
            "stages must be a non-empty list (it has no stages)" if value == []
            else f"stages must be a list of stages, got {yamlfile.kind(value)}",
            f"write\n{_EXAMPLE}",
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


__all__ = ["STAGE_KEYS", "Stage", "encode", "total_seconds", "validate"]
