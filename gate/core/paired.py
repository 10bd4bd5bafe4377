"""Same-runner rounds (`run --against-ref`): head against base, judged from paired rounds.

For every endpoint (and the aggregate, on its non-latency metrics, as in
`gate.baseline.compare`) and every metric the thresholds' `baseline:` rules name (their
defaults without that section), each pair of neighbouring rounds gives one ratio
head/base. The change is estimated from the log ratios with the Hodges-Lehmann
estimator (the median of the Walsh averages), and its confidence interval is the exact
Wilcoxon signed-rank interval at `CONFIDENCE` (two-sided; each of `regressed` and
`improved` is then a one-sided decision at 95 %).

Why not a bootstrap: with the 5 to 10 pairs a CI job affords, a bootstrap's interval
is too narrow (it cannot reach beyond the values it resamples, and its coverage at small
n is well below the nominal level), while the signed-rank interval is exact for any
symmetric noise, needs no model of it, and ignores one wild round (a CPU hog that came
and went) much as a median does.

A rule's outcome:
- `regressed` (at the rule's level) when the whole interval lies beyond the rule's
  tolerance in the bad direction, and beyond `min-delta` and one Locust bucket at the
  base's value (`gate.core.reading.resolution`): a change smaller than a bucket cannot
  be measured from Locust's numbers;
- `improved` symmetrically (never counts against);
- `inconclusive` when the interval straddles the tolerance (at `on-inconclusive`), or
  when there are fewer than `MIN_PAIRS` pairs whose rounds both made the requests the
  metric needs (reported at `on-too-few-requests`, `gate.core.thin`);
- `pass` otherwise.
The absolute rules are judged by the other kinds on the head's rounds pooled: this
module adds the comparison only.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from gate.core import thin
from gate.core.measure import measure
from gate.core.model import AGGREGATED, EndpointStats, Results, Rounds
from gate.core.rules import Bound, Level, Metric, Unit
from gate.core.ruleset import Thresholds
from gate.core.units import format_value
from gate.core.verdict import Check, Comparison, Outcome, Scope

if TYPE_CHECKING:
    from gate.core.inputs import Inputs
    from gate.core.relative import BaselineRules, RelativeRule

__all__ = ["CONFIDENCE", "MIN_PAIRS", "Estimate", "checks", "describe", "interval", "judged",
           "summary"]

CONFIDENCE = 0.90
# The fewest pairs with a signed-rank interval at 90 %: with 4, even the widest interval
# (the smallest to the largest ratio) covers only 87.5 %.
MIN_PAIRS = 5


@dataclass(frozen=True, kw_only=True)
class Estimate:
    """One endpoint's metric, base against head over the paired rounds."""

    endpoint: str  # `METHOD NAME` or `Aggregated`
    method: str
    name: str
    metric: Metric
    base: tuple[float | None, ...]  # per pair, the base round's value (None: too few requests)
    head: tuple[float | None, ...]
    needs: int  # requests a round needs for this metric
    fewest: int  # the fewest requests any counted round made for it
    # Over the usable pairs: the medians of each side, and the change head/base - 1 with
    # its interval (None with fewer than MIN_PAIRS usable pairs).
    base_median: float | None
    head_median: float | None
    change: float | None
    low: float | None
    high: float | None

    @property
    def pairs(self) -> int:
        """Pairs whose rounds both had the requests the metric needs."""
        return sum(1 for b, h in zip(self.base, self.head, strict=True)
                   if b is not None and h is not None)


def checks(inputs: Inputs) -> Sequence[Check]:
    """The kind for `gate.core.evaluate.KINDS`: nothing unless the run has rounds."""
    rounds = inputs.results.rounds
    if rounds is None:
        return ()
    out = [check for _, check in judged(inputs.results, inputs.thresholds)]
    if not any(c.comparison is not None for c in out):  # the mode's point: never a silent pass
        out.append(Check(
            scope=Scope.RUN, endpoint="", method="", name="", metric="rounds", unit=Unit.COUNT,
            measured=float(len(rounds.pairs)), limit=float(MIN_PAIRS), outcome=Outcome.INCONCLUSIVE,
            level=inputs.thresholds.on_inconclusive, bound=Bound.MIN,
            message=f"the comparison with {rounds.ref} judged nothing: no endpoint made the "
            f"requests its metrics need in {MIN_PAIRS} pairs of rounds (run longer rounds, "
            "more users, or more rounds)"))
    return out


