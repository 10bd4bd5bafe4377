"""Secrets in `env` are never printed, not even from a malformed entry: `run` through the
real CLI (the config file's `env:`, the `--env` flag) and the Action's `run` step (its
`env` input), each in a subprocess; every stream and file GitHub would show is searched
for the secret. Errors name the line or position, and the key when it is a valid name."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SECRET = "pw-S3cr3t-x9"
URL = f"postgres://u:{SECRET}@db/x"


def gate(cwd: Path, *args: str, env: dict[str, str] | None = None,
         module: str = "gate") -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "LGA_"))}
    full.update(PYTHONPATH=str(REPO), **(env or {}))
    return subprocess.run([sys.executable, "-m", module, *args], cwd=cwd, env=full,
                          capture_output=True, text=True, timeout=60, check=False)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "api.py").write_text("from locust import HttpUser\n")
    (tmp_path / "t.yml").write_text("version: 1\ndefaults:\n  p95: 500ms\n")
    return tmp_path


def refused(proc: subprocess.CompletedProcess[str], *needles: str) -> str:
    text = proc.stdout + proc.stderr
    assert proc.returncode == 2, text
    assert SECRET not in text and "Traceback" not in text, text
    for needle in needles:
        assert needle in text, text
    return text


@pytest.mark.parametrize(
    ("entry", "needles"),
    [
        (SECRET, ["--env #2 (of 2) is not KEY=VALUE", "has no `=`"]),
        (f"1BAD={SECRET}", ["--env #2 (of 2)", "not a valid environment variable name"]),
        (f"DB_URL: {URL}", ["--env #2 (of 2)", "(DB_URL)", "`DB_URL: value`"]),
        (f"DB_URL=p{{{SECRET}}}", ["env DB_URL holds an unknown placeholder"]),
    ],
)
def test_env_flag(project: Path, entry: str, needles: list[str]) -> None:
    proc = gate(project, "run", "--locustfile", "api.py", "--thresholds", "t.yml",
                "--env", "A=1", "--env", entry)
    refused(proc, *needles)


@pytest.mark.parametrize(
    ("block", "needles"),
    [
        (f'env: "DB_URL={URL}"\n', ["env must be a mapping", "got a text", "locust-gate.yml:3"]),
        (f"env:\n  A: 1\n  1BAD: {URL}\n",
         ["an env key is not a valid environment variable name", "locust-gate.yml:5 (at env)"]),
        (f"env:\n  A: 1\n  DB_URL: 'p{{{SECRET}}}'\n",
         ["env DB_URL holds an unknown placeholder", "locust-gate.yml:5 (at env.DB_URL)"]),
        # Not even YAML's own syntax errors: an alias, a tag, a character, the quoting fix.
        (f"env:\n  A: 1\n  DB_PASS: *{SECRET}\n",
         ["not valid YAML: found undefined alias (not shown)", "locust-gate.yml:5:12",
          'DB_PASS: "..."', "no text of the env: block is shown"]),
        (f"env: {{DB_PASS: !{SECRET}}}\n", ["not valid YAML", "locust-gate.yml:3:"]),
        (f"env:\n  DB_PASS: @{SECRET}\n", ["not valid YAML", "locust-gate.yml:4:12"]),
        (f"env:\n  DB_URL: {URL}: more\n", ["mapping values are not allowed here"]),
    ],
)
def test_env_in_the_config_file(project: Path, block: str, needles: list[str]) -> None:
    (project / "locust-gate.yml").write_text(f"locustfile: api.py\nthresholds: t.yml\n{block}")
    refused(gate(project, "run"), *needles)


def test_env_input_of_the_action(project: Path) -> None:
    """The Action's `env` input, one line written YAML-style: named by its line and key,
    printed nowhere (the log, the step outputs, the job summary)."""
    output, summary = project / "github_output", project / "summary.md"
    proc = gate(project, "run", module="gate.action", env={
        "LGA_LOCUSTFILE": "api.py", "LGA_THRESHOLDS": "t.yml", "LGA_FAIL_ON": "fail",
        "LGA_COMMENT": "on-change", "LGA_SAVE_WHEN": "default-branch",
        "LGA_ENV": f"A=1\n# the database\nDB_URL: {URL}\n",
        "RUNNER_TEMP": str(project / "tmp"), "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(summary)})
    text = proc.stdout + proc.stderr
    assert proc.returncode == 0, text  # the run step records the error; `finish` fails the job
    assert "line 3 of the input 'env' is not KEY=VALUE" in text and "(DB_URL)" in text, text
    for shown in (text, output.read_text(), summary.read_text()):
        assert SECRET not in shown and "Traceback" not in shown, shown
    assert re.search(r"exit-code<<(\S+)\n2\n\1\n", output.read_text()), output.read_text()
