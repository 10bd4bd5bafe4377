"""The Action's glue (gate.action): input -> `locust-gate run` arguments (derived from
the settings table, one row per setting), the fail-on decision, save-when on real event
payloads, and the step-output file."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from gate.action import inputs, steps
from gate.action.inputs import FailOn, SaveWhen
from gate.commands.run import run as run_command
from gate.core.verdict import Status
from gate.errors import UserError
from gate.github.sticky import Mode
from gate.harness.config import load_config
from gate.harness.settings import KEYS, SETTINGS, Setting
from gate.reports import escape

REPO = Path(__file__).resolve().parents[2]
EVENTS = Path(__file__).resolve().parent / "data" / "events"


def env(**values: str) -> dict[str, str]:
    return {inputs.env_name(k.replace("_", "-")): v for k, v in values.items()}


def test_inputs_become_run_flags_with_the_documented_renames() -> None:
    args = inputs.run_arguments(env(
        config="ci/locust-gate.yml", users="5", run_time="1m",
        seed_command="python seed.py --db {output}/x.db", start_command="uvicorn app:app",
        health_url="http://127.0.0.1:8000/health", working_directory="services/api",
        tags="read, write  search", locust_args='--stop-timeout 5 --loglevel "DEBUG"',
        env="DATABASE_URL=postgres://u:secret@db/x\n\n# a comment\nREDIS_URL=redis://r",
    ))
    assert args == [
        "--config", "ci/locust-gate.yml",
        "--users=5", "--run-time=1m",
        "--tags=read", "--tags=write", "--tags=search",
        "--locust-arg=--stop-timeout", "--locust-arg=5", "--locust-arg=--loglevel",
        "--locust-arg=DEBUG",
        "--seed=python seed.py --db {output}/x.db", "--start=uvicorn app:app",
        "--workdir=services/api",
        "--env=DATABASE_URL=postgres://u:secret@db/x", "--env=REDIS_URL=redis://r",
        "--health=http://127.0.0.1:8000/health",
    ]


def test_the_arguments_are_accepted_by_the_real_config_loader(tmp_path: Path) -> None:
    (tmp_path / "load.py").write_text("")
    (tmp_path / "t.yml").write_text("version: 1\n")
    args = inputs.run_arguments(env(
        locustfile="load.py", thresholds="t.yml", users="3", spawn_rate="1.5",
        tags="a b", env="A=1", health_timeout="10s",
    ))
    from gate.commands.run import run

    ctx = run.make_context("run", [*args, "--output-dir", str(tmp_path / "out")])
    # Only the run settings go to the config loader; `run` takes its baseline options apart.
    overrides = {k.replace("_", "-"): v for k, v in ctx.params.items()
                 if k.replace("_", "-") in KEYS}
    config = load_config(None, overrides, cwd=tmp_path)
    assert (config.users, config.spawn_rate, config.tags) == (3, 1.5, ("a", "b"))
    assert config.env == {"A": "1"} and config.health_timeout == 10.0


def test_only_lga_variables_count_not_input_ones() -> None:
    # act sets INPUT_* for composite actions, GitHub does not: they must change nothing.
    assert inputs.run_arguments({"INPUT_USERS": "50", "INPUT_HOST": "http://x"}) == []


def test_the_logged_command_hides_env_values() -> None:
    shown = inputs.printable(["--users=5", "--env=DATABASE_URL=postgres://u:secret@db/x"])
    assert "secret" not in shown and "--env=DATABASE_URL=***" in shown


def test_bad_shell_words_and_bad_choices_are_user_errors() -> None:
    with pytest.raises(UserError, match="locust-args"):
        inputs.run_arguments(env(locust_args='--tags "unclosed'))
    with pytest.raises(UserError, match="fail-on"):
        inputs.choice("fail-on", FailOn, env(fail_on="sometimes"))


@pytest.mark.parametrize(
    ("fail_on", "verdict", "code", "expected"),
    [
        ("fail", "pass", "0", 0), ("fail", "warn", "0", 0), ("fail", "fail", "1", 1),
        ("warn", "warn", "0", 1), ("warn", "pass", "0", 0), ("never", "fail", "1", 0),
        ("never", "error", "2", 2), ("fail", "error", "2", 2), ("never", "error", "3", 3),
        ("never", "error", "130", 130), ("fail", "", "", 1),
    ],
)
def test_fail_on(fail_on: str, verdict: str, code: str, expected: int) -> None:
    status = Status(verdict) if verdict else Status.ERROR
    assert steps.job_conclusion(FailOn(fail_on), status, code, "", {})[0] == expected


def test_a_harness_failure_says_its_stage_and_fix() -> None:
    data = {"verdict": "error", "error": {"stage": "health", "message": "no answer in 30 s",
                                          "fix": "raise health-timeout"}}
    code, level, message = steps.job_conclusion(FailOn.NEVER, Status.ERROR, "2", "", data)
    assert (code, level) == (2, steps.Annotation.ERROR)
    assert "never became healthy" in message and "raise health-timeout" in message
    assert "whatever fail-on says" in message


@pytest.mark.parametrize(
    ("when", "event", "ref", "expected"),
    [
        (SaveWhen.SCHEDULE, "schedule", "", True),
        (SaveWhen.SCHEDULE, "workflow_dispatch", "", True),
        (SaveWhen.SCHEDULE, "push", "refs/heads/main", False),
        (SaveWhen.ALWAYS, "pull_request", "", True), (SaveWhen.NEVER, "schedule", "", False),
    ],
)
def test_save_when(tmp_path: Path, when: SaveWhen, event: str, ref: str, expected: bool) -> None:
    payload = tmp_path / "event.json"
    payload.write_text('{"repository": {"default_branch": "main"}}')
    environ = {"GITHUB_EVENT_NAME": event, "GITHUB_REF": ref, "GITHUB_EVENT_PATH": str(payload)}
    assert steps.should_save(when, environ)[0] is expected


# Each event as the runner hands it over: GITHUB_REF as GitHub sets it for that event, and
# the payload file (tests/unit/data/events, in GitHub's webhook shapes, default branch
# `main`). issue_comment and workflow_run run on the default branch's ref, but for a pull
# request's code: they must never save.
@pytest.mark.parametrize(
    ("payload", "ref", "expected"),
    [
        ("pull_request", "refs/pull/7/merge", False),
        ("pull_request_target", "refs/heads/main", False),
        ("issue_comment", "refs/heads/main", False),
        ("workflow_run", "refs/heads/main", False),
        ("push", "refs/heads/main", True),
        ("push_elsewhere", "refs/heads/feature/faster", False),
        ("schedule", "refs/heads/main", True),
        ("workflow_dispatch", "refs/heads/main", True),
        ("workflow_dispatch_elsewhere", "refs/heads/feature/faster", False),
    ],
)
def test_save_when_default_branch_by_event(payload: str, ref: str, expected: bool) -> None:
    path = EVENTS / f"{payload}.json"
    event = payload.removesuffix("_elsewhere")
    environ = {"GITHUB_EVENT_NAME": event, "GITHUB_REF": ref, "GITHUB_EVENT_PATH": str(path)}
    save, why = steps.should_save(SaveWhen.DEFAULT_BRANCH, environ)
    assert save is expected, why
    if event in ("issue_comment", "workflow_run"):
        assert f"{event} events never save the baseline" in why


def test_a_refused_save_says_why_and_calls_no_store(capsys: pytest.CaptureFixture[str]) -> None:
    environ = {**env(save_baseline="git:locust-gate-data", verdict="pass",
                     results_json="/nowhere/results.json"),
               "GITHUB_EVENT_NAME": "issue_comment", "GITHUB_REF": "refs/heads/main",
               "GITHUB_EVENT_PATH": str(EVENTS / "issue_comment.json")}
    assert steps.step_save_baseline(environ) == 0
    out = capsys.readouterr().out
    assert "baseline not saved: issue_comment events never save" in out
    assert "saving the baseline" not in out


def test_outputs_are_appended_with_delimiters_and_not_written_twice(tmp_path: Path) -> None:
    out = tmp_path / "output"
    out.write_text("verdict=fail\nreport-markdown<<EOF\n/x/report.md\nEOF\n")
    steps.write_outputs({"verdict": "pass", "exit-code": "1", "report-markdown": "/y"},
                        {"GITHUB_OUTPUT": str(out)})
    text = out.read_text()
    assert text.count("verdict") == 1 and text.count("report-markdown") == 1
    assert steps.written_outputs(out) == {"verdict", "report-markdown", "exit-code"}
    assert "exit-code<<ghadelimiter_" in text


def test_outputs_from_verdict_json(tmp_path: Path) -> None:
    (tmp_path / "verdict.json").write_text(
        '{"verdict": "fail", "checks": [{"level": "fail", "outcome": "breached"},'
        '{"level": "warn", "outcome": "breached"}, {"level": null, "outcome": "pass"},'
        '{"level": "fail", "outcome": "regressed"}]}'
    )
    (tmp_path / "report.md").write_text("# r\n")
    values = steps.outputs_for(tmp_path, 1)
    assert values["verdict"] == "fail" and values["exit-code"] == "1"
    assert (values["failed-checks"], values["regressed-checks"]) == ("2", "1")
    assert values["report-markdown"].endswith("report.md") and values["results-json"] == ""
    assert steps.outputs_for(tmp_path / "missing", 2)["verdict"] == "error"


def test_annotations_are_escaped(capsys: pytest.CaptureFixture[str]) -> None:
    steps.annotate("error", "50% of\nrequests", title="a: b, c")
    assert capsys.readouterr().out == "::error title=a%3A b%2C c::50%25 of\\nrequests\n"


def test_a_harness_message_cannot_smuggle_a_command(capsys: pytest.CaptureFixture[str]) -> None:
    # verdict.json's error quotes the backend's log: the finish step annotates it.
    data = {"error": {"stage": "start", "message": "boom ##[set-output name=verdict]pass\n"
                                                   "::add-mask::x"}}
    steps.annotate(*steps.job_conclusion(FailOn.FAIL, Status.ERROR, "2", "", data)[1:])
    (line,) = capsys.readouterr().out.splitlines()
    assert line.startswith("::error title=locust-gate::harness failure")
    assert "##[" not in line and "%0A::" not in line and "::add-mask::" in line


def test_log_lines_with_event_text_are_inert(capsys: pytest.CaptureFixture[str]) -> None:
    # A branch name is the PR author's text: it reaches the log through should_save's why.
    steps.say("the ref is refs/heads/x##[set-output name=verdict]pass")
    steps.say("::error::forged")
    out = capsys.readouterr().out.splitlines()
    assert out and not any(escape.is_workflow_command(line) for line in out)


def test_the_shape_input_is_a_switch() -> None:
    assert "--shape" in inputs.run_arguments(env(shape="true"))
    assert "--no-shape" in inputs.run_arguments(env(shape="False"))
    assert not any("shape" in a for a in inputs.run_arguments(env()))
    with pytest.raises(UserError) as info:
        inputs.run_arguments(env(shape="yes"))
    assert "true or false" in info.value.what


# --- one row per setting: the run inputs come from the settings table ------------------


def _sample(setting: Setting) -> tuple[str, object]:
    """An input value for the row and what `run`'s click parser makes of it."""
    if setting.flag_type is bool:
        return "true", True
    if setting.flag_type is int:
        return "3", 3
    if setting.flag_type is float:
        return "1.5", 1.5
    if setting.key == "env":  # one KEY=VALUE per line (a bare word is refused)
        return "K=x", ("K=x",)
    return "x", ("x",) if setting.repeatable else "x"


