"""`locust-gate run` configuration: `locust-gate.yml` plus command-line overrides.

The file (kebab-case keys) is `locust-gate.yml` in the working directory, or `--config
PATH`. Every key is also a flag of `locust-gate run`; flags win over the file. A profile
of the file's `profiles:` section (`gate.harness.profiles`), chosen by `profile`, overrides
the file's top level; flags override both. Relative
paths in the file resolve against the file's directory; relative paths given as flags
resolve against the working directory. With no file at all and no flags, the demo's
`locust-gate.yml` next to the package source is used when it exists.

Placeholders, expanded in `seed`, `start`, `workdir`, `env` and `resources-pidfile` values:
  `{python}`      the Python running the gate (sys.executable), so that the seed and the
                  backend use the same interpreter and virtualenv as the gate;
  `{output}`      the output directory (absolute);
  `{config_dir}`  the directory of the config file (the working directory without one);
  `{port}`        a port on 127.0.0.1 that was free when the config was read: with
                  `run --against-ref`, each side's own (`Placement`), so that the base's
                  backend and the head's run at once.
In `seed` and `start`, which run through the shell, the expansions are shell-quoted; in
`host` and `health` they are expanded as they are.
"""

from __future__ import annotations

import socket
import sys
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass
from pathlib import Path
from typing import Any

import gate
from gate.errors import UserError, location
from gate.files import yamlfile
from gate.harness import profiles
from gate.harness.settings import BY_KEY, KEYS, SETTINGS, RunConfig, Setting, owned_options
from gate.harness.validators import CONFIG_NAME, Given

__all__ = ["CONFIG_NAME", "KEYS", "Placement", "RunConfig", "demo_config_path", "free_port",
           "load_config"]

# Shown in the fix for a file that is not a mapping of keys.
_EXAMPLE = "locustfile: locustfiles/api.py"


def demo_config_path() -> Path:
    """The demo's config at the root of the source tree (absent in an installed package)."""
    return Path(gate.__file__).resolve().parent.parent / CONFIG_NAME


@dataclass(frozen=True, kw_only=True)
class Placement:
    """Where one side of `run --against-ref` runs (`gate.harness.rounds`): its own port and
    output directory, and for the base, its checkout: `workdir` and `{config_dir}` move
    from the repository's tree into the base's worktree (`relocate`); the locustfile and
    the thresholds stay the head's."""

    port: int
    output_dir: Path
    relocate: Callable[[Path], Path] | None = None


