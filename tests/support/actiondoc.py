"""action.yml as data, and the README's input/output tables rendered from it.

`python -m tests.support.actiondoc` prints the tables to paste into the README between
the `<!-- action-inputs -->` markers (the test says when they are out of date).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from gate.action.inputs import RUN_INPUTS

REPO = Path(__file__).resolve().parents[2]
ACTION = REPO / "action.yml"
MARK_START = (
    "<!-- action-inputs:start (generated from action.yml by python -m tests.support.actiondoc) -->"
)
MARK_END = "<!-- action-inputs:end -->"


def action() -> dict[str, Any]:
    data = yaml.safe_load(ACTION.read_text())
    assert isinstance(data, dict)
    return data


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def tables() -> str:
    data = action()
    keys = {s.action.name: s.key for s in RUN_INPUTS if s.action is not None}
    lines = ["| input | default | `locust-gate.yml` key | what it does |", "|---|---|---|---|"]
    for name, spec in data["inputs"].items():
        default = spec.get("default", "")
        shown = f"`{default}`" if default else ""
        key = f"`{keys[name]}`" if name in keys else ""
        lines.append(f"| `{name}` | {_cell(shown)} | {key} | {_cell(spec['description'])} |")
    lines += ["", "| output | what it is |", "|---|---|"]
    for name, spec in data["outputs"].items():
        lines.append(f"| `{name}` | {_cell(spec['description'])} |")
    return "\n".join([MARK_START, *lines, MARK_END])


def readme_tables(readme: str) -> str:
    start, end = readme.index(MARK_START), readme.index(MARK_END) + len(MARK_END)
    return readme[start:end]


if __name__ == "__main__":
    print(tables())
