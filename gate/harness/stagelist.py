"""The `stages` setting: a list of `{name, users, spawn-rate, duration}` load stages.

Only the setting's value is here, validated; the load shape that runs the stages and the
plugin's per-stage figures read `RunConfig.stages`. In `locust-gate.yml` (top level or a
profile) it is a YAML list; the flag `--stages` takes the same list as YAML flow text:
`--stages "[{name: before, users: 10, spawn-rate: 5, duration: 30s}]"`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import yaml

from gate.errors import location
from gate.files import yamlfile
from gate.harness import validators as v
from gate.harness.validators import Given

KEYS = ("name", "users", "spawn-rate", "duration")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,39}")
_EXAMPLE = "{name: before, users: 10, spawn-rate: 5, duration: 30s}"


@dataclass(frozen=True, kw_only=True)
class Stage:
    """One stage: `users` at `spawn_rate` per second, held for `duration` seconds."""

    name: str
    users: int
    spawn_rate: float
    duration: float


def stages(value: object, given: Given) -> tuple[Stage, ...]:
    if given.from_flag and isinstance(value, str):
        try:
            value = yaml.safe_load(value)
        except yaml.YAMLError as exc:
            raise given.fail(f"--stages is not a YAML list: {exc}",
                             f'--stages "[{_EXAMPLE}]"') from None
    if not isinstance(value, list) or not value:
        raise given.fail(f"{given.key} must be a non-empty list of stages, got "
                         f"{yamlfile.kind(value)}", f"{given.key}:\n  - {_EXAMPLE}")
    lines = value.item_lines if isinstance(value, yamlfile.Seq) else []
    found = tuple(_stage(item, number, given, lines) for number, item in enumerate(value))
    names = [s.name for s in found]
    if twice := sorted({n for n in names if names.count(n) > 1}):
        raise given.fail(f"{given.key}: the stage name {twice[0]!r} is used twice",
                         "give every stage its own name (rules and reports name stages)")
    return found


def _stage(item: object, number: int, outer: Given, lines: list[int]) -> Stage:
    given = _at(outer, number, lines)
    if not isinstance(item, dict):
        raise given.fail(f"{given.key} must be a mapping, got {yamlfile.kind(item)}",
                         f"write it as {_EXAMPLE}")
    unknown = [str(k) for k in item if k not in KEYS]
    missing = [k for k in KEYS if k not in item]
    if unknown or missing:
        what = (f"unknown key {unknown[0]!r}" if unknown else f"no {missing[0]!r}")
        raise given.fail(f"{given.key}: {what}",
                         f"a stage has exactly the keys {', '.join(KEYS)}: {_EXAMPLE}")
    name = item["name"]
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise given.fail(f"{given.key}: the name must be 1-40 letters, digits, spaces, '.', "
                         f"'_' or '-', got {yamlfile.kind(name)}", "e.g. `name: spike`")
    return Stage(
        name=name,
        users=v.positive_int(item["users"], _key(given, "users")),
        spawn_rate=v.positive_number(item["spawn-rate"], _key(given, "spawn-rate")),
        duration=v.duration(item["duration"], _key(given, "duration")),
    )


def _at(given: Given, number: int, lines: list[int]) -> Given:
    """The Given of one stage: its own line in the file, `stages[N]` as its key."""
    key = f"{given.key}[{number}]"
    if given.file is not None and number < len(lines):
        return replace(given, key=key, where=location(given.file, lines[number], key))
    return replace(given, key=key)


def _key(given: Given, key: str) -> Given:
    return replace(given, key=f"{given.key}.{key}")
