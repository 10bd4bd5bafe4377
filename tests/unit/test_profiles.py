"""The `profiles:` section, `user-classes` and `stages` of locust-gate.yml: which value
wins (flag over profile over top level), and the message for every kind of mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from gate.errors import UserError
from gate.harness.config import load_config
from gate.harness.invocation import locust_command
from gate.harness.userclasses import UserClass
from gate.results.loadshape import Stage

CONFIG = """\
locustfile: api.py
thresholds: thresholds/normal.yml
users: 5
run-time: 20s
env: {A: top, B: top}
user-classes: {WebFormUser: 60, EmailUser: 30, WhatsAppUser: 10}
profiles:
  smoke:
    users: 10
    spawn-rate: 2
    run-time: 1m
    thresholds: thresholds/smoke.yml
  stress:
    users: 500
    user-classes: [StressTest]
    env: {B: stress}
  spike:
    stages:
      - {name: before, users: 100, spawn-rate: 20, duration: 2m}
      - {name: spike, users: 1000, spawn-rate: 200, duration: 1m}
  empty:
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "api.py").write_text("# a locustfile\n")
    (tmp_path / "thresholds").mkdir()
    for name in ("normal", "smoke"):
        (tmp_path / "thresholds" / f"{name}.yml").write_text("version: 1\n")
    (tmp_path / "locust-gate.yml").write_text(CONFIG)
    return tmp_path


def error_of(project: Path, overrides: dict[str, object], text: str | None = None) -> UserError:
    if text is not None:
        (project / "locust-gate.yml").write_text(text)
    with pytest.raises(UserError) as info:
        load_config(None, overrides, cwd=project)
    return info.value


def test_a_profile_overrides_the_top_level_and_flags_override_both(project: Path) -> None:
    top = load_config(None, {}, cwd=project)
    assert (top.profile, top.users, top.run_time) == (None, 5, 20)
    smoke = load_config(None, {"profile": "smoke"}, cwd=project)
    assert (smoke.profile, smoke.users, smoke.spawn_rate, smoke.run_time) == ("smoke", 10, 2.0, 60)
    assert smoke.thresholds == project / "thresholds" / "smoke.yml"  # relative to the file
    flagged = load_config(None, {"profile": "smoke", "users": 3, "run-time": "4s"}, cwd=project)
    assert (flagged.users, flagged.spawn_rate, flagged.run_time) == (3, 2.0, 4)


def test_env_merges_top_level_then_profile_then_flags(project: Path) -> None:
    stress = load_config(None, {"profile": "stress", "env": ["A=flag"]}, cwd=project)
    assert dict(stress.env) == {"A": "flag", "B": "stress"}


def test_user_classes_as_weights_as_a_list_and_from_flags(project: Path) -> None:
    top = load_config(None, {}, cwd=project)
    assert top.user_classes == (
        UserClass(name="WebFormUser", weight=60),
        UserClass(name="EmailUser", weight=30),
        UserClass(name="WhatsAppUser", weight=10),
    )
    stress = load_config(None, {"profile": "stress"}, cwd=project)
    assert stress.user_classes == (UserClass(name="StressTest"),)
    flags = load_config(None, {"user-classes": ["A=3", "B=1"]}, cwd=project)
    assert flags.user_classes == (UserClass(name="A", weight=3), UserClass(name="B", weight=1))


def test_the_command_line_selects_the_classes_and_sets_weights_through_config_users(
    project: Path,
) -> None:
    config = load_config(None, {"profile": "smoke"}, cwd=project)
    command = locust_command(config, plugin=Path("plugin.py"), results=Path("r.json"))
    at = command.index("-f")
    assert command[at + 2 : at + 5] == ["WebFormUser", "EmailUser", "WhatsAppUser"]
    assert command[command.index("--gate-profile") + 1] == "smoke"
    (users,) = [a for a in command if a.startswith("--config-users=")]
    assert '"user_class_name":"EmailUser","weight":30,"fixed_count":0' in users
    plain = load_config(None, {"profile": "stress"}, cwd=project)
    command = locust_command(plain, plugin=Path("plugin.py"), results=Path("r.json"))
    assert "StressTest" in command
    assert not [a for a in command if a.startswith("--config-users")]


