"""The composite Action's steps after the install: run, comment, save-baseline, finish.

Each is `python -m gate.action STEP`, run by action.yml from the Action's own files in the
Action's own virtual environment; inputs arrive as `LGA_*` variables (see
`gate.action.inputs`). `run` never fails its step: it records the gate's exit code and
verdict as step outputs, so that the summary, comment, artifact and baseline steps run
whatever happened, and `finish`, the last step, fails the job according to `fail-on` (a
harness or configuration error fails it whatever `fail-on` says).

Every workflow command, step output and console line goes through the gate's own sinks:
`gate.github.runner` (annotations, step outputs) and `gate.reports.escape` (a line of the
log that carries text from the run or the event, such as a branch name).
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Mapping, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Any

import click

from gate.action import inputs
from gate.action.inputs import FailOn, SaveWhen
from gate.core.verdict import Status
from gate.errors import EXIT_INTERNAL_ERROR, GateError, UserError
from gate.files import jsontext
from gate.github import runner
from gate.github.event import PR_EVENTS
from gate.github.sticky import Mode
from gate.reports import escape

# Step outputs, as action.yml maps them to the Action's outputs.
OUTPUTS = (
    "verdict",
    "exit-code",
    "failed-checks",
    "regressed-checks",
    "report-dir",
    "report-markdown",
    "results-json",
)
# The events whose code is the default branch's own: only their runs may become its
# baseline. An issue_comment or workflow_run event also runs on the default branch's ref,
# but on behalf of a pull request whose code it may check out ("/loadtest" commands).
DEFAULT_BRANCH_EVENTS = frozenset({"push", "schedule", "workflow_dispatch"})


# --- the log, workflow commands and environment files -------------------------------------


class Annotation(StrEnum):
    """The workflow commands the Action's steps annotate with."""

    ERROR = "error"
    WARNING = "warning"
    NOTICE = "notice"


def say(message: str) -> None:
    """One line of the step's log; text from the event or the run (a branch name, a store)
    is made inert, like every line `locust-gate` prints."""
    click.echo(escape.console(message))


def annotate(level: Annotation, message: str, *, title: str = "locust-gate") -> None:
    """An `::error::`/`::warning::`/`::notice::` workflow command. Its message may quote
    verdict.json's error (the backend's log): made one inert line first, as the check
    annotations' messages are, then escaped by the runner module's rules."""
    line = runner.command(level, escape.console(message, limit=2000),
                          title=escape.console(title, limit=200))
    runner.emit([line], sys.stdout)


def written_outputs(path: Path) -> set[str]:
    """Names already written to a GITHUB_OUTPUT file (`name=value` or `name<<DELIM`)."""
    if not path.is_file():
        return set()
    names: set[str] = set()
    lines = path.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, _, delim = line.partition("<<")
            names.add(name)
            i += 1
            while i < len(lines) and lines[i] != delim:
                i += 1
        elif "=" in line:
            names.add(line.partition("=")[0])
        i += 1
    return names


def write_outputs(values: Mapping[str, str], environ: Mapping[str, str] | None = None) -> None:
    """Append the step outputs the gate did not write itself (`gate.github.runner` writes
    them, each with a random delimiter)."""
    env = os.environ if environ is None else environ
    target = env.get("GITHUB_OUTPUT")
    if not target:
        for name, value in values.items():
            say(f"output {name}={value}")
        return
    path = Path(target)
    already = written_outputs(path)
    runner.write_outputs(path, {k: v for k, v in values.items() if k not in already})


# --- step: run --------------------------------------------------------------------------


def _gate(argv: Sequence[str]) -> int:
    from gate.cli import main  # noqa: PLC0415

    return main(list(argv))


