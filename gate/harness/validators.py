"""The validators of `locust-gate run` settings: raw value (YAML or flag) -> typed value.

Each takes the value as given (never None: a setting that is not given takes its
default without validation) and a `Given` saying where it came from, so that every error
names the file, line and key, or the flag, and says how to fix it. The table in
`gate.harness.settings` says which validator each setting uses.
"""

from __future__ import annotations

import math
import re
import shlex
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from gate.baseline.storespec import StoreSpec, parse_spec
from gate.core.units import parse_seconds
from gate.errors import UserError, location
from gate.files import yamlfile
from gate.harness.health import endpoint_of, is_url

CONFIG_NAME = "locust-gate.yml"
MAX_DURATION = 7 * 86400.0  # seconds: the longest run-time, max-run-time or timeout
MAX_COUNT = 1_000_000  # users or processes: beyond any one machine
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True, kw_only=True)
class Given:
    """Where one raw value came from, and what validating it may need."""

    key: str  # the setting's YAML key
    flag: str  # its command-line flag
    where: str  # `file:line (at key)` or `command line (--flag)`
    from_flag: bool
    base: Path  # relative paths resolve here: the working directory for flags, else the file's
    placeholders: Mapping[str, str]  # {python}, {output}, {config_dir}
    file: str | None  # the config file, when the value came from it
    output_dir: Path
    # Locust options that a setting (or the gate itself, "") owns: refused in locust-args.
    owned_options: Mapping[str, str]

    def fail(self, what: str, fix: str) -> UserError:
        return UserError(what, where=self.where, fix=fix)


Validator = Callable[[object, Given], object]


# --- numbers and durations ------------------------------------------------------------


def positive_int(value: object, given: Given) -> int:
    return _whole(value, given, minimum_note="")


def processes(value: object, given: Given) -> int:
    """A positive count, or -1 (Locust: one process per CPU core)."""
    if value == -1 and not isinstance(value, bool):
        return -1
    return _whole(value, given, minimum_note=" (or -1: one per CPU core)")


def _whole(value: object, given: Given, *, minimum_note: str) -> int:
    key = given.key
    if isinstance(value, bool) or not isinstance(value, int):
        raise given.fail(
            f"{key} must be a whole number, got {yamlfile.kind(value)}",
            f"write e.g. `{key}: 5` without quotes",
        )
    if value > MAX_COUNT:
        raise given.fail(f"{key} must be at most {MAX_COUNT:,}, got {value:.3g}", f"set {key}: 10")
    if value <= 0:
        raise given.fail(f"{key} must be at least 1{minimum_note}, got {value}", f"set {key}: 1")
    return value


def positive_number(value: object, given: Given) -> float:
    key = given.key
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise given.fail(
            f"{key} must be a number, got {yamlfile.kind(value)}",
            f"write e.g. `{key}: 5` without quotes",
        )
    if not value > 0 or math.isinf(value):
        raise given.fail(f"{key} must be greater than 0, got {value}", f"set {key}: 1")
    return float(value)


def duration(value: object, given: Given) -> float:
    """Seconds, in the one duration grammar (`gate.core.units.parse_seconds`)."""
    key = given.key
    seconds = parse_seconds(value)
    if seconds is None:
        raise given.fail(
            f"{key} is not a duration: {value!r}",
            f"write e.g. `{key}: 30s`, `1m`, `1m30s` or a number of seconds",
        )
    if not seconds > 0:  # also NaN
        raise given.fail(f"{key} must be longer than 0, got {value!r}", f"e.g. {key}: 30s")
    if not seconds <= MAX_DURATION:  # also infinity: Locust and the waits need a bound
        raise given.fail(
            f"{key} must be at most {MAX_DURATION // 86400:g} days, got {value!r}",
            f"e.g. {key}: 30s, 10m or 2h",
        )
    return seconds


def whole_seconds(value: object, given: Given) -> int:
    """A duration rounded up to whole seconds (Locust's -t takes whole seconds)."""
    return math.ceil(duration(value, given))