def judged(results: Results, thresholds: Thresholds) -> tuple[tuple[Estimate, Check], ...]:
    """Every estimate with its check, for the reports (empty without rounds)."""
    rounds = results.rounds
    if rounds is None:
        return ()
    # Imported here: a single run's `check` loads neither the baseline rules nor this.
    from gate.core.relative import default_rules  # noqa: PLC0415

    rules = thresholds.baseline or default_rules()
    return tuple((estimate, _judge(estimate, rule, thresholds, len(rounds.pairs)))
                 for estimate, rule in _estimates_with_rules(results, rounds, rules))


def _estimates_with_rules(
    results: Results, rounds: Rounds, rules: BaselineRules
) -> list[tuple[Estimate, RelativeRule]]:
    out = []
    for entry in [*sorted(results.endpoints, key=lambda e: (e.name, e.method)), results.total]:
        total = entry is results.total
        for rule in rules.rules_for(entry.method, entry.name, entry.members):
            if total and rule.metric.unit is Unit.MS:
                continue  # the mix of endpoints moves it: see gate.baseline.compare
            out.append((_estimate(entry, rounds, rule.metric, rules.min_requests, total=total),
                        rule))
    return out


def _estimate(
    entry: EndpointStats, rounds: Rounds, metric: Metric, min_requests: int, *, total: bool
) -> Estimate:
    from gate.core.reading import count, needed_requests  # noqa: PLC0415 (see `judged`)

    need = needed_requests(metric, min_requests)
    base, head, fewest = [], [], None
    for pair in rounds.pairs:
        values = []
        for side in (pair.base, pair.head):
            found = side.total if total else side.endpoint(entry.method, entry.name)
            made = count(found, metric) if found is not None else 0
            fewest = made if fewest is None else min(fewest, made)
            values.append(_value(found, metric) if found is not None and made >= need else None)
        base.append(values[0])
        head.append(values[1])
    usable = [(b, h) for b, h in zip(base, head, strict=True) if b is not None and h is not None]
    ratios = [math.log(h / b) for b, h in usable if b > 0 and h > 0]
    ratios += [0.0 for b, h in usable if b == 0 and h == 0]  # nothing on either side: no change
    found_interval = interval(ratios)
    return Estimate(
        endpoint=AGGREGATED if total else entry.key, method=entry.method, name=entry.name,
        metric=metric, base=tuple(base), head=tuple(head), needs=need, fewest=fewest or 0,
        base_median=statistics.median(b for b, _ in usable) if usable else None,
        head_median=statistics.median(h for _, h in usable) if usable else None,
        change=math.expm1(found_interval[0]) if found_interval else None,
        low=math.expm1(found_interval[1]) if found_interval else None,
        high=math.expm1(found_interval[2]) if found_interval else None,
    )


def _value(entry: EndpointStats, metric: Metric) -> float | None:
    """A round's value: percentiles within their bucket (`gate.core.reading.fine`), so
    that a round-to-round change smaller than a bucket still shows in the ratios."""
    from gate.core.reading import fine  # noqa: PLC0415 (see `judged`)

    return fine(entry, metric) if metric.fraction is not None else measure(entry, metric)


def interval(logs: Sequence[float]) -> tuple[float, float, float] | None:
    """Hodges-Lehmann estimate and Wilcoxon signed-rank interval of `logs` at CONFIDENCE:
    (estimate, low, high); None with fewer than MIN_PAIRS values."""
    n = len(logs)
    if n < MIN_PAIRS:
        return None
    walsh = sorted((logs[i] + logs[j]) / 2 for i in range(n) for j in range(i, n))
    depth = _depth(n, (1 - CONFIDENCE) / 2)
    return statistics.median(walsh), walsh[depth - 1], walsh[len(walsh) - depth]


