"""A profile is part of a run's identity: the gate's own Locust command line, read by
Locust's own parser, gives each profile its own fingerprint (so its own baseline history),
and the profile recorded in verdict.json picks the default comment id, read as hostile."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gate.core.verdict import Status
from gate.errors import UserError
from gate.github import artifact, sticky
from gate.harness.config import load_config
from gate.harness.invocation import locust_command
from gate.reports.markdown import headline
from gate.results import plugin_path
from gate.results.fingerprint import fingerprint, load_options

CONFIG = """\
locustfile: api.py
users: 4
user-classes: {A: 3, B: 1}
profiles:
  smoke: {}
  stress: {}
"""


def _parsed(tmp_path: Path, **overrides: object) -> Any:
    """Locust's own parsed options for the gate's command line."""
    from locust.argument_parser import parse_options

    import gate.plugin  # noqa: F401 (registers --gate-* on Locust's parser)

    config = load_config(None, overrides, cwd=tmp_path)
    command = locust_command(config, plugin=plugin_path(), results=tmp_path / "r.json")
    assert command[1:3] == ["-m", "locust"]
    return parse_options(command[3:])


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "api.py").write_text("# a locustfile\n")
    (tmp_path / "locust-gate.yml").write_text(CONFIG)
    return tmp_path


def test_each_profile_has_its_own_fingerprint_for_the_same_load(project: Path) -> None:
    files = [project / "api.py"]
    prints = {}
    for name in ("smoke", "stress", None):
        options = _parsed(project, **({"profile": name} if name else {}))
        normalised = load_options(options)
        assert normalised.get("profile") == name
        assert normalised["user_classes"] == ["A", "B"]  # the positional class names
        prints[name] = fingerprint(files, normalised)
    assert len(set(prints.values())) == 3
    # The weights are part of the load, as Locust received them.
    other = load_options(_parsed(project, **{"user-classes": ["A=1", "B=1"]}))
    assert fingerprint(files, other) != prints[None]
    # Without profile or classes nothing is added: older fingerprints stay comparable.
    (project / "locust-gate.yml").write_text("locustfile: api.py\nusers: 4\n")
    plain = load_options(_parsed(project))
    assert not {"profile", "user_classes", "config_users"} & set(plain)


def test_the_default_comment_id_names_the_profile() -> None:
    assert sticky.default_id(None) == "default"
    assert sticky.default_id("stress") == "default-stress"
    with pytest.raises(UserError):
        sticky.default_id("x" * 80)


@pytest.mark.parametrize(
    ("run", "expected"),
    [
        ({"profile": "smoke"}, "smoke"),
        ({"profile": "<!-- locust-gate:comment id=default -->"}, None),
        ({"profile": "a b"}, None),
        ({"profile": 7}, None),
        ({}, None),
        ("not a mapping", None),
    ],
)
def test_a_profile_read_from_verdict_json_must_be_a_profile_name(
    run: object, expected: str | None
) -> None:
    assert artifact.profile_of({"run": run}) == expected


def test_the_headline_names_the_profile_escaped() -> None:
    assert headline(Status.PASS, "smoke") == "✅ Load test gate (smoke): **PASS**"
    assert headline(Status.FAIL) == "❌ Load test gate: **FAIL**"
    hostile = headline(Status.FAIL, "**x** <b>")
    assert "**x**" not in hostile and "<b>" not in hostile