def boolean(value: object, given: Given) -> bool:
    key = given.key
    if not isinstance(value, bool):
        raise given.fail(
            f"{key} must be true or false, got {yamlfile.kind(value)}", f"`{key}: true`"
        )
    return value


# --- text -------------------------------------------------------------------------------


def string(value: object, given: Given) -> str:
    key = given.key
    if not isinstance(value, str) or not value.strip():
        raise given.fail(
            f"{key} must be a non-empty string, got {yamlfile.kind(value)}",
            f'quote it: `{key}: "..."`',
        )
    return value.strip()


def store(value: object, given: Given) -> StoreSpec:
    """A baseline store string, parsed now into the `StoreSpec` the run carries
    (`gate.baseline.storespec`): a typo must not cost a whole load test before it shows."""
    text = string(value, given)
    try:
        return parse_spec(text)
    except UserError as error:
        raise given.fail(error.what, error.fix or "see `locust-gate baseline --help`") from None


def command(value: object, given: Given) -> str:
    """A shell command; placeholders are expanded shell-quoted."""
    return expand(string(value, given), given, quote=True)


def host_url(value: object, given: Given) -> str:
    host = expand(string(value, given), given, quote=False)
    if not is_url(host) or endpoint_of(host) is None:
        raise given.fail(f"host must be an http(s) URL, got {host!r}", "e.g. http://127.0.0.1:8089")
    return host


def bind_address(value: object, given: Given) -> str:
    """`host:port` for a listening socket (the master's), port 1-65535."""
    text = string(value, given)
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536 or " " in host:
        raise given.fail(
            f"{given.key} must be host:port, got {text!r}",
            f"e.g. `{given.key}: 127.0.0.1:5557`, or 0.0.0.0:5557 for workers on other machines",
        )
    return text


def health_target(value: object, given: Given) -> str:
    health = expand(string(value, given), given, quote=False)
    if endpoint_of(health) is None:
        raise given.fail(
            f"health must be an http(s) URL or host:port, got {health!r}",
            "e.g. http://127.0.0.1:8089/health, or 127.0.0.1:8089 for a TCP connect check",
        )
    return health


def tags(value: object, given: Given) -> tuple[str, ...]:
    key = given.key
    if isinstance(value, str):
        items: Sequence[object] = [value]
    elif isinstance(value, list | tuple):
        items = value
    else:
        raise given.fail(
            f"{key} must be a list of tags, got {yamlfile.kind(value)}", f"`{key}: [a, b]`"
        )
    return tuple(_tag(item, given) for item in items)


def _tag(item: object, given: Given) -> str:
    key = given.key
    if not isinstance(item, str) or not item.strip():
        raise given.fail(f"{key} must be a list of tag names, got {item!r}", f"`{key}: [a, b]`")
    if "," in item or any(c.isspace() for c in item.strip()):
        parts = [p for p in re.split(r"[,\s]+", item) if p]
        fix = (
            " ".join(f"{given.flag} {p}" for p in parts)
            if given.from_flag
            else f"{key}: [{', '.join(parts)}]"
        )
        raise given.fail(
            f"{key} {item!r} would be one tag named {item!r}: Locust does not split "
            "tags on commas, so every task would be filtered out and the run would "
            "make zero requests",
            f"give one tag per item: {fix}",
        )
    return item.strip()


def locust_args(value: object, given: Given) -> tuple[str, ...]:
    if isinstance(value, str):
        args = shlex.split(value)
    elif isinstance(value, list | tuple) and all(
        isinstance(v, str | int | float) and not isinstance(v, bool) for v in value
    ):
        args = [str(v) for v in value]
    else:
        raise given.fail(
            f"locust-args must be a list of strings, got {value!r}",
            'e.g. `locust-args: ["--stop-timeout", "5"]`',
        )
    for arg in args:
        option = arg.split("=", 1)[0]
        if option in given.owned_options:
            owner = given.owned_options[option]
            fix = (
                f"use the {owner} instead"
                if owner
                else "remove it: the gate sets it (it reads its own exact results "
                "and decides pass/fail itself)"
            )
            raise given.fail(f"locust-args may not contain {option}", fix)
    return tuple(args)


