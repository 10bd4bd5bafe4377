"""Which runs become a baseline: one rule (`gate.baseline.stored.refusal`) for `run
--save-baseline` and the Action's save step."""

from __future__ import annotations

from pathlib import Path

import pytest

from gate.action import inputs, steps
from gate.baseline.stored import refusal


@pytest.mark.parametrize("verdict", ["pass", "warn"])
def test_passing_and_warning_runs_are_saved(verdict: str) -> None:
    assert refusal(verdict) is None


@pytest.mark.parametrize("verdict", ["fail", "error", "", None, "PASS; rm -rf /"])
def test_failing_or_unjudged_runs_are_not_saved(verdict: str | None) -> None:
    why = refusal(verdict)
    assert why is not None and "only passing or warning runs" in why


def test_save_failing_saves_a_failing_run_but_never_an_error() -> None:
    assert refusal("fail", save_failing=True) is None
    assert refusal("error", save_failing=True) is not None


def test_the_action_step_uses_the_rule(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = tmp_path / "history"
    environ = {
        inputs.env_name("save-baseline"): f"{store}/",
        inputs.env_name("save-when"): "always",
        inputs.env_name("verdict"): "fail",
        inputs.env_name("results-json"): str(tmp_path / "results.json"),
    }
    assert steps.step_save_baseline(environ) == 0
    out = capsys.readouterr().out
    assert "baseline not saved: the run's verdict is fail" in out
    assert not store.exists()
