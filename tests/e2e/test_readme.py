"""The README's commands, run as written where a test can: install from the repository,
load the plugin, write thresholds from the run, check it; and its YAML examples parse."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from gate.harness.config import KEYS, load_config
from gate.thresholds.parser import parse
from tests.support.server import TestServer

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]
REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text(encoding="utf-8")
LOCUSTFILE = """from locust import HttpUser, constant, task


class Reader(HttpUser):
    wait_time = constant(0.05)

    @task
    def items(self) -> None:
        self.client.get("/fast")
"""


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.DOTALL)


def command(prefix: str) -> str:
    """The one README command line that starts with `prefix`."""
    found = [
        line.split("  #")[0].strip()
        for block in blocks("bash")
        for line in block.splitlines()
        if line.startswith(prefix)
    ]
    assert len(found) == 1, (prefix, found)
    return found[0]


def test_the_readme_commands_work_as_written(http_server: TestServer, tmp_path: Path) -> None:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    env.pop("PYTHONPATH", None)
    env.pop("LOCUST_SKIP_MONKEY_PATCH", None)

    # 0. The clone line as written; git fetches the URL from this repository (no network).
    # It makes ./locust-gate, the folder the install line names.
    clone = command("git clone https://github.com/OWNER/locust-gate")
    (tmp_path / "cloned").mkdir()
    from_here = {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": f"url.{REPO}.insteadOf",
                 "GIT_CONFIG_VALUE_0": "https://github.com/OWNER/locust-gate"}
    proc = subprocess.run(["bash", "-c", clone], cwd=tmp_path / "cloned", env={**env, **from_here},
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "cloned" / "locust-gate" / "pyproject.toml").is_file()
    # Install from a clone (here: the working tree itself, so uncommitted changes are what is
    # tested), into a folder of its own so the installed copy, not the source tree, is what
    # runs next. --no-deps: they are in .venv.
    (tmp_path / "locust-gate").symlink_to(REPO)
    install = command("python -m pip install ./locust-gate")
    target = tmp_path / "site"
    proc = subprocess.run(
        [*shlex.split(install), "--no-deps", "--quiet", "--target", str(target)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=150, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert (target / "gate" / "reports" / "templates" / "report.md.j2").is_file()
    assert (target / "gate" / "thresholds" / "schema" / "thresholds.schema.json").is_file()
    env["PYTHONPATH"] = str(target)
    work = tmp_path / "project"
    work.mkdir()
    (work / "locustfile.py").write_text(LOCUSTFILE)

    # 1. The plugin line, shortened to 2 s against a local server.
    plugin = command("locust -f locustfile.py,$(python -m gate.plugin)")
    plugin = plugin.replace("-t 1m", "-t 2s").replace("https://staging.example", http_server.url)
    steps = [
        plugin,
        command("locust-gate thresholds init"),
        command("locust-gate check out/results.json --thresholds thresholds.yml"),
    ]
    for step in steps:
        # `locust-gate` on PATH is the development install: run the installed copy instead.
        line = step.replace("locust-gate ", f"{shlex.quote(sys.executable)} -m gate ", 1)
        proc = subprocess.run(["bash", "-c", line], cwd=work, env=env, capture_output=True,
                              text=True, timeout=60, check=False)
        assert proc.returncode == 0, f"{line}\n{proc.stdout}\n{proc.stderr}"
    where = subprocess.run([sys.executable, "-m", "gate.plugin"], cwd=work, env=env,
                           capture_output=True, text=True, timeout=30, check=True).stdout
    assert where.strip() == str(target / "gate" / "plugin.py")  # the installed copy ran
    assert "PASS" in proc.stdout
    assert (work / "thresholds.schema.json").is_file()
    assert (work / "out" / "report.md").is_file()


def test_the_readme_yaml_examples_are_valid() -> None:
    # The copyable config, the every-key reference (tests/unit/test_settings.py), the
    # profiles example, thresholds, and the config both sides of `run --against-ref` can run.
    configs = [b for b in blocks("yaml") if "locustfile:" in b]
    config = configs[0]
    thresholds = next(b for b in blocks("yaml") if "version: 1" in b)
    rounds = next(b for b in configs if "{port}" in b and "seed:" in b and "profiles:" not in b)
    # the distributed recipe's master config uses only real keys
    master = next(b for b in configs if "workers:" in b and "master-bind" in b)
    assert set(yaml.safe_load(master)) <= set(KEYS)
    data = yaml.safe_load(config)
    assert set(data) <= set(KEYS)
    assert set(data) == {"locustfile", "thresholds", "host", "users", "spawn-rate", "run-time"}
    assert "tags" not in data  # a tags filter would drop every task of an untagged locustfile
    parse(thresholds, "README.md")
    sides = yaml.safe_load(rounds)
    assert set(sides) <= set(KEYS)
    assert all("{port}" in sides[key] for key in ("host", "start", "health"))
    assert all("{output}" in sides[key] for key in ("seed",))


def test_the_readme_profiles_example_loads_every_profile(tmp_path: Path) -> None:
    (profiles,) = [b for b in blocks("yaml") if b.startswith("# locust-gate.yml\nlocustfile:")
                   and "profiles:" in b]
    (tmp_path / "locust-gate.yml").write_text(profiles)
    (tmp_path / "locustfile.py").write_text(LOCUSTFILE)
    (tmp_path / "thresholds").mkdir()
    for name in ("normal", "stress", "spike"):
        (tmp_path / "thresholds" / f"{name}.yml").write_text("version: 1\n")
    loaded = {name: load_config(None, {"profile": name}, cwd=tmp_path)
              for name in ("smoke", "stress", "spike")}
    assert (loaded["smoke"].run_time, loaded["stress"].users) == (10, 500)
    assert [c.name for c in loaded["stress"].user_classes] == ["StressTest"]
    assert [s.name for s in loaded["spike"].stages] == ["before", "spike", "after"]
    assert loaded["spike"].thresholds == tmp_path / "thresholds" / "spike.yml"
