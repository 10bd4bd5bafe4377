"""Heavy libraries are imported where they are used, not at start-up (speed is measured in
benchmarks/bench_startup.py; this pins which modules each entry point loads)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gate.results import resultsfile
from tests import factory

HEAVY = ("pandas", "numpy", "jinja2", "locust", "gevent", "psutil", "jsonschema", "github")


def _loaded_after(code: str) -> set[str]:
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    return {name.split(".")[0] for name in json.loads(out.splitlines()[-1])}


def test_import_gate_cli_loads_nothing_heavy() -> None:
    assert not _loaded_after("import gate.cli") & set(HEAVY)


@pytest.mark.parametrize(
    ("code", "allowed"),
    [
        # `check` on results.json: neither pandas (CSV only) nor the harness of `run`.
        ("import gate.commands.check", set()),
        # Every renderer: Jinja2 only when Markdown is rendered, not when imported.
        ("from gate.reports import console, junit, markdown, review, verdictfile", set()),
        # `run` manages process trees with psutil; it never needs pandas.
        ("import gate.commands.run", {"psutil"}),
    ],
)
def test_commands_load_only_what_they_use(code: str, allowed: set[str]) -> None:
    assert _loaded_after(code) & set(HEAVY) <= allowed


def test_check_loads_only_what_a_plain_check_uses() -> None:
    """`check` without --baseline, --report-dir or Actions: no baseline rules, no report
    file renderers (verdict.json, report.md, junit.xml), no PR comment renderer, no "did you
    mean" matcher, no signal enums."""
    probe = (
        "import json, sys\nimport gate.commands.check\n"
        "print(json.dumps(sorted(sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    loaded = set(json.loads(out.splitlines()[-1]))
    unused = {"gate.core.relative", "gate.thresholds.relative", "gate.reports.review",
              "gate.reports.verdictfile", "gate.reports.markdown", "gate.reports.junit",
              "xml.etree.ElementTree", "difflib", "signal"}
    assert not loaded & unused


# What only a `check` that writes report files needs (they are imported when it does).
REPORT_FILES = {"gate.reports.verdictfile", "gate.reports.markdown", "gate.reports.junit",
                "gate.reports.review", "jinja2", "xml.etree.ElementTree"}


def _loaded_by_check(tmp_path: Path, *options: str) -> set[str]:
    """The modules a real `locust-gate check` loaded, run to its end outside Actions."""
    results = tmp_path / "results.json"
    resultsfile.write(results, factory.results(factory.endpoint("/api", [10.0, 20.0])))
    thresholds = tmp_path / "t.yml"
    thresholds.write_text("version: 1\ndefaults:\n  p95: 1s\n", encoding="utf-8")
    argv = ["check", str(results), "--thresholds", str(thresholds), *options]
    probe = (
        "import json, sys\nfrom gate.cli import main\n"
        f"code = main({argv!r})\nprint(json.dumps([code, sorted(sys.modules)]))"
    )
    # Outside Actions: in a GitHub runner `check` would also load the job summary's code.
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=env
    ).stdout
    assert "locust-gate: " in out  # the console table's summary line: the check ran
    code, loaded = json.loads(out.splitlines()[-1])
    assert code in (0, 1)
    return set(loaded)


def test_console_only_check_loads_no_report_file_renderer(tmp_path: Path) -> None:
    """`check results.json --thresholds T`, no --report-dir: the console table only."""
    loaded = _loaded_by_check(tmp_path)
    assert "gate.reports.console" in loaded
    assert not loaded & REPORT_FILES


def test_check_with_report_dir_loads_the_renderers(tmp_path: Path) -> None:
    """The counterpart, so the probe above is known to see what `check` imports lazily."""
    assert _loaded_by_check(tmp_path, "--report-dir", str(tmp_path / "out")) >= REPORT_FILES


# The kinds and steps of optional sections and modes (docs/benchmarks.md: start-up).
SECTIONS = {"gate.core.groups", "gate.core.stages", "gate.core.external", "gate.core.resources",
            "gate.core.paired", "gate.core.abort", "gate.core.sections", "gate.thresholds.groups",
            "gate.thresholds.stages", "gate.thresholds.resources", "gate.results.trim",
            "gate.baseline.storespec"}


def test_a_plain_check_loads_no_optional_sections_kind(tmp_path: Path) -> None:
    loaded = _loaded_by_check(tmp_path)
    assert "gate.core.absolute" in loaded  # the probe sees the kinds that do run
    assert not loaded & SECTIONS, loaded & SECTIONS


def test_a_check_with_groups_loads_the_groups_kind(tmp_path: Path) -> None:
    """The counterpart: a section in the file brings its parser and its kind."""
    results = tmp_path / "results.json"
    resultsfile.write(results, factory.results(factory.endpoint("/api", [10.0, 20.0])))
    thresholds = tmp_path / "g.yml"
    thresholds.write_text("version: 1\ngroups:\n  - {name: api, match: /api, p95: 1s}\n",
                          encoding="utf-8")
    probe = (
        "import json, sys\nfrom gate.cli import main\n"
        f"main({['check', str(results), '--thresholds', str(thresholds)]!r})\n"
        "print(json.dumps(sorted(sys.modules)))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True, env=env).stdout
    loaded = set(json.loads(out.splitlines()[-1]))
    assert {"gate.core.groups", "gate.thresholds.groups", "gate.core.sections"} <= loaded
