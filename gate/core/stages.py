"""The checks of the thresholds file's `stages:` rules, on each stage's own figures.

A kind of check (`gate.core.evaluate.KINDS`). Each stage's rules are a `Thresholds`
(`gate.core.ruleset.StageRules`), judged by the same endpoint, required and aggregate
checks as the whole run, over the stage's `Window` (its exact figures, see
`gate.results.boundaries`) instead of the run's; each check then says its stage, in its
scope (`stage`) and its name (`stage spike: GET /api/items`). A rule for a stage the run
did not have would check nothing: `check` refuses it before judging (exit 2, naming the
stages the run had: `gate.thresholds.stages.require`), and here it is a `missing` check
at level fail, so it can never pass either way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from gate.core import absolute
from gate.core.judging import count_failure
from gate.core.measure import Subject
from gate.core.model import Results, Window
from gate.core.ruleset import StageRules
from gate.core.verdict import Check, Outcome, Scope

if TYPE_CHECKING:
    from gate.core.inputs import Inputs


def checks(inputs: Inputs) -> Sequence[Check]:
    """Every stage rule's checks, stage by stage in the order of the thresholds file."""
    found: list[Check] = []
    for stage_rules in inputs.thresholds.stages:
        window = inputs.results.stage(stage_rules.name)
        if window is None:
            found.append(_missing(inputs.results, stage_rules))
        else:
            found += _stage_checks(inputs, window, stage_rules)
    return found


def missing_stage(results: Results, stage_rules: StageRules) -> str | None:
    """Why `stage_rules` cannot be judged on `results` (no such stage), or None."""
    if results.stage(stage_rules.name) is not None:
        return None
    had = ", ".join(w.name for w in results.stages)
    what = f"the run's stages were {had}" if had else "the run had no stages"
    return f"the thresholds have rules for stage {stage_rules.name!r}, and {what}"


def _missing(results: Results, stage_rules: StageRules) -> Check:
    return count_failure(
        Subject(scope=Scope.STAGE, label=f"stage {stage_rules.name}"),
        metric="stage",
        outcome=Outcome.MISSING,
        message=missing_stage(results, stage_rules) or "",
        where=stage_rules.where,
    )


def _stage_checks(inputs: Inputs, window: Window, stage_rules: StageRules) -> list[Check]:
    """The run's own kinds of endpoint and aggregate checks, on the stage's figures."""
    stage = replace(
        inputs,
        results=replace(inputs.results, endpoints=window.endpoints, total=window.total,
                        stages=()),
        thresholds=replace(stage_rules.rules, on_inconclusive=inputs.thresholds.on_inconclusive,
                           on_too_few=inputs.thresholds.on_too_few),
        baseline=None,
    )  # fmt: skip
    # The run's own kinds, reused as they are.
    kinds = (absolute.endpoint_checks, absolute.required_checks, absolute.aggregate_checks)
    return [_in_stage(check, window.name) for kind in kinds for check in kind(stage)]


def _in_stage(check: Check, name: str) -> Check:
    return replace(check, scope=Scope.STAGE, endpoint=f"stage {name}: {check.endpoint}")
