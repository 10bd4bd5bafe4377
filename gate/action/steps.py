"""The composite Action's steps after the install: run, comment, save-baseline, finish.

Each is `python -m gate.action STEP`, run by action.yml from the Action's own files in the
Action's own virtual environment; inputs arrive as `LGA_*` variables (see
`gate.action.inputs`). `run` never fails its step: it records the gate's exit code and
verdict as step outputs, so that the summary, comment, artifact and baseline steps run
whatever happened, and `finish`, the last step, fails the job according to `fail-on` (a
harness or configuration error fails it whatever `fail-on` says).

Commands that land later (`comment`, `baseline save`, `run --baseline`) are looked up in
the CLI first: a step whose command this version lacks says so in the log and is skipped.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import click

from gate.action import inputs
from gate.errors import EXIT_INTERNAL_ERROR, GateError

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
PR_EVENTS = ("pull_request", "pull_request_target")


# --- workflow commands and environment files ----------------------------------------------


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotate(level: str, message: str, *, title: str | None = None) -> None:
    """Print a `::error::`/`::warning::`/`::notice::` workflow command, escaped."""
    props = f" title={_escape_property(title)}" if title else ""
    click.echo(f"::{level}{props}::{_escape_data(message)}")


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
    """Append step outputs the gate did not write itself, each with a random delimiter."""
    env = os.environ if environ is None else environ
    target = env.get("GITHUB_OUTPUT")
    if not target:
        for name, value in values.items():
            click.echo(f"output {name}={value}")
        return
    path = Path(target)
    already = written_outputs(path)
    with path.open("a", encoding="utf-8") as handle:
        for name, value in values.items():
            if name in already:
                continue
            delim = f"ghadelimiter_{secrets.token_hex(16)}"
            handle.write(f"{name}<<{delim}\n{value}\n{delim}\n")


# --- step: run --------------------------------------------------------------------------


def _cli() -> click.Group:
    from gate.cli import cli  # noqa: PLC0415  (import late: the CLI imports everything)

    return cli


def has_command(*names: str) -> bool:
    """Whether this version's CLI has the (sub)command `names`, e.g. ("baseline", "save")."""
    command: click.Command = _cli()
    ctx = click.Context(command)
    for name in names:
        if not isinstance(command, click.Group):
            return False
        found = command.get_command(ctx, name)
        if found is None:
            return False
        command = found
    return True


def has_option(command: str, option: str) -> bool:
    found = _cli().get_command(click.Context(_cli()), command)
    return found is not None and any(
        isinstance(p, click.Option) and option in p.opts for p in found.params
    )


def _gate(argv: Sequence[str]) -> int:
    from gate.cli import main  # noqa: PLC0415

    return main(list(argv))


def summarize(verdict_file: Path) -> dict[str, Any]:
    try:
        data = json.loads(verdict_file.read_text(encoding="utf-8"))
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
    if error:
        lines.append(f"Stage **{error.get('stage')}**: {error.get('message')}")
        if error.get("fix"):
            lines.append(f"\nFix: {error.get('fix')}")
    else:
        lines.append(message or "See the log of the step that runs the load test.")
    return "\n".join(lines) + "\n"


def step_run(environ: dict[str, str]) -> int:
    """Map the inputs to `locust-gate run`, run it, record outputs; always exit 0."""
    runner_temp = Path(environ.get("RUNNER_TEMP") or tempfile.gettempdir())
    runner_temp.mkdir(parents=True, exist_ok=True)
    report_dir = Path(tempfile.mkdtemp(prefix="locust-gate-", dir=runner_temp))
    message = ""
    try:
        # Validate the Action's own inputs first: a typo here must not cost a load test.
        inputs.choice("fail-on", inputs.FAIL_ON, environ)
        inputs.choice("comment", inputs.COMMENT_MODES, environ)
        inputs.choice("save-when", inputs.SAVE_WHEN, environ)
        args = inputs.run_arguments(environ)
        args += _comparison_arguments(environ)
    except GateError as exc:
        click.echo(exc.render(), err=True)
        code, message = exc.exit_code, exc.what
    else:
        args.append(f"--output-dir={report_dir}")
        # The backend and Locust inherit this environment: keep the Action's own
        # variables (and any token) out of it.
        for name in [n for n in os.environ if n.startswith(inputs.ENV_PREFIX)]:
            del os.environ[name]
        click.echo(f"locust-gate: {inputs.printable(args)}")
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
        with Path(summary).open("a", encoding="utf-8") as handle:
            handle.write(_fallback_summary(report_dir, data, message))
    click.echo(f"locust-gate: exit code {code}, verdict {values['verdict']}; "
               f"reports in {report_dir}")
    return 0


def _comparison_arguments(environ: Mapping[str, str]) -> list[str]:
    args: list[str] = []
    baseline = inputs.get("baseline", environ)
    if baseline:
        if has_option("run", "--baseline"):
            args.append(f"--baseline={baseline}")
        else:
            annotate("warning", "input 'baseline' is ignored: this version of locust-gate "
                     "cannot compare with a baseline yet", title="locust-gate")
    compare = inputs.get("compare", environ)
    if compare and compare != "auto":
        if has_option("run", "--compare"):
            args.append(f"--compare={compare}")
        else:
            # One mode today: the history's noise band with 3 or more stored runs, the
            # rule's tolerance with fewer (same-runner rounds are a later mode).
            annotate("warning", f"input 'compare: {compare}' is ignored: this version of "
                     "locust-gate compares in one mode, `auto`", title="locust-gate")
    return args