@pytest.mark.parametrize("setting", inputs.RUN_INPUTS, ids=lambda s: s.key)
def test_every_run_input_sets_its_own_setting_through_run(setting: Setting) -> None:
    assert setting.action is not None
    raw, parsed = _sample(setting)
    args = inputs.run_arguments(env(**{setting.action.name.replace("-", "_"): raw}))
    ctx = run_command.make_context("run", list(args))
    given = {name: value for name, value in ctx.params.items() if value not in (None, ())}
    assert given == {setting.field: parsed}


def test_every_row_with_an_input_is_in_action_yml_word_for_word() -> None:
    action = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
    run_env = next(s for s in action["runs"]["steps"] if s.get("id") == "run")["env"]
    rows = [s for s in SETTINGS if s.action is not None]
    assert rows and tuple(rows) == inputs.RUN_INPUTS
    for setting in rows:
        assert setting.action is not None
        spec = action["inputs"].get(setting.action.name)
        assert spec is not None, (
            f"action.yml has no input {setting.action.name!r} (the {setting.key!r} row)")
        assert (spec["description"], spec["default"], spec["required"]) == (
            setting.action.description, "", False)
        name = inputs.env_name(setting.action.name)
        assert run_env.get(name) == f"${{{{ inputs.{setting.action.name} }}}}"