def env(value: object, given: Given) -> dict[str, str]:
    """A mapping in the file; `KEY=VALUE` items as flags. Placeholders are expanded.

    A value is never shown in an error, not even one of a malformed entry (it may be a
    password in a database URL, and a CI log is read by many): errors name the entry's
    line or position, and its key when the key is a valid name."""
    pairs = _env_flag_pairs(value, given) if given.from_flag else _env_file_pairs(value, given)
    lines = value.key_lines if isinstance(value, yamlfile.Map) else {}
    return {name: _env_value(name, val, given, lines.get(name)) for name, val in pairs}


class EnvEntryError(ValueError):
    """A `KEY=VALUE` entry that is not one; `what` says why without showing the entry."""

    def __init__(self, what: str, *, key: str | None) -> None:
        super().__init__(what)
        self.what = what
        self.key = key  # the entry's key when it is a valid name (safe to show), else None


def split_env_entry(entry: str) -> tuple[str, str]:
    """`KEY=VALUE` -> (KEY, VALUE); EnvEntryError, which never holds the value, if not.
    Shared by `--env` and the Action's `env` input (one entry per line)."""
    name, sep, val = entry.partition("=")
    if sep and _ENV_NAME.fullmatch(name):
        return name, val
    yaml_like = re.match(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*:", entry)
    if not sep and yaml_like:  # `DB_URL: postgres://...`, as in YAML
        key = yaml_like[1]
        raise EnvEntryError(f"{key} is written `{key}: value`; it needs `{key}=value`", key=key)
    if not sep:
        raise EnvEntryError("it has no `=`", key=None)
    raise EnvEntryError(
        "the text before `=` is not a valid environment variable name (letters, digits and "
        "underscores, not starting with a digit)",
        key=None,
    )


ENV_EXAMPLE = "DB_URL=postgres://db/app"  # what a fix shows instead of the user's entry


def _env_value(name: str, val: str, given: Given, line: int | None) -> str:
    """`val` with its placeholders expanded; an unknown one is named only by the key."""
    if any(m.group() not in given.placeholders for m in _PLACEHOLDER.finditer(val)):
        raise UserError(
            f"the value of env {name} holds an unknown placeholder (a name in braces such as "
            "{outptu}; the value is not printed)",
            where=_env_where(given, name, line),
            fix=f"the placeholders are {', '.join(given.placeholders)} (a shell variable "
            "written ${NAME} is left to the shell)",
        )
    return expand(val, given, quote=False)


def _env_where(given: Given, name: str | None, line: int | None = None) -> str:
    """The place of one env entry: its line in the file and its key (when valid)."""
    if given.file is None or line is None:
        return given.where if name is None else f"{given.where} (entry {name})"
    return location(given.file, line, f"env.{name}" if name is not None else "env")


def _env_file_pairs(value: object, given: Given) -> list[tuple[str, str]]:
    if not isinstance(value, dict):
        shown = (
            "a text (not printed: it may hold a secret)"
            if isinstance(value, str)
            else yamlfile.kind(value)
        )
        raise given.fail(
            f"env must be a mapping of NAME: value, got {shown}",
            "e.g.\n    env:\n      DB_URL: sqlite:///demo.db",
        )
    lines = value.key_lines if isinstance(value, yamlfile.Map) else {}
    pairs = []
    for name, val in value.items():
        line = lines.get(name)
        if not isinstance(name, str) or not _ENV_NAME.fullmatch(name):
            raise UserError(
                "an env key is not a valid environment variable name (the key and its value "
                "are not printed)",
                where=_env_where(given, None, line),
                fix="use letters, digits and underscores, not starting with a digit",
            )
        if isinstance(val, dict | list) or val is None:
            raise UserError(
                f"env {name} must be a string or number, got {yamlfile.kind(val)}",
                where=_env_where(given, name, line),
                fix=f'quote it: `{name}: "..."`',
            )
        pairs.append((name, str(val).lower() if isinstance(val, bool) else str(val)))
    return pairs


def _env_flag_pairs(value: object, given: Given) -> list[tuple[str, str]]:
    if isinstance(value, Mapping):
        return [(str(name), str(val)) for name, val in value.items()]
    if not isinstance(value, list | tuple):
        raise given.fail("--env expects KEY=VALUE", "--env DB_URL=sqlite://")
    pairs = []
    for number, entry in enumerate(value, start=1):
        try:
            pairs.append(split_env_entry(str(entry)))
        except EnvEntryError as exc:
            raise UserError(
                f"--env #{number} (of {len(value)}) is not KEY=VALUE: {exc.what}; the value "
                "is not printed",
                where=f"{given.where}, #{number}" + (f" ({exc.key})" if exc.key else ""),
                fix=f"pass --env {ENV_EXAMPLE}",
            ) from None
    return pairs


# --- paths ------------------------------------------------------------------------------


def path(value: object, given: Given) -> Path:
    key = given.key
    if isinstance(value, Path):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise given.fail(f"{key} must be a path, got {value!r}", f"`{key}: some/path`")
    return (given.base / Path(value.strip()).expanduser()).resolve()


def existing_file(what: str) -> Callable[[object, Given], Path]:
    """A path that must exist; `what` names it in the message ("the thresholds file")."""

    def validate(value: object, given: Given) -> Path:
        found = path(value, given)
        if not found.exists():
            raise given.fail(
                f"{what} {found} does not exist",
                f"fix the path (relative paths in {CONFIG_NAME} are relative to its directory"
                "; on the command line, to the working directory)",
            )
        return found

    return validate


def locustfile(value: object, given: Given) -> Path:
    if isinstance(value, str) and "," in value:
        raise given.fail(
            f"locustfile must be one file, got {value!r}",
            "import the other user classes from one locustfile",
        )
    return existing_file("the locustfile")(value, given)


def workdir(value: object, given: Given) -> Path:
    """A directory, or one under {output} (created for each run). Placeholders expanded."""
    if isinstance(value, str):
        value = expand(value, given, quote=False)
    found = path(value, given)
    if not found.is_dir() and not found.is_relative_to(given.output_dir):
        raise given.fail(
            f"workdir {found} is not a directory",
            "create it, or use a path under {output} (created for each run)",
        )
    return found


def pidfile(value: object, given: Given) -> Path:
    """A file that will hold a process id (it may not exist yet). Placeholders expanded."""
    if isinstance(value, str):
        value = expand(value, given, quote=False)
    found = path(value, given)
    if found.is_dir():
        raise given.fail(f"{given.key} {found} is a directory",
                         "name the file that holds the process id, e.g. {output}/worker.pid")
    return found


# `{name}` as a placeholder; `${NAME}` (a shell variable) and `{a,b}` are not ones.
_PLACEHOLDER = re.compile(r"(?<![$\\{])\{([A-Za-z_][A-Za-z0-9_-]*)\}(?!\})")


def expand(text: str, given: Given, *, quote: bool) -> str:
    """Replace the placeholders; an unknown `{name}` (a typo such as `{outptu}`) would
    reach the shell as is, so it is refused."""
    for match in _PLACEHOLDER.finditer(text):
        if match.group() not in given.placeholders:
            raise given.fail(
                f"unknown placeholder {match.group()} in {given.key}",
                f"the placeholders are {', '.join(given.placeholders)} (a shell variable "
                "written ${NAME} is left to the shell)",
            )
    for token, value in given.placeholders.items():
        text = text.replace(token, shlex.quote(value) if quote else value)
    return text
