"""The floors of `gate/`: each package imports only packages on floors below its own.

The core is the ground: it imports only the core, RE2 and the standard library, so it can
be judged and tested without I/O. Above it every package stands on those below, never
beside or above: no import climbs back up and no two packages import each other. The
floors are the README's (the sentence under the layout table; a test keeps the two the
same). Every import counts: at module level, inside a function (imported late for
start-up), and under `TYPE_CHECKING`.
"""

from __future__ import annotations

import ast
import re
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# The package (or top-level module) of gate/ -> its floor. `gate` is the package's face
# (`__version__`); `cli` loads `commands` by name; `action` and `__main__` stand on `cli`.
FLOORS: dict[str, int] = {
    "gate": 0,
    "core": 1,
    "errors": 2,
    "files": 3, "reports": 3,
    "github": 4, "results": 4, "thresholds": 4,
    "baseline": 5, "plugin": 5,
    "harness": 6,
    "commands": 7,
    "cli": 8,
    "action": 9, "__main__": 9,
}  # fmt: skip
# What the core may import from outside gate/ besides the standard library.
CORE_MAY_IMPORT = frozenset({"re2"})


@dataclass(frozen=True, kw_only=True)
class Import:
    file: Path  # relative to the root of the tree
    line: int
    module: str  # absolute: "gate.reports.escape", "re2", "json"


def _part(file: Path) -> str:
    """The floor name of a file under gate/: its package, or the module's own name."""
    parts = file.parts  # ("gate", "core", "rules.py") or ("gate", "cli.py")
    return "gate" if parts[1] == "__init__.py" else Path(parts[1]).stem


def _target(module: str, root: Path) -> str:
    """The floor name of an imported `gate...` module."""
    parts = module.split(".")
    if len(parts) == 1:
        return "gate"
    if (root / "gate" / parts[1]).is_dir() or (root / "gate" / f"{parts[1]}.py").is_file():
        return parts[1]
    return "gate"  # a name the package's face defines: `from gate import __version__`


def imports(root: Path) -> list[Import]:
    """Every import of every module under root/gate, made absolute."""
    found = []
    for path in sorted((root / "gate").rglob("*.py")):
        file = path.relative_to(root)
        package = list(file.with_suffix("").parts)
        if package[-1] != "__init__":
            package.pop()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(file))):
            if isinstance(node, ast.Import):
                found += [Import(file=file, line=node.lineno, module=a.name) for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = package[: len(package) - node.level + 1] if node.level else []
                module = ".".join([*base, *([node.module] if node.module else [])])
                if module == "__future__":
                    continue
                # `from gate import errors` imports the module gate.errors, not the face
                names = [f"{module}.{a.name}" for a in node.names] if module == "gate" else [module]
                found += [Import(file=file, line=node.lineno, module=m) for m in names]
    return found


def violations(root: Path) -> list[str]:
    """Each import that breaks the floors, as `file:line: what and why`."""
    found = []
    for imp in imports(root):
        top = imp.module.split(".")[0]
        here = _part(imp.file)
        where = f"{imp.file}:{imp.line}: {imp.module}"
        if here not in FLOORS:
            found.append(f"{where}: gate/{imp.file.parts[1]} has no floor (add it to FLOORS "
                         "and to the README's floors)")
        elif top != "gate":
            if here == "core" and top not in CORE_MAY_IMPORT | sys.stdlib_module_names:
                found.append(f"{where}: the core imports only the core, RE2 and the "
                             "standard library")
        elif (there := _target(imp.module, root)) != here:
            if there not in FLOORS:
                found.append(f"{where}: gate/{there} has no floor")
            elif FLOORS[there] >= FLOORS[here]:
                found.append(f"{where}: {here} (floor {FLOORS[here]}) imports {there} "
                             f"(floor {FLOORS[there]}), which is not below it")
    return found


def readme_floors() -> str:
    """The README's sentence that states the floors, as FLOORS renders it."""
    by_floor: dict[int, list[str]] = {}
    for name, floor in FLOORS.items():
        by_floor.setdefault(floor, []).append(name)
    steps = [", ".join(f"`{_path(name)}`" for name in names)
             for _, names in sorted(by_floor.items())]
    return "Floors, from the ground up (each imports only those below it): " + "; ".join(steps)


def _path(name: str) -> str:
    if name == "gate":
        return "gate/__init__.py"
    return f"gate/{name}/" if (ROOT / "gate" / name).is_dir() else f"gate/{name}.py"


def test_todays_tree_keeps_its_floors() -> None:
    assert violations(ROOT) == []


def test_every_part_of_gate_has_a_floor() -> None:
    parts = {_part(p.relative_to(ROOT)) for p in (ROOT / "gate").rglob("*.py")}
    assert parts == set(FLOORS)


def test_the_readme_states_the_same_floors() -> None:
    text = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert readme_floors() in text, f"README.md should say: {readme_floors()}"


def test_the_checker_reads_every_kind_of_import() -> None:
    found = {(str(i.file), i.module) for i in imports(ROOT)}
    assert ("gate/core/userregex.py", "re2") in found  # inside a function
    assert ("gate/github/runner.py", "gate.reports.review") in found  # TYPE_CHECKING
    assert ("gate/reports/verdictfile.py", "gate.__version__") in found  # the face


def _plant(root: Path, file: str, source: str) -> None:
    path = root / file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source), encoding="utf-8")


@pytest.mark.parametrize(
    ("file", "source", "expected"),
    [
        ("gate/core/rules.py", "import yaml\n", "the core imports only the core, RE2"),
        ("gate/core/rules.py", "def f():\n    from gate.errors import UserError\n",
         "core (floor 1) imports errors (floor 2)"),
        ("gate/reports/markdown.py", "from gate.github import runner\n",
         "reports (floor 3) imports github (floor 4)"),
        ("gate/results/loader.py", "from gate.thresholds.parser import parse\n",
         "results (floor 4) imports thresholds (floor 4)"),
        ("gate/baseline/ops.py", "from ..harness import config\n",
         "baseline (floor 5) imports harness (floor 6)"),
        ("gate/files/atomic.py", "from gate import cli\n", "files (floor 3) imports cli"),
        ("gate/extras/thing.py", "import json\n", "gate/extras has no floor"),
    ],
    ids=["core-yaml", "core-up", "reports-github", "sideways", "relative-up", "face-from",
         "new-package"],
)
def test_a_planted_violation_is_found(tmp_path: Path, file: str, source: str,
                                      expected: str) -> None:
    _plant(tmp_path, "gate/__init__.py", '__version__ = "0"\n')
    _plant(tmp_path, "gate/core/__init__.py", "")
    _plant(tmp_path, "gate/core/rules.py", "import re\nfrom gate.core import units\n")
    for package in ("errors.py", "cli.py"):
        _plant(tmp_path, f"gate/{package}", "from gate.core import rules\n")
    for package in ("reports", "github", "results", "thresholds", "harness", "files",
                    "baseline"):
        _plant(tmp_path, f"gate/{package}/__init__.py", "")
    assert violations(tmp_path) == []  # the clean tree first
    _plant(tmp_path, file, source)
    found = violations(tmp_path)
    assert len(found) == 1 and expected in found[0], found
    assert re.match(rf"{re.escape(file)}:\d+: ", found[0])