def summarize(verdict_file: Path) -> dict[str, Any]:
    try:
        data = jsontext.loads(verdict_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def outputs_for(report_dir: Path, exit_code: int) -> dict[str, str]:
    """The Action's outputs, from verdict.json (written by `run`, also for harness errors)."""
    data = summarize(report_dir / "verdict.json")
    checks = [c for c in data.get("checks", []) if isinstance(c, dict)]
    failed = sum(1 for c in checks if c.get("level") == "fail" and c.get("outcome") != "pass")
    regressed = sum(1 for c in checks if c.get("outcome") == "regressed")
    report_md = report_dir / "report.md"
    results = report_dir / "results.json"
    return {
        "verdict": str(data.get("verdict") or "error"),
        "exit-code": str(exit_code),
        "failed-checks": str(failed),
        "regressed-checks": str(regressed),
        "report-dir": str(report_dir),
        "report-markdown": str(report_md) if report_md.is_file() else "",
        "results-json": str(results) if results.is_file() else "",
    }


def _fallback_summary(report_dir: Path, data: Mapping[str, Any], message: str) -> str:
    report_md = report_dir / "report.md"
    if report_md.is_file():
        return report_md.read_text(encoding="utf-8")
    found = data.get("error")
    error: Mapping[str, Any] | None = found if isinstance(found, dict) else None
    lines = ["## 💥 locust-gate: the run could not be judged", ""]
    # verdict.json's error carries text from the backend's and the seed's logs: escaped
    if error:
        lines.append(f"Stage **{_md(error.get('stage'))}**: {_md(error.get('message'))}")
        if error.get("fix"):
            lines.append(f"\nFix: {_md(error.get('fix'))}")
    else:
        lines.append(_md(message or "See the log of the step that runs the load test."))
    return "\n".join(lines) + "\n"


def _md(value: object) -> str:
    return escape.markdown(str(value), limit=2000)


def step_run(environ: dict[str, str]) -> int:
    """Map the inputs to `locust-gate run`, run it, record outputs; always exit 0."""
    runner_temp = Path(environ.get("RUNNER_TEMP") or tempfile.gettempdir())
    runner_temp.mkdir(parents=True, exist_ok=True)
    report_dir = Path(tempfile.mkdtemp(prefix="locust-gate-", dir=runner_temp))
    message = ""
    try:
        # Validate the Action's own inputs first: a typo here must not cost a load test.
        for name, allowed in inputs.OTHER_INPUTS.items():
            if allowed is not None:
                inputs.choice(name, allowed, environ)
        args = inputs.run_arguments(environ) + _compare_arguments(environ)
    except GateError as exc:
        click.echo(exc.render(), err=True)
        code, message = exc.exit_code, exc.what
    else:
        args.append(f"--output-dir={report_dir}")
        # The backend and Locust inherit this environment: keep the Action's own
        # variables (and any token) out of it.
        for name in [n for n in os.environ if n.startswith(inputs.ENV_PREFIX)]:
            del os.environ[name]
        say(f"locust-gate: {inputs.printable(args)}")
        code = _gate(["run", *args])
        if code not in (0, 1):
            message = f"locust-gate run exited with {code}"
    values = outputs_for(report_dir, code)
    if message:
        values["error-message"] = message
    write_outputs(values, environ)
    summary = environ.get("GITHUB_STEP_SUMMARY")
    if summary and (not Path(summary).is_file() or Path(summary).stat().st_size == 0):
        data = summarize(report_dir / "verdict.json")
        runner.append_summary(Path(summary), _fallback_summary(report_dir, data, message))
    say(f"locust-gate: exit code {code}, verdict {values['verdict']}; reports in {report_dir}")
    return 0


BASE_REF = "base-ref"


def _compare_arguments(environ: Mapping[str, str]) -> list[str]:
    """`compare: base-ref`: same-runner rounds against the pull request's base commit
    (`run --against-ref SHA`, from the event payload). `auto` (or nothing): the stored
    history's mode, which needs no argument."""
    compare = inputs.get("compare", environ)
    if compare != BASE_REF:
        if compare and compare != "auto":
            annotate(Annotation.WARNING, f"input 'compare: {compare}' is ignored: the modes "
                     f"are `auto` and `{BASE_REF}`")
        return []
    # Imported here: only this mode reads the payload (and PyGithub stays unloaded).
    from gate.github.event import pull_request  # noqa: PLC0415
    from gate.github.posting import payload  # noqa: PLC0415

    found = runner.Runner.from_env(environ)
    pr = pull_request(found.event_name, payload(found))
    if pr is None or pr.base_sha is None:
        raise UserError(
            f"compare: {BASE_REF} measures the pull request's base commit, and this "
            f"{found.event_name or 'unknown'} event has none",
            where="the Action's input compare",
            fix="use it in workflows that run on pull_request, or name the ref in "
            "locust-gate.yml (`against-ref: origin/main`) and leave compare empty",
        )
    return [f"--against-ref={pr.base_sha}"]


# --- step: comment ----------------------------------------------------------------------


def step_comment(environ: Mapping[str, str]) -> int:
    """Post or update the sticky PR comment; never fails the job."""
    event = environ.get("GITHUB_EVENT_NAME", "")
    report_dir = inputs.get("report-dir", environ)
    try:
        mode = inputs.choice("comment", Mode, environ, default=Mode.ON_CHANGE)
    except GateError as exc:  # the run step reported it as a configuration error
        say(f"locust-gate: no comment: {exc.what}")
        return 0
    if mode is Mode.NEVER:
        say("locust-gate: no comment (comment: never); the report is in the job summary")
        return 0
    if event not in PR_EVENTS:
        say(f"locust-gate: no pull request ({event or 'no'} event): no comment; "
            "the report is in the job summary")
        return 0
    argv = ["comment", f"--report-dir={report_dir}", f"--mode={mode}"]
    comment_id = inputs.get("comment-id", environ)
    if comment_id:
        argv.append(f"--comment-id={comment_id}")
    code = _gate(argv)
    if code != 0:
        annotate(Annotation.WARNING, "the PR comment could not be posted (locust-gate comment "
                 f"exited with {code}); the report is in the job summary and the artifact")
    return 0


# --- step: save-baseline ----------------------------------------------------------------


def should_save(  # noqa: PLR0911  (one return per rule reads best)
    when: SaveWhen, environ: Mapping[str, str]
) -> tuple[bool, str]:
    """Whether `save-when` allows saving in this event, and why (for the log)."""
    event = environ.get("GITHUB_EVENT_NAME", "")
    if when is SaveWhen.NEVER:
        return False, "save-when is never"
    if when is SaveWhen.ALWAYS:
        return True, "save-when is always"
    if when is SaveWhen.SCHEDULE:
        ok = event in ("schedule", "workflow_dispatch")
        return ok, f"save-when is schedule and the event is {event}"
    # default-branch: a push to, schedule on, or dispatch on the default branch, and no
    # other event: the ref of issue_comment and workflow_run is the default branch's too.
    if event not in DEFAULT_BRANCH_EVENTS:
        return False, (f"{event or 'unknown'} events never save the baseline (save-when: "
                       "default-branch saves push, schedule and workflow_dispatch runs)")
    if event == "schedule":
        return True, "scheduled runs run on the default branch"
    default = _default_branch(environ)
    ref = environ.get("GITHUB_REF", "")
    if default is None:
        return False, "the event does not name the default branch"
    ok = ref == f"refs/heads/{default}"
    return ok, f"the ref is {ref or 'unknown'} and the default branch is {default}"


def _default_branch(environ: Mapping[str, str]) -> str | None:
    path = environ.get("GITHUB_EVENT_PATH")
    if not path:
        return None
    try:
        event = jsontext.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    repo = event.get("repository") if isinstance(event, dict) else None
    branch = repo.get("default_branch") if isinstance(repo, dict) else None
    return branch if isinstance(branch, str) and branch else None


def step_save_baseline(environ: Mapping[str, str]) -> int:
    """Save the run to the baseline store when `save-when` allows; a failed save fails."""
    from gate.baseline.stored import refusal  # noqa: PLC0415  (only this step reads stored runs)

    store = inputs.get("save-baseline", environ)
    try:
        when = inputs.choice("save-when", SaveWhen, environ, default=SaveWhen.DEFAULT_BRANCH)
    except GateError as exc:  # the run step reported it as a configuration error
        say(f"locust-gate: baseline not saved: {exc.what}")
        return 0
    verdict = inputs.get("verdict", environ)
    results = inputs.get("results-json", environ)
    save, why = should_save(when, environ)
    if not save:
        say(f"locust-gate: baseline not saved: {why}")
        return 0
    refused = refusal(verdict) if results else "the run left no results"
    if refused:
        say(f"locust-gate: baseline not saved: {refused}")
        return 0
    from gate.baseline.storespec import mask_credentials, redact  # noqa: PLC0415

    mask_credentials(store)  # before the store is printed: it may carry a token
    say(f"locust-gate: saving the baseline to {redact(store)} ({why})")
    return _gate(["baseline", "save", results, f"--store={store}"])


# --- step: finish -----------------------------------------------------------------------

_STAGE_TITLES = {
    "seed": "the seed command failed",
    "start": "the backend did not start",
    "health": "the backend never became healthy",
    "backend": "the backend died during the load test",
    "locust": "Locust failed",
    "interrupted": "the run was interrupted",
}


def job_conclusion(fail_on: FailOn, verdict: Status, exit_code: str, error: str,
           data: Mapping[str, Any]) -> tuple[int, Annotation, str]:
    """(exit code, annotation level, message) for the job's last step."""
    if not exit_code:
        return 1, Annotation.ERROR, "locust-gate did not run: a step before it failed (see above)"
    code = int(exit_code) if exit_code.lstrip("-").isdigit() else EXIT_INTERNAL_ERROR
    if verdict is Status.ERROR or code not in (0, 1):
        return (code if code not in (0, 1) else 2), Annotation.ERROR, (
            f"{_harness_failure(code, error, data)} (this fails the job whatever fail-on says)")
    if fail_on is FailOn.NEVER:
        return 0, Annotation.NOTICE, f"verdict {verdict}; fail-on is never, so the job passes"
    if verdict is Status.FAIL:
        return 1, Annotation.ERROR, (
            "the gate failed: see the failed checks in the summary and report")
    if verdict is Status.WARN and fail_on is FailOn.WARN:
        return 1, Annotation.ERROR, (
            "the gate warned and fail-on is warn: see the summary and report")
    return 0, Annotation.NOTICE, f"verdict {verdict} (fail-on: {fail_on})"


def _harness_failure(code: int, error: str, data: Mapping[str, Any]) -> str:
    found = data.get("error")
    info: Mapping[str, Any] = found if isinstance(found, dict) else {}
    stage = str(info.get("stage") or "")
    if stage:
        title = _STAGE_TITLES.get(stage, f"harness failure ({stage})")
        text = f"harness failure, {title}: {info.get('message', error)}"
        if info.get("fix"):
            text += f" Fix: {info['fix']}"
        return text
    if code == EXIT_INTERNAL_ERROR:
        return "internal error in locust-gate (a bug: please report it); see the run step"
    return f"configuration error: {error or 'see the run step log'}"


def step_finish(environ: Mapping[str, str]) -> int:
    try:
        fail_on = inputs.choice("fail-on", FailOn, environ, default=FailOn.FAIL)
    except GateError:
        fail_on = FailOn.FAIL  # already reported as a configuration error by the run step
    report_dir = inputs.get("report-dir", environ)
    data = summarize(Path(report_dir) / "verdict.json") if report_dir else {}
    code, level, message = job_conclusion(
        fail_on,
        _status(inputs.get("verdict", environ)),
        inputs.get("exit-code", environ),
        inputs.get("error-message", environ),
        data,
    )
    annotate(level, message)
    return code


def _status(verdict: str) -> Status:
    """The run step's `verdict` output; anything else (it did not run) is an error."""
    try:
        return Status(verdict)
    except ValueError:
        return Status.ERROR


STEPS = {
    "run": step_run,
    "comment": step_comment,
    "save-baseline": step_save_baseline,
    "finish": step_finish,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1 or args[0] not in STEPS:
        click.echo(f"usage: python -m gate.action {{{','.join(STEPS)}}}", err=True)
        return 2
    return STEPS[args[0]](dict(os.environ))
