"""The settings table of `locust-gate run`: RunConfig, the YAML keys, the flags and the
README all come from (or agree with) one declaration per setting."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import click
import yaml

from gate.commands.run import run
from gate.harness.config import KEYS
from gate.harness.settings import BY_KEY, SETTINGS, RunConfig, owned_options

REPO = Path(__file__).resolve().parents[2]


def test_every_runconfig_field_but_source_is_a_setting() -> None:
    assert [f.name for f in fields(RunConfig)] == ["source", *(s.field for s in SETTINGS)]
    assert tuple(s.key for s in SETTINGS) == KEYS
    assert all(s.help and s.flag.startswith("--") for s in SETTINGS)


def test_the_run_command_has_exactly_one_option_per_setting() -> None:
    options = [p for p in run.params if isinstance(p, click.Option)]
    by_name = {p.name: p for p in options}
    assert set(by_name) == {"config_path", *(s.field for s in SETTINGS)}
    for s in SETTINGS:
        option = by_name[s.field]
        assert option.opts == [s.flag, *([s.short] if s.short else [])]
        assert option.multiple is s.repeatable
        assert option.help is not None and option.help.startswith(s.help)


def test_locust_options_owned_by_a_setting_point_to_it() -> None:
    owned = owned_options()
    assert owned["-u"] == "`users` key (or --users)"
    assert owned["--csv"] == ""  # the gate's own
    assert {o for s in SETTINGS for o in s.owns} < set(owned)
    assert BY_KEY["locust-args"].flag == "--locust-arg"


def test_the_readme_example_config_uses_every_key() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```yaml\n(locustfile:.*?)```", readme, re.DOTALL)
    assert block is not None
    assert tuple(yaml.safe_load(block.group(1))) == KEYS
