"""What `check` and `run` hand to the Actions runner: the job summary, annotations, step
outputs, and on a pull_request event `pull-request.json` for the fork-safe second stage.

Called from `gate.commands.checking` only when `GITHUB_ACTIONS=true`; the runner's files
and the output stream are passed in.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

from gate.core.rules import Level
from gate.core.verdict import Outcome, Verdict
from gate.errors import HarnessError, exit_code
from gate.files import atomic, jsontext
from gate.github import event
from gate.github.runner import (
    Runner,
    annotations_for,
    append_summary,
    command,
    emit,
    summary_room,
    write_outputs,
)
from gate.reports import escape, review
from gate.reports.context import ReportContext

PULL_REQUEST_FILE = "pull-request.json"


def publish(ctx: ReportContext, *, runner: Runner, root: str | None, report_dir: Path | None,
            out: TextIO) -> None:
    verdict = ctx.verdict
    if runner.step_summary is not None:
        room = summary_room(runner.step_summary, review.SUMMARY_LIMIT)
        text = review.fit(ctx, links=runner.links(), root=root,
                          limit=room, size=lambda s: len(s.encode("utf-8")),
                          limit_name="the job summary's 1 MiB")
        append_summary(runner.step_summary, text)
    emit(annotations_for(verdict, root=root), out)
    if runner.output is not None:
        write_outputs(runner.output, outputs(verdict, root=root, report_dir=report_dir,
                                             results=ctx.results_path))
    if report_dir is not None:
        write_pull_request(runner, report_dir)


def outputs(verdict: Verdict, *, root: str | None, report_dir: Path | None,
            results: str) -> dict[str, str]:
    """The step outputs (names are a contract with the composite Action)."""
    failed = sum(1 for c in verdict.checks if c.counts_at is Level.FAIL)
    regressed = sum(1 for c in verdict.checks if c.outcome is Outcome.REGRESSED)
    return {
        "verdict": verdict.status.value,
        "exit-code": str(exit_code(verdict.status)),
        "failed-checks": str(failed),
        "regressed-checks": str(regressed),
        "report-dir": output_path(report_dir, root) if report_dir else "",
        "report-markdown": output_path(report_dir / "report.md", root) if report_dir else "",
        "results-json": output_path(Path(results), root),
    }


def output_path(path: Path, root: str | None) -> str:
    """A path later steps can use: relative to the workspace when inside it (as
    upload-artifact resolves it), else absolute (a report dir under RUNNER_TEMP). Unlike
    the display form (`review.relative`), never just a file name."""
    absolute = path.resolve()
    if root:
        try:
            return absolute.relative_to(Path(root).resolve()).as_posix()
        except ValueError:
            pass
    return str(absolute)


def publish_error(error: HarnessError, *, runner: Runner, root: str | None,
                  report_dir: Path, out: TextIO) -> None:
    """The harness failed: nothing was judged, but the job still says so in its summary,
    an error annotation and the outputs."""
    if runner.step_summary is not None:
        text = review.error_markdown(stage=error.stage, what=error.what, fix=error.fix or "")
        if len(text.encode()) <= summary_room(runner.step_summary, review.SUMMARY_LIMIT):
            append_summary(runner.step_summary, text)
    emit([command("error", escape.console(error.what, limit=500),
                  title=f"locust-gate: {error.stage} failed")], out)
    if runner.output is not None:
        write_outputs(runner.output, {
            "verdict": "error",
            "exit-code": str(error.exit_code),
            "failed-checks": "0",
            "regressed-checks": "0",
            "report-dir": output_path(report_dir, root),
            "report-markdown": "",
            "results-json": "",
        })
    write_pull_request(runner, report_dir)


def write_pull_request(runner: Runner, report_dir: Path) -> None:
    """On a pull_request event: {"number", "head_sha"} for `comment --from-artifact`."""
    payload = _payload(runner)
    pr = event.pull_request(runner.event_name, payload)
    if pr is None:
        return
    atomic.write_text(report_dir / PULL_REQUEST_FILE,
                      json.dumps({"number": pr.number, "head_sha": pr.head_sha}) + "\n")


def _payload(runner: Runner) -> Mapping[str, Any]:
    if runner.event_path is None:
        return {}
    try:
        data = jsontext.loads(runner.event_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # JsonProblem too (nested too deeply, a huge number)
        return {}  # no pull request file then; the comment step reports the bad payload
    return data if isinstance(data, dict) else {}
