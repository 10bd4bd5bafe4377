"""The backend's resources as pure parts: the leak rule's slope and window, the judged
checks (no samples is never a pass), units, results.json's `backend` section, the report."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from gate.core.evaluate import evaluate
from gate.core.model import BackendUsage, ResourceSample, SecondSample
from gate.core.resources import steady, theil_sen
from gate.core.rules import Level, Unit
from gate.core.units import UnitError, format_value, parse_cpu, parse_size, parse_size_rate
from gate.core.verdict import Outcome, Scope, Status
from gate.errors import UserError
from gate.harness.config import load_config
from gate.harness.resources import merged
from gate.reports import markdown
from gate.reports.context import ReportContext
from gate.results import resultsfile
from gate.results.series import Slices
from gate.thresholds.parser import parse
from tests.factory import endpoint, results
from tests.unit.test_report import _golden

MB = 1_000_000
RULES = """version: 1
resources:
  rss: {warn: 100MB, fail: 512MB}
  cpu: 150%
  rss-growth: 5MB/min
  connections: 20
  min-samples: 5
"""


def _samples(rss: list[float], *, cpu: float = 0.5, connections: int = 3) -> tuple[
        ResourceSample, ...]:
    return tuple(ResourceSample(t=float(i), seconds=1.0, rss=int(v), cpu=cpu, threads=4,
                                connections=connections, processes=2)
                 for i, v in enumerate(rss))


def _series(seconds: int, *, ramp: int = 1, users: int = 10) -> list[SecondSample]:
    return [SecondSample(t=i, users=users if i >= ramp else users // 2, requests=20, failures=0)
            for i in range(seconds)]


def _judge(rss: list[float], rules: str = RULES, **kw: object) -> dict[str, object]:
    run = replace(results(endpoint("/a", [10.0] * 50), series=_series(len(rss))),
                  backend=BackendUsage(samples=_samples(rss, **kw)))  # type: ignore[arg-type]
    verdict = evaluate(run, parse(rules, "t.yml"))
    return {c.metric: c for c in verdict.checks if c.scope is Scope.RESOURCE}


def test_theil_sen_ignores_one_step_and_outliers() -> None:
    line = [(float(x), 2.0 * x + 1) for x in range(20)]
    assert theil_sen(line) == pytest.approx(2.0)
    spiked = [*line[:10], (10.0, 500.0), *line[11:]]
    assert theil_sen(spiked) == pytest.approx(2.0)
    assert theil_sen([(1.0, 5.0)]) is None


def test_the_steady_part_starts_after_the_first_third_and_the_ramp() -> None:
    samples = _samples([MB] * 30)
    assert steady(samples, _series(30, ramp=1))[0].t == 10.0  # the first third: 30 s / 3
    # users first at their peak in the second from 20 s: the steady part starts after it
    assert steady(samples, _series(30, ramp=20))[0].t == 21.0


def test_a_leak_is_caught_and_a_warm_up_is_not() -> None:
    leak = _judge([100 * MB + i * 2 * MB for i in range(30)])  # 120 MB/min
    assert leak["rss-growth"].outcome is Outcome.BREACHED
    assert leak["rss-growth"].measured == pytest.approx(120 * MB)
    assert "Theil-Sen slope of 20 samples after warm-up, from 10 s on" in leak[
        "rss-growth"].message
    warm_up = _judge([20 * MB] * 2 + [70 * MB] * 28)  # 50 MB at first, then flat
    assert warm_up["rss-growth"].outcome is Outcome.PASS
    assert warm_up["rss"].outcome is Outcome.PASS and warm_up["rss"].measured == 70 * MB


def test_peak_memory_mean_cpu_and_peak_connections() -> None:
    checks = _judge([200 * MB] * 10, cpu=2.0, connections=25)
    assert checks["rss"].outcome is Outcome.BREACHED and checks["rss"].level is Level.WARN
    assert checks["cpu"].measured == pytest.approx(2.0)
    assert checks["cpu"].outcome is Outcome.BREACHED and checks["cpu"].level is Level.FAIL
    assert checks["connections"].measured == 25
    assert checks["connections"].outcome is Outcome.BREACHED


def test_too_short_for_the_leak_rule_is_inconclusive() -> None:
    check = _judge([MB * (1 + i) for i in range(6)])["rss-growth"]  # 4 after the first third
    assert check.outcome is Outcome.INCONCLUSIVE and check.level is Level.WARN
    assert check.measured is None
    assert "needs 5" in check.message and "run longer" in check.message


def test_results_without_samples_are_no_data_never_a_pass() -> None:
    run = results(endpoint("/a", [10.0] * 50))
    verdict = evaluate(run, parse(RULES.replace("on-inconclusive", "x"), "t.yml"))
    mine = [c for c in verdict.checks if c.scope is Scope.RESOURCE]
    assert [c.outcome for c in mine] == [Outcome.NO_DATA] * 4
    assert all("no samples of the backend's processes" in c.message for c in mine)
    assert verdict.status is Status.WARN
    strict = evaluate(run, parse("version: 1\non-inconclusive: fail\nresources:\n  rss: 1GB\n",
                                 "t.yml"))
    assert strict.status is Status.FAIL


@pytest.mark.parametrize(("text", "value"), [
    ("512MB", 512 * MB), ("1.5GB", 1.5e9), ("512MiB", 512 * 2**20), ("300 kB", 300e3),
])
def test_sizes(text: str, value: float) -> None:
    assert parse_size(text) == value


def test_growth_rates_and_cpu_shares() -> None:
    assert parse_size_rate("5MB/min") == 5 * MB
    assert parse_size_rate("60MB/h") == pytest.approx(MB)
    assert parse_size_rate("1MB/s") == 60 * MB
    assert parse_cpu("150%") == 1.5
    for bad, parse_it in (("512", parse_size), ("5MB", parse_size_rate), ("1.5", parse_cpu),
                          ("-5%", parse_cpu), ("5 megs", parse_size)):
        with pytest.raises(UnitError):
            parse_it(bad)
    assert format_value(-3 * MB, Unit.BYTES_PER_MIN) == "-3.0 MB/min"
    assert format_value(1.5, Unit.CORES) == "150.0 %"


@pytest.mark.parametrize(("section", "says"), [
    ("resources:\n  rss: 512", "t.yml:3 (at resources.rss)"),
    ("resources:\n  min-samples: 5", "resources has no limit"),
    ("resources:\n  rss: 1GB\n  min-samples: 1", "min-samples: 1 is less than 3"),
    ("defaults:\n  rss: 1GB", "move it to the resources section"),
    ("resources:\n  leak: 5MB/min", "unknown key 'leak' in resources"),
])
def test_bad_resource_rules_name_the_place_and_the_fix(section: str, says: str) -> None:
    with pytest.raises(UserError) as caught:
        parse(f"version: 1\n{section}\n", "t.yml")
    assert says in f"{caught.value.what} {caught.value.where} {caught.value.fix}"


def test_slices_bound_resource_samples_keeping_peaks_and_mean_cpu() -> None:
    slices: Slices[ResourceSample] = Slices(exact_seconds=2, max_merged=3, merge=merged)
    for sample in _samples([float(i) for i in range(12)], cpu=1.0):
        slices.add(replace(sample, cpu=float(sample.t)))
    kept = slices.samples
    assert len(kept) <= 2 + 3
    assert sum(s.seconds for s in kept) == 12
    assert max(s.rss for s in kept) == 11
    assert sum(s.cpu * s.seconds for s in kept) == pytest.approx(sum(range(12)))


def test_the_backend_section_round_trips_and_is_checked() -> None:
    usage = BackendUsage(samples=_samples([MB, 2 * MB]), warnings=("a <b>warning</b>",))
    run = replace(results(endpoint("/a", [10.0] * 5)), backend=usage)
    data = resultsfile.to_dict(run)
    assert resultsfile.from_dict(json.loads(json.dumps(data))).backend == usage
    data["backend"]["samples"][1]["t"] = -1
    with pytest.raises(UserError, match="goes back in time"):
        resultsfile.from_dict(data)
    data["backend"]["samples"][1].update(t=2, rss=-5)
    with pytest.raises(UserError, match=r"backend.samples\[1\].rss"):
        resultsfile.from_dict(data)


def _resources_context() -> ReportContext:
    rss = [20 * MB] * 3 + [20 * MB + i * 3 * MB for i in range(12)]
    usage = BackendUsage(samples=_samples(rss, cpu=0.75, connections=7),
                         warnings=("resources-pidfile x|y never held a @octocat pid",))
    run = replace(results(endpoint("/a", [10.0] * 50), series=_series(15, ramp=3)),
                  backend=usage)
    verdict = evaluate(run, parse(RULES, "thresholds/t.yml"))
    return ReportContext(verdict=verdict, results=run, results_path="out/results.json",
                         thresholds_path="thresholds/t.yml")


def test_report_shows_peaks_means_and_the_chart_with_a_legend() -> None:
    text = markdown.render_markdown(_resources_context())
    _golden("report-resources.md", text)
    assert "| memory (RSS) | 53.0 MB | 33.2 MB |" in text
    assert "| TCP connections | 7 | 7.0 |" in text
    assert "🟦 memory (100 % = 53.0 MB)" in text and "🟩 users (100 % = 10)" in text
    assert "@octocat" not in text and "x\\|y" in text
    assert "rss-growth" in text.split("### Needs attention")[1].split("###")[0]


def test_the_readme_resources_example_is_the_parsed_shape() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```yaml\n(resources:\n.*?)```", readme, re.DOTALL)
    assert block is not None
    section = parse(f"version: 1\n{block.group(1)}", "README.md").resources
    assert section is not None and section.min_samples == 30
    assert [r.metric.value for r in section.rules] == ["rss", "cpu", "rss-growth", "connections"]


def test_the_pid_file_setting_expands_placeholders_and_refuses_a_directory(
        tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("")
    config = tmp_path / "locust-gate.yml"
    config.write_text('locustfile: app.py\nresources-pidfile: "{output}/worker.pid"\n')
    assert load_config(config, {}, cwd=tmp_path).resources_pidfile == (
        tmp_path / "locust-gate-out" / "worker.pid")
    config.write_text("locustfile: app.py\nresources-pidfile: .\n")
    with pytest.raises(UserError) as caught:
        load_config(config, {}, cwd=tmp_path)
    assert "is a directory" in caught.value.what and "locust-gate.yml:2" in str(caught.value.where)
