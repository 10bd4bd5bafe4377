"""The `profiles:` section of `locust-gate.yml`: named loads with their own settings.

```yaml
profiles:
  smoke: {users: 10, spawn-rate: 2, run-time: 1m, thresholds: thresholds/smoke.yml}
  stress: {users: 500, user-classes: [StressTest], thresholds: thresholds/stress.yml}
```

A profile holds any run setting (`gate.harness.settings`) but `profile` itself; the one
chosen by `profile` (`run --profile NAME`, the Action's input, or the file's own `profile:`
key) overrides the top level, and flags override both (`gate.harness.config`). A profile
name is also part of the default PR comment id, so it uses the comment id's characters.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from gate.errors import UserError, location
from gate.files import yamlfile
from gate.harness.validators import Given

SECTION = "profiles"
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}")
NAME_RULE = "1-32 letters, digits, '.', '_' or '-', starting with a letter or digit"
_EXAMPLE = "profiles:\n  smoke:\n    users: 10\n    run-time: 1m"


@dataclass(frozen=True, kw_only=True)
class Profile:
    """The chosen profile: its settings as written, and the line of each key."""

    name: str
    values: Mapping[str, object]
    lines: Mapping[str, int] = field(default_factory=dict)


def check_name(name: str, where: str) -> str:
    if not NAME.fullmatch(name):
        raise UserError(f"invalid profile name {name!r}", where=where,
                        fix=f"a profile name is {NAME_RULE}")
    return name


def choose(
    section: object, name: str, *, source: Path | None, line: int | None, keys: Sequence[str]
) -> Profile:
    """The profile `name` of the `profiles:` section (`section`, None when the file has
    none; written at `line`); `keys` are the settings a profile may hold. UserError,
    listing the profiles, for an unknown name."""
    file = str(source) if source is not None else "command line"
    if source is None or section is None:
        raise UserError(
            f"profile {name!r} was asked for, but "
            + (f"{source.name} has no `profiles:` section" if source else "no config file is used"),
            where=file if source is None else location(file),
            fix=f"define it in locust-gate.yml:\n{yamlfile.indent(_EXAMPLE)}",
        )
    profiles = _section(section, file, line)
    if name not in profiles:
        close = yamlfile.suggest(name, list(profiles))
        hint = f"did you mean {close!r}? " if close else ""
        raise UserError(
            f"no profile {name!r} in {source.name}",
            where=location(file, line, SECTION),
            fix=f"{hint}the profiles are: {', '.join(profiles) or 'none'}",
        )
    values = profiles[name]
    key_lines = values.key_lines if isinstance(values, yamlfile.Map) else {}
    for key in values:
        if key not in keys:
            close = yamlfile.suggest(str(key), keys)
            raise UserError(
                f"unknown key {key!r} in profile {name!r}",
                where=location(file, key_lines.get(key), f"{SECTION}.{name}.{key}"),
                fix=(f"did you mean {close!r}? " if close else "")
                + f"a profile holds run settings: {', '.join(keys)}",
            )
    return Profile(name=name, values=dict(values), lines=dict(key_lines))


def _section(section: object, file: str, line: int | None) -> dict[str, dict[str, object]]:
    """Every profile, checked for shape (name and mapping): a typo in one profile is an
    error whichever profile runs."""
    if not isinstance(section, dict) or not section:
        raise UserError(
            f"`{SECTION}` must be a mapping of profile names to settings, got "
            f"{yamlfile.kind(section)}",
            where=location(file, line, SECTION),
            fix=f"write it as:\n{yamlfile.indent(_EXAMPLE)}",
        )
    lines = section.key_lines if isinstance(section, yamlfile.Map) else {}
    profiles: dict[str, dict[str, object]] = {}
    for name, written in section.items():
        where = location(file, lines.get(name), f"{SECTION}.{name}")
        check_name(str(name), where)
        values = yamlfile.Map(lines.get(name) or 1) if written is None else written
        if not isinstance(values, dict):
            raise UserError(
                f"profile {name!r} must be a mapping of settings, got {yamlfile.kind(values)}",
                where=where, fix=f"write it as:\n{yamlfile.indent(_EXAMPLE)}",
            )
        profiles[str(name)] = values
    return profiles


def profile_setting(value: object, given: Given) -> str:
    """The `profile` setting's validator: a profile name (whether it exists is `choose`'s)."""
    return name_of(value, given.where)


def name_of(value: object, where: str) -> str:
    if not isinstance(value, str) or not NAME.fullmatch(value.strip()):
        raise UserError(f"profile must be a profile name, got {yamlfile.kind(value)}",
                        where=where, fix=f"a profile name is {NAME_RULE}, e.g. `--profile smoke`")
    return value.strip()
