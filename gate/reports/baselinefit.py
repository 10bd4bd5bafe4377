"""The baseline's comparability as report.md and the PR comment show it, in one line
(template `baseline_fit.md.j2`): which runs of which branch (up to the merge-base, or the
newest stored and why), how old the newest is, how much of this run it covers, and the
machine. Its caveats are also warning lines (`gate.core.comparability.warnings`). Every
text from a store (branch, CPU model) is escaped here."""

from __future__ import annotations

from gate.core.comparability import Caveat, Comparability, describe_lineage
from gate.core.verdict import BaselineRef
from gate.reports import escape


def view(ref: BaselineRef | None) -> dict[str, str] | None:
    """The line's parts, escaped for Markdown; None without an assessed baseline."""
    fit = ref.fit if ref is not None else None
    if fit is None:
        return None
    flag = {c: "⚠️ " for c in fit.caveats}
    return {
        "runs": escape.markdown(describe_lineage(fit), limit=300),
        "age": flag.get(Caveat.STALE, "") + _age(fit),
        "coverage": flag.get(Caveat.LOW_COVERAGE, "") + _coverage(fit),
        "machine": flag.get(Caveat.OTHER_MACHINE, "") + escape.markdown(_machine(fit), limit=300),
    }


def _age(fit: Comparability) -> str:
    if fit.age_s is None:
        return "age unknown"
    hours = fit.age_s / 3600
    if hours < 48:
        return f"newest {hours:.0f} h old"
    return f"newest {hours / 24:.0f} days old"


def _coverage(fit: Comparability) -> str:
    if fit.coverage is None:
        return "no endpoints to cover"
    return f"covers {fit.covered} of {fit.endpoints} endpoints ({fit.coverage * 100:.0f} %)"


def _machine(fit: Comparability) -> str:
    if fit.machine is None:
        return "machine not recorded"
    if fit.other_machine:
        here = fit.here.label if fit.here is not None else "unknown"
        return f"another machine: {fit.machine.label} (this run: {here})"
    if fit.other_machine is None:
        return f"machine {fit.machine.label} (this run's unknown)"
    return f"same kind of machine ({fit.machine.label})"
