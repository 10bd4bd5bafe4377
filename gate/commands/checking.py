"""`check` as a function: load results and thresholds, evaluate, write reports.

Shared by `locust-gate check` and `locust-gate run`. Decisions are pure (`gate.core.evaluate`,
the renderers in `gate.reports`); this module is the edge that reads and writes files.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TextIO

from gate.core import paired
from gate.core.evaluate import evaluate
from gate.core.model import Results, Rounds
from gate.core.rules import Thresholds
from gate.core.verdict import Verdict
from gate.errors import HarnessError, UserError, exit_code
from gate.files import atomic, outputs
from gate.github.runner import Runner
from gate.reports import console
from gate.reports.context import ReportContext
from gate.results import loader
from gate.thresholds.parser import load as load_thresholds


@dataclass(frozen=True, kw_only=True)
class BaselineRequest:
    """`--baseline STORE` and its options (issue 8)."""

    store: str
    allow_mismatch: bool = False
    branch: str | None = None  # the source branch whose runs are the baseline


def run_check(
    *,
    results: Path,
    thresholds: Path,
    report_dir: Path | None,
    out: TextIO,
    runner: Runner | None = None,
    baseline: BaselineRequest | None = None,
    allow_incomplete: bool = False,
) -> Verdict:
    """Judge `results` (results.json, a directory holding one, a --csv prefix or a
    --json-file) against the thresholds file `thresholds`; print the table to `out`; write
    verdict.json, report.md, junit.xml and comment.md into `report_dir` when given (the
    previous ones are removed first, whatever happens next); in GitHub Actions (`runner`)
    also the job summary, annotations and step outputs. Raises UserError on bad input,
    also when `report_dir` holds a file of these names that we did not write."""
    held: contextlib.AbstractContextManager[None] = contextlib.nullcontext()
    if report_dir is not None:
        outputs.ensure_directory(report_dir, what="report directory", option="--report-dir")
        held = outputs.owned(report_dir, outputs.REPORT_FILES, option="--report-dir")
    with held:
        return judge(
            results=results,
            rules=load_thresholds(thresholds, with_baseline=baseline is not None),
            report_dir=report_dir,
            out=out,
            runner=runner,
            allow_incomplete=allow_incomplete,
            baseline=baseline,
        )


def judge(
    *,
    results: Path,
    rules: Thresholds,
    report_dir: Path | None,
    out: TextIO,
    runner: Runner | None = None,
    baseline: BaselineRequest | None = None,
    allow_incomplete: bool = False,
    notes: tuple[str, ...] = (),
    rounds: Rounds | None = None,
) -> Verdict:
    """`run_check` for thresholds already parsed (`run` parses them before the load test)
    and an existing `report_dir`; `notes` are the run's own warnings for the reports;
    `rounds`: the paired rounds of `run --against-ref` (`results` is the head's, pooled)."""
    require_checks(rules, with_baseline=baseline is not None or rounds is not None)
    measured = loader.load(results, group_names=rules.group_names)
    if notes:
        measured = replace(measured, warnings=(*measured.warnings, *notes))
    if rounds is not None:
        measured = replace(measured, rounds=rounds)
    verdict = evaluate(measured, rules, allow_incomplete=allow_incomplete)
    # --- baseline comparison (issue 8): relative checks join the absolute ones here. ---
    if baseline is not None:
        verdict, measured = _with_baseline(verdict, measured, rules, baseline)
    ctx = ReportContext(
        verdict=verdict,
        results=measured,
        results_path=str(results),
        thresholds_path=rules.path,
        pairs=paired.judged(measured, rules),
    )
    out.write(console.render_console(ctx, report_dir=report_dir))
    if report_dir is not None:
        # Imported here: the console table alone needs no report file and no PR comment.
        from gate.reports import junit, markdown, review, verdictfile  # noqa: PLC0415

        # Render everything before writing anything: a failure leaves no partial set.
        files = {
            "verdict.json": verdictfile.to_json(verdictfile.verdict_dict(ctx)),
            "report.md": markdown.render_markdown(ctx),
            "junit.xml": junit.render_junit(ctx),
            # The PR comment's body, rendered now: the run's links are known here, and the
            # fork-safe second stage posts it from the artifact without this run's data.
            "comment.md": review.fit(
                ctx, links=runner.links() if runner is not None else None,
                root=_root(runner), limit=review.COMMENT_LIMIT - COMMENT_HEAD_ROOM,
                limit_name="GitHub's 65,536 characters per comment"),
        }
        for name, text in files.items():
            _write(report_dir / name, text)
        out.write(f"reports: {report_dir / 'report.md'} (and verdict.json, junit.xml)\n")
    if runner is not None and runner.in_actions:
        # Imported here: outside Actions nothing of it runs (the event payload's model).
        from gate.github.publish import publish  # noqa: PLC0415

        publish(ctx, runner=runner, root=_root(runner), report_dir=report_dir, out=out)
    return verdict


def require_checks(rules: Thresholds, *, with_baseline: bool) -> None:
    """A file with only baseline-relative rules checks nothing without a baseline."""
    if not with_baseline and not rules.has_absolute_rules and rules.baseline is not None:
        raise UserError(
            "the thresholds file has only baseline-relative rules, and no baseline was given: "
            "the gate would check nothing",
            where=rules.path,
            fix="pass --baseline STORE, or add absolute limits (defaults:, aggregate:)",
        )


def _root(runner: Runner | None) -> str:
    """The repository root paths are shown relative to: the Actions workspace, else the
    working directory."""
    return (runner.workspace if runner is not None and runner.workspace else None) or str(
        Path.cwd())


COMMENT_HEAD_ROOM = 200  # the hidden marker and state `comment` puts above the body


def _with_baseline(
    verdict: Verdict, measured: Results, rules: Thresholds, request: BaselineRequest
) -> tuple[Verdict, Results]:
    """Load the baseline, compare (pure), and add its checks and warnings."""
    # Imported here: only `--baseline` pays for the stores (git, tar) and the statistics
    # of the comparison, about 30 ms of every `check` otherwise.
    from gate.baseline.compare import compare, merge  # noqa: PLC0415
    from gate.baseline.ops import load_baseline  # noqa: PLC0415
    from gate.baseline.store import parse_spec  # noqa: PLC0415
    from gate.core.relative import default_rules  # noqa: PLC0415

    relative = rules.baseline or default_rules()
    spec = parse_spec(request.store)
    loaded = load_baseline(spec, branch=request.branch, limit=relative.history,
                           group_names=rules.group_names)
    result = compare(
        measured, loaded.runs, relative, store=spec.text,  # credentials removed
        on_inconclusive=rules.on_inconclusive, on_too_few=rules.on_too_few,
        allow_mismatch=request.allow_mismatch,
    )
    notes = tuple(result.warnings)
    if not relative.written:
        notes += ("baseline: the thresholds file has no baseline: section; the default "
                  "relative rules apply (p50 +10 % fail; p95 +15 % and rps -25 % warn)",)
    return merge(verdict, result), replace(measured, warnings=(*measured.warnings, *notes))


def write_error_reports(report_dir: Path, error: HarnessError) -> None:
    """verdict.json (status `error`, the failing stage), report.md and junit.xml for a run
    that failed before anything could be judged; all rendered before any is written."""
    # Imported here, as in `judge`: only a failed `run` needs them, and every `check` loads
    # this module.
    from gate.reports import junit, markdown, verdictfile  # noqa: PLC0415

    files = {
        "verdict.json": verdictfile.to_json(verdictfile.error_verdict_dict(error)),
        "report.md": markdown.render_error_markdown(error),
        "junit.xml": junit.render_junit_error(error),
    }
    outputs.ensure_directory(report_dir, what="directory", option="output-dir")
    for name, text in files.items():
        _write(report_dir / name, text)


def exit_code_for(verdict: Verdict) -> int:
    return exit_code(verdict.status)


def _write(path: Path, text: str) -> None:
    atomic.write_for_user(path, text, fix="make the report directory writable, or pass another one")