def free_port() -> int:
    """A port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def load_config(
    path: Path | None, overrides: Mapping[str, object], *, cwd: Path | None = None,
    placement: Placement | None = None,
) -> RunConfig:
    """Read the config file (or find one), apply `overrides` (raw values keyed by YAML key,
    as the flags give them; None or empty means "not given") and validate. UserError on
    any problem, naming the file, line, key and the fix. `placement`: one side of a
    same-runner comparison."""
    cwd = (cwd or Path.cwd()).resolve()
    flags = {k: v for k, v in overrides.items() if v is not None and v not in ((), [])}
    for key in flags:
        if key not in BY_KEY:
            raise UserError(f"unknown option {key!r}", where="command line", fix=_did_you_mean(key))
    source = _find_source(path, cwd, flags_given=bool(flags))
    values, lines = _read_file(source) if source is not None else ({}, {})
    section = values.pop(profiles.SECTION, None)
    profile = _profile(source, values, lines, flags, section)
    return _Sources(source=source, lines=lines, file_values=values, flags=flags, cwd=cwd,
                    profile=profile, placement=placement).build()


def _profile(
    source: Path | None,
    values: Mapping[str, object],
    lines: Mapping[str, int],
    flags: Mapping[str, object],
    section: object,
) -> profiles.Profile | None:
    """The chosen profile (`--profile`, else the file's `profile:`), or None."""
    if "profile" not in flags and "profile" not in values:
        return None
    s = BY_KEY["profile"]
    from_flag = "profile" in flags
    where = (
        f"command line ({s.flag})"
        if from_flag
        else location(str(source), lines.get("profile"), "profile")
    )
    name = profiles.name_of(flags["profile"] if from_flag else values["profile"], where)
    keys = [key for key in KEYS if key != "profile"]
    return profiles.choose(section, name, source=source, line=lines.get(profiles.SECTION),
                           keys=keys)


def _find_source(path: Path | None, cwd: Path, *, flags_given: bool) -> Path | None:
    if path is not None:
        source = (cwd / path).resolve()
        if not source.is_file():
            raise UserError(
                f"config file {path} does not exist",
                where=str(source),
                fix=f"create it, or pass --config with the path of your {CONFIG_NAME}",
            )
        return source
    if (cwd / CONFIG_NAME).is_file():
        return cwd / CONFIG_NAME
    if flags_given:
        return None
    if demo_config_path().is_file():
        return demo_config_path()
    raise UserError(
        f"no {CONFIG_NAME} in {cwd}",
        fix=f"create {CONFIG_NAME} (see the README), or pass --config PATH "
        "or --locustfile and the other flags",
    )


def _read_file(path: Path) -> tuple[dict[str, object], dict[str, int]]:
    where = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read {path}: {exc}", where=where) from exc
    try:
        top = yamlfile.parse_yaml(text, where, what=path.name, example=_EXAMPLE, allow_empty=True,
                            secret=frozenset({"env"}))
    except yamlfile.DuplicateKeyError as exc:
        raise UserError(
            f"key {exc.key!r} is set twice (lines {exc.first_line} and {exc.line})",
            where=exc.where,
            fix=exc.fix,
        ) from None
    for key in top:
        if key not in BY_KEY and key != profiles.SECTION:
            raise UserError(
                f"unknown key {key!r} in {path.name}",
                where=location(where, top.key_lines[key], key),
                fix=_did_you_mean(key),
            )
    return dict(top), dict(top.key_lines)


def _did_you_mean(key: str) -> str:
    known = (*KEYS, profiles.SECTION)
    suggestion = yamlfile.suggest(key, known)
    if suggestion:
        return f"did you mean {suggestion!r}? Known keys: {', '.join(known)}"
    return f"known keys: {', '.join(known)}"


class _Sources:
    """The file's values and the flags, merged setting by setting; knows where each came
    from, so the validators' errors name the file and line or the flag."""

    def __init__(
        self,
        *,
        source: Path | None,
        lines: Mapping[str, int],
        file_values: Mapping[str, object],
        flags: Mapping[str, object],
        cwd: Path,
        profile: profiles.Profile | None,
        placement: Placement | None = None,
    ) -> None:
        self.placement = placement
        self.source = source
        self.profile = profile
        self.lines = lines
        self.file_values = file_values
        self.flags = flags
        self.cwd = cwd
        self.config_base = source.parent if source is not None else cwd
        self.owned = owned_options()

    def build(self) -> RunConfig:
        # The output directory first: the placeholders of the other settings name it.
        placement = self.placement
        output_dir = (placement.output_dir if placement is not None
                      else self.value(BY_KEY["output-dir"], {}, Path()))
        assert isinstance(output_dir, Path)
        relocate = placement.relocate if placement is not None else None
        placeholders = {
            "{python}": sys.executable,
            "{output}": str(output_dir),
            "{config_dir}": str(relocate(self.config_base) if relocate else self.config_base),
            "{port}": str(placement.port if placement is not None else free_port()),
        }
        # Typed by the validators (each returns its field's type; tests build every one).
        values: dict[str, Any] = {
            s.field: self.value(s, placeholders, output_dir) for s in SETTINGS
        }
        values["output_dir"] = output_dir
        if relocate is not None:
            values["workdir"] = relocate(values["workdir"])
        return RunConfig(source=self.source, **values)

    def value(self, s: Setting, placeholders: Mapping[str, str], output_dir: Path) -> object:
        """One setting's typed value: the flag's, else the file's, else the default."""
        layers = self.layers()
        given = {
            origin: self.given(s, origin, placeholders, output_dir)
            for origin, values in layers.items()
            if s.key in values
        }
        if not given:
            return self.default(s, placeholders, output_dir)
        if s.merge:  # the file's entries, the profile's, then the flag's on top (env)
            merged: dict[object, object] = {}
            for origin, where in given.items():
                result = s.validate(layers[origin][s.key], where)
                assert isinstance(result, dict)
                merged.update(result)
            return merged
        origin = list(given)[-1]  # the last layer wins: flag over profile over file
        return s.validate(layers[origin][s.key], given[origin])

    def layers(self) -> dict[str, Mapping[str, object]]:
        """Where values come from, weakest first."""
        profile = self.profile.values if self.profile is not None else {}
        return {"file": self.file_values, "profile": profile, "flag": self.flags}

    def default(self, s: Setting, placeholders: Mapping[str, str], output_dir: Path) -> object:
        if s.required is not None:
            fix = (
                f"add `{s.key}: {s.required}` to {self.source}"
                if self.source is not None
                else f"pass {s.flag}, or create {CONFIG_NAME}"
            )
            where = location(str(self.source)) if self.source is not None else s.key
            raise UserError(f"no {s.key} is configured", where=where, fix=fix)
        if s.raw_default is not None:  # computed: a path relative to the config file
            return s.validate(s.raw_default, self.given(s, "default", placeholders, output_dir))
        assert s.default is not MISSING, s.key
        return s.default

    def given(
        self, s: Setting, origin: str, placeholders: Mapping[str, str], output_dir: Path
    ) -> Given:
        from_flag = origin == "flag"
        if from_flag:
            where = f"command line ({s.flag})"
        elif origin == "profile" and self.source is not None and self.profile is not None:
            where = location(str(self.source), self.profile.lines.get(s.key),
                             f"{profiles.SECTION}.{self.profile.name}.{s.key}")
        elif self.source is not None:
            where = location(str(self.source), self.lines.get(s.key), s.key)
        else:
            where = s.key
        return Given(
            key=s.key,
            flag=s.flag,
            where=where,
            from_flag=from_flag,
            base=self.cwd if from_flag else self.config_base,
            placeholders=placeholders,
            file=str(self.source) if self.source is not None and origin in ("file", "profile")
            else None,
            output_dir=output_dir,
            owned_options=self.owned,
        )
