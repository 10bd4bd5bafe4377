"""What one judging pass reads (`Inputs`), below every kind of check that reads it.

`gate.core.evaluate` runs the kinds of check (`KINDS`); each kind is a module with
`checks(inputs: Inputs)`. `Inputs` lives here rather than in `evaluate` so that a kind
imports it from below, not from the module that imports the kind (no circle).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from gate.core.model import Results
from gate.core.ruleset import Thresholds

if TYPE_CHECKING:
    from gate.core.relative import Baseline  # loaded only with a baseline (see evaluate)


@dataclass(frozen=True, kw_only=True)
class Inputs:
    """Everything one judging pass reads: the run, the rules, and what the edge loaded
    for them (a baseline: its stored runs as data, `gate.core.relative.Baseline`). Pure
    data: a kind of check never does I/O."""

    results: Results
    thresholds: Thresholds
    baseline: Baseline | None = None
    allow_incomplete: bool = False
