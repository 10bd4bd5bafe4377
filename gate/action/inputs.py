"""The composite Action's inputs and how each one maps onto `locust-gate run`.

`action.yml` hands every input to its scripts through the step's `env:` block, as
`LGA_<INPUT NAME>` (upper case, `-` -> `_`): GitHub sets no per-input variables for
composite actions (act does; nothing here may depend on them), and an input written as
`${{ … }}` inside `run:` text would be a template injection.

The run inputs are not listed here: a setting of `gate.harness.settings` that carries an
`ActionInput` is one (`RUN_INPUTS` is derived from that table, its flag is the setting's
flag). The inputs below drive the Action's own steps; each closed set is an enum. Tests
hold action.yml and the README's input table to both.

Where the Action's input name differs from the key, it is because the Action's name says
what a workflow author passes (a command, a URL, a directory): `seed-command` -> `seed`,
`start-command` -> `start`, `health-url` -> `health`, `working-directory` -> `workdir`.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Mapping
from enum import StrEnum
from typing import TypeVar

from gate.errors import UserError
from gate.github.sticky import Mode
from gate.harness import validators
from gate.harness.settings import SETTINGS, Setting, Split

ENV_PREFIX = "LGA_"
E = TypeVar("E", bound=StrEnum)

# The settings the Action sets through an input of their own, in the table's order.
RUN_INPUTS: tuple[Setting, ...] = tuple(s for s in SETTINGS if s.action is not None)


class FailOn(StrEnum):
    """Which verdict fails the job (a harness or configuration error always does)."""

    FAIL = "fail"
    WARN = "warn"  # warn or fail
    NEVER = "never"


class SaveWhen(StrEnum):
    """In which events the run is saved to `save-baseline`."""

    DEFAULT_BRANCH = "default-branch"  # push, schedule or dispatch on the default branch
    SCHEDULE = "schedule"  # schedule or workflow_dispatch events
    ALWAYS = "always"
    NEVER = "never"


# Inputs that drive the Action's own steps (not `locust-gate run` flags); the enum of
# each closed set, None for free text. `comment` takes the sticky comment's modes.
OTHER_INPUTS: Mapping[str, type[StrEnum] | None] = {
    "config": None,
    "save-baseline": None,
    "save-when": SaveWhen,
    "compare": None,
    "github-token": None,
    "comment": Mode,
    "comment-id": None,
    "fail-on": FailOn,
    "python-version": None,
    "artifact-name": None,
}


def env_name(input_name: str) -> str:
    """The environment variable that carries an input into the Action's scripts."""
    return ENV_PREFIX + input_name.upper().replace("-", "_")


def get(name: str, environ: Mapping[str, str] | None = None) -> str:
    """An input's value, stripped; "" when not given."""
    env = os.environ if environ is None else environ
    return env.get(env_name(name), "").strip()


def choice(name: str, allowed: type[E], environ: Mapping[str, str] | None = None,
           *, default: E | None = None) -> E:
    """A closed-set input as its enum member; `default` stands in for an empty input
    (action.yml gives every such input a default, so empty means set empty on purpose)."""
    value = get(name, environ).lower()
    if not value and default is not None:
        return default
    try:
        return allowed(value)
    except ValueError:
        names = [member.value for member in allowed]
        raise UserError(
            f"input {name!r} must be one of {', '.join(names)}, got {value!r}",
            where=f"the Action's `with: {name}:`",
            fix=f"set `{name}: {names[0]}`",
        ) from None


def run_arguments(environ: Mapping[str, str] | None = None) -> list[str]:
    """`locust-gate run` arguments for the inputs that were given (flags win over the
    config file, so an input given explicitly overrides the file's key)."""
    args: list[str] = []
    config = get("config", environ)
    if config:
        args += ["--config", config]
    for setting in RUN_INPUTS:
        assert setting.action is not None
        raw = get(setting.action.name, environ)
        if raw:
            args += _switch(setting, raw) if setting.flag_type is bool else [
                f"{setting.flag}={value}" for value in _values(setting, raw)]
    return args


def _values(setting: Setting, raw: str) -> list[str]:
    """The flag values of one input's text, split as its row says."""
    assert setting.action is not None
    split = setting.action.split
    if split is Split.WORDS:
        return [word for word in re.split(r"[\s,]+", raw) if word]
    if split is Split.SHELL:
        try:
            return shlex.split(raw)
        except ValueError as exc:
            raise UserError(
                f"input {setting.action.name!r} is not valid shell words: {exc}",
                where=f"the Action's `with: {setting.action.name}:`",
                fix='quote like a shell: locust-args: --stop-timeout 5 --tags "a b"',
            ) from None
    if split is Split.LINES:  # env: one KEY=VALUE per line
        return [f"{name}={value}" for name, value in _env_lines(raw)]
    return [raw]


def _env_lines(raw: str) -> list[tuple[str, str]]:
    """The `env` input's KEY=VALUE lines (blank and `#` lines skipped). A malformed line is
    named by its number, and by its key when that is a valid name: its value is never
    printed, here or later in the logged command line."""
    pairs = []
    for number, line in enumerate(raw.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            pairs.append(validators.split_env_entry(line.strip()))
        except validators.EnvEntryError as exc:
            raise UserError(
                f"line {number} of the input 'env' is not KEY=VALUE: {exc.what}; the value "
                "is not printed",
                where=f"the Action's `with: env:`, line {number}"
                + (f" ({exc.key})" if exc.key else ""),
                fix=f"write one KEY=VALUE per line, e.g. {validators.ENV_EXAMPLE}",
            ) from None
    return pairs


def _switch(setting: Setting, raw: str) -> list[str]:
    """`--KEY` or `--no-KEY` for "true" or "false" (an on/off flag takes no value)."""
    assert setting.action is not None
    value = raw.lower()
    if value not in ("true", "false"):
        raise UserError(
            f"input {setting.action.name!r} must be true or false, got {raw!r}",
            where=f"the Action's `with: {setting.action.name}:`",
            fix=f"set `{setting.action.name}: true`, or leave it out",
        )
    return [setting.flag if value == "true" else "--no-" + setting.flag.removeprefix("--")]


def printable(args: list[str]) -> str:
    """The command line for the log, with every `--env` value hidden (it may hold a
    password in a database URL)."""
    shown = []
    for arg in args:
        if arg.startswith("--env="):
            name = arg[len("--env="):].partition("=")[0]
            shown.append(f"--env={name}=***")
        else:
            shown.append(arg)
    return shlex.join(["locust-gate", "run", *shown])
