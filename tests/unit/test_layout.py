"""The README's layout table and each package's docstring name every module of the tree.

A module added without a word in either is a room a newcomer cannot find; this keeps the
two maps in step with `gate/`.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = sorted(p for p in (ROOT / "gate").iterdir() if (p / "__init__.py").is_file())


def _modules(package: Path) -> list[str]:
    return sorted(p.stem for p in package.glob("*.py") if p.stem not in ("__init__", "__main__"))


def _readme_row(package: Path) -> str:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    rows = [line for line in lines if line.lstrip().startswith(f"| `gate/{package.name}/`")]
    assert len(rows) == 1, f"README.md: one layout row for gate/{package.name}/, found {len(rows)}"
    return rows[0]


def test_every_package_is_checked() -> None:
    assert {p.name for p in PACKAGES} >= {"core", "results", "reports", "harness", "baseline"}


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: p.name)
def test_readme_layout_names_every_module(package: Path) -> None:
    row = _readme_row(package)
    missing = [m for m in _modules(package) if f"`{m}`" not in row]
    assert not missing, f"README.md's layout row for gate/{package.name}/ does not name {missing}"


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: p.name)
def test_package_docstring_names_every_module(package: Path) -> None:
    doc = ast.get_docstring(ast.parse((package / "__init__.py").read_text(encoding="utf-8")))
    assert doc, f"gate/{package.name}/__init__.py has no docstring"
    missing = [m for m in _modules(package) if f"`{m}`" not in doc]
    assert not missing, f"gate/{package.name}/__init__.py's docstring does not name {missing}"
