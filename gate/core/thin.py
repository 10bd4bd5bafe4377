"""Thin data: checks that could not be judged because too few requests were made.

A p95 needs 100 requests (`gate.core.reading.needed_requests`), and a locustfile's
low-traffic endpoints never make that many in a short run: judged as warnings, they would
turn every unchanged run yellow and teach people to ignore the gate. So a check that is
inconclusive *only for lack of requests* (`Check.too_few`) is reported with what it needs
and counts at the file's `on-too-few-requests` level, which by default is none.

Two guards keep "too little data is never a pass": `settle` adds a run check at the
`on-inconclusive` level when nothing that rests on requests was judged at all (every such
check too thin), and `summary` is one line, shown in every report, when most endpoints
had checks too thin to judge, saying what would make them judgeable.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import replace

from gate.core.rules import Bound, Level, Unit
from gate.core.verdict import Check, Outcome, Scope

NOTHING_JUDGED = "judged"  # the metric of the run check `settle` adds
_JUDGED = frozenset({Outcome.PASS, Outcome.BREACHED, Outcome.REGRESSED, Outcome.IMPROVED})
# Checks that count things rather than measure requests: never "too thin", never "judged".
_COUNTS = frozenset({"exceptions", "required", "baseline", "requests", "completed",
                     NOTHING_JUDGED})


def _on_requests(check: Check) -> bool:
    """Whether the check judges a value measured over requests (a latency, a ratio, a
    throughput of an endpoint or the aggregate)."""
    # A number read from a URL (gate.core.external) rests on no request.
    return check.scope not in (Scope.RUN, Scope.EXTERNAL) and check.metric not in _COUNTS


def settle(checks: Iterable[Check], *, on_inconclusive: Level) -> tuple[Check, ...]:
    """`checks` with the run check "nothing could be judged" (at `on_inconclusive`) when
    checks too thin to judge were not counted (`on-too-few-requests: report`) and no check
    on requests was judged; an earlier such check is replaced, so settling the absolute
    checks and then all of them is the same."""
    kept = tuple(c for c in checks if not (c.scope is Scope.RUN and c.metric == NOTHING_JUDGED))
    thin = [c for c in kept if c.too_few]
    if (not thin or any(c.counts_at is not None for c in thin)
            or any(_on_requests(c) and c.outcome in _JUDGED for c in kept)):
        return kept
    return (*kept, _nothing_judged(thin, on_inconclusive))


def _nothing_judged(thin: Sequence[Check], level: Level) -> Check:
    return Check(
        scope=Scope.RUN, endpoint="", method="", name="", metric=NOTHING_JUDGED,
        unit=Unit.COUNT, measured=0, limit=1, limits={level.value: 1}, bound=Bound.MIN,
        outcome=Outcome.INCONCLUSIVE, level=level,
        message=f"nothing could be judged: all {len(thin)} checks had too few requests "
        f"({_fix(thin)})",
    )


def summary(checks: Sequence[Check]) -> str | None:
    """One line when most endpoints had checks too thin to judge: how many, what the
    metrics need, and what would fix it; None otherwise."""
    # about endpoints: a group's own checks say when the group had too few requests
    measured = [c for c in checks if _on_requests(c) and c.outcome is not Outcome.NEW
                and c.scope is not Scope.GROUP]
    thin = [c for c in measured if c.too_few]
    endpoints = {c.endpoint for c in measured if c.scope is not Scope.AGGREGATE}
    short = {c.endpoint for c in thin}
    if not thin or len(short) * 2 <= len(endpoints):
        return None
    counted = any(c.counts_at is not None for c in thin)
    how = "" if counted else ", reported but not counted (on-too-few-requests)"
    return (f"{len(short)} of {len(endpoints)} endpoints had too few requests to judge "
            f"{len(thin)} checks{how}: {_fix(thin)}")


def _fix(thin: Sequence[Check]) -> str:
    """What the thin checks need, and how much more load would give it to them."""
    needs: dict[str, int] = {}
    for c in thin:
        needs[c.metric] = max(needs.get(c.metric, 0), c.needs or 0)
    wanted = ", ".join(f"{metric} needs {n:,}" for metric, n in
                       sorted(needs.items(), key=lambda item: -item[1]))
    factors = sorted((c.needs or 0) / max(c.requests or 0, 1) for c in thin)
    half, most = math.ceil(statistics.median(factors)), math.ceil(factors[-1])
    more = (f"about {half}x the requests (a longer run-time, or more users) would judge half "
            f"of them, {most}x all" if most > 1 else "a slightly longer run would judge them")
    return (f"{wanted} requests per endpoint; {more}; requests to URLs with ids count "
            "together when grouped (group-names: true, the default) or named (name=)")


def reported(check: Check, *, on_too_few: Level | None, needs: int, requests: int,
             message: str) -> Check:
    """`check` made inconclusive for lack of requests: reported with what it needs, at
    the `on-too-few-requests` level (None: it does not lower the verdict)."""
    return replace(check, outcome=Outcome.INCONCLUSIVE, level=on_too_few, needs=needs,
                   requests=requests, message=message)