# --- step: comment ----------------------------------------------------------------------


def step_comment(environ: Mapping[str, str]) -> int:
    """Post or update the sticky PR comment; never fails the job."""
    mode = inputs.get("comment", environ).lower() or "on-change"
    event = environ.get("GITHUB_EVENT_NAME", "")
    report_dir = inputs.get("report-dir", environ)
    if mode == "never":
        click.echo("locust-gate: no comment (comment: never); the report is in the job summary")
        return 0
    if event not in PR_EVENTS:
        click.echo(f"locust-gate: no pull request ({event or 'no'} event): no comment; "
              "the report is in the job summary")
        return 0
    if not has_command("comment"):
        click.echo("locust-gate: this version of locust-gate has no `comment` command: "
              "the report is in the job summary only")
        return 0
    argv = ["comment", f"--report-dir={report_dir}", f"--mode={mode}"]
    comment_id = inputs.get("comment-id", environ)
    if comment_id:
        argv.append(f"--comment-id={comment_id}")
    code = _gate(argv)
    if code != 0:
        annotate("warning", f"the PR comment could not be posted (locust-gate comment exited "
                 f"with {code}); the report is in the job summary and the artifact",
                 title="locust-gate")
    return 0


# --- step: save-baseline ----------------------------------------------------------------


def should_save(  # noqa: PLR0911  (one return per rule reads best)
    when: str, environ: Mapping[str, str]
) -> tuple[bool, str]:
    """Whether `save-when` allows saving in this event, and why (for the log)."""
    event = environ.get("GITHUB_EVENT_NAME", "")
    if when == "never":
        return False, "save-when is never"
    if when == "always":
        return True, "save-when is always"
    if when == "schedule":
        ok = event in ("schedule", "workflow_dispatch")
        return ok, f"save-when is schedule and the event is {event}"
    # default-branch: a push to, schedule on, or dispatch on the default branch
    if event in PR_EVENTS:
        return False, "a pull request never saves the baseline (save-when: default-branch)"
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
        event = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    repo = event.get("repository") if isinstance(event, dict) else None
    branch = repo.get("default_branch") if isinstance(repo, dict) else None
    return branch if isinstance(branch, str) and branch else None


def step_save_baseline(environ: Mapping[str, str]) -> int:
    """Save the run to the baseline store when `save-when` allows; a failed save fails."""
    from gate.baseline.stored import refusal  # noqa: PLC0415  (only this step reads stored runs)

    store = inputs.get("save-baseline", environ)
    when = inputs.get("save-when", environ).lower() or "default-branch"
    verdict = inputs.get("verdict", environ)
    results = inputs.get("results-json", environ)
    save, why = should_save(when, environ)
    if not save:
        click.echo(f"locust-gate: baseline not saved: {why}")
        return 0
    refused = refusal(verdict) if results else "the run left no results"
    if refused:
        click.echo(f"locust-gate: baseline not saved: {refused}")
        return 0
    if not has_command("baseline", "save"):
        click.echo("locust-gate: this version of locust-gate has no `baseline save` command: "
              "baseline not saved")
        return 0
    click.echo(f"locust-gate: saving the baseline to {store} ({why})")
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


def decide(fail_on: str, verdict: str, exit_code: str, error: str,
           data: Mapping[str, Any]) -> tuple[int, str, str]:
    """(exit code, annotation level, message) for the job's last step."""
    if not exit_code:
        return 1, "error", "locust-gate did not run: a step before it failed (see above)"
    code = int(exit_code) if exit_code.lstrip("-").isdigit() else EXIT_INTERNAL_ERROR
    if verdict == "error" or code not in (0, 1):
        found = data.get("error")
        info: Mapping[str, Any] = found if isinstance(found, dict) else {}
        stage = str(info.get("stage") or "")
        if stage:
            title = _STAGE_TITLES.get(stage, f"harness failure ({stage})")
            text = f"harness failure, {title}: {info.get('message', error)}"
            if info.get("fix"):
                text += f" Fix: {info['fix']}"
        elif code == EXIT_INTERNAL_ERROR:
            text = "internal error in locust-gate (a bug: please report it); see the run step"
        else:
            text = f"configuration error: {error or 'see the run step log'}"
        return (code if code not in (0, 1) else 2), "error", (
            f"{text} (this fails the job whatever fail-on says)")
    if fail_on == "never":
        return 0, "notice", f"verdict {verdict}; fail-on is never, so the job passes"
    if verdict == "fail":
        return 1, "error", "the gate failed: see the failed checks in the summary and report"
    if verdict == "warn" and fail_on == "warn":
        return 1, "error", "the gate warned and fail-on is warn: see the summary and report"
    return 0, "notice", f"verdict {verdict} (fail-on: {fail_on})"


def step_finish(environ: Mapping[str, str]) -> int:
    fail_on = inputs.get("fail-on", environ).lower() or "fail"
    if fail_on not in inputs.FAIL_ON:
        fail_on = "fail"  # already reported as a configuration error by the run step
    report_dir = inputs.get("report-dir", environ)
    data = summarize(Path(report_dir) / "verdict.json") if report_dir else {}
    code, level, message = decide(
        fail_on,
        inputs.get("verdict", environ),
        inputs.get("exit-code", environ),
        inputs.get("error-message", environ),
        data,
    )
    annotate(level, message, title="locust-gate")
    return code


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
