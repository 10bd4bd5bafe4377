"""The same-runner rounds of `run --against-ref` in the reports: the data behind them.

`view` is the rows of report.md's table (templates/pairs.md.j2: per endpoint and metric,
the base's and the head's values, the change with its interval, the outcome), and
`as_dict` verdict.json's `paired` section, with every round's figures. All of it comes
from `ReportContext.pairs` (`gate.core.paired.judged`) and the rounds in the results.
The one line about the mode that report.md and the PR comment show is a note
(`gate.core.paired.summary`, in `ReportContext.notes`).
"""

from __future__ import annotations

from typing import Any

from gate.core.model import Pair
from gate.core.paired import CONFIDENCE, Estimate
from gate.core.verdict import Check
from gate.reports import escape
from gate.reports.context import ReportContext, fmt, too_few

METHOD = "hodges-lehmann change of the ratios head/base, wilcoxon signed-rank interval"
MAX_ROWS = 200


def view(ctx: ReportContext) -> dict[str, Any] | None:
    """report.md's table of the comparison; None for a single run."""
    rounds = ctx.results.rounds
    if rounds is None:
        return None
    rows = [_row(estimate, check) for estimate, check in ctx.pairs]
    return {
        "ref": escape.markdown(f"{rounds.ref} at {rounds.commit[:12]}", limit=200),
        "confidence": f"{CONFIDENCE * 100:g}",
        "rows": rows[:MAX_ROWS],
        "cut": max(0, len(rows) - MAX_ROWS),
    }


def _row(estimate: Estimate, check: Check) -> dict[str, str]:
    unit = estimate.metric.unit
    return {
        "endpoint": escape.markdown(estimate.endpoint, limit=120),
        "metric": estimate.metric.value,
        "base": fmt(estimate.base_median, unit),
        "head": fmt(estimate.head_median, unit),
        "change": _percent(estimate.change),
        "interval": f"{_percent(estimate.low)} to {_percent(estimate.high)}"
        if estimate.low is not None else "-",
        "pairs": str(estimate.pairs),
        "outcome": check.outcome.value + too_few(check),
    }


def _percent(ratio: float | None) -> str:
    return "-" if ratio is None else f"{ratio * 100:+.1f} %"


def as_dict(ctx: ReportContext) -> dict[str, Any] | None:
    """verdict.json's `paired` section; None for a single run."""
    rounds = ctx.results.rounds
    if rounds is None:
        return None
    return {
        "ref": rounds.ref,
        "commit": rounds.commit,
        "round_time_s": rounds.round_time,
        "pairs": len(rounds.pairs),
        "confidence": CONFIDENCE,
        "method": METHOD,
        "estimates": [_estimate_dict(e, c) for e, c in ctx.pairs],
        "rounds": [_pair_dict(i, pair, ctx) for i, pair in enumerate(rounds.pairs, start=1)],
    }


def _estimate_dict(estimate: Estimate, check: Check) -> dict[str, Any]:
    return {
        "endpoint": estimate.endpoint, "method": estimate.method, "name": estimate.name,
        "metric": estimate.metric.value, "unit": estimate.metric.unit.value,
        "base": estimate.base_median, "head": estimate.head_median,
        "change": estimate.change,
        "interval": [estimate.low, estimate.high] if estimate.low is not None else None,
        "pairs": estimate.pairs, "needs": estimate.needs,
        "outcome": check.outcome.value, "level": check.level.value if check.level else None,
    }


def _pair_dict(number: int, pair: Pair, ctx: ReportContext) -> dict[str, Any]:
    index = number - 1
    return {
        "pair": number,
        "first": "head" if pair.head_first else "base",
        **{side: {
            "requests": run.total.num_requests,
            "failures": run.total.num_failures,
            "values": [
                {"endpoint": e.endpoint, "metric": e.metric.value,
                 "value": (e.base if side == "base" else e.head)[index]}
                for e, _ in ctx.pairs
            ],
        } for side, run in (("base", pair.base), ("head", pair.head))},
    }

