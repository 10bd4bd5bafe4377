"""The Actions runner's side channels: step outputs, the job summary, annotations.

Pure formatting (`annotations`, `output_block`) is apart from the two writes
(`write_outputs`, `append_summary`), which take the file the runner named.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, TextIO

from gate.core.rules import Level
from gate.core.verdict import Check, Outcome, Verdict
from gate.reports import escape, safestream
from gate.reports.context import fmt, fmt_limit

if TYPE_CHECKING:
    from gate.reports.review import Links

MAX_ANNOTATIONS = 10  # GitHub shows 10 errors and 10 warnings per step; the rest are lost
_WHERE = re.compile(r"^(?P<file>.+?):(?P<line>\d+)(?: \(at .*\))?$")


@dataclass(frozen=True, kw_only=True)
class Runner:
    """What the runner told this step through its environment (empty outside Actions)."""

    in_actions: bool
    workspace: str | None  # the repository's checkout: paths are shown relative to it
    step_summary: Path | None
    output: Path | None
    event_name: str
    event_path: Path | None
    repository: str
    api_url: str
    server_url: str
    run_id: str

    @staticmethod
    def from_env(env: Mapping[str, str]) -> Runner:
        def path(name: str) -> Path | None:
            value = env.get(name, "")
            return Path(value) if value else None

        return Runner(
            in_actions=env.get("GITHUB_ACTIONS") == "true",
            workspace=env.get("GITHUB_WORKSPACE") or None,
            step_summary=path("GITHUB_STEP_SUMMARY"),
            output=path("GITHUB_OUTPUT"),
            event_name=env.get("GITHUB_EVENT_NAME", ""),
            event_path=path("GITHUB_EVENT_PATH"),
            repository=env.get("GITHUB_REPOSITORY", ""),
            # GitHub Enterprise Server has its own API URL: always read it.
            api_url=env.get("GITHUB_API_URL") or "https://api.github.com",
            server_url=env.get("GITHUB_SERVER_URL") or "https://github.com",
            run_id=env.get("GITHUB_RUN_ID", ""),
        )

    def links(self) -> Links | None:
        """Links to this workflow run and its artifacts (None outside Actions)."""
        if not self.in_actions:
            return None
        # Imported here: outside Actions (and without --report-dir) nothing of it runs.
        from gate.reports.review import Links  # noqa: PLC0415

        return Links.from_env({"GITHUB_SERVER_URL": self.server_url,
                               "GITHUB_REPOSITORY": self.repository,
                               "GITHUB_RUN_ID": self.run_id})


# --- annotations --------------------------------------------------------------------------


def command(kind: str, message: str, *, title: str = "", file: str = "",
            line: int | None = None) -> str:
    """One workflow command line, escaped by GitHub's rules: `%`, CR and LF in the message;
    also `:` and `,` in properties."""
    props = []
    if file:
        props.append(f"file={escape.workflow_property(file)}")
        if line is not None:
            props.append(f"line={line}")
    if title:
        props.append(f"title={escape.workflow_property(title)}")
    head = f"::{kind}" + (" " + ",".join(props) if props else "")
    return f"{head}::{escape.workflow_command(message)}"


def annotations_for(verdict: Verdict, *, root: str | None) -> list[str]:
    """Errors for checks that failed, warnings for those that warned or regressed, most
    important first, at most 10 of each: the 10th then says how many more there are."""
    errors: list[Check] = []
    warnings: list[Check] = []
    for check in verdict.checks:
        if check.counts_at is Level.FAIL:
            errors.append(check)
        elif check.counts_at is not None or check.outcome is Outcome.REGRESSED:
            warnings.append(check)
    lines: list[str] = []
    for kind, unsorted in (("error", errors), ("warning", warnings)):
        checks = sorted(unsorted, key=_importance)
        shown = checks if len(checks) <= MAX_ANNOTATIONS else checks[: MAX_ANNOTATIONS - 1]
        lines.extend(_annotation(kind, check, root) for check in shown)
        if len(checks) > MAX_ANNOTATIONS:
            rest = len(checks) - len(shown)
            lines.append(command(
                kind, f"{rest} more checks {'failed' if kind == 'error' else 'warned'}: "
                "see the job summary or verdict.json",
                title=f"locust-gate: {rest} more"))
    return lines


def _importance(check: Check) -> int:
    order = (Outcome.MISSING, Outcome.BREACHED, Outcome.REGRESSED, Outcome.NO_DATA,
             Outcome.INCONCLUSIVE)
    return order.index(check.outcome) if check.outcome in order else len(order)


def _annotation(kind: str, check: Check, root: str | None) -> str:
    endpoint = check.endpoint or "(run)"
    title = (f"locust-gate: {escape.console(endpoint, limit=80)} {check.metric} "
             f"{check.outcome.value}")
    message = (f"{check.metric} {fmt(check.measured, check.unit)}, limit {fmt_limit(check)}"
               f" ({check.outcome.value})")
    if check.message:
        message = escape.console(check.message, limit=300)
    if check.comparison is not None:
        message += f"; baseline {fmt(check.comparison.baseline, check.unit)}"
    found = _WHERE.match(check.where)
    file, line = "", None
    if found:
        raw = PurePath(found.group("file"))
        # GitHub drops an annotation on a file outside the repository: no file then.
        inside = not raw.is_absolute() or (root is not None and raw.is_relative_to(root))
        if inside and not found.group("file").startswith(".."):
            from gate.reports.review import relative  # noqa: PLC0415 (Actions only)

            file, line = relative(found.group("file"), root), int(found.group("line"))
    return command(kind, message, title=title, file=file, line=line)


def emit(lines: Iterable[str], out: TextIO) -> None:
    """Print workflow commands, one a line, to the step's log: the only lines that pass
    the console sanitizer (`gate.reports.safestream`) as commands."""
    for line in lines:
        safestream.write_command(line, out)


# --- step outputs and the job summary -----------------------------------------------------


def output_block(name: str, value: str) -> str:
    """`name<<DELIM` … `DELIM` with a random delimiter that cannot occur in the value."""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", name):
        raise ValueError(f"not an output name: {name!r}")
    while True:
        # os.urandom is what secrets.token_hex reads, without importing hmac and OpenSSL
        delimiter = f"ghadelimiter_{os.urandom(16).hex()}"
        if delimiter not in value:
            break
    return f"{name}<<{delimiter}\n{value}\n{delimiter}\n"


def write_outputs(path: Path, outputs: Mapping[str, str]) -> None:
    with path.open("a", encoding="utf-8") as handle:
        for name, value in outputs.items():
            handle.write(output_block(name, value))


def append_summary(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(text if text.endswith("\n") else text + "\n")


def summary_room(path: Path, limit: int) -> int:
    """Bytes left in this step's summary (the runner drops a summary over `limit`)."""
    try:
        used = path.stat().st_size
    except FileNotFoundError:
        used = 0
    return max(0, limit - used)
