"""One relative rule judged for one entry (an endpoint, a group, the aggregate) against its
figures in the compared runs: the reading (`gate.core.reading`: tolerance, `min-delta`, one
Locust bucket, the history's noise band), the shared shift (`gate.core.shift`) and the
check's outcome, limits and message. `gate.core.compare` chooses the runs and the entries.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from gate.core import thin
from gate.core.measure import measure
from gate.core.model import AGGREGATED, EndpointStats
from gate.core.reading import (
    MIN_HISTORY_FOR_BAND,
    Reading,
    band,
    count,
    fine,
    moved,
    needed_requests,
    read,
)
from gate.core.relative import BaselineRules, RelativeRule
from gate.core.rules import Bound, Level, Metric, Unit
from gate.core.shift import RunShift
from gate.core.units import format_value
from gate.core.verdict import Check, Comparison, Outcome, Scope


@dataclass(frozen=True, kw_only=True)
class Context:
    """What every rule of one comparison shares."""

    rules: BaselineRules
    on_inconclusive: Level
    on_too_few: Level | None
    runs: int
    # A metric's shared shifts: [the current run, then each compared run in order].
    shifts: Callable[[Metric], Sequence[RunShift]]


def is_total(entry: EndpointStats) -> bool:
    """The Aggregated row (an endpoint may be named "Aggregated" too; it has a method)."""
    return entry.name == AGGREGATED and not entry.method


def relative_check(
    entry: EndpointStats, base: Sequence[Base], rule: RelativeRule, ctx: Context
) -> Check:
    metric = rule.metric
    need = needed_requests(metric, ctx.rules.min_requests)
    check = _check(entry, rule)
    if count(entry, metric) < need:
        return thin.reported(
            check, on_too_few=ctx.on_too_few, needs=need, requests=count(entry, metric),
            message=f"{count(entry, metric)} requests in this run: too few to compare "
            f"{metric.value} (needs {need})")
    measured = measure(entry, metric)
    usable = [b for b in base if count(b.stats, metric) >= need]
    values = [v for b in usable if (v := measure(b.stats, metric)) is not None]
    if measured is None:
        return _inconclusive(check, ctx, f"{metric.value} could not be computed from this "
                             "run's data")
    if not values:
        most = max(count(b.stats, metric) for b in base)
        return thin.reported(
            check, on_too_few=ctx.on_too_few, needs=need, requests=most,
            message=f"the baseline has too few requests for {metric.value} (at most {most} "
            f"in a run; needs {need} per run)")
    # The noise band is computed on percentiles interpolated within Locust's buckets: on
    # bucket values the run-to-run spread is a whole number of buckets, so the MAD jumps
    # from 0 to 1 bucket and a band is either too narrow or too wide.
    fine_values = [v for b in usable if (v := fine(b.stats, metric)) is not None]
    fine_now = fine(entry, metric)
    now = measured if fine_now is None else fine_now
    raw = read(measured, now, values, fine_values, rule)
    shifted = _shifted(entry, usable, now, rule, ctx)
    reading = _chosen(raw, shifted)
    comparison = Comparison(
        baseline=raw.center,
        change=measured - raw.center,
        change_ratio=(measured - raw.center) / raw.center if raw.center else None,
        band=moved(reading.noise, reading.shift),
        shift=reading.shift,
    )
    check = replace(check, measured=measured, comparison=comparison,
                    limits={level.value: value for level, value in reading.limits.items()},
                    limit=reading.limits[min(reading.allowed, key=reading.allowed.__getitem__)])
    text = _describe(measured=measured, reading=reading, raw=raw, metric=metric, runs=ctx.runs)
    return _concluded(check, raw=raw, reading=reading, text=text, rule=rule, ctx=ctx)


def _concluded(check: Check, *, raw: Reading, reading: Reading, text: str, rule: RelativeRule,
               ctx: Context) -> Check:
    """The check with the chosen reading's outcome and its message."""
    assert check.comparison is not None
    if reading is not raw and not _agrees(reading.outcome, check.comparison.change, rule):
        # The shift read a direction the measured change does not have (issue 22: the whole
        # service 30 % slower, one endpoint only 14 % slower was called improved).
        return replace(check, message=f"{text}: {_overruled(reading.outcome)}")
    if reading is not raw and reading.outcome is not raw.outcome:
        text += f"; as measured {_WORDS[raw.outcome]}, beyond the shared shift"
        # an inconclusive message goes on with "too noisy to judge" itself
        text += "" if reading.outcome is Outcome.INCONCLUSIVE else f" {_WORDS[reading.outcome]}"
    if reading.outcome is Outcome.INCONCLUSIVE:
        return _inconclusive(
            check, ctx,
            f"{text}: too noisy to judge: the run-to-run noise (+-"
            f"{reading.spread / reading.center * 100:.0f} %) is wider than the allowed "
            f"{_allowed(rule, None)}",
        )
    if reading.outcome is Outcome.REGRESSED:
        assert reading.level is not None
        return replace(check, outcome=Outcome.REGRESSED, level=reading.level,
                       limit=reading.limits[reading.level],
                       message=f"{text}: more than the allowed {_allowed(rule, reading.level)}")
    return replace(check, outcome=reading.outcome, message=text)


@dataclass(frozen=True, kw_only=True)
class Base:
    """An endpoint's entry in one compared run, and which run (to find its shared shift)."""

    stats: EndpointStats
    run: int  # index into the compared runs


