"""The composite Action's inputs and how each one maps onto `locust-gate run`.

`action.yml` hands every input to its scripts through the step's `env:` block, as
`LGA_<INPUT NAME>` (upper case, `-` -> `_`): GitHub sets no per-input variables for
composite actions (act does; nothing here may depend on them), and an input written as
`${{ … }}` inside `run:` text would be a template injection. `RUN_INPUTS` is the one
table from Action input to `locust-gate.yml` key (the key's flag is `--KEY`, except where
`gate.harness.config.FLAGS` says otherwise); tests keep it in sync with `action.yml`, the
README's input table and the run settings.

Where the Action's input name differs from the key, it is because the Action's name says
what a workflow author passes (a command, a URL, a directory): `seed-command` -> `seed`,
`start-command` -> `start`, `health-url` -> `health`, `working-directory` -> `workdir`.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass

from gate.errors import UserError

ENV_PREFIX = "LGA_"


@dataclass(frozen=True)
class RunInput:
    """One Action input that becomes `locust-gate run` flags."""

    name: str  # the Action input
    key: str  # the locust-gate.yml key (and `--KEY` flag) it sets
    # value | list (split on spaces/commas) | args (shell words) | env | switch (true/false)
    kind: str = "value"


# Action input -> run key, in action.yml's order. `config` is `--config` (not a key).
RUN_INPUTS: tuple[RunInput, ...] = (
    RunInput("locustfile", "locustfile"),
    RunInput("host", "host"),
    RunInput("users", "users"),
    RunInput("spawn-rate", "spawn-rate"),
    RunInput("run-time", "run-time"),
    RunInput("max-run-time", "max-run-time"),
    RunInput("shape", "shape", "switch"),
    RunInput("processes", "processes"),
    RunInput("tags", "tags", "list"),
    RunInput("exclude-tags", "exclude-tags", "list"),
    RunInput("locust-args", "locust-args", "args"),
    RunInput("seed-command", "seed"),
    RunInput("start-command", "start"),
    RunInput("health-url", "health"),
    RunInput("health-timeout", "health-timeout"),
    RunInput("seed-timeout", "seed-timeout"),
    RunInput("working-directory", "workdir"),
    RunInput("env", "env", "env"),
    RunInput("thresholds", "thresholds"),
)

# Run keys the Action sets itself rather than through a run input: the output directory;
# `baseline` and `save-baseline` come from the inputs of the same names through the
# Action's own steps (save-when decides whether to save); the finer baseline options are
# set in the `config` file.
ACTION_OWNED_KEYS = (
    "output-dir", "baseline", "save-baseline", "allow-mismatch", "baseline-branch", "keep",
    "save-failing",
)

# Inputs that drive the Action's own steps (not `locust-gate run` flags).
OTHER_INPUTS = (
    "config",
    "baseline",
    "save-baseline",
    "save-when",
    "compare",
    "github-token",
    "comment",
    "comment-id",
    "fail-on",
    "python-version",
    "artifact-name",
)

COMMENT_MODES = ("always", "on-change", "on-failure", "never")
FAIL_ON = ("fail", "warn", "never")
SAVE_WHEN = ("default-branch", "schedule", "always", "never")

# run flags that differ from `--KEY` (a test checks them against `locust-gate run`).
FLAG_FOR = {"locust-args": "--locust-arg"}


def env_name(input_name: str) -> str:
    """The environment variable that carries an input into the Action's scripts."""
    return ENV_PREFIX + input_name.upper().replace("-", "_")


def get(name: str, environ: Mapping[str, str] | None = None) -> str:
    """An input's value, stripped; "" when not given."""
    env = os.environ if environ is None else environ
    return env.get(env_name(name), "").strip()


def choice(name: str, allowed: tuple[str, ...], environ: Mapping[str, str] | None = None) -> str:
    value = get(name, environ).lower()
    if value not in allowed:
        raise UserError(
            f"input {name!r} must be one of {', '.join(allowed)}, got {value!r}",
            where=f"the Action's `with: {name}:`",
            fix=f"set `{name}: {allowed[0]}`",
        )
    return value


def run_arguments(environ: Mapping[str, str] | None = None) -> list[str]:
    """`locust-gate run` arguments for the inputs that were given (flags win over the
    config file, so an input given explicitly overrides the file's key)."""
    args: list[str] = []
    config = get("config", environ)
    if config:
        args += ["--config", config]
    for item in RUN_INPUTS:
        raw = get(item.name, environ)
        if not raw:
            continue
        flag = FLAG_FOR.get(item.key, "--" + item.key)
        if item.kind == "value":
            args.append(f"{flag}={raw}")
        elif item.kind == "switch":
            args.append(_switch(item, raw, flag))
        elif item.kind == "list":
            args += [f"{flag}={tag}" for tag in re.split(r"[\s,]+", raw) if tag]
        elif item.kind == "args":
            try:
                words = shlex.split(raw)
            except ValueError as exc:
                raise UserError(
                    f"input 'locust-args' is not valid shell words: {exc}",
                    where="the Action's `with: locust-args:`",
                    fix='quote like a shell: locust-args: --stop-timeout 5 --tags "a b"',
                ) from None
            args += [f"{flag}={word}" for word in words]
        else:  # env: one KEY=VALUE per line
            for line in raw.splitlines():
                if line.strip() and not line.lstrip().startswith("#"):
                    args.append(f"{flag}={line.strip()}")
    return args


def _switch(item: RunInput, raw: str, flag: str) -> str:
    value = raw.lower()
    if value not in ("true", "false"):
        raise UserError(
            f"input {item.name!r} must be true or false, got {raw!r}",
            where=f"the Action's `with: {item.name}:`",
            fix=f"set `{item.name}: true`, or leave it out",
        )
    return flag if value == "true" else "--no-" + flag.removeprefix("--")


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