def _depth(n: int, tail: float) -> int:
    """The largest C with P(T+ <= C - 1) <= tail under the null (exact distribution of the
    signed-rank statistic for n pairs); the interval is the C-th Walsh averages from
    each end. At least 1 (n >= MIN_PAIRS guarantees the tail holds there)."""
    ways = [1] + [0] * (n * (n + 1) // 2)
    for rank in range(1, n + 1):  # subsets of ranks by their sum
        for total in range(len(ways) - 1, rank - 1, -1):
            ways[total] += ways[total - rank]
    seen, depth = 0, 0
    for value, count_ in enumerate(ways):
        seen += count_
        if seen / 2**n > tail:
            break
        depth = value + 1
    return max(depth, 1)


def summary(results: Results) -> str | None:
    """The mode in one line, for the reports' notes (None for a single run)."""
    rounds = results.rounds
    if rounds is None:
        return None
    order = " ".join("BA" if p.head_first else "AB" for p in rounds.pairs[:8])
    more = " …" if len(rounds.pairs) > 8 else ""
    return (f"Same-runner rounds (run --against-ref {rounds.ref}): this tree (B) against "
            f"{rounds.ref} at {rounds.commit[:12]} (A), both running on this machine at once, "
            f"{len(rounds.pairs)} pairs of {rounds.round_time:g} s rounds ({order}{more}) after "
            "a warm-up round each; a change is judged from the ratios B/A of neighbouring "
            f"rounds ({CONFIDENCE * 100:g} % interval); the absolute limits from B's rounds "
            "pooled.")


# --- one rule -----------------------------------------------------------------------------


def _judge(estimate: Estimate, rule: RelativeRule, thresholds: Thresholds, rounds: int) -> Check:
    from gate.core.reading import resolution  # noqa: PLC0415 (see `judged`)

    metric = rule.metric
    check = _check(estimate, rule)
    if estimate.change is None or estimate.base_median is None or estimate.head_median is None:
        return thin.reported(
            check, on_too_few=thresholds.on_too_few, needs=estimate.needs,
            requests=estimate.fewest,
            message=f"{estimate.pairs} of {rounds} pairs of rounds made the {estimate.needs} "
            f"requests {metric.value} needs in each round (fewest {estimate.fewest}): too "
            f"few to compare (needs {MIN_PAIRS} pairs; run longer rounds or more of them)")
    assert estimate.low is not None and estimate.high is not None
    center, sign = estimate.base_median, -1.0 if rule.decrease else 1.0
    # The change each level allows, as a ratio of the base: the tolerance, min-delta, and
    # one bucket (a smaller change cannot show in Locust's numbers).
    floor = max(rule.min_delta, resolution(metric, center))
    allowed = {lv: max(tol, floor / center if center else math.inf)
               for lv, tol in rule.tolerance.items()}
    worst, best = sorted((sign * estimate.low, sign * estimate.high))[::-1]  # bad direction
    comparison = Comparison(
        baseline=center, change=estimate.head_median - center, change_ratio=estimate.change)
    check = replace(
        check, measured=estimate.head_median, comparison=comparison,
        limits={lv.value: center * (1 + sign * a) for lv, a in allowed.items()},
        limit=center * (1 + sign * min(allowed.values())))
    text = describe(estimate) + f" over {estimate.pairs} pairs of rounds"
    for level in (Level.FAIL, Level.WARN):
        if level in allowed and best > allowed[level]:
            return replace(check, outcome=Outcome.REGRESSED, level=level,
                           limit=center * (1 + sign * allowed[level]),
                           message=f"{text}: the whole interval is beyond the allowed "
                           f"{_allowed(rule, allowed[level], level)}")
    if worst > min(allowed.values()):
        return replace(check, outcome=Outcome.INCONCLUSIVE, level=thresholds.on_inconclusive,
                       message=f"{text}: the interval reaches beyond the allowed "
                       f"{_allowed(rule, min(allowed.values()), None)} but does not lie "
                       "wholly beyond it: too noisy to tell (run more rounds)")
    if worst < -min(allowed.values()):
        return replace(check, outcome=Outcome.IMPROVED, message=text)
    return replace(check, message=text)


def describe(estimate: Estimate) -> str:
    """`p50 12 ms vs 5 ms: +140.0 % (90 % interval +120.0 % to +160.0 %)`."""
    unit = estimate.metric.unit
    head = format_value(estimate.head_median, unit) if estimate.head_median is not None else "-"
    base = format_value(estimate.base_median, unit) if estimate.base_median is not None else "-"
    text = f"{estimate.metric.value} {head} vs base {base}"
    if estimate.change is None or estimate.low is None or estimate.high is None:
        return text
    return (f"{text}: {estimate.change * 100:+.1f} % ({CONFIDENCE * 100:g} % interval "
            f"{estimate.low * 100:+.1f} % to {estimate.high * 100:+.1f} %)")


def _allowed(rule: RelativeRule, ratio: float, level: Level | None) -> str:
    word = "decrease" if rule.decrease else "increase"
    text = f"{word} {ratio * 100:.3g} %"
    return f"{text} ({level.value})" if level is not None else text


def _check(estimate: Estimate, rule: RelativeRule) -> Check:
    return Check(
        scope=Scope.AGGREGATE if estimate.endpoint == AGGREGATED and not estimate.method
        else Scope.ENDPOINT,
        endpoint=estimate.endpoint, method=estimate.method, name=estimate.name,
        metric=rule.metric.value, unit=rule.metric.unit, measured=None, limit=None,
        bound=Bound.MIN if rule.decrease else Bound.MAX, outcome=Outcome.PASS, level=None,
        where=rule.where,
    )