def test_every_closed_set_input_is_an_enum_whose_default_and_description_agree() -> None:
    action = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
    closed = {name: kind for name, kind in inputs.OTHER_INPUTS.items() if kind is not None}
    assert closed == {"save-when": SaveWhen, "comment": Mode, "fail-on": FailOn}
    for name, kind in closed.items():
        spec = action["inputs"][name]
        assert kind(spec["default"]) in kind
        assert all(member.value in spec["description"] for member in kind), name


def test_a_new_row_is_an_input_without_another_edit() -> None:
    # The derivation itself: a row with an ActionInput becomes flag values by its split.
    from dataclasses import replace

    from gate.harness.settings import ActionInput, Split

    tags = next(s for s in SETTINGS if s.key == "tags")
    row = replace(tags, field="zones", flag="--zone",
                  action=ActionInput(name="zones", description="d", split=Split.WORDS))
    assert inputs._values(row, "eu-west, us-east  ap") == ["eu-west", "us-east", "ap"]
    lines = replace(row, action=ActionInput(name="z", description="d", split=Split.LINES))
    assert inputs._values(lines, "A=1\n# no\n\nB=2") == ["A=1", "B=2"]


def test_a_bad_closed_set_input_costs_no_load_test(tmp_path: Path) -> None:
    out = tmp_path / "output"
    given = env(comment="sometimes", fail_on="fail", save_when="never")
    environ = {**given, "RUNNER_TEMP": str(tmp_path), "GITHUB_OUTPUT": str(out)}
    assert steps.step_run(environ) == 0
    text = out.read_text()
    assert "exit-code<<" in text and "\n2\n" in text
    assert "input 'comment' must be one of always, on-change, on-failure, never" in text


def test_compare_base_ref_runs_against_the_pull_requests_base_sha(tmp_path: Path) -> None:
    base = "a" * 40
    event = tmp_path / "event.json"
    event.write_text('{"number": 7, "pull_request": {"number": 7, "head": {"sha": "' + "b" * 40
                     + '"}, "base": {"sha": "' + base + '"}}}')
    pr = {"GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": str(event)}
    assert steps._compare_arguments({**env(compare="base-ref"), **pr}) == [
        f"--against-ref={base}"]
    assert steps._compare_arguments({**env(compare="auto"), **pr}) == []
    # a payload whose base is not a full commit SHA (an option, a ref) is refused
    event.write_text('{"number": 7, "pull_request": {"number": 7, "head": {"sha": "x"}, '
                     '"base": {"sha": "--upload-pack=evil"}}}')
    with pytest.raises(UserError, match="has none"):
        steps._compare_arguments({**env(compare="base-ref"), **pr})
    push = {"GITHUB_EVENT_NAME": "push", "GITHUB_EVENT_PATH": str(event)}
    with pytest.raises(UserError, match="this push event has none"):
        steps._compare_arguments({**env(compare="base-ref"), **push})
