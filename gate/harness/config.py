"""`locust-gate run` configuration: `locust-gate.yml` plus command-line overrides.

The file (kebab-case keys) is `locust-gate.yml` in the working directory, or `--config
PATH`. Every key is also a flag of `locust-gate run`; flags win over the file. Relative
paths in the file resolve against the file's directory; relative paths given as flags
resolve against the working directory. With no file at all and no flags, the demo's
`locust-gate.yml` next to the package source is used when it exists.

Placeholders, expanded in `seed`, `start`, `workdir` and `env` values:
  `{python}`      the Python running the gate (sys.executable), so that the seed and the
                  backend use the same interpreter and virtualenv as the gate;
  `{output}`      the output directory (absolute);
  `{config_dir}`  the directory of the config file (the working directory without one).
In `seed` and `start`, which run through the shell, the expansions are shell-quoted.
"""

from __future__ import annotations

import math
import re
import shlex
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import gate
from gate.errors import UserError, location
from gate.files import yamlfile
from gate.harness.health import endpoint_of, is_url

CONFIG_NAME = "locust-gate.yml"
DEFAULT_OUTPUT_DIR = "locust-gate-out"

KEYS = (
    "locustfile",
    "host",
    "users",
    "spawn-rate",
    "run-time",
    "max-run-time",
    "shape",
    "processes",
    "tags",
    "exclude-tags",
    "locust-args",
    "seed",
    "start",
    "workdir",
    "env",
    "health",
    "health-timeout",
    "thresholds",
    "output-dir",
)

# The command-line flag for each key, where it is not `--KEY`.
FLAGS = {"locust-args": "--locust-arg"}

# Locust options the gate sets itself, or that have their own key: refused in locust-args.
_OWNED_OPTIONS = {
    "-f": "locustfile",
    "--locustfile": "locustfile",
    "-H": "host",
    "--host": "host",
    "-u": "users",
    "--users": "users",
    "-r": "spawn-rate",
    "--spawn-rate": "spawn-rate",
    "-t": "run-time",
    "--run-time": "run-time",
    "-T": "tags",
    "--tags": "tags",
    "-E": "exclude-tags",
    "--exclude-tags": "exclude-tags",
    "--processes": "processes",
    "--headless": "",
    "--csv": "",
    "--html": "",
    "--gate-results": "",
    "--exit-code-on-error": "",
    "--json": "",
    "--json-file": "",
}

# Shown in the fix for a file that is not a mapping of keys.
_EXAMPLE = "locustfile: locustfiles/api.py"

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")


@dataclass(frozen=True, kw_only=True)
class RunConfig:
    """Everything `locust-gate run` needs, validated; paths absolute, durations in seconds."""

    source: Path | None  # the config file used, None when only flags were given
    locustfile: Path
    host: str | None = None
    users: int = 1
    spawn_rate: float = 1.0
    run_time: int = 30  # seconds, whole (Locust's -t takes whole seconds)
    # The longest Locust may run before the gate stops it (harness failure); None: the run
    # time (or the LoadTestShape's stated duration) plus a margin.
    max_run_time: float | None = None
    # Whether the locustfile's LoadTestShape drives the load (then no -u/-r/-t are
    # passed); None: detected from the locustfile's source.
    shape: bool | None = None
    processes: int | None = None
    tags: tuple[str, ...] = ()
    exclude_tags: tuple[str, ...] = ()
    locust_args: tuple[str, ...] = ()
    seed: str | None = None  # shell command, placeholders expanded
    start: str | None = None  # shell command, placeholders expanded
    workdir: Path
    env: Mapping[str, str] = field(default_factory=dict)
    health: str | None = None  # http(s) URL, or host:port for a TCP connect check
    health_timeout: float = 30.0  # seconds
    thresholds: Path | None = None
    output_dir: Path


def demo_config_path() -> Path:
    """The demo's config at the root of the source tree (absent in an installed package)."""
    return Path(gate.__file__).resolve().parent.parent / CONFIG_NAME


