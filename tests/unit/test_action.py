"""The Action's glue (gate.action): input -> `locust-gate run` arguments, the fail-on
decision, save-when, and the step-output file."""

from __future__ import annotations

from pathlib import Path

import pytest

from gate.action import inputs, steps
from gate.errors import UserError
from gate.harness.config import load_config
from gate.harness.settings import KEYS


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
        "--health=http://127.0.0.1:8000/health", "--workdir=services/api",
        "--env=DATABASE_URL=postgres://u:secret@db/x", "--env=REDIS_URL=redis://r",
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
        inputs.choice("fail-on", inputs.FAIL_ON, env(fail_on="sometimes"))


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
    assert steps.decide(fail_on, verdict, code, "", {})[0] == expected


def test_a_harness_failure_says_its_stage_and_fix() -> None:
    data = {"verdict": "error", "error": {"stage": "health", "message": "no answer in 30 s",
                                          "fix": "raise health-timeout"}}
    code, level, message = steps.decide("never", "error", "2", "", data)
    assert (code, level) == (2, "error")
    assert "never became healthy" in message and "raise health-timeout" in message
    assert "whatever fail-on says" in message


@pytest.mark.parametrize(
    ("when", "event", "ref", "expected"),
    [
        ("default-branch", "push", "refs/heads/main", True),
        ("default-branch", "push", "refs/heads/feature", False),
        ("default-branch", "pull_request", "refs/pull/7/merge", False),
        ("default-branch", "schedule", "refs/heads/main", True),
        ("schedule", "schedule", "", True), ("schedule", "workflow_dispatch", "", True),
        ("schedule", "push", "refs/heads/main", False),
        ("always", "pull_request", "", True), ("never", "schedule", "", False),
    ],
)
def test_save_when(tmp_path: Path, when: str, event: str, ref: str, expected: bool) -> None:
    payload = tmp_path / "event.json"
    payload.write_text('{"repository": {"default_branch": "main"}}')
    environ = {"GITHUB_EVENT_NAME": event, "GITHUB_REF": ref, "GITHUB_EVENT_PATH": str(payload)}
    assert steps.should_save(when, environ)[0] is expected


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
    assert capsys.readouterr().out == "::error title=a%3A b%2C c::50%25 of%0Arequests\n"


def test_the_shape_input_is_a_switch() -> None:
    assert "--shape" in inputs.run_arguments(env(shape="true"))
    assert "--no-shape" in inputs.run_arguments(env(shape="False"))
    assert not any("shape" in a for a in inputs.run_arguments(env()))
    with pytest.raises(UserError) as info:
        inputs.run_arguments(env(shape="yes"))
    assert "true or false" in info.value.what
