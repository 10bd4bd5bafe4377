"""Run real Locust headless in a subprocess, with gate.plugin loaded, and find its outputs.

    run = run_locust(LOCUSTFILES / "mixed.py", server.url, tmp_path, users=4, run_time=3)
    run.results      # results.json written by gate.plugin
    run.csv_prefix   # Locust --csv prefix (run.csv_prefix + "_stats.csv" ...)
    run.html         # Locust --html report; html_template_args(run.html) parses its data
    run.json_file    # Locust --json-file output (NAME.json)

Locust runs in `out_dir` as its working directory (so no locust.conf or pyproject.toml of
this repository is picked up) with LOCUST_* variables removed from the environment, and
with `--exit-code-on-error 0` so failed requests do not fail the run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.backend import free_port

REPO = Path(__file__).resolve().parents[2]
PLUGIN = REPO / "gate" / "plugin.py"
LOCUSTFILES = Path(__file__).resolve().parent / "locustfiles"

__all__ = ["LOCUSTFILES", "PLUGIN", "LocustRun", "html_template_args", "run_locust"]


@dataclass(frozen=True)
class LocustRun:
    out_dir: Path
    results: Path
    csv_prefix: Path
    html: Path
    json_file: Path
    returncode: int
    stdout: str
    stderr: str
    args: tuple[str, ...]

    def check(self) -> LocustRun:
        """Raise with the log tail unless Locust exited 0."""
        if self.returncode != 0:
            raise AssertionError(
                f"locust exited {self.returncode}: {' '.join(self.args)}\n{self.stderr[-3000:]}"
            )
        return self


def run_locust(
    locustfile: Path | str,
    host: str,
    out_dir: Path,
    *,
    users: int = 4,
    spawn_rate: float | None = None,
    run_time: float = 3,
    processes: int | None = None,
    plugin: bool = True,
    html: bool = True,
    extra_args: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    timeout: float = 60,
) -> LocustRun:
    """Run `locust --headless` against `host` for `run_time` seconds; returns its outputs."""
    out_dir.mkdir(parents=True, exist_ok=True)
    files = f"{locustfile},{PLUGIN}" if plugin else str(locustfile)
    run = LocustRun(
        out_dir=out_dir,
        results=out_dir / "results.json",
        csv_prefix=out_dir / "run",
        html=out_dir / "report.html",
        json_file=out_dir / "locust.json",
        returncode=-1,
        stdout="",
        stderr="",
        args=(),
    )
    args = [
        sys.executable, "-m", "locust",
        "-f", files,
        "--headless",
        "-H", host,
        "-u", str(users),
        "-r", str(spawn_rate if spawn_rate is not None else users),
        "-t", f"{run_time}s",
        "--csv", str(run.csv_prefix),
        *(["--html", str(run.html)] if html else []),
        "--json-file", str(run.json_file.with_suffix("")),
        "--exit-code-on-error", "0",
        "--stop-timeout", "0",
    ]  # fmt: skip
    if plugin:
        args += ["--gate-results", str(run.results), "--gate-progress-interval", "1"]
    if processes:
        # Locust's master would bind every interface at 5557: two runs side by side (the
        # suite runs in parallel) would collide, so each gets a free port on 127.0.0.1.
        port = str(free_port())
        args += ["--processes", str(processes), "--master-bind-host", "127.0.0.1",
                 "--master-bind-port", port, "--master-port", port]
    args += list(extra_args)
    child_env = {k: v for k, v in os.environ.items() if not k.startswith("LOCUST_")}
    child_env.pop("PYTHONPATH", None)
    child_env.update(env or {})
    proc = subprocess.run(
        args,
        cwd=out_dir,
        env=child_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return LocustRun(
        **{
            **run.__dict__,
            "returncode": proc.returncode,
            "stdout": proc.stdout,
            "stderr": proc.stderr,
            "args": tuple(args),
        }
    )


def html_template_args(html: Path) -> dict[str, Any]:
    """The final data Locust embeds in its HTML report (`window.templateArgs = {...}`)."""
    text = html.read_text(encoding="utf-8")
    marker = "window.templateArgs = "
    start = text.index(marker) + len(marker)
    data, _end = json.JSONDecoder().raw_decode(text, start)
    assert isinstance(data, dict)
    return data