def load_config(
    path: Path | None, overrides: Mapping[str, object], *, cwd: Path | None = None
) -> RunConfig:
    """Read the config file (or find one), apply `overrides` (kebab-case keys, values as
    the flags give them; None or empty means "not given") and validate. UserError on any
    problem, naming the file, line, key and the fix."""
    cwd = (cwd or Path.cwd()).resolve()
    given = {k: v for k, v in overrides.items() if v is not None and v not in ((), [])}
    for key in given:
        if key not in KEYS:
            raise UserError(f"unknown option {key!r}", where="command line", fix=_did_you_mean(key))

    if path is not None:
        source: Path | None = (cwd / path).resolve()
        assert source is not None
        if not source.is_file():
            raise UserError(
                f"config file {path} does not exist",
                where=str(source),
                fix=f"create it, or pass --config with the path of your {CONFIG_NAME}",
            )
    elif (cwd / CONFIG_NAME).is_file():
        source = cwd / CONFIG_NAME
    elif not given and demo_config_path().is_file():
        source = demo_config_path()
    elif not given:
        raise UserError(
            f"no {CONFIG_NAME} in {cwd}",
            fix=f"create {CONFIG_NAME} (see the README), or pass --config PATH "
            "or --locustfile and the other flags",
        )
    else:
        source = None

    values: dict[str, object] = {}
    lines: dict[str, int] = {}
    if source is not None:
        values, lines = _read_file(source)
    base = source.parent if source is not None else cwd
    builder = _Builder(source=source, lines=lines, file_values=values, flags=given, cwd=cwd)
    return builder.build(base)


def _read_file(path: Path) -> tuple[dict[str, object], dict[str, int]]:
    where = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read {path}: {exc}", where=where) from exc
    try:
        top = yamlfile.load(text, where, what=path.name, example=_EXAMPLE, allow_empty=True)
    except yamlfile.DuplicateKeyError as exc:
        raise UserError(
            f"key {exc.key!r} is set twice (lines {exc.first_line} and {exc.line})",
            where=exc.where,
            fix=exc.fix,
        ) from None
    for key in top:
        if key not in KEYS:
            raise UserError(
                f"unknown key {key!r} in {path.name}",
                where=location(where, top.key_lines[key], key),
                fix=_did_you_mean(key),
            )
    return dict(top), dict(top.key_lines)


def _did_you_mean(key: str) -> str:
    suggestion = yamlfile.suggest(key, KEYS)
    if suggestion:
        return f"did you mean {suggestion!r}? Known keys: {', '.join(KEYS)}"
    return f"known keys: {', '.join(KEYS)}"