def test_stages_are_parsed_into_typed_stages(project: Path) -> None:
    spike = load_config(None, {"profile": "spike"}, cwd=project)
    assert spike.stages == (
        Stage(name="before", users=100, spawn_rate=20.0, duration=120.0),
        Stage(name="spike", users=1000, spawn_rate=200.0, duration=60.0),
    )
    flag = load_config(None, {"stages": "[{name: a, users: 2, spawn-rate: 1, duration: 5s}]"},
                       cwd=project)
    assert flag.stages == (Stage(name="a", users=2, spawn_rate=1.0, duration=5.0),)
    assert load_config(None, {"profile": "empty"}, cwd=project).profile == "empty"


def test_an_unknown_profile_lists_the_profiles_and_suggests_one(project: Path) -> None:
    error = error_of(project, {"profile": "stres"})
    assert "no profile 'stres'" in error.what
    assert error.fix is not None and "did you mean 'stress'?" in error.fix
    assert "smoke, stress, spike, empty" in error.fix
    assert "locust-gate.yml:7" in (error.where or "")


def test_a_profile_without_a_profiles_section_says_so(project: Path) -> None:
    error = error_of(project, {"profile": "smoke"}, "locustfile: api.py\n")
    assert "has no `profiles:` section" in error.what


@pytest.mark.parametrize(
    ("text", "what", "where"),
    [
        ("profiles:\n  smoke: {userz: 3}\n", "unknown key 'userz' in profile 'smoke'",
         ":3 (at profiles.smoke.userz)"),
        ("profiles:\n  smoke: {users: many}\n", "users must be a whole number",
         ":3 (at profiles.smoke.users)"),
        ("profiles:\n  smoke: {profile: x}\n", "unknown key 'profile'", "profiles.smoke.profile"),
        ("profiles: [smoke]\n", "`profiles` must be a mapping", ":2 (at profiles)"),
        ("profiles:\n  smoke: 3\n", "profile 'smoke' must be a mapping", "profiles.smoke"),
        ("profiles:\n  'two words': {}\n", "invalid profile name", "profiles.two words"),
        ("user-classes: {A: 0}\nprofiles: {smoke: {}}\n", "the weight of A must be",
         ":2 (at user-classes)"),
        ("user-classes: [A, A]\nprofiles: {smoke: {}}\n", "names a class twice", "user-classes"),
        ("user-classes: 'A, B'\nprofiles: {smoke: {}}\n", "must be a list of user class names",
         "user-classes"),
        ("user-classes: [1A]\nprofiles: {smoke: {}}\n", "is not a Python class name",
         "user-classes"),
        ("profiles:\n  smoke:\n    stages:\n      - {name: a, users: 1, spawn-rate: 1}\n",
         "stages[0]: no duration", ":4 (at profiles.smoke.stages)"),
        ("profiles:\n  smoke:\n    stages:\n      - {name: a, users: 1, spawn-rate: 1, "
         "duration: 1s}\n      - {name: a, users: 1, spawn-rate: 1, duration: forever}\n",
         "stages[1].duration must be a duration", ":4 (at profiles.smoke.stages)"),
        ("profiles:\n  smoke:\n    stages: []\n", "stages must be a non-empty list",
         "profiles.smoke.stages"),
    ],
)
def test_mistakes_name_the_file_line_and_key(
    project: Path, text: str, what: str, where: str
) -> None:
    error = error_of(project, {"profile": "smoke"}, "locustfile: api.py\n" + text)
    assert what in error.what
    assert where in (error.where or "")
    assert error.fix


def test_flags_for_user_classes_are_all_weighted_or_none(project: Path) -> None:
    error = error_of(project, {"user-classes": ["A=3", "B"]})
    assert "give every class a weight" in error.what
    assert error.where == "command line (--user-class)"


def test_config_users_in_locust_args_is_refused_for_user_classes(project: Path) -> None:
    error = error_of(project, {"locust-args": ["--config-users", "[]"]})
    assert "locust-args may not contain --config-users" in error.what
    assert error.fix is not None and "user-classes" in error.fix


def test_the_files_own_profile_key_chooses_one_and_the_flag_wins(project: Path) -> None:
    (project / "locust-gate.yml").write_text("profile: smoke\n" + CONFIG)
    assert load_config(None, {}, cwd=project).users == 10
    assert load_config(None, {"profile": "stress"}, cwd=project).users == 500
    error = error_of(project, {}, "profile: [smoke]\n" + CONFIG)
    assert "profile must be a profile name" in error.what
    assert "locust-gate.yml:1 (at profile)" in (error.where or "")
