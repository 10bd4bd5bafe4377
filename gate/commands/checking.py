"""`check` as a function: load results and thresholds, evaluate, write reports.

Shared by `locust-gate check` and `locust-gate run`. Decisions are pure
(`gate.core.evaluate`, `gate.reports.report`); this module is the edge that reads and writes files.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TextIO

from gate.core.evaluate import evaluate
from gate.core.rules import Thresholds
from gate.core.verdict import Verdict
from gate.errors import GateError, HarnessError
from gate.files import outputs
from gate.reports import report
from gate.results import loader
from gate.thresholds.parser import load as load_thresholds


def run_check(
    *,
    results: Path,
    thresholds: Path,
    report_dir: Path | None,
    out: TextIO,
    allow_incomplete: bool = False,
) -> Verdict:
    """Judge `results` (results.json, a directory holding one, a --csv prefix or a
    --json-file) against the thresholds file `thresholds`; print the table to `out`; write
    verdict.json, report.md and junit.xml into `report_dir` when given (the previous ones
    are removed first, whatever happens next). Raises UserError on bad input."""
    if report_dir is not None:
        outputs.ensure_directory(report_dir, what="report directory", option="--report-dir")
        outputs.remove_stale(report_dir, outputs.REPORT_FILES)
    return judge(
        results=results,
        rules=load_thresholds(thresholds),
        report_dir=report_dir,
        out=out,
        allow_incomplete=allow_incomplete,
    )


def judge(
    *,
    results: Path,
    rules: Thresholds,
    report_dir: Path | None,
    out: TextIO,
    allow_incomplete: bool = False,
) -> Verdict:
    """`run_check` for thresholds already parsed (`run` parses them before the load test)
    and an existing `report_dir`."""
    measured = loader.load(results)
    verdict = evaluate(measured, rules, allow_incomplete=allow_incomplete)
    ctx = report.ReportContext(
        verdict=verdict,
        results=measured,
        results_path=str(results),
        thresholds_path=rules.path,
    )
    out.write(report.render_console(ctx))
    if report_dir is not None:
        _write(report_dir / "verdict.json", report.to_json(report.verdict_dict(ctx)))
        _write(report_dir / "report.md", report.render_markdown(ctx))
        _write(report_dir / "junit.xml", report.render_junit(ctx))
        out.write(f"reports: {report_dir / 'report.md'} (and verdict.json, junit.xml)\n")
    return verdict


def write_error_reports(report_dir: Path, error: GateError) -> None:
    """verdict.json (status `error`, the failing stage), report.md and junit.xml for a run
    that failed before anything could be judged. A UserError (bad thresholds, a busy
    port) is recorded at the stage `input`."""
    failure = (
        error
        if isinstance(error, HarnessError)
        else HarnessError(error.what, stage="input", where=error.where, fix=error.fix)
    )
    report_dir.mkdir(parents=True, exist_ok=True)
    _write(report_dir / "verdict.json", report.to_json(report.error_verdict_dict(failure)))
    _write(report_dir / "report.md", report.render_error_markdown(failure))
    _write(report_dir / "junit.xml", report.render_junit_error(failure))


def exit_code_for(verdict: Verdict) -> int:
    return report.exit_code(verdict.status)


def _write(path: Path, text: str) -> None:
    """Write via a temporary file and rename, so a reader never sees half a report."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
