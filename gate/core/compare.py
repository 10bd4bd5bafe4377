"""A run against its baseline: the relative kind of check (`gate.core.evaluate.KINDS`).

Pure: the stored runs arrive as data (`gate.core.relative.Baseline`, loaded by the edge,
`gate.baseline`). For every endpoint (and the aggregate) and every relative rule, one check:

- `regressed` (at the rule's level) when the change in the bad direction is larger than
  the rule's tolerance, than `min-delta` and than one Locust bucket at that latency, and
  — with a history of at least `MIN_HISTORY_FOR_BAND` runs — also outside the history's
  noise band (median +- NOISE_MADS scaled MADs): a change inside the band is noise,
  whatever its percentage;
- `improved` the same way in the good direction (never counts against);
- `inconclusive` when either side has too few requests for the metric (a percentile
  needs MIN_TAIL_REQUESTS above it: reported with what it needs, at the file's
  `on-too-few-requests` level, see `gate.core.thin`), or when the runs are not comparable
  (another fingerprint) unless `allow_mismatch` (at `on-inconclusive`);
- `pass` otherwise.

A latency compared with a history is also read with the run's shared shift removed
(`gate.core.shift`); the outcome still agrees with the sign of the change as measured:
an endpoint that got slower is never `improved`, one that got faster never `regressed`
(`pass` then, and the message gives both readings).

Endpoints only in the run are `new` (one check each, not counted against); endpoints of
the latest baseline run that made no requests now are `missing` (warn level). The
Aggregated row is compared on rps and fail-ratio only (see AGGREGATE_LATENCY). This module
chooses the runs and the entries; one rule on one entry is `gate.core.relativecheck`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from gate.core import comparability
from gate.core.groups import entry as group_entry
from gate.core.model import AGGREGATED, EndpointStats, Results
from gate.core.reading import count, fine, needed_requests
from gate.core.relative import Baseline, BaselineRules, PastRun, RelativeRule, default_rules
from gate.core.relativecheck import Base, Context, is_total, relative_check
from gate.core.rules import Level, Metric, Unit
from gate.core.shift import RunShift, centers, run_shift
from gate.core.verdict import BaselineRef, Check, Outcome, Scope

if TYPE_CHECKING:
    from gate.core.inputs import Inputs
    from gate.core.sections import Group

# The Aggregated row is compared on rps and fail-ratio only: its percentiles mix endpoints
# of very different speeds, so a small shift in the mix moves them (on the demo, 20 slow
# logins among 600 requests swing Aggregated p95 between 35 and 120 ms from run to run),
# and every endpoint's latency is compared on its own anyway.
AGGREGATE_LATENCY = False

DEFAULT_RULES_NOTE = ("baseline: the thresholds file has no baseline: section; the default "
                      "relative rules apply (p50 +10 % fail; p95 +15 % and rps -25 % warn)")


def checks(inputs: Inputs) -> Sequence[Check]:
    """The kind of check: the run against `inputs.baseline` (none without one)."""
    if inputs.baseline is None:
        return ()
    thresholds = inputs.thresholds
    return compare_runs(inputs.results, inputs.baseline, thresholds.baseline or default_rules(),
                        on_inconclusive=thresholds.on_inconclusive,
                        on_too_few=thresholds.on_too_few, groups=thresholds.groups)


def warnings(inputs: Inputs) -> list[str]:
    """What the verdict should say about the comparison without changing it: runs left out
    or compared without a fingerprint, and the default rules standing in for a missing
    `baseline:` section."""
    baseline = inputs.baseline
    if baseline is None:
        return []
    history = _history(baseline, inputs.thresholds.baseline)
    found = _comparable(inputs.results, history, baseline.allow_mismatch)[1] if history else []
    if baseline.fit is not None:
        found = [*found, *comparability.warnings(baseline.fit)]
    rules = inputs.thresholds.baseline or default_rules()
    return found if rules.written else [*found, DEFAULT_RULES_NOTE]


def reference(inputs: Inputs) -> BaselineRef | None:
    """The runs compared with, as every report names them (None without a baseline)."""
    baseline = inputs.baseline
    if baseline is None:
        return None
    history = _history(baseline, inputs.thresholds.baseline)
    if not history:
        return BaselineRef(store=baseline.store, commit=None, branch=None, time=None, runs=0,
                           fit=baseline.fit)
    usable = _comparable(inputs.results, history, baseline.allow_mismatch)[0]
    return replace(_ref(baseline.store, (usable or history)[-1], len(usable)),
                   fit=baseline.fit)


def _history(baseline: Baseline, rules: BaselineRules | None) -> list[PastRun]:
    """The runs compared with: the last `history` of them."""
    return list(baseline.runs)[-(rules or default_rules()).history :]


def compare_runs(
    current: Results,
    baseline: Baseline,
    rules: BaselineRules,
    *,
    on_inconclusive: Level,
    on_too_few: Level | None = None,
    groups: Sequence[Group] = (),
) -> list[Check]:
    """Checks of `current` against `baseline`'s runs (oldest first; one run for a single
    baseline), each endpoint's, then each group's (its members merged in every run alike,
    `gate.core.groups.entry`), then the aggregate's. Both must have their names grouped
    alike (`gate.core.names`): the loaders do it."""
    history = _history(baseline, rules)
    if not history:
        return [_run_check("the baseline store has no run to compare with", on_inconclusive,
                           f"save one first: locust-gate baseline save RESULTS --store "
                           f"{baseline.store}")]
    usable = _comparable(current, history, baseline.allow_mismatch)[0]
    if not usable:
        return [_run_check(
            f"not comparable with the baseline: {mismatch(current, history[-1])}",
            on_inconclusive,
            "save a baseline made with the same locustfile and load options, or pass "
            "--allow-mismatch to compare anyway",
        )]
    ctx = Context(rules=rules, on_inconclusive=on_inconclusive, on_too_few=on_too_few,
                   runs=len(usable),
                   shifts=_shift_table(current, usable, rules.min_requests))
    found: list[Check] = []
    for entry in sorted(current.endpoints, key=lambda e: (e.name, e.method)):
        found += _entry_checks(entry, [_find(run.results, entry) for run in usable], ctx,
                               rules.rules_for(entry.method, entry.name, entry.members))
    for group in groups:  # by its name only: an override for a member is the member's
        entry = group_entry(current, group)
        found += [
            replace(check, scope=Scope.GROUP, endpoint=group.name)
            for check in _entry_checks(entry, [group_entry(r.results, group) for r in usable],
                                       ctx, rules.rules_for("", group.name))
        ]
    total_rules = [r for r in rules.rules_for("", AGGREGATED)  # see AGGREGATE_LATENCY
                   if r.metric.unit is not Unit.MS or AGGREGATE_LATENCY]
    found += _entry_checks(current.total, [run.results.total for run in usable], ctx,
                           total_rules)
    found.extend(_missing(current, usable[-1]))
    return found


def _entry_checks(
    entry: EndpointStats, before: Sequence[EndpointStats | None], ctx: Context,
    rules: Sequence[RelativeRule],
) -> list[Check]:
    """One entry (an endpoint, a group, the aggregate) against its figures in each compared
    run (None: not in that run)."""
    if entry.num_requests == 0:
        return []
    base = [Base(stats=e, run=i) for i, e in enumerate(before)
            if e is not None and e.num_requests > 0]
    if not base:
        return [_new(entry)]
    return [relative_check(entry, base, rule, ctx) for rule in rules]


# --- comparability ------------------------------------------------------------------------

_META_FIELDS = ("locustfile", "users", "spawn_rate", "run_time", "host", "locust_version",
                "processes", "tags", "exclude_tags")


def mismatch(current: Results, base: PastRun) -> str:
    """Which run settings differ, in words (the fingerprint also covers file contents)."""
    a, b = current.meta, base.results.meta
    diffs = [
        f"{name} {getattr(b, name)!r} -> {getattr(a, name)!r}"
        for name in _META_FIELDS
        if getattr(a, name) != getattr(b, name)
    ]
    return "; ".join(diffs) if diffs else "the locustfile's contents or the options differ"


def _comparable(
    current: Results, history: list[PastRun], allow_mismatch: bool
) -> tuple[list[PastRun], list[str]]:
    mine = current.meta.fingerprint
    warnings: list[str] = []
    unknown = [run.entry or "(unnamed)" for run in history if run.fingerprint is None]
    if mine is not None and unknown:  # compared, but never silently
        warnings.append(
            f"{len(unknown)} of {len(history)} baseline runs carry no fingerprint (saved from "
            "a CSV or json-file): the gate cannot tell whether they were made with this "
            f"locustfile and load; compared anyway: {', '.join(unknown[:5])}"
            + (f" and {len(unknown) - 5} more" if len(unknown) > 5 else "")
        )
    if mine is None or all(run.fingerprint is None for run in history):
        warnings.append(
            "compared without a fingerprint (the run or its baseline came from a CSV or "
            "json-file, which carry none): the gate cannot tell whether the locustfile or "
            "the load changed; load gate.plugin in Locust to get one"
        )
        return history, warnings
    same = [run for run in history if run.fingerprint in (mine, None)]
    others = len(history) - len(same)
    if others and allow_mismatch:
        warnings.append(
            f"--allow-mismatch: {others} baseline run(s) made with another locustfile or "
            f"other load options are compared anyway ({mismatch(current, history[-1])})"
        )
        return history, warnings
    if others and same:
        warnings.append(
            f"{others} of {len(history)} baseline runs were made with another locustfile or "
            "other load options and are left out"
        )
    return same, warnings


def _find(results: Results, entry: EndpointStats) -> EndpointStats | None:
    if is_total(entry):
        return results.total
    return results.endpoint(entry.method, entry.name)


def _shift_table(
    current: Results, usable: Sequence[PastRun], min_requests: int
) -> Callable[[Metric], Sequence[RunShift]]:
    """The shared shifts of every run for a metric, computed once per metric on demand."""
    table: dict[Metric, Sequence[RunShift]] = {}
    history = [run.results for run in usable]

    def shifts(metric: Metric) -> Sequence[RunShift]:
        if metric not in table:
            need = needed_requests(metric, min_requests)

            def value(entry: EndpointStats) -> float | None:
                return fine(entry, metric) if count(entry, metric) >= need else None

            center = centers(history, value)
            table[metric] = [run_shift(r, center, value) for r in (current, *history)]
        return table[metric]

    return shifts


def _ref(store: str, run: PastRun, runs: int) -> BaselineRef:
    return BaselineRef(
        store=store, commit=run.commit, branch=run.branch, time=run.time, runs=runs
    )


def _new(entry: EndpointStats) -> Check:
    return Check(
        scope=Scope.ENDPOINT, endpoint=entry.key, method=entry.method, name=entry.name,
        metric="baseline", unit=Unit.COUNT, measured=entry.num_requests, limit=None,
        outcome=Outcome.NEW, level=None,
        message="new endpoint: the baseline has no requests for it",
    )


def _missing(current: Results, latest: PastRun) -> list[Check]:
    out = []
    for entry in sorted(latest.results.endpoints, key=lambda e: (e.name, e.method)):
        now = current.endpoint(entry.method, entry.name)
        if entry.num_requests > 0 and (now is None or now.num_requests == 0):
            out.append(Check(
                scope=Scope.ENDPOINT, endpoint=entry.key, method=entry.method, name=entry.name,
                metric="baseline", unit=Unit.COUNT, measured=0, limit=None,
                outcome=Outcome.MISSING, level=Level.WARN,
                message=f"missing: {entry.num_requests:,} requests in the baseline, none in "
                "this run",
            ))
    return out


def _run_check(message: str, level: Level, fix: str) -> Check:
    return Check(
        scope=Scope.RUN, endpoint="", method="", name="", metric="baseline", unit=Unit.COUNT,
        measured=None, limit=None, outcome=Outcome.INCONCLUSIVE, level=level,
        message=f"{message} ({fix})",
    )
