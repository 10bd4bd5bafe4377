"""locust-gate.yml + flags -> RunConfig, and the messages for every kind of mistake."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import pytest
import yaml

from gate.core.units import parse_seconds as parse_duration
from gate.errors import UserError
from gate.harness import config as config_module
from gate.harness.config import KEYS, RunConfig, load_config

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "locustfiles").mkdir()
    (tmp_path / "locustfiles" / "api.py").write_text("# a locustfile\n")
    (tmp_path / "thresholds.yml").write_text("version: 1\n")
    return tmp_path


def write(project: Path, text: str, name: str = "locust-gate.yml") -> Path:
    path = project / name
    path.write_text(text)
    return path


def error_of(path: Path | None, overrides: dict[str, object], cwd: Path) -> UserError:
    with pytest.raises(UserError) as info:
        load_config(path, overrides, cwd=cwd)
    return info.value


def test_loads_every_key_and_resolves_paths_against_the_file(project: Path, tmp_path: Path) -> None:
    (project / "sub").mkdir()
    cfg_path = write(
        project / "sub",
        """
locustfile: ../locustfiles/api.py
host: http://127.0.0.1:9999
users: 3
spawn-rate: 1.5
run-time: 1m30s
processes: 2
tags: [read, write]
exclude-tags: [slow]
locust-args: ["--stop-timeout", "2"]
seed: "{python} -m seed --db {output}/x.db"
start: "{python} -m app"
workdir: .
env: {A: "1", B: 2, C: true}
health: 127.0.0.1:9999
health-timeout: 1.5s
thresholds: ../thresholds.yml
output-dir: out
""",
    )
    cwd = tmp_path / "elsewhere"
    cwd.mkdir()
    cfg = load_config(cfg_path, {}, cwd=cwd)
    sub = (project / "sub").resolve()
    assert cfg == RunConfig(
        source=cfg_path.resolve(),
        locustfile=(project / "locustfiles" / "api.py").resolve(),
        host="http://127.0.0.1:9999",
        users=3,
        spawn_rate=1.5,
        run_time=90,
        processes=2,
        tags=("read", "write"),
        exclude_tags=("slow",),
        locust_args=("--stop-timeout", "2"),
        seed=f"{shlex.quote(sys.executable)} -m seed --db {shlex.quote(str(sub / 'out'))}/x.db",
        start=f"{shlex.quote(sys.executable)} -m app",
        workdir=sub,
        env={"A": "1", "B": "2", "C": "true"},
        health="127.0.0.1:9999",
        health_timeout=1.5,
        thresholds=(project / "thresholds.yml").resolve(),
        output_dir=sub / "out",
    )


def test_defaults_and_the_config_file_in_the_working_directory(project: Path) -> None:
    write(project, "locustfile: locustfiles/api.py\n")
    cfg = load_config(None, {}, cwd=project)
    assert cfg.source == project / "locust-gate.yml"
    assert (cfg.users, cfg.spawn_rate, cfg.run_time, cfg.health_timeout) == (1, 1.0, 30, 30.0)
    assert cfg.output_dir == project.resolve() / "locust-gate-out"
    assert cfg.workdir == project.resolve()
    assert cfg.tags == () and cfg.seed is None and cfg.start is None and cfg.thresholds is None


def test_flags_override_the_file_and_resolve_against_the_working_directory(
    project: Path, tmp_path: Path
) -> None:
    write(project, "locustfile: locustfiles/api.py\nusers: 3\nenv: {A: file, B: file}\n")
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    (cwd / "other.py").write_text("")
    cfg = load_config(
        project / "locust-gate.yml",
        {
            "users": 7,
            "locustfile": "other.py",
            "output-dir": "o",
            "tags": ("a", "b"),
            "env": ("B=flag", "C=x=y"),
            "run-time": None,  # not given
            "exclude-tags": (),  # not given
        },
        cwd=cwd,
    )
    assert cfg.users == 7
    assert cfg.locustfile == (cwd / "other.py").resolve()
    assert cfg.output_dir == (cwd / "o").resolve()
    assert cfg.tags == ("a", "b")
    assert cfg.env == {"A": "file", "B": "flag", "C": "x=y"}


def test_flags_alone_need_no_file(project: Path) -> None:
    cfg = load_config(None, {"locustfile": "locustfiles/api.py", "users": 2}, cwd=project)
    assert cfg.source is None and cfg.users == 2


def test_unknown_key_names_file_line_and_suggests(project: Path) -> None:
    path = write(project, "locustfile: locustfiles/api.py\nuser: 5\n")
    err = error_of(path, {}, project)
    assert "unknown key 'user'" in err.what
    assert err.where is not None and err.where.endswith("locust-gate.yml:2 (at user)")
    assert err.fix is not None and "did you mean 'users'" in err.fix


def test_snake_case_key_suggests_the_kebab_case_one(project: Path) -> None:
    path = write(project, "locustfile: locustfiles/api.py\nspawn_rate: 5\n")
    err = error_of(path, {}, project)
    assert err.fix is not None and "did you mean 'spawn-rate'" in err.fix


@pytest.mark.parametrize("tags", ['"a,b"', '["a,b"]', "[a, 'b c']"])
def test_comma_in_tags_is_refused_with_the_zero_requests_warning(project: Path, tags: str) -> None:
    path = write(project, f"locustfile: locustfiles/api.py\n\ntags: {tags}\n")
    err = error_of(path, {}, project)
    assert "zero requests" in err.what
    assert err.where is not None and err.where.endswith(":3 (at tags)")
    assert err.fix is not None and "tags: [" in err.fix


def test_comma_in_a_tags_flag_suggests_repeating_the_flag(project: Path) -> None:
    err = error_of(None, {"locustfile": "locustfiles/api.py", "tags": ("a,b",)}, project)
    assert err.where == "command line (--tags)"
    assert err.fix is not None and "--tags a --tags b" in err.fix


def test_a_single_tag_may_be_a_plain_string(project: Path) -> None:
    path = write(project, "locustfile: locustfiles/api.py\ntags: api\n")
    assert load_config(path, {}, cwd=project).tags == ("api",)


@pytest.mark.parametrize("value", ["10 seconds", "ten", "1x", "[]", "-5s"])
def test_bad_run_time(project: Path, value: str) -> None:
    path = write(project, f"locustfile: locustfiles/api.py\nrun-time: {value}\n")
    err = error_of(path, {}, project)
    assert "run-time" in err.what
    assert err.where is not None and err.where.endswith(":2 (at run-time)")
    assert err.fix is not None and "30s" in err.fix


def test_zero_run_time(project: Path) -> None:
    path = write(project, "locustfile: locustfiles/api.py\nrun-time: 0s\n")
    assert "longer than 0" in error_of(path, {}, project).what


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30", 30), ("2.5s", 2.5), ("1m", 60), ("1m30s", 90), ("1h", 3600), ("500ms", 0.5), (3, 3)],
)
def test_durations(text: object, seconds: float) -> None:
    assert parse_duration(text) == seconds


def test_run_time_rounds_up_to_whole_seconds(project: Path) -> None:
    path = write(project, "locustfile: locustfiles/api.py\nrun-time: 2.2s\n")
    assert load_config(path, {}, cwd=project).run_time == 3


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("users: 0", "users must be at least 1"),
        ("users: -3", "users must be at least 1"),
        ('users: "5"', "users must be a whole number"),
        ("users: true", "users must be a whole number"),
        ("users: 2.5", "users must be a whole number"),
        ("spawn-rate: 0", "spawn-rate must be greater than 0"),
        ("spawn-rate: fast", "spawn-rate must be a number"),
        ("processes: 0", "processes must be at least 1 (or -1"),
        ("host: 127.0.0.1:8089", "host must be an http(s) URL"),
        ("health: somewhere", "health must be an http(s) URL or host:port"),
        ("health-timeout: soon", "health-timeout is not a duration"),
        ("tags: {a: 1}", "tags must be a list"),
        ("tags: [1]", "tags must be a list of tag names"),
        ("seed: [a, b]", "seed must be a non-empty string"),
        ("env: [A=1]", "env must be a mapping"),
        ("env: {1A: x}", "not a valid environment variable name"),
        ("locust-args: {a: 1}", "locust-args must be a list of strings"),
        ("thresholds: nope.yml", "the thresholds file"),
        ("workdir: no/such/dir", "is not a directory"),
    ],
)
def test_wrong_values_name_file_line_and_key(project: Path, line: str, message: str) -> None:
    path = write(project, f"locustfile: locustfiles/api.py\n{line}\n")
    err = error_of(path, {}, project)
    assert message in err.what
    key = line.split(":", maxsplit=1)[0]
    assert err.where is not None and err.where.endswith(f"locust-gate.yml:2 (at {key})")
    assert err.fix


def test_processes_minus_one_means_one_per_core(project: Path) -> None:
    path = write(project, "locustfile: locustfiles/api.py\nprocesses: -1\n")
    assert load_config(path, {}, cwd=project).processes == -1


@pytest.mark.parametrize(
    ("arg", "fix"),
    [("--csv=x", "the gate sets it"), ("-u", "`users` key"), ("--tags", "`tags` key")],
)
def test_locust_args_may_not_take_over_what_the_gate_owns(
    project: Path, arg: str, fix: str
) -> None:
    path = write(project, f"locustfile: locustfiles/api.py\nlocust-args: ['{arg}', '3']\n")
    err = error_of(path, {}, project)
    assert arg.split("=", maxsplit=1)[0] in err.what
    assert err.fix is not None and fix in err.fix


def test_locust_args_string_is_split_like_a_shell(project: Path) -> None:
    text = "locustfile: locustfiles/api.py\nlocust-args: \"--stop-timeout 3 -L 'DEBUG'\"\n"
    path = write(project, text)
    assert load_config(path, {}, cwd=project).locust_args == ("--stop-timeout", "3", "-L", "DEBUG")


def test_missing_locustfile_on_disk(project: Path) -> None:
    path = write(project, "locustfile: locustfiles/nope.py\n")
    err = error_of(path, {}, project)
    assert "nope.py does not exist" in err.what
    assert err.where is not None and err.where.endswith(":1 (at locustfile)")


def test_no_locustfile_key(project: Path) -> None:
    path = write(project, "users: 2\n")
    err = error_of(path, {}, project)
    assert "no locustfile" in err.what
    assert err.fix is not None and "locustfile:" in err.fix


def test_invalid_yaml_names_the_line(project: Path) -> None:
    path = write(project, "locustfile: locustfiles/api.py\nusers: [1\nhost: x\n")
    err = error_of(path, {}, project)
    assert "not valid YAML" in err.what
    assert err.where is not None and ":3" in err.where


def test_duplicate_keys_are_refused(project: Path) -> None:
    path = write(project, "locustfile: locustfiles/api.py\nusers: 1\nusers: 2\n")
    err = error_of(path, {}, project)
    assert "set twice (lines 2 and 3)" in err.what


def test_top_level_must_be_a_mapping(project: Path) -> None:
    path = write(project, "- locustfile\n")
    assert "must be a mapping" in error_of(path, {}, project).what


def test_explicit_config_that_does_not_exist(project: Path) -> None:
    err = error_of(Path("missing.yml"), {}, project)
    assert "missing.yml does not exist" in err.what
    assert err.fix is not None and "--config" in err.fix


def test_bad_env_flag(project: Path) -> None:
    err = error_of(None, {"locustfile": "locustfiles/api.py", "env": ("NOVALUE",)}, project)
    assert "KEY=VALUE" in err.what and err.where == "command line (--env), #1"
    assert "NOVALUE" not in err.render()  # it may be a secret written without its key


def test_unknown_override_key(project: Path) -> None:
    err = error_of(None, {"userz": 3}, project)
    assert err.fix is not None and "users" in err.fix


def test_no_file_and_no_flags_uses_the_embedded_demo(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    demo = write(project, "locustfile: locustfiles/api.py\nusers: 4\n", name="demo.yml")
    monkeypatch.setattr(config_module, "demo_config_path", lambda: demo)
    empty = tmp_path / "empty"
    empty.mkdir()
    cfg = load_config(None, {}, cwd=empty)
    assert cfg.source == demo and cfg.users == 4
    # Relative paths are the demo file's, the output directory too.
    assert cfg.output_dir == project.resolve() / "locust-gate-out"


def test_no_file_no_flags_and_no_demo_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(config_module, "demo_config_path", lambda: tmp_path / "absent.yml")
    err = error_of(None, {}, tmp_path)
    assert "no locust-gate.yml" in err.what
    assert err.fix is not None and "create locust-gate.yml" in err.fix and "--config" in err.fix


def test_the_repository_demo_config_uses_known_keys_and_the_gates_python() -> None:
    path = REPO / "locust-gate.yml"
    data = yaml.safe_load(path.read_text())
    assert set(data) <= set(KEYS)
    assert "{python}" in data["seed"] and "{python}" in data["start"]
    assert "{output}" in data["start"]  # the SQLite file goes to the output directory
    if (REPO / data["locustfile"]).is_file() and (REPO / data["thresholds"]).is_file():
        cfg = load_config(path, {}, cwd=REPO)
        assert cfg.start is not None and cfg.start.startswith(shlex.quote(sys.executable))
        assert str(cfg.output_dir) in cfg.start
