"""Unit tier: stages and the warm-up cut (issues 20 and 23) outside Locust: the setting,
the load plan, the thresholds file's `stages:` section, the stage kind of check, the
after-the-fact cut, the report's table and chart marks, and results.json round trips."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from gate.core import histogram
from gate.core.evaluate import evaluate
from gate.core.model import Cut, Results, SecondSample, Source, Window, aggregate
from gate.core.verdict import Outcome, Scope, Status
from gate.errors import UserError
from gate.harness.config import RunConfig, load_config
from gate.harness.invocation import locust_command, plan_load
from gate.reports.context import ReportContext
from gate.reports.markdown import chart, render_markdown
from gate.results import loader, resultsfile
from gate.results.loadshape import Stage, decode, index_at
from gate.results.trim import trim
from gate.thresholds.parser import parse
from gate.thresholds.stages import require
from tests.factory import START, endpoint, results

STAGED_CONFIG = """\
locustfile: locustfile.py
stages:
  - {name: before, users: 2, spawn-rate: 5, duration: 2s}
  - {name: spike, users: 8, spawn-rate: 20, duration: 1m}
"""
PLAIN_LOCUSTFILE = (
    "from locust import HttpUser, task\nclass U(HttpUser):\n    @task\n    def t(self):\n"
    "        pass\n"
)


def _config(tmp_path: Path, text: str, locustfile: str = PLAIN_LOCUSTFILE) -> RunConfig:
    (tmp_path / "locustfile.py").write_text(locustfile)
    (tmp_path / "locust-gate.yml").write_text(text)
    return load_config(tmp_path / "locust-gate.yml", {}, cwd=tmp_path)


def test_stages_setting_runs_the_gates_shape(tmp_path: Path) -> None:
    config = _config(tmp_path, STAGED_CONFIG)
    assert config.stages == (
        Stage(name="before", users=2, spawn_rate=5.0, duration=2),
        Stage(name="spike", users=8, spawn_rate=20.0, duration=60),
    )
    plan = plan_load(config)
    assert plan.deadline == 62 + 120 and "2 stages (before, spike)" in plan.summary
    command = locust_command(config, plugin=Path("p.py"), results=Path("r.json"))
    assert "-u" not in command and "-t" not in command
    assert decode(command[command.index("--gate-stages") + 1]) == config.stages


@pytest.mark.parametrize(
    ("stages", "words"),
    [
        ("[{name: a, users: 1, spawn-rate: 1, duration: 1s}, {name: a, users: 2, "
         "spawn-rate: 1, duration: 1s}]", "a is used more than once"),
        ("[{name: a, users: 1, spawn-rate: 1}]", "stages[0]: no duration"),
        ("[{name: a, users: 1, spawn-rate: 1, duration: 1s, ramp: 3}]", "unknown key 'ramp'"),
        ("[{name: 'a b', users: 1, spawn-rate: 1, duration: 1s}]", "stages[0].name"),
        ("[{name: a, users: -1, spawn-rate: 1, duration: 1s}]", "stages[0].users"),
        ("[{name: a, users: 1, spawn-rate: 1, duration: soon}]", "stages[0].duration"),
        ("5", "must be a list of stages"),
    ],
)
def test_bad_stages_name_the_file_line_and_stage(tmp_path: Path, stages: str, words: str) -> None:
    with pytest.raises(UserError) as excinfo:
        _config(tmp_path, f"locustfile: locustfile.py\nstages: {stages}\n")
    text = excinfo.value.render()
    assert words in text and "locust-gate.yml:2" in text and excinfo.value.exit_code == 2


def test_stages_and_the_locustfiles_own_shape_are_refused(tmp_path: Path) -> None:
    shaped = "from locust import LoadTestShape\nclass Mine(LoadTestShape):\n    time_limit = 5\n"
    config = _config(tmp_path, STAGED_CONFIG, locustfile=shaped)
    with pytest.raises(UserError) as excinfo:
        plan_load(config)
    text = excinfo.value.render()
    assert "LoadTestShape Mine" in text and "Locust can run only one" in text
    assert "remove `stages`" in text


def test_warmup_and_cooldown_lengthen_locusts_run_time(tmp_path: Path) -> None:
    config = _config(tmp_path, "locustfile: locustfile.py\nrun-time: 1m\nwarmup: 20s\n"
                               "cooldown: 5s\n")
    command = locust_command(config, plugin=Path("p.py"), results=Path("r.json"))
    assert command[command.index("-t") + 1] == "85s"
    assert command[command.index("--gate-warmup") + 1] == "20"
    assert command[command.index("--gate-cooldown") + 1] == "5"
    assert "measured after a 20s warm-up and before a 5s cool-down" in plan_load(config).summary
    staged = _config(tmp_path, STAGED_CONFIG + "warmup: 5s\n")
    with pytest.raises(UserError) as excinfo:
        plan_load(staged)
    assert "make the warm-up a first stage" in excinfo.value.render()


def test_the_shape_walks_the_stages() -> None:
    stages = (Stage(name="a", users=1, spawn_rate=1, duration=2),
              Stage(name="b", users=3, spawn_rate=1, duration=1))
    assert [index_at(stages, t) for t in (0, 1.9, 2.0, 2.9, 3.0)] == [0, 0, 1, 1, None]


# --- the thresholds file and the stage kind ----------------------------------------------

STAGE_RULES = """\
version: 1
stages:
  after:
    defaults: {p95: 800ms, fail-ratio: 1%}
  spike:
    aggregate: {fail-ratio: 5%}
