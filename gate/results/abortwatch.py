"""The plugin's live watch of the `abort:` rules (gate.core.abort), on the local or master
runner: once a second it takes a `Tally` of each rule's requests from Locust's running
totals, computes the rule's metric over its window (the difference with the tally
`window` seconds earlier), and stops Locust when a condition has held for `for`.

Locust's totals are live on a local runner; on a master they move when workers report
(every 3 s), so a rule reacts up to 3 s later there. A rule with a selector watches the
endpoints it matches by their raw name or their grouped name (`gate.core.names.shape`),
decided once per name. Cost per second: one copy of the matched entries' histograms per
rule (a few hundred buckets each), nothing per request.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import gevent

from gate.core import histogram
from gate.core.abort import Tally, window_value
from gate.core.model import Trip
from gate.core.names import shape
from gate.core.sections import AbortRule
from gate.results import flags

logger = logging.getLogger("locust-gate")

TICK = 1.0  # seconds between two looks


class _Rule:
    """One rule's state: its recent tallies and since when its condition holds."""

    def __init__(self, rule: AbortRule) -> None:
        self.rule = rule
        self.tallies: deque[Tally] = deque()
        self.since: float | None = None
        self.matched: dict[tuple[str, str], bool] = {}

    def watched(self, entries: Iterable[Any]) -> list[Any]:
        matcher = self.rule.matcher
        assert matcher is not None
        chosen = []
        for entry in entries:
            key = (entry.method or "", entry.name)
            hit = self.matched.get(key)
            if hit is None:
                method, name = key
                hit = self.matched[key] = matcher.matches(method, name) or matcher.matches(
                    method, shape(name)
                )
            if hit:
                chosen.append(entry)
        return chosen

    def older(self, at: float) -> Tally:
        """The tally `window` seconds before `at` (the oldest kept one in a young run)."""
        start = at - self.rule.window
        while len(self.tallies) > 1 and self.tallies[1].at <= start:
            self.tallies.popleft()
        return self.tallies[0]


def tally(entries: Sequence[Any], at: float) -> Tally:
    """The running totals of Locust stats entries at `at` seconds into the run."""
    return Tally(
        at=at,
        requests=sum(e.num_requests for e in entries),
        failures=sum(e.num_failures for e in entries),
        total_response_time=sum(e.total_response_time for e in entries),
        histogram=histogram.merge([dict(e.response_times) for e in entries]),
    )


class AbortWatch:
    """Watches `rules` on `environment` from `started_at`; `stop_run(trip)` is called once,
    with the first rule that held."""

    def __init__(
        self,
        environment: Any,
        rules: Sequence[AbortRule],
        *,
        started_at: float,
        planned: float | None,
        stop_run: Callable[[Trip], None],
    ) -> None:
        self.env = environment
        self.rules = [_Rule(rule) for rule in rules]
        self.started_at = started_at
        self.planned = planned
        self.stop_run = stop_run
        self.trip: Trip | None = None
        zero = Tally(at=0.0, requests=0, failures=0, total_response_time=0.0)
        for state in self.rules:
            state.tallies.append(zero)

    def every_second(self) -> None:
        while self.trip is None:
            gevent.sleep(TICK)
            try:
                self.look(time.time() - self.started_at)
            except Exception:
                logger.exception("locust-gate: checking the abort rules failed (ignored)")

    def look(self, at: float) -> Trip | None:
        """One look at every rule, `at` seconds into the run; the trip, if one held."""
        stats = self.env.stats
        for state in self.rules:
            rule = state.rule
            entries = (
                [stats.total] if rule.matcher is None
                else state.watched(list(stats.entries.values()))
            )
            now = tally(entries, at)
            value = window_value(rule.metric, state.older(at), now)
            state.tallies.append(now)
            if not rule.breached(value):
                state.since = None
                continue
            if state.since is None:
                state.since = at
            if at - state.since >= rule.hold and value is not None:
                self.trip = Trip(
                    rule=rule.describe(), metric=rule.metric, bound=rule.bound, value=value,
                    limit=rule.limit, at=at, where=rule.where, planned=self.planned,
                )
                self.stop_run(self.trip)
                return self.trip
        return None


AbortRules = Callable[[str], Sequence[AbortRule]]  # a thresholds file's path -> its rules


def abortwatch_for(
    environment: Any,
    started_at: float,
    stop_run: Callable[[Trip], None],
    load_rules: AbortRules | None,
) -> AbortWatch | None:
    """The watch of the abort rules in the file `--gate-thresholds` names, read by
    `load_rules` (gate.plugin passes the thresholds parser, which sits above this
    package); None without a file or rules. A file that cannot be read is logged and
    nothing is watched: `run` parsed the same file before Locust started, so this is a
    bare Locust run."""
    from gate.errors import UserError  # noqa: PLC0415 (see gate.results.plugin)

    path = flags.option(environment, "gate_thresholds", None)
    if not path or load_rules is None:
        return None
    try:
        rules = load_rules(str(path))
    except UserError as exc:
        logger.error("locust-gate: the abort rules are not watched: %s", exc)
        return None
    if not rules:
        return None
    run_time = flags.option(environment, "run_time", None)
    return AbortWatch(environment, rules, started_at=started_at,
                      planned=float(run_time) if run_time else None, stop_run=stop_run)
