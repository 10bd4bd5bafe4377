"""The `user-classes` setting: which of the locustfile's user classes run, and their mix.

A list (`[StressTest]`) selects classes by name, as Locust's positional class names do.
A mapping of weights (`{WebFormUser: 60, EmailUser: 30}`) selects them and sets the mix
with Locust's own mechanism, not a fork: `--config-users` sets each class's `weight` (and
`fixed_count: 0`, which would otherwise pin a count and override the weight) before the
users are spawned, and Locust's dispatcher hands out users in that ratio. Requests follow
users, so the weights hold in the request mix when the classes' tasks are alike in pace.

A name the locustfile does not define would make Locust exit with "Unknown User(s)" after
the backend was started; `require_known` asks Locust itself (`locust -f FILE --list`, which
imports the locustfile as the run would) before anything starts, and names the classes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from gate.errors import UserError
from gate.files import yamlfile
from gate.harness.validators import Given

LIST_TIMEOUT = 60.0  # seconds `locust --list` may take to import the locustfile
MAX_WEIGHT = 1_000_000


@dataclass(frozen=True, kw_only=True)
class UserClass:
    """One user class to run; `weight` None: the locustfile's own weight."""

    name: str
    weight: int | None = None


def user_classes(value: object, given: Given) -> tuple[UserClass, ...]:
    """A list of names, a mapping of name -> weight, or (flags) `NAME` / `NAME=WEIGHT`."""
    if given.from_flag and isinstance(value, list | tuple):
        value = _from_flags(value, given)
    if isinstance(value, dict):
        classes = tuple(
            UserClass(name=_name(name, given), weight=_weight(name, weight, given))
            for name, weight in value.items()
        )
    elif isinstance(value, list | tuple):
        classes = tuple(UserClass(name=_name(item, given)) for item in value)
    else:
        raise given.fail(
            f"{given.key} must be a list of user class names or a mapping of weights, got "
            f"{yamlfile.kind(value)}",
            f"`{given.key}: [WebFormUser, EmailUser]` or "
            f"`{given.key}: {{WebFormUser: 60, EmailUser: 40}}`",
        )
    if not classes:
        raise given.fail(f"{given.key} is empty", f"name a class, or remove `{given.key}`")
    names = [c.name for c in classes]
    if len(set(names)) != len(names):
        raise given.fail(f"{given.key} names a class twice: {', '.join(names)}",
                         "name each class once")
    return classes


def _from_flags(values: Sequence[object], given: Given) -> object:
    """`--user-class A --user-class B` (a list) or `A=60 B=40` (a mapping); not mixed."""
    pairs = [str(v).partition("=") for v in values]
    weighted = [sep == "=" for _, sep, _ in pairs]
    if all(weighted):
        weights: dict[str, object] = {}
        for name, _, weight in pairs:
            try:
                weights[name] = int(weight)
            except ValueError:
                raise given.fail(f"{given.flag} {name}={weight}: the weight is not a whole "
                                 "number", f"{given.flag} {name}=60") from None
        return weights
    if any(weighted):
        raise given.fail(f"{given.flag}: give every class a weight (NAME=WEIGHT) or none",
                         f"{given.flag} WebFormUser=60 {given.flag} EmailUser=40")
    return [name for name, _, _ in pairs]


def _name(name: object, given: Given) -> str:
    if not isinstance(name, str) or not name.isidentifier():
        raise given.fail(f"{given.key}: {name!r} is not a Python class name",
                         "write the class name as in the locustfile, e.g. WebFormUser")
    return name


def _weight(name: str, weight: object, given: Given) -> int:
    if isinstance(weight, bool) or not isinstance(weight, int) or not 0 < weight <= MAX_WEIGHT:
        raise given.fail(
            f"{given.key}: the weight of {name} must be a whole number from 1 to "
            f"{MAX_WEIGHT:,}, got {yamlfile.kind(weight)}",
            f"e.g. `{name}: 40` (weights are relative: 40 of a total of 100 is 40 %)",
        )
    return weight


def locust_arguments(classes: Sequence[UserClass]) -> list[str]:
    """`--config-users JSON` for the weights (nothing when none is set); the names go on
    Locust's command line as positional arguments (`positional`)."""
    weighted = [c for c in classes if c.weight is not None]
    if not weighted:
        return []
    config = [{"user_class_name": c.name, "weight": c.weight, "fixed_count": 0}
              for c in weighted]
    return [f"--config-users={json.dumps(config, separators=(',', ':'))}"]


def positional(classes: Sequence[UserClass]) -> list[str]:
    return [c.name for c in classes]


def require_known(classes: Sequence[UserClass], locustfile: Path, *, cwd: Path | None) -> None:
    """UserError naming the locustfile's classes when a name is not one of them. When
    Locust cannot list them (the locustfile fails to import), the run reports that itself."""
    if not classes:
        return
    available = available_classes(locustfile, cwd=cwd)
    if available is None:
        return
    unknown = [c.name for c in classes if c.name not in available]
    if not unknown:
        return
    hints = [f"{name} (did you mean {close}?)" if (close := yamlfile.suggest(name, available))
             else name for name in unknown]
    raise UserError(
        f"user-classes names {', '.join(hints)}, which {locustfile.name} does not define",
        where=f"user-classes (the classes of {locustfile})",
        fix=f"the locustfile's user classes are: {', '.join(available) or 'none'}",
    )


def available_classes(locustfile: Path, *, cwd: Path | None) -> list[str] | None:
    """The user classes Locust finds in `locustfile` (`locust --list`), or None when it
    cannot say (the locustfile does not import, or it took too long)."""
    try:
        done = subprocess.run(
            [sys.executable, "-m", "locust", "-f", str(locustfile), "--list"],
            capture_output=True, text=True, timeout=LIST_TIMEOUT, cwd=cwd, check=False,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return None
    lines = done.stdout.splitlines()
    if done.returncode != 0 or "Available Users:" not in lines:
        return None
    start = lines.index("Available Users:") + 1
    return [line.strip() for line in lines[start:] if line.startswith("    ") and line.strip()]
