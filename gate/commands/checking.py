"""`check` as a function: load results and thresholds, evaluate, write reports.

Shared by `locust-gate check` and `locust-gate run`. Decisions are pure (`gate.core.evaluate`,
the renderers in `gate.reports`); this module is the edge that reads and writes files.
"""

from __future__ import annotations

import contextlib
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import click

from gate.core.evaluate import evaluate
from gate.core.model import Cut, EndpointStats, Results, Rounds
from gate.core.ruleset import Thresholds
from gate.core.verdict import Status, Verdict
from gate.errors import GateError, HarnessError, UserError, exit_code
from gate.files import atomic, outputs
from gate.github.runner import Runner
from gate.reports import console
from gate.reports.context import ReportContext
from gate.results import loader
from gate.thresholds.parser import load_thresholds

if TYPE_CHECKING:
    from gate.baseline.storespec import StoreSpec
    from gate.core.paired import Estimate
    from gate.core.relative import Baseline
    from gate.core.verdict import Check


@dataclass(frozen=True, kw_only=True)
class BaselineRequest:
    """`--baseline STORE` and its options (issue 8)."""

    store: StoreSpec
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
    cut: Cut | None = None,
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
        return judge_and_report(
            results=results,
            rules=load_thresholds(thresholds, with_baseline=baseline is not None),
            report_dir=report_dir,
            out=out,
            runner=runner,
            allow_incomplete=allow_incomplete,
            baseline=baseline,
            cut=cut,
        )


