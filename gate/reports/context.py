"""What every report is rendered from, and how every report shows a value.

`ReportContext` is the one input of each renderer (`console`, `verdictfile`, `markdown`,
`junit`, `review`, and `gate.github`); `verdict_word`, `fmt`, `fmt_limit` and `duration`
make the verdict, a number, a limit and a run's length read the same in all of them.
Nothing here imports a renderer, so the console table loads no Markdown, JUnit or
verdict.json code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from gate.core import names, thin
from gate.core.model import EndpointStats, Results
from gate.core.rules import Unit
from gate.core.units import format_value
from gate.core.verdict import Check, Status, Verdict

if TYPE_CHECKING:
    from gate.core.paired import Estimate


@dataclass(frozen=True, kw_only=True)
class ReportContext:
    """A judged run, and the files it came from: all a renderer reads."""

    verdict: Verdict
    results: Results
    results_path: str
    thresholds_path: str
    # Each `groups:` entry as one merged entry (`gate.core.groups.entries`), its members'
    # `METHOD NAME`s in `members`: the reports' groups table.
    groups: tuple[EndpointStats, ...] = ()
    # `run --against-ref`: each endpoint's metric over the paired rounds, with its check
    # (`gate.core.paired.judged`); empty otherwise.
    pairs: tuple[tuple[Estimate, Check], ...] = ()

    @property
    def warnings(self) -> list[str]:
        """What the reader should know that did not change the verdict: about the source of
        the numbers, and rules that checked nothing."""
        return [*self.results.warnings, *self.verdict.warnings]

    @property
    def notes(self) -> list[str]:
        """How the run was judged, when it is not the obvious way: against a ref in
        same-runner rounds (`gate.core.paired`), each figure the median of repeated runs
        (`run --repeat`), request names grouped into endpoints
        (`gate.core.names`), most checks too thin to judge (`gate.core.thin`)."""
        return [note for note in (_rounds_note(self.results), _repeats_note(self.results),
                                  names.describe(self.results),
                                  thin.summary(self.verdict.checks)) if note is not None]


def verdict_word(status: Status) -> str:
    """The verdict as every report spells it: `PASS`, `WARN`, `FAIL`, `ERROR` (the console's
    summary line, report.md, the PR comment, the job summary)."""
    return status.value.upper()


def fmt(value: float | None, unit: Unit) -> str:
    return "-" if value is None else format_value(value, unit)


def fmt_limit(check: Check) -> str:
    if check.limit is None:
        return "-"
    return f"{check.bound.sign} {fmt(check.limit, check.unit)}"


def too_few(check: Check) -> str:
    """What a check too thin to judge had and needed (`: 5 of 20 requests`), else ""."""
    if not check.too_few or check.needs is None:
        return ""
    return f": {check.requests or 0:,} of {check.needs:,} requests"


def duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    minutes, secs = divmod(seconds, 60)
    return f"{minutes}m {secs:02d}s" if minutes else f"{secs}s"


def _repeats_note(results: Results) -> str | None:
    runs = len(results.total.repeats)
    if not runs:
        return None
    return (f"repeated: the load ran {runs} times; every figure checked is the median of the "
            f"{runs} runs' own (request counts are the runs' together)")


def _rounds_note(results: Results) -> str | None:
    if results.rounds is None:
        return None
    from gate.core import paired  # noqa: PLC0415 (only a run in rounds loads it)

    return paired.summary(results)
