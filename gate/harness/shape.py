"""Find a LoadTestShape in a locustfile without running it, and how long it runs.

Locust ignores -u/-r/-t when the locustfile defines a LoadTestShape (unless the shape sets
`use_common_options = True`): the shape alone decides the users and when the run ends.
`run` must then pass no run time, and needs another bound for its deadline. The locustfile
is read as source (`ast`), never imported: importing user code in the gate would run it.

The duration is found when the shape class (or a base class in the same file) assigns a
literal: `stages = [{"duration": 60, ...}, ...]` (the last stage's end, as in Locust's
docs), or `time_limit` / `run_time` in seconds. Otherwise `max-run-time` must say it.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

_DURATION_ATTRIBUTES = ("time_limit", "run_time")
_OPERATORS: dict[type[ast.operator], Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
}


@dataclass(frozen=True, kw_only=True)
class Shape:
    """A LoadTestShape found in a locustfile."""

    name: str
    duration: float | None  # seconds, when the source states it as a literal
    common_options: bool  # `use_common_options = True`: it reads -u/-r/-t


def detect(locustfile: Path) -> Shape | None:
    """The LoadTestShape class defined in `locustfile`, or None (also when the file cannot
    be parsed: Locust will then report the problem itself)."""
    try:
        tree = ast.parse(locustfile.read_text(encoding="utf-8"), filename=str(locustfile))
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError):
        return None
    classes = {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}
    shapes = [node for node in classes.values() if _is_shape(node, classes, set())]
    bases = {_base_name(base) for node in shapes for base in node.bases}
    leaves = [node for node in shapes if node.name not in bases]
    if not leaves:
        return None
    node = leaves[0]
    lineage = _lineage(node, classes)
    return Shape(
        name=node.name,
        duration=_duration(lineage),
        common_options=_assigned(lineage, "use_common_options") is True,
    )


def _base_name(base: ast.expr) -> str:
    if isinstance(base, ast.Name):
        return base.id
    if isinstance(base, ast.Attribute):
        return base.attr
    return ""


def _is_shape(node: ast.ClassDef, classes: dict[str, ast.ClassDef], seen: set[str]) -> bool:
    for base in node.bases:
        name = _base_name(base)
        if name == "LoadTestShape":
            return True
        if name in classes and name not in seen:
            seen.add(name)
            if _is_shape(classes[name], classes, seen):
                return True
    return False


def _lineage(node: ast.ClassDef, classes: dict[str, ast.ClassDef]) -> list[ast.ClassDef]:
    """The class, then its bases defined in the same file (nearest first)."""
    found = [node]
    for base in node.bases:
        name = _base_name(base)
        if name in classes and classes[name] not in found:
            found += _lineage(classes[name], classes)
    return found


def _assigned(lineage: list[ast.ClassDef], attribute: str) -> object:
    """The literal value assigned to `attribute` in the class body (nearest class wins)."""
    for node in lineage:
        for statement in node.body:
            value = _assignment(statement, attribute)
            if value is not None:
                try:
                    return ast.literal_eval(value)
                except ValueError:
                    return _number(value)
    return None


def _assignment(statement: ast.stmt, attribute: str) -> ast.expr | None:
    if isinstance(statement, ast.Assign) and any(
        isinstance(t, ast.Name) and t.id == attribute for t in statement.targets
    ):
        return statement.value
    if (
        isinstance(statement, ast.AnnAssign)
        and isinstance(statement.target, ast.Name)
        and statement.target.id == attribute
    ):
        return statement.value
    return None


def _duration(lineage: list[ast.ClassDef]) -> float | None:
    for attribute in _DURATION_ATTRIBUTES:
        value = _assigned(lineage, attribute)
        if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
            return float(value)
    for node in lineage:
        for statement in node.body:
            stages = _assignment(statement, "stages")
            if isinstance(stages, ast.List | ast.Tuple):
                ends = [_stage_end(item) for item in stages.elts]
                if ends and all(end is not None for end in ends):
                    return max(end for end in ends if end is not None)
                return None
    return None


def _stage_end(item: ast.expr) -> float | None:
    if not isinstance(item, ast.Dict):
        return None
    for key, value in zip(item.keys, item.values, strict=True):
        if isinstance(key, ast.Constant) and key.value == "duration":
            return _number(value)
    return None


def _number(node: ast.expr) -> float | None:
    """A number written as a constant or simple arithmetic (`5 * 60`), else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return None if isinstance(node.value, bool) else float(node.value)
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        left, right = _number(node.left), _number(node.right)
        if left is not None and right is not None:
            return _OPERATORS[type(node.op)](left, right)
    return None
