"""Heavy libraries are imported where they are used, not at start-up (speed is measured in
benchmarks/bench_startup.py; this pins which modules each entry point loads)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

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
        ("from gate.reports import report", set()),
        # `run` manages process trees with psutil; it never needs pandas.
        ("import gate.commands.run", {"psutil"}),
    ],
)
def test_commands_load_only_what_they_use(code: str, allowed: set[str]) -> None:
    assert _loaded_after(code) & set(HEAVY) <= allowed


def test_check_loads_only_what_a_plain_check_uses() -> None:
    """`check` without --baseline, --report-dir or Actions: no baseline rules, no junit.xml
    writer, no PR comment renderer, no "did you mean" matcher, no signal enums."""
    probe = (
        "import json, sys\nimport gate.commands.check\n"
        "print(json.dumps(sorted(sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    loaded = set(json.loads(out.splitlines()[-1]))
    unused = {"gate.baseline.rules", "gate.baseline.section", "gate.reports.review",
              "xml.etree.ElementTree", "difflib", "signal"}
    assert not loaded & unused