def judge_and_report(
    *,
    results: Path,
    rules: Thresholds,
    report_dir: Path | None,
    out: TextIO,
    runner: Runner | None = None,
    baseline: BaselineRequest | None = None,
    allow_incomplete: bool = False,
    notes: tuple[str, ...] = (),
    cut: Cut | None = None,
    rounds: Rounds | None = None,
) -> Verdict:
    """`run_check` for thresholds already parsed (`run` parses them before the load test)
    and an existing `report_dir`; `notes` are the run's own warnings for the reports;
    `rounds`: the paired rounds of `run --against-ref` (`results` is the head's, pooled)."""
    require_checks(rules, with_baseline=baseline is not None or rounds is not None)
    measured = _prepared(loader.load_results(results, group_names=rules.group_names), rules,
                         results=results, cut=cut, notes=notes, rounds=rounds)
    # One judging pass: the stored runs are loaded here and compared in the core.
    past = _load_baseline(rules, baseline, measured) if baseline is not None else None
    verdict = evaluate(measured, rules, past, allow_incomplete=allow_incomplete)
    ctx = ReportContext(
        verdict=verdict,
        results=measured,
        results_path=str(results),
        thresholds_path=rules.path,
        groups=_group_entries(measured, rules),
        pairs=_pairs(measured, rules),
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


# The steps and views of an optional section or mode import their modules only when the
# file or the run has one: a console `check` of a plain run loads none of them (start-up,
# docs/benchmarks.md).
def _prepared(measured: Results, rules: Thresholds, *, results: Path, cut: Cut | None,
              notes: tuple[str, ...], rounds: Rounds | None) -> Results:
    """The results as judged: cut (`check --warmup`), with the run's notes, the metrics
    read beside them and the paired rounds; a stage rule on a run without that stage is
    exit 2 here."""
    if cut is not None:  # check --warmup/--cooldown: after the fact, at the series' resolution
        from gate.results.trim import trim  # noqa: PLC0415 (see above)

        measured = trim(measured, warmup=cut.warmup, cooldown=cut.cooldown, file=str(results))
    if notes:
        measured = replace(measured, warnings=(*measured.warnings, *notes))
    if rules.stages:
        from gate.thresholds.stages import require  # noqa: PLC0415 (see above)

        require(measured, rules)
    if rules.metrics:  # what `run` read for them, beside the results: no URL is read here
        from gate.results import metricsfile  # noqa: PLC0415 (see above)

        measured = replace(measured, metrics=metricsfile.read(metricsfile.beside(results)))
    return measured if rounds is None else replace(measured, rounds=rounds)


def _group_entries(measured: Results, rules: Thresholds) -> tuple[EndpointStats, ...]:
    if not rules.groups:
        return ()
    from gate.core import groups  # noqa: PLC0415 (see _prepared)

    return groups.entries(measured, rules)


def _pairs(measured: Results, rules: Thresholds) -> tuple[tuple[Estimate, Check], ...]:
    if measured.rounds is None:
        return ()
    from gate.core import paired  # noqa: PLC0415 (see _prepared)

    return paired.judged(measured, rules)


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


def _load_baseline(
    rules: Thresholds, request: BaselineRequest, measured: Results
) -> Baseline:
    """The stored runs the comparison reads, as the core's data, with how comparable they
    are with `measured` on this machine now (the core puts it on the reference)."""
    # Imported here: only `--baseline` pays for the stores (git, tar) and the relative rules.
    from gate.baseline.ops import comparability, load_baseline  # noqa: PLC0415
    from gate.core.relative import Baseline, PastRun, default_rules  # noqa: PLC0415

    relative = rules.baseline or default_rules()
    spec = request.store
    loaded = load_baseline(spec, branch=request.branch, limit=relative.history,
                           group_names=rules.group_names, at_merge_base=True)
    runs = tuple(PastRun(results=run.results, commit=run.git.commit, branch=run.git.branch,
                         entry=run.entry) for run in loaded.runs)
    fit = comparability(measured, loaded, max_age_days=relative.max_age_days)
    return Baseline(store=spec.text,  # credentials removed
                    runs=runs, allow_mismatch=request.allow_mismatch, fit=fit)


def write_error_reports(
    report_dir: Path, error: HarnessError, *, profile: str | None = None
) -> None:
    """verdict.json (status `error`, the failing stage), report.md and junit.xml for a run
    (of `profile`) that failed before anything could be judged; all rendered before any is
    written."""
    # Imported here, as in `judge_and_report`: only a failed `run` needs them, and every
    # `check` loads this module.
    from gate.reports import junit, markdown, verdictfile  # noqa: PLC0415

    files = {
        "verdict.json": verdictfile.to_json(verdictfile.error_verdict_dict(error, profile=profile)),
        "report.md": markdown.render_error_markdown(error, profile=profile),
        "junit.xml": junit.render_junit_error(error),
    }
    outputs.ensure_directory(report_dir, what="directory", option="output-dir")
    for name, text in files.items():
        _write(report_dir / name, text)


def record_error(output_dir: Path, error: GateError, runner: Runner, profile: str | None) -> None:
    """Write the `error` reports (and in Actions the summary, an annotation and the
    outputs); never let that hide the error itself. A UserError here (bad thresholds, a
    busy port) is recorded at the stage `input`."""
    failure = (
        error
        if isinstance(error, HarnessError)
        else HarnessError(error.what, stage="input", where=error.where, fix=error.fix)
    )
    from gate.github.publish import publish_error  # noqa: PLC0415 (only a failed run pays)

    try:
        write_error_reports(output_dir, failure, profile=profile)
        if runner.in_actions:
            publish_error(failure, runner=runner, root=runner.workspace or str(Path.cwd()),
                          report_dir=output_dir, out=sys.stdout)
    except Exception as exc:  # the original error is what the user must see
        click.echo(f"locust-gate: could not write the error reports: {exc!r}", err=True)


def save_run(
    spec: StoreSpec, results: Path, verdict: Verdict, keep: int, save_failing: bool
) -> None:
    """Save the run as a baseline when `stored.refusal` (the Action's rule too) allows."""
    from gate.baseline.ops import make_run, save  # noqa: PLC0415 (only a saving run pays)
    from gate.baseline.stored import refusal  # noqa: PLC0415

    refused = refusal(verdict.status.value, save_failing=save_failing)
    if refused:
        hint = "; --save-failing saves it anyway" if verdict.status is Status.FAIL else ""
        click.echo(f"locust-gate: baseline not saved: {refused}{hint}", err=True)
        return
    # the raw names: stores keep them, loading groups them
    entry, _ = save(spec, make_run(loader.load_results(results, group_names=False)), keep)
    click.echo(f"locust-gate: saved this run as {entry.name} in {spec.text}", err=True)


def exit_code_for(verdict: Verdict) -> int:
    return exit_code(verdict.status)


def _write(path: Path, text: str) -> None:
    atomic.write_for_user(path, text, fix="make the report directory writable, or pass another one")

