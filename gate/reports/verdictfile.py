"""verdict.json: the verdict as data, for machines (`comment`, the Action, other tools).

`verdict_dict` for a judged run and `error_verdict_dict` for a run whose harness failed,
both under the versioned `VERDICT_SCHEMA`; `to_json` is how either is written.
"""

from __future__ import annotations

import json
from typing import Any

from gate import __version__
from gate.core import names
from gate.core.comparability import Comparability, Machine
from gate.core.measure import measure
from gate.core.model import Results
from gate.core.rules import Metric
from gate.core.verdict import (
    VERDICT_SCHEMA,
    VERDICT_VERSION,
    BaselineRef,
    Check,
    Comparison,
    Status,
)
from gate.errors import HarnessError, exit_code
from gate.reports import pairs
from gate.reports.context import ReportContext

MAX_MEMBERS = 20  # raw names listed per grouped endpoint (results.json has them all)


def verdict_dict(ctx: ReportContext) -> dict[str, Any]:
    results, verdict = ctx.results, ctx.verdict
    total = results.total
    meta = results.meta
    return {
        "schema": VERDICT_SCHEMA,
        "version": VERDICT_VERSION,
        "verdict": verdict.status.value,
        "exit_code": exit_code(verdict.status),
        "reasons": list(verdict.reasons),
        "generator": f"locust-gate {__version__}",
        "results": {"path": ctx.results_path, "source": results.source.value,
                    "exact": results.exact},
        "thresholds": ctx.thresholds_path,
        "run": {
            "start_time": meta.start_time,
            "end_time": meta.end_time,
            "duration_s": round(meta.end_time - meta.start_time, 3),
            "users": meta.users,
            "host": meta.host,
            "locust_version": meta.locust_version,
            "fingerprint": meta.fingerprint,
            "shape": meta.shape,
            "profile": meta.profile,
            "peak_users": meta.peak_users,
            "completed": meta.completed,
            "end_reason": meta.end_reason,
            # `run --repeat N`: every measured value is the median of N runs' own
            "repeats": len(results.total.repeats) or 1,
        },
        "totals": {
            "requests": verdict.totals.requests,
            "failures": verdict.totals.failures,
            "fail_ratio": total.fail_ratio,
            "rps": measure(total, Metric.RPS),  # of a repeated run: the median
            "endpoints": verdict.totals.endpoints,
            "checks": verdict.totals.checks,
            "by_outcome": dict(verdict.totals.by_outcome),
        },
        "checks": [_check_dict(c) for c in verdict.checks],
        "exceptions": None
        if results.exceptions is None
        else [
            {"message": e.message, "count": e.count, "where": e.where}
            for e in results.exceptions
        ],
        "baseline": _baseline_dict(verdict.baseline),
        "paired": pairs.as_dict(ctx),
        "groups": [
            {"endpoint": e.key, "method": e.method, "name": e.name, "names": len(e.members),
             "members": list(e.members[:MAX_MEMBERS])}
            for e in names.grouped(results)
        ],
        "notes": ctx.notes,
        "warnings": ctx.warnings,
        "repeats": _repeats_dict(results),
    }


# The figures of each run of `run --repeat N` that verdict.json lists per endpoint: what
# the medians the checks judged were taken from.
_RUN_METRICS = (Metric.P50, Metric.P95, Metric.P99, Metric.AVG, Metric.MAX, Metric.FAIL_RATIO,
                Metric.RPS)


def _repeats_dict(results: Results) -> dict[str, Any] | None:
    """Every endpoint's (and the aggregate's) figures in each run of a repeated run, in
    the order they ran; None for a single run."""
    if not results.total.repeats:
        return None
    return {"runs": len(results.total.repeats), "endpoints": [
        {"endpoint": e.key, "method": e.method, "name": e.name,
         "requests": [r.num_requests for r in e.repeats],
         **{m.value: [measure(r, m) for r in e.repeats] for m in _RUN_METRICS}}
        for e in (*results.endpoints, results.total)]}


def _baseline_dict(ref: BaselineRef | None) -> dict[str, Any] | None:
    """The baseline's identity (issue 8); None when no baseline was compared with."""
    if ref is None:
        return None
    return {"store": ref.store, "commit": ref.commit, "branch": ref.branch, "time": ref.time,
            "runs": ref.runs, "fit": _fit_dict(ref.fit)}


def _fit_dict(fit: Comparability | None) -> dict[str, Any] | None:
    """How comparable the baseline is (gate.core.comparability); None when not assessed."""
    if fit is None:
        return None
    lineage = fit.lineage
    return {
        "runs": fit.runs, "branch": lineage.branch, "merge_base": lineage.merge_base,
        "behind": lineage.behind,
        "left_out": lineage.left_out, "no_merge_base": lineage.no_merge_base,
        "age_s": fit.age_s, "max_age_days": fit.max_age_days,
        "covered": fit.covered, "endpoints": fit.endpoints, "coverage": fit.coverage,
        "machine": _machine_dict(fit.machine), "this_machine": _machine_dict(fit.here),
        "other_machine": fit.other_machine, "caveats": [c.value for c in fit.caveats],
    }


def _machine_dict(machine: Machine | None) -> dict[str, Any] | None:
    return None if machine is None else {"cpu": machine.cpu, "cores": machine.cores}


def _comparison_dict(comparison: Comparison | None) -> dict[str, Any] | None:
    if comparison is None:
        return None
    ratio = comparison.change_ratio
    return {
        "baseline": comparison.baseline,
        "change": comparison.change,
        "change_ratio": ratio,
        "change_percent": None if ratio is None else round(ratio * 100, 2),
        "band": list(comparison.band) if comparison.band is not None else None,
        "shift": comparison.shift,
    }


def _check_dict(check: Check) -> dict[str, Any]:
    return {
        "scope": check.scope.value,
        "endpoint": check.endpoint,
        "method": check.method,
        "name": check.name,
        "metric": check.metric,
        "unit": check.unit.value,
        "measured": check.measured,
        "limit": check.limit,
        "limits": dict(check.limits),
        "bound": check.bound.value,
        "outcome": check.outcome.value,
        "level": check.level.value if check.level else None,
        "message": check.message,
        "where": check.where,
        "needs": check.needs,
        "requests": check.requests,
        "comparison": _comparison_dict(check.comparison),
    }


def error_verdict_dict(error: HarnessError, *, profile: str | None = None) -> dict[str, Any]:
    """verdict.json for a run whose harness failed: nothing was judged. `run.profile` is
    the profile the run was for (its comment is that profile's)."""
    return {
        "schema": VERDICT_SCHEMA,
        "version": VERDICT_VERSION,
        "verdict": Status.ERROR.value,
        "exit_code": error.exit_code,
        "reasons": [f"{error.stage}: {error.what}"],
        "generator": f"locust-gate {__version__}",
        "error": {
            "stage": error.stage,
            "message": error.what,
            "where": error.where,
            "fix": error.fix,
            "log_tail": error.log_tail,
        },
        **({"run": {"profile": profile}} if profile else {}),
        "checks": [],
    }


def to_json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
