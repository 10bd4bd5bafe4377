"""Endpoint groups (the thresholds file's `groups:`): several endpoints judged as one.

A team states targets per area ("authentication average < 500 ms", "WebSocket setup p95 <
2 s"), not per URL. A `Group` selects endpoints by pattern (`match:`, `regex:`, the same
matching as `endpoints:`) and/or by Locust request type (`type: WS`, the method column).
Its figures are those of one entry merged from its members (`model.merged`: counts added,
histograms added bucket by bucket), so its percentiles are Locust's own over the merged
histogram, never an average of the members' percentiles; `min-requests` counts the
group's requests. The results are grouped by name first (`gate.core.names`), so a group
matches the endpoints as judged (`GET /api/leads/[id]`) and, like an endpoint rule, any raw
name in them. Groups may overlap: an endpoint can be in several.

`entry` is the one way to compute a group's figures, also for a stored run (the baseline
side); `checks` is the kind of check `gate.core.evaluate.KINDS` runs; `unmatched` says which
groups matched no endpoint (they checked nothing). Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from gate.core.judging import judge_rule
from gate.core.measure import EndpointMeasurement
from gate.core.model import EndpointStats, Results, merged
from gate.core.sections import Group
from gate.core.verdict import Check, Scope

if TYPE_CHECKING:
    from gate.core.inputs import Inputs
    from gate.core.ruleset import Thresholds

__all__ = ["checks", "entries", "entry", "members", "unmatched"]


def members(results: Results, group: Group) -> tuple[EndpointStats, ...]:
    """The run's endpoints the group selects, in report order."""
    return tuple(sorted((e for e in results.endpoints if group.selects(e)),
                        key=lambda e: (e.name, e.method)))


def entry(results: Results, group: Group) -> EndpointStats:
    """The group as one entry, its members merged exactly; `members` holds their
    `METHOD NAME`s. With no member it has zero requests (too few to judge, never a pass)."""
    found = members(results, group)
    return merged(found, method="", name=group.name, members=tuple(e.key for e in found))


def entries(results: Results, thresholds: Thresholds) -> tuple[EndpointStats, ...]:
    """Every group's entry, in the file's order: what the reports list."""
    return tuple(entry(results, group) for group in thresholds.groups)


def checks(inputs: Inputs) -> Sequence[Check]:
    """Each group's rules judged on its merged entry (scope `group`, labelled by its name)."""
    results, thresholds = inputs.results, inputs.thresholds
    if results.total.num_requests == 0:
        return ()  # the run check already fails it; no second message for the same cause
    out: list[Check] = []
    for group in thresholds.groups:
        merged_entry = entry(results, group)
        measured = EndpointMeasurement(entry=merged_entry, scope=Scope.GROUP, label=group.name)
        least = group.min_requests if group.min_requests is not None else thresholds.min_requests
        for rule in group.rules:
            check = judge_rule(measured, rule, least, thresholds.on_inconclusive,
                               on_too_few=thresholds.on_too_few)
            if not merged_entry.members:
                check = replace(check, message=f"group {group.name!r} matched no endpoint of "
                                "this run: nothing to judge")
            out.append(check)
    return out


def unmatched(results: Results, thresholds: Thresholds) -> list[str]:
    """One warning per group that selects no endpoint of this run (a typo, a renamed
    endpoint, a request type the run did not make), like an endpoint rule that matched
    nothing: its checks are inconclusive with 0 requests."""
    types = sorted({e.method for e in results.endpoints if e.method})
    warnings = []
    for index, group in enumerate(thresholds.groups):
        if any(group.selects(e) for e in results.endpoints):
            continue
        hint = (f"; the run's request types: {', '.join(types)}"
                if group.type is not None and types else "")
        warnings.append(f"groups[{index}] {group.name!r} ({group.where}) selects "
                        f"{group.describe()} and matched no endpoint of this run, so its "
                        f"rules checked nothing{hint}")
    return warnings
