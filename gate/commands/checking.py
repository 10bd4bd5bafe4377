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
from gate.errors import HarnessError, UserError
from gate.reports import report
from gate.results import loader
from gate.thresholds.parser import load as load_thresholds


def run_check(
    *, results: Path, thresholds: Path, report_dir: Path | None, out: TextIO
) -> Verdict:
    """Judge `results` (results.json, a directory holding one, a --csv prefix or a
    --json-file) against the thresholds file `thresholds`; print the table to `out`; write
    verdict.json, report.md and junit.xml into `report_dir` when given. Raises UserError
    on bad input."""
    if report_dir is not None:
        _check_report_dir(report_dir)
    return judge(results=results, rules=load_thresholds(thresholds), report_dir=report_dir,
                 out=out)


def judge(*, results: Path, rules: Thresholds, report_dir: Path | None, out: TextIO) -> Verdict:
    """`run_check` for thresholds already parsed (`run` parses them before the load test)
    and an existing `report_dir`."""
    measured = loader.load(results)
    verdict = evaluate(measured, rules)
    ctx = report.ReportContext(
        verdict=verdict,
        results=measured,
        results_path=str(results),
        thresholds_path=rules.path,
    )
    # Render everything before writing anything: a failure leaves no partial set behind.
    files = {
        "verdict.json": report.to_json(report.verdict_dict(ctx)),
        "report.md": report.render_markdown(ctx),
        "junit.xml": report.render_junit(ctx),
    }
    out.write(report.render_console(ctx, report_dir=report_dir))
    if report_dir is not None:
        for name, text in files.items():
            _write(report_dir / name, text)
        out.write(f"reports: {report_dir / 'report.md'} (and verdict.json, junit.xml)\n")
    return verdict


def write_error_verdict(report_dir: Path, error: HarnessError) -> None:
    """Write verdict.json with status `error` and the failing stage, for harness failures."""
    report_dir.mkdir(parents=True, exist_ok=True)
    _write(report_dir / "verdict.json", report.to_json(report.error_verdict_dict(error)))


def exit_code_for(verdict: Verdict) -> int:
    return report.exit_code(verdict.status)


def _check_report_dir(report_dir: Path) -> None:
    if report_dir.exists() and not report_dir.is_dir():
        raise UserError(
            f"the report directory {report_dir} is a file",
            where=str(report_dir),
            fix="pass a directory to --report-dir (it is created if missing)",
        )
    try:
        report_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(
            f"cannot create the report directory {report_dir}: {exc.strerror or exc}",
            where=str(report_dir),
            fix="pass --report-dir a directory you can write to (it is created if missing)",
        ) from None


def _write(path: Path, text: str) -> None:
    """Write via a temporary file and rename, so a reader never sees half a report."""
    try:
        _write_atomic(path, text)
    except OSError as exc:
        raise UserError(
            f"cannot write {path}: {exc.strerror or exc}",
            where=str(path),
            fix="make the report directory writable, or pass another one",
        ) from None


def _write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