def parse_duration(value: object) -> float | None:
    """Seconds from `30`, `2.5`, `30s`, `1m`, `1m30s`, `1h`, `500ms`; None if not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if not isinstance(value, str):
        return None
    text = value.strip().lower().replace(" ", "")
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return float(text)
    if not text or _DURATION_PART.sub("", text):
        return None
    scale = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
    return sum(float(num) * scale[unit] for num, unit in _DURATION_PART.findall(text))


class _Builder:
    """Validates one merged set of values, knowing where each came from."""

    def __init__(
        self,
        *,
        source: Path | None,
        lines: Mapping[str, int],
        file_values: Mapping[str, object],
        flags: Mapping[str, object],
        cwd: Path,
    ) -> None:
        self.source = source
        self.lines = lines
        self.file_values = file_values
        self.flags = flags
        self.cwd = cwd

    # -- where a value came from -------------------------------------------------------
    def where(self, key: str) -> str:
        if key in self.flags:
            return f"command line ({FLAGS.get(key, '--' + key)})"
        if self.source is not None:
            return location(str(self.source), self.lines.get(key), key)
        return key

    def fail(self, key: str, what: str, fix: str) -> UserError:
        return UserError(what, where=self.where(key), fix=fix)

    def get(self, key: str) -> object:
        if key in self.flags:
            return self.flags[key]
        return self.file_values.get(key)

    def base_for(self, key: str, config_base: Path) -> Path:
        return self.cwd if key in self.flags else config_base

    # -- typed getters ---------------------------------------------------------------
    def positive_int(self, key: str, default: int, *, allow_minus_one: bool = False) -> int:
        value = self.get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(
                key,
                f"{key} must be a whole number, got {yamlfile.kind(value)}",
                f"write e.g. `{key}: 5` without quotes",
            )
        if value <= 0 and not (allow_minus_one and value == -1):
            extra = " (or -1: one per CPU core)" if allow_minus_one else ""
            raise self.fail(key, f"{key} must be at least 1{extra}, got {value}", f"set {key}: 1")
        return value

    def positive_number(self, key: str, default: float) -> float:
        value = self.get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(
                key,
                f"{key} must be a number, got {yamlfile.kind(value)}",
                f"write e.g. `{key}: 5` without quotes",
            )
        if not value > 0 or math.isinf(value):
            raise self.fail(key, f"{key} must be greater than 0, got {value}", f"set {key}: 1")
        return float(value)

    def duration(self, key: str, default: float) -> float:
        value = self.get(key)
        if value is None:
            return default
        seconds = parse_duration(value)
        if seconds is None:
            raise self.fail(
                key,
                f"{key} is not a duration: {value!r}",
                f"write e.g. `{key}: 30s`, `1m`, `1m30s` or a number of seconds",
            )
        if seconds <= 0:
            raise self.fail(key, f"{key} must be longer than 0, got {value!r}", f"e.g. {key}: 30s")
        return seconds

    def boolean(self, key: str) -> bool | None:
        value = self.get(key)
        if value is None or isinstance(value, bool):
            return value
        raise self.fail(
            key, f"{key} must be true or false, got {yamlfile.kind(value)}", f"`{key}: true`"
        )

    def string(self, key: str) -> str | None:
        value = self.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.fail(
                key,
                f"{key} must be a non-empty string, got {yamlfile.kind(value)}",
                f'quote it: `{key}: "..."`',
            )
        return value.strip()

    def tags(self, key: str) -> tuple[str, ...]:
        value = self.get(key)
        if value is None:
            return ()
        flag = key in self.flags
        if isinstance(value, str):
            items: Sequence[object] = [value]
        elif isinstance(value, list | tuple):
            items = value
        else:
            raise self.fail(
                key, f"{key} must be a list of tags, got {yamlfile.kind(value)}", f"`{key}: [a, b]`"
            )
        tags: list[str] = []
        for item in items:
            if not isinstance(item, str) or not item.strip():
                raise self.fail(
                    key, f"{key} must be a list of tag names, got {item!r}", f"`{key}: [a, b]`"
                )
            if "," in item or any(c.isspace() for c in item.strip()):
                parts = [p for p in re.split(r"[,\s]+", item) if p]
                fix = (
                    " ".join(f"{FLAGS.get(key, '--' + key)} {p}" for p in parts)
                    if flag
                    else f"{key}: [{', '.join(parts)}]"
                )
                raise self.fail(
                    key,
                    f"{key} {item!r} would be one tag named {item!r}: Locust does not split "
                    "tags on commas, so every task would be filtered out and the run would "
                    "make zero requests",
                    f"give one tag per item: {fix}",
                )
            tags.append(item.strip())
        return tuple(tags)

    def locust_args(self) -> tuple[str, ...]:
        key = "locust-args"
        value = self.get(key)
        if value is None:
            return ()
        if isinstance(value, str):
            args = shlex.split(value)
        elif isinstance(value, list | tuple) and all(
            isinstance(v, str | int | float) and not isinstance(v, bool) for v in value
        ):
            args = [str(v) for v in value]
        else:
            raise self.fail(
                key,
                f"locust-args must be a list of strings, got {value!r}",
                'e.g. `locust-args: ["--stop-timeout", "5"]`',
            )
        for arg in args:
            option = arg.split("=", 1)[0]
            if option in _OWNED_OPTIONS:
                owner = _OWNED_OPTIONS[option]
                fix = (
                    f"use the `{owner}` key (or {FLAGS.get(owner, '--' + owner)}) instead"
                    if owner
                    else "remove it: the gate sets it (it reads its own exact results "
                    "and decides pass/fail itself)"
                )
                raise self.fail(key, f"locust-args may not contain {option}", fix)
        return tuple(args)

    def env(self, placeholders: Mapping[str, str]) -> dict[str, str]:
        key = "env"
        merged: dict[str, str] = {}
        file_value = self.file_values.get(key)
        if file_value is not None:
            if not isinstance(file_value, dict):
                raise UserError(
                    f"env must be a mapping of NAME: value, got {yamlfile.kind(file_value)}",
                    where=location(str(self.source), self.lines.get(key), key),
                    fix="e.g.\n    env:\n      DB_URL: sqlite:///demo.db",
                )
            for name, val in file_value.items():
                if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
                    raise UserError(
                        f"env name {name!r} is not a valid environment variable name",
                        where=location(str(self.source), self.lines.get(key), key),
                        fix="use letters, digits and underscores",
                    )
                if isinstance(val, dict | list) or val is None:
                    raise UserError(
                        f"env {name} must be a string or number, got {yamlfile.kind(val)}",
                        where=location(str(self.source), self.lines.get(key), key),
                        fix=f'quote it: `{name}: "..."`',
                    )
                text = str(val).lower() if isinstance(val, bool) else str(val)
                merged[name] = _expand(text, placeholders, quote=False)
        flag_value = self.flags.get(key)
        if flag_value is not None:
            pairs: list[tuple[object, object]] = []
            if isinstance(flag_value, Mapping):
                pairs = list(flag_value.items())
            elif isinstance(flag_value, list | tuple):
                for entry in flag_value:
                    name, sep, val = str(entry).partition("=")
                    if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
                        raise self.fail(
                            key, f"--env expects KEY=VALUE, got {entry!r}", "--env NAME=value"
                        )
                    pairs.append((name, val))
            else:
                raise self.fail(key, "--env expects KEY=VALUE", "--env DB_URL=sqlite://")
            for name, val in pairs:
                merged[str(name)] = _expand(str(val), placeholders, quote=False)
        return merged

    def path(self, key: str, config_base: Path, *, default: str | None = None) -> Path | None:
        value = self.get(key)
        if value is None:
            if default is None:
                return None
            return (config_base / default).resolve()
        return self.path_value(key, value, config_base)

    def existing_file(self, key: str, config_base: Path, what: str) -> Path | None:
        found = self.path(key, config_base)
        if found is not None and not found.exists():
            raise self.fail(
                key,
                f"{what} {found} does not exist",
                f"fix the path (relative paths in {CONFIG_NAME} are relative to its directory"
                "; on the command line, to the working directory)",
            )
        return found

    # -- the whole config --------------------------------------------------------------
    def build(self, config_base: Path) -> RunConfig:
        locustfile_value = self.get("locustfile")
        if locustfile_value is None:
            fix = (
                f"add `locustfile: path/to/locustfile.py` to {self.source}"
                if self.source is not None
                else f"pass --locustfile, or create {CONFIG_NAME}"
            )
            raise UserError("no locustfile is configured", where=self.where("locustfile"), fix=fix)
        if isinstance(locustfile_value, str) and "," in locustfile_value:
            raise self.fail(
                "locustfile",
                f"locustfile must be one file, got {locustfile_value!r}",
                "import the other user classes from one locustfile",
            )
        locustfile = self.existing_file("locustfile", config_base, "the locustfile")
        assert locustfile is not None

        host = self.string("host")
        if host is not None and (not is_url(host) or endpoint_of(host) is None):
            raise self.fail(
                "host", f"host must be an http(s) URL, got {host!r}", "e.g. http://127.0.0.1:8089"
            )
        health = self.string("health")
        if health is not None and endpoint_of(health) is None:
            raise self.fail(
                "health",
                f"health must be an http(s) URL or host:port, got {health!r}",
                "e.g. http://127.0.0.1:8089/health, or 127.0.0.1:8089 for a TCP connect check",
            )

        output_dir = self.path("output-dir", config_base, default=DEFAULT_OUTPUT_DIR)
        assert output_dir is not None
        placeholders = {
            "{python}": sys.executable,
            "{output}": str(output_dir),
            "{config_dir}": str(config_base),
        }
        seed = self.string("seed")
        start = self.string("start")

        workdir_value = self.get("workdir")
        if isinstance(workdir_value, str):
            workdir_value = _expand(workdir_value, placeholders, quote=False)
        workdir = (
            config_base
            if workdir_value is None
            else self.path_value("workdir", workdir_value, config_base)
        )
        if not workdir.is_dir() and not workdir.is_relative_to(output_dir):
            raise self.fail(
                "workdir",
                f"workdir {workdir} is not a directory",
                "create it, or use a path under {output} (created for each run)",
            )

        return RunConfig(
            source=self.source,
            locustfile=locustfile,
            host=host,
            users=self.positive_int("users", 1),
            spawn_rate=self.positive_number("spawn-rate", 1.0),
            run_time=math.ceil(self.duration("run-time", 30.0)),
            max_run_time=self.duration("max-run-time", 0.0) or None,
            shape=self.boolean("shape"),
            processes=self.positive_int("processes", 0, allow_minus_one=True) or None,
            tags=self.tags("tags"),
            exclude_tags=self.tags("exclude-tags"),
            locust_args=self.locust_args(),
            seed=_expand(seed, placeholders, quote=True) if seed else None,
            start=_expand(start, placeholders, quote=True) if start else None,
            workdir=workdir,
            env=self.env(placeholders),
            health=health,
            health_timeout=self.duration("health-timeout", 30.0),
            thresholds=self.existing_file("thresholds", config_base, "the thresholds file"),
            output_dir=output_dir,
        )

    def path_value(self, key: str, value: object, config_base: Path) -> Path:
        if isinstance(value, Path):
            value = str(value)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, f"{key} must be a path, got {value!r}", f"`{key}: some/path`")
        return (self.base_for(key, config_base) / Path(value.strip()).expanduser()).resolve()


def _expand(text: str, placeholders: Mapping[str, str], *, quote: bool) -> str:
    for token, value in placeholders.items():
        text = text.replace(token, shlex.quote(value) if quote else value)
    return text
