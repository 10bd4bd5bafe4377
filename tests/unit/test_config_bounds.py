"""locust-gate.yml values that would hang or crash a run: refused with exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from gate.errors import UserError
from gate.harness.config import load_config


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "api.py").write_text("# a locustfile\n")
    return tmp_path


def _error(project: Path, text: str, flags: dict[str, object] | None = None) -> str:
    path = project / "locust-gate.yml"
    path.write_text("locustfile: api.py\n" + text)
    with pytest.raises(UserError) as info:
        load_config(path, flags or {}, cwd=project)
    assert info.value.exit_code == 2
    rendered = info.value.render()
    assert "fix:" in rendered
    return rendered


@pytest.mark.parametrize(
    ("line", "needle"),
    [
        ("run-time: .inf", "at most 7 days"),
        ("run-time: .nan", "longer than 0"),
        ("run-time: 1.0e+30", "at most 7 days"),
        ("run-time: 1e30", "not a duration"),
        ("run-time: 1" + "0" * 400, "at most 7 days"),
        ("health-timeout: .nan", "longer than 0"),
        ("seed-timeout: .inf", "at most 7 days"),
        ("users: 1" + "0" * 30, "at most 1,000,000"),
    ],
)
def test_unbounded_numbers_are_refused(project: Path, line: str, needle: str) -> None:
    rendered = _error(project, line + "\n")
    key = line.split(":", maxsplit=1)[0]
    assert needle in rendered and f"locust-gate.yml:2 (at {key})" in rendered, rendered


def test_seed_timeout_from_file_and_flag(project: Path) -> None:
    path = project / "locust-gate.yml"
    path.write_text("locustfile: api.py\nseed-timeout: 2m\n")
    assert load_config(path, {}, cwd=project).seed_timeout == 120
    assert load_config(path, {"seed-timeout": "5s"}, cwd=project).seed_timeout == 5
    path.write_text("locustfile: api.py\n")
    assert load_config(path, {}, cwd=project).seed_timeout == 600.0


@pytest.mark.parametrize("key", ["seed", "start", "workdir"])
def test_unknown_placeholder_names_the_key_and_the_known_ones(project: Path, key: str) -> None:
    rendered = _error(project, f'{key}: "cat {{outptu}}/x"\n')
    assert "unknown placeholder {outptu} in " + key in rendered
    assert "{python}, {output}, {config_dir}, {port}" in rendered


def test_unknown_placeholder_in_env_and_env_flag(project: Path) -> None:
    # Named by the key and line only: braces may be part of a password.
    rendered = _error(project, "env: {DB: '{ouput}/db'}\n")
    assert "env DB holds an unknown placeholder" in rendered and "{ouput}" not in rendered
    assert "locust-gate.yml:2 (at env.DB)" in rendered, rendered
    rendered = _error(project, "", {"env": ("X={pyton}",)})
    assert "env X holds an unknown placeholder" in rendered and "{pyton}" not in rendered


def test_shell_braces_are_not_placeholders(project: Path) -> None:
    path = project / "locust-gate.yml"
    path.write_text(
        "locustfile: api.py\nseed: 'echo ${HOME} {a,b} {output}; find . -exec true {} \\;'\n"
    )
    seed = load_config(path, {}, cwd=project).seed
    assert seed is not None and "${HOME} {a,b}" in seed and "{output}" not in seed
