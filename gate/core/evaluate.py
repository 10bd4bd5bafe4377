"""Judge results against thresholds: pure functions, no I/O.

Every rule becomes one `Check` with a measured value, a limit, an outcome and a level.
Lack of data is never a pass: a run with zero requests fails; a metric that cannot be
computed is no-data at the file's `on-inconclusive` level; an endpoint with fewer requests
than `min-requests` is inconclusive, reported with what it needs at the file's
`on-too-few-requests` level (none by default), and a run in which nothing could be judged
for lack of requests is inconclusive at `on-inconclusive` (`gate.core.thin`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from gate.core import absolute, thin
from gate.core.absolute import ALLOW_INCOMPLETE_FLAG
from gate.core.inputs import Inputs
from gate.core.model import Results
from gate.core.rules import EndpointRules
from gate.core.ruleset import Thresholds
from gate.core.verdict import (
    BaselineRef,
    Check,
    Totals,
    Verdict,
    count_outcomes,
    problems,
    status_of,
)

if TYPE_CHECKING:
    from gate.core.relative import Baseline

__all__ = ["ALLOW_INCOMPLETE_FLAG", "KINDS", "Inputs", "evaluate", "reasons", "unmatched_rules"]

Kind = Callable[[Inputs], Sequence[Check]]


def evaluate(
    results: Results,
    thresholds: Thresholds,
    baseline: Baseline | None = None,
    *,
    allow_incomplete: bool = False,
) -> Verdict:
    """Judge `results` in one pass over every kind of check (`KINDS`): the status decided
    once, the reasons built once. A run that did not complete fails unless
    `allow_incomplete`, which lowers that check to a warning (it is still shown)."""
    inputs = Inputs(results=results, thresholds=thresholds, baseline=baseline,
                    allow_incomplete=allow_incomplete)
    checks = thin.settle(
        [check for kind in KINDS for check in kind(inputs)],
        on_inconclusive=thresholds.on_inconclusive,
    )
    total = results.total
    totals = Totals(
        requests=total.num_requests,
        failures=total.num_failures,
        endpoints=len(results.endpoints),
        checks=len(checks),
        by_outcome=count_outcomes(checks),
    )
    return Verdict(
        status=status_of(checks),
        checks=tuple(checks),
        totals=totals,
        reasons=tuple(reasons(checks)),
        warnings=(*_baseline_warnings(inputs), *unmatched_rules(results, thresholds)),
        baseline=_baseline_ref(inputs),
    )


# The kinds of a section a file may not have, or of data a run may not carry, are imported
# only when there is something for them: a console `check` of a plain run loads none of
# them (start-up: docs/benchmarks.md). Each is still one module and this one entry.
def _group_checks(inputs: Inputs) -> Sequence[Check]:
    if not inputs.thresholds.groups:
        return ()
    from gate.core import groups  # noqa: PLC0415 (see above)

    return groups.checks(inputs)


def _stage_checks(inputs: Inputs) -> Sequence[Check]:
    if not inputs.thresholds.stages:
        return ()
    from gate.core import stages  # noqa: PLC0415 (see above)

    return stages.checks(inputs)


def _external_checks(inputs: Inputs) -> Sequence[Check]:
    if not inputs.thresholds.metrics:
        return ()
    from gate.core import external  # noqa: PLC0415 (see above)

    return external.checks(inputs)


def _resource_checks(inputs: Inputs) -> Sequence[Check]:
    if inputs.thresholds.resources is None:
        return ()
    from gate.core import resources  # noqa: PLC0415 (see above)

    return resources.checks(inputs)


def _paired_checks(inputs: Inputs) -> Sequence[Check]:
    if inputs.results.rounds is None:
        return ()
    from gate.core import paired  # noqa: PLC0415 (see above)

    return paired.checks(inputs)


def _abort_checks(inputs: Inputs) -> Sequence[Check]:
    if inputs.results.meta.aborted is None:
        return ()
    from gate.core.abort import abort_checks  # noqa: PLC0415 (see above)

    return abort_checks(inputs.results.meta.aborted)


# The comparison with stored runs (`gate.core.compare`) is imported only with a baseline:
# its modules (the reading, the shift, the relative rules) cost a `check` without one
# about 11 ms of start-up (its import after evaluate's, median of 7 on the dev VM).
def _baseline_checks(inputs: Inputs) -> Sequence[Check]:
    if inputs.baseline is None:
        return ()
    from gate.core import compare  # noqa: PLC0415 (see above)

    return compare.checks(inputs)


def _baseline_warnings(inputs: Inputs) -> Sequence[str]:
    if inputs.baseline is None:
        return ()
    from gate.core import compare  # noqa: PLC0415 (see above)

    return compare.warnings(inputs)


def _baseline_ref(inputs: Inputs) -> BaselineRef | None:
    if inputs.baseline is None:
        return None
    from gate.core import compare  # noqa: PLC0415 (see above)

    return compare.reference(inputs)


# Every kind of check, in report order. A new kind (a group, a stage, the backend's
# resources, an external metric, a paired comparison) is one module with a function
# `checks(inputs: Inputs) -> Sequence[Check]` that judges through
# `gate.core.judging.judge_rule`, and one entry here (imported on demand, above, when the
# file or the run may not have anything for it).
KINDS: tuple[Kind, ...] = (
    absolute.run_checks,
    absolute.completion_checks,
    absolute.endpoint_checks,
    absolute.required_checks,
    _group_checks,
    absolute.aggregate_checks,
    absolute.exception_checks,
    _stage_checks,
    _external_checks,
    _abort_checks,
    _baseline_checks,
    _resource_checks,
    _paired_checks,
)


def unmatched_rules(results: Results, thresholds: Thresholds) -> list[str]:
    """One warning per endpoint rule that applies to no endpoint of this run, so checked
    nothing (a mistyped name, or a glob that selects nothing). `required` rules are left
    out: they already fail as missing."""
    # Which entry each endpoint takes, found once (per entry it would be quadratic).
    taken = {id(thresholds.override_for(e.method, e.name, e.members))
             for e in results.endpoints}
    return [
        _unmatched_message(results, index, override)
        for index, override in enumerate(thresholds.endpoints)
        if not override.required and id(override) not in taken
    ] + _unmatched_groups(results, thresholds)


def _unmatched_groups(results: Results, thresholds: Thresholds) -> list[str]:
    """A group that selects nothing is warned about the same way."""
    if not thresholds.groups:
        return []
    from gate.core import groups  # noqa: PLC0415 (see _group_checks)

    return groups.unmatched(results, thresholds)


def _unmatched_message(results: Results, index: int, override: EndpointRules) -> str:
    pattern = override.matcher.describe()
    taken = [e for e in results.endpoints
             if override.matcher.matches_any(e.method, e.name, e.members)]
    if taken:
        return (
            f"endpoints[{index}] {pattern!r} ({override.where}) checked nothing: every endpoint "
            "it matches is taken by an earlier entry (the first match wins); move it up"
        )
    names = [e.key for e in results.endpoints] + [e.name for e in results.endpoints]
    close = _closest(override.matcher.pattern, names, cutoff=0.6)
    hint = f"; did you mean {close!r}?" if close is not None else ""
    return (
        f"endpoints[{index}] {pattern!r} ({override.where}) matched no endpoint of this run, "
        f"so its rules checked nothing{hint}"
    )


def _closest(word: str, names: Sequence[str], *, cutoff: float) -> str | None:
    """What `difflib.get_close_matches(word, names, n=1, cutoff=cutoff)` returns, about
    five times faster on thousands of names: a name must beat the best one so far, so the
    cheap upper bounds (`real_quick_ratio`, `quick_ratio`) rule most out before `ratio`."""
    import difflib  # noqa: PLC0415 (only a rule that matched nothing pays for it)

    matcher = difflib.SequenceMatcher()
    matcher.set_seq2(word)  # difflib's order: seq2 is the one analysed once
    best: tuple[float, str] | None = None
    for name in names:
        matcher.set_seq1(name)
        floor = cutoff if best is None else best[0]
        if matcher.real_quick_ratio() >= floor and matcher.quick_ratio() >= floor:
            score = matcher.ratio()
            # ties go to the greater name, as get_close_matches's (score, name) ordering
            if score >= cutoff and (best is None or (score, name) > best):
                best = (score, name)
    return best[1] if best is not None else None


def reasons(checks: Sequence[Check]) -> list[str]:
    """One line per endpoint and cause that lowered the verdict, fail level first: the
    checks of one endpoint that share a message (e.g. too few requests to judge any of
    its metrics) make one line that names their metrics."""
    grouped: dict[tuple[str, str], list[str]] = {}
    for c in problems(checks):
        grouped.setdefault((c.endpoint or "run", c.message or c.outcome.value), []).append(
            c.metric
        )
    return [
        f"{endpoint}: {message}" + (f" ({', '.join(metrics)})" if len(metrics) > 1 else "")
        for (endpoint, message), metrics in grouped.items()
    ]