"""


def _staged_results() -> Results:
    fast = endpoint("/work", [10.0] * 100)
    slow = endpoint("/work", [900.0] * 100, failures=10)
    windows = (
        Window(name="spike", start=0, end=10, users=8, endpoints=(slow,),
               total=aggregate([slow], start_time=START)),
        Window(name="after", start=10, end=20, users=2, endpoints=(slow,),
               total=aggregate([slow], start_time=START)),
    )
    return replace(results(fast), stages=windows)


def test_stage_rules_parse_with_their_key_paths() -> None:
    rules = parse(STAGE_RULES, "t.yml")
    assert [s.name for s in rules.stages] == ["after", "spike"]
    after = rules.stages[0].rules
    assert [r.metric.value for r in after.defaults] == ["p95", "fail-ratio"]
    assert after.defaults[0].where == "t.yml:4 (at stages.after.defaults.p95)"
    assert rules.stages[0].where == "t.yml:3 (at stages.after)"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("stages:\n  after:\n    defaults: {p95: fast}\n",
         "t.yml:4 (at stages.after.defaults.p95)"),
        ("stages:\n  after:\n    default: {p95: 1s}\n", "did you mean 'defaults'"),
        ("stages:\n  after:\n    aggregate: {exceptions: 0}\n", "whole run"),
        ("stages:\n  after: {}\n", "must hold rules"),
        ("stages: [after]\n", "stages must be a mapping"),
    ],
)
def test_bad_stage_rules_are_refused_with_the_place(text: str, words: str) -> None:
    with pytest.raises(UserError) as excinfo:
        parse("version: 1\n" + text, "t.yml")
    assert words in excinfo.value.render() and excinfo.value.exit_code == 2


def test_stage_checks_are_judged_on_the_stages_figures_and_named_by_it() -> None:
    verdict = evaluate(_staged_results(), parse(STAGE_RULES, "t.yml"))
    staged = [c for c in verdict.checks if c.scope is Scope.STAGE]
    names = {(c.endpoint, c.metric, c.outcome) for c in staged}
    assert names == {
        ("stage after: GET /work", "p95", Outcome.BREACHED),
        ("stage after: GET /work", "fail-ratio", Outcome.BREACHED),
        ("stage spike: Aggregated", "fail-ratio", Outcome.BREACHED),
    }
    assert verdict.status is Status.FAIL
    # The same rules at the top level would pass the whole run's (fast) figures.
    whole = parse("version: 1\ndefaults: {p95: 800ms, fail-ratio: 1%}\n", "t.yml")
    assert evaluate(_staged_results(), whole).status is Status.PASS


def test_a_rule_for_a_stage_the_run_lacked_names_the_runs_stages() -> None:
    rules = parse("version: 1\nstages:\n  recovery:\n    aggregate: {p95: 1s}\n", "t.yml")
    with pytest.raises(UserError) as excinfo:
        require(_staged_results(), rules)
    text = excinfo.value.render()
    assert "stage 'recovery'" in text and "the run's stages were spike, after" in text
    assert "t.yml:3 (at stages.recovery)" in text and excinfo.value.exit_code == 2
    with pytest.raises(UserError, match="the run had no stages"):
        require(results(endpoint("/work", [10.0])), rules)
    # Judged anyway (no edge check), it can never pass.
    verdict = evaluate(_staged_results(), rules)
    assert verdict.status is Status.FAIL
    assert any(c.outcome is Outcome.MISSING and c.metric == "stage" for c in verdict.checks)


# --- after the fact, results.json, the report ---------------------------------------------

def _with_series() -> Results:
    """10 one-second slices: the first 3 slow (500 ms), the rest fast (10 ms)."""
    samples = tuple(
        SecondSample(t=t, users=2, requests=10, failures=0,
                     histogram={histogram.bucket(500.0 if t < 3 else 10.0): 10})
        for t in range(10)
    )
    whole = endpoint("/work", [500.0] * 30 + [10.0] * 70)
    return replace(results(whole), series=samples)


def test_check_warmup_cuts_the_aggregate_at_the_series_resolution() -> None:
    cut = trim(_with_series(), warmup=2.5, cooldown=1, file="r.json")
    assert cut.cut == Cut(warmup=3.0, cooldown=1.0, resolution=1.0)
    assert cut.total.num_requests == 60 and cut.total.histogram == {10: 60}
    assert cut.total.percentile(0.95) == 10 and _with_series().total.percentile(0.95) == 500
    assert any("aggregate only" in w and "resolution of 1s" in w for w in cut.warnings)
    assert cut.endpoints == _with_series().endpoints  # said in the warning


@pytest.mark.parametrize("source", [Source.CSV, Source.JSON_FILE])
def test_check_warmup_is_refused_on_locusts_own_files(source: Source) -> None:
    with pytest.raises(UserError) as excinfo:
        trim(replace(_with_series(), source=source), warmup=2, cooldown=0, file="out/run")
    text = excinfo.value.render()
    assert "need the gate plugin's results.json" in text and "--gate-warmup" in text
    with pytest.raises(UserError, match="cutting again"):
        trim(replace(_with_series(), cut=Cut(warmup=2)), warmup=2, cooldown=0, file="r")


def test_results_json_keeps_stages_and_cut(tmp_path: Path) -> None:
    staged = replace(_staged_results(), cut=Cut(warmup=2.0, cooldown=1.0))
    resultsfile.write(tmp_path / "r.json", staged)
    again = resultsfile.read(tmp_path / "r.json")
    assert again.stages == staged.stages and again.cut == staged.cut


def test_report_has_a_table_per_stage_and_the_chart_marks_them() -> None:
    staged = replace(_staged_results(), series=_with_series().series, cut=Cut(warmup=2.0))
    staged = replace(staged, stages=(replace(staged.stages[0], name='sp"ike|x'),
                                     replace(staged.stages[1], start=5.0)))
    verdict = evaluate(staged, parse("version: 1\ndefaults: {p95: 1s}\n", "t.yml"))
    text = render_markdown(ReportContext(verdict=verdict, results=staged,
                                         results_path="r.json", thresholds_path="t.yml"))
    assert "### Stages" in text and "| after | 2 | 5s to 20s | 100 | 900 ms | 900 ms |" in text
    assert "sp\"ike\\|x" in text  # escaped for Markdown
    assert "Left out of the figures: the first 2s (warm-up), exactly" in text
    drawn = chart(staged)
    assert drawn is not None
    assert '"0 ▸sp?ike?x"' in drawn["x"] and '"2 ▸measured"' in drawn["x"]
    assert '"5 ▸after"' in drawn["x"]


def test_a_stage_that_contradicts_itself_is_refused(tmp_path: Path) -> None:
    staged = _staged_results()
    bad = replace(staged.stages[0].total, num_failures=500)
    path = tmp_path / "r.json"
    resultsfile.write(path, replace(staged, stages=(replace(staged.stages[0], total=bad),)))
    with pytest.raises(UserError) as excinfo:
        loader.load_results(path)
    text = excinfo.value.render()
    assert "stages[0].total" in text and "500 failures" in text and excinfo.value.exit_code == 2


def test_a_staged_master_also_waits_for_its_workers(tmp_path: Path) -> None:
    """The workers' wait bounds every plan, the gate's stages too (it once did not)."""
    config = _config(tmp_path, STAGED_CONFIG + "workers: 2\nworkers-wait: 30s\n")
    plan = plan_load(config)
    assert plan.deadline == 62 + 120 + 30
    assert "2 stages (before, spike)" in plan.summary and "for 2 workers" in plan.summary