def _shifted(
    entry: EndpointStats, usable: Sequence[Base], now: float, rule: RelativeRule,
    ctx: Context,
) -> Reading | None:
    """The reading with each run's shared shift removed (gate.core.shift), for
    latencies compared with a history; None when the runs have too few other endpoints to
    estimate it. Against one or two runs there is no band to hold the shifted value's own
    noise, and the shift (estimated from other endpoints just as noisy) would add to it."""
    if (not ctx.rules.shared_shift or rule.metric.unit is not Unit.MS
            or is_total(entry) or len(usable) < MIN_HISTORY_FOR_BAND):
        return None
    runs = ctx.shifts(rule.metric)
    key = (entry.method, entry.name)
    shift_now = runs[0].seen_by(key)
    if shift_now is None:
        return None
    pairs = [
        (v, s) for b in usable
        if (v := fine(b.stats, rule.metric)) is not None
        and (s := runs[b.run + 1].seen_by(key)) is not None
    ]
    if len(pairs) < MIN_HISTORY_FOR_BAND:
        return None  # too few baseline runs have a shift: compare as measured
    values = [v - s for v, s in pairs]
    shifts = band([s for _, s in pairs], rule.metric)
    ordinary = shifts is not None and shifts[0] <= shift_now <= shifts[1]
    reading = read(now - shift_now, now - shift_now, values, values, rule, shift=shift_now)
    return replace(reading, ordinary=ordinary)


_WORDS = {Outcome.PASS: "a pass", Outcome.REGRESSED: "regressed",
          Outcome.IMPROVED: "improved", Outcome.INCONCLUSIVE: "too noisy to judge"}


def _agrees(outcome: Outcome, change: float, rule: RelativeRule) -> bool:
    """Whether `outcome` goes the way the value moved as measured: `improved` only for a
    change in the good direction, `regressed` only in the bad one."""
    worse = -change if rule.decrease else change
    if outcome is Outcome.IMPROVED:
        return worse < 0
    if outcome is Outcome.REGRESSED:
        return worse > 0
    return True


def _overruled(shifted: Outcome) -> str:
    """Why a shifted reading against the measured direction is a pass, in words."""
    if shifted is Outcome.IMPROVED:
        return ("it moved less than the other endpoints, but it is not faster than the "
                "baseline as measured, so a pass, not improved")
    return ("it moved more than the other endpoints, but it is not slower than the "
            "baseline as measured, so a pass, not regressed")


def _chosen(raw: Reading, shifted: Reading | None) -> Reading:
    """The reading that decides. The shifted one, unless: the reading as measured regressed
    at least as badly (a change shared by every endpoint, the whole service slower, is
    removed by the shift, so the measured reading guards against it), or the measured one
    could not judge and this run's shift is larger than the history has shown (then the
    shifted pass could hide a change of the whole service)."""
    if shifted is None:
        return raw
    if raw.outcome is Outcome.REGRESSED and (
        shifted.outcome is not Outcome.REGRESSED
        or raw.level is Level.FAIL
        or shifted.level is not Level.FAIL
    ):
        return raw
    if (raw.outcome is Outcome.INCONCLUSIVE and shifted.outcome is not Outcome.REGRESSED
            and not shifted.ordinary):
        return raw
    return shifted


def _describe(*, measured: float, reading: Reading, raw: Reading, metric: Metric,
              runs: int) -> str:
    unit = metric.unit
    center = raw.center
    delta = measured - center
    pct = f"{delta / center * 100:+.1f} %" if center else "n/a"
    what = "median of " + str(runs) + " runs" if runs > 1 else "baseline"
    text = (
        f"{metric.value} {format_value(measured, unit)} vs {what} "
        f"{format_value(center, unit)} ({pct}, {_signed(delta, unit)})"
    )
    if reading.shift is not None:
        own = reading.value - reading.center
        own_pct = f" ({own / reading.center * 100:+.1f} %)" if reading.center else ""
        text += (f"; the other endpoints moved {_signed(reading.shift, unit)} in this run, so "
                 f"its own change is {_signed(own, unit)}{own_pct}")
    noise = moved(reading.noise, reading.shift)
    if noise is not None:
        text += f", noise band {format_value(noise[0], unit)}-{format_value(noise[1], unit)}"
    return text


def _signed(value: float, unit: Unit) -> str:
    return f"{'+' if value >= 0 else '-'}{format_value(abs(value), unit)}"


def _allowed(rule: RelativeRule, level: Level | None) -> str:
    """The rule's tolerance in words (at `level`, or its loosest when None)."""
    word = "decrease" if rule.decrease else "increase"
    if level is None:
        level = max(rule.tolerance, key=lambda lv: rule.tolerance[lv])
    text = f"{word} {rule.tolerance[level] * 100:g} % ({level.value})"
    if rule.min_delta:
        text += f", min-delta {format_value(rule.min_delta, rule.metric.unit)}"
    return text


def _check(entry: EndpointStats, rule: RelativeRule) -> Check:
    return Check(
        scope=Scope.AGGREGATE if is_total(entry) else Scope.ENDPOINT,
        endpoint=entry.key,
        method=entry.method,
        name=entry.name,
        metric=rule.metric.value,
        unit=rule.metric.unit,
        measured=None,
        limit=None,
        bound=Bound.MIN if rule.decrease else Bound.MAX,
        outcome=Outcome.PASS,
        level=None,
        where=rule.where,
    )


def _inconclusive(check: Check, ctx: Context, message: str) -> Check:
    return replace(check, outcome=Outcome.INCONCLUSIVE, level=ctx.on_inconclusive,
                   message=message)
