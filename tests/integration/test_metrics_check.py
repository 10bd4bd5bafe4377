"""`check` on saved results judges the readings in metrics.json beside them, without
reading any URL, and hostile text from a metrics endpoint (the value, the labels it
shows) and in the metric's name stays inert in every sink."""

from __future__ import annotations

import contextlib
import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from gate.cli import main
from gate.core.model import MetricReading
from gate.harness import metrics
from gate.results import metricsfile, resultsfile
from gate.thresholds.parser import parse
from tests import factory
from tests.support import mdcheck
from tests.support.metrics_server import Answer, serve_metrics

HOSTILE = "::error::x ##[error]y <script>alert(1)</script> @octocat [a](http://evil.example) |`"
NAME = "hit rate @octocat <b>x</b> ##[warning]w | [x](http://evil.example)"
THRESHOLDS = f"""version: 1
defaults: {{fail-ratio: 1%}}
metrics:
  - name: "{NAME}"
    url: "{{host}}/stats"
    json: cache.hit_rate
    min: 0.8
"""


def _check(tmp_path: Path, out: Path) -> tuple[int, str]:
    thresholds = tmp_path / "t.yml"
    thresholds.write_text(THRESHOLDS)
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = main(["check", str(tmp_path / "run"), "--thresholds", str(thresholds),
                     "--report-dir", str(out)])
    return code, stdout.getvalue() + stderr.getvalue()


def _save_run(tmp_path: Path, readings: list[MetricReading]) -> None:
    run = tmp_path / "run"
    run.mkdir()
    results = factory.results(factory.endpoint("/a", [5.0] * 30))
    (run / "results.json").write_text(json.dumps(resultsfile.to_dict(results)))
    metricsfile.write(run / "metrics.json", readings)


def _hostile_reading() -> MetricReading:
    """What `run` stores when the endpoint answers a hostile text instead of a number: read
    for real from a local server."""
    body = json.dumps({"cache": {"hit_rate": HOSTILE}})
    with serve_metrics({"/stats": Answer(body=body)}) as server:
        (target,) = metrics.targets(parse(THRESHOLDS, "t.yml").metrics, server.url)
        (reading,) = metrics.read_after([target])
    return reading


def test_check_judges_saved_readings_without_reading_the_url(tmp_path: Path) -> None:
    reading = MetricReading(name=NAME, what="json cache.hit_rate",
                            url="http://127.0.0.1:9/stats", during=False, samples=1,
                            peak=0.62, lowest=0.62)
    _save_run(tmp_path, [reading])  # port 9: nothing listens, so a read would fail
    code, text = _check(tmp_path, tmp_path / "out")
    assert code == 1, text
    verdict = json.loads((tmp_path / "out" / "verdict.json").read_text())
    (check,) = [c for c in verdict["checks"] if c["scope"] == "external"]
    assert (check["outcome"], check["measured"], check["limit"]) == ("breached", 0.62, 0.8)
    assert check["message"] == "value 0.62 < limit 0.8 (fail)"


def test_check_without_metrics_json_is_never_a_pass(tmp_path: Path) -> None:
    _save_run(tmp_path, [])
    (tmp_path / "run" / "metrics.json").unlink()
    code, text = _check(tmp_path, tmp_path / "out")
    verdict = json.loads((tmp_path / "out" / "verdict.json").read_text())
    (check,) = [c for c in verdict["checks"] if c["scope"] == "external"]
    assert (check["outcome"], check["level"]) == ("no-data", "warn")
    assert "not read: `locust-gate run` reads the metrics" in check["message"]
    assert verdict["verdict"] == "warn" and code == 0, text


def test_hostile_endpoint_text_and_name_are_inert_in_every_sink(tmp_path: Path) -> None:
    reading = _hostile_reading()
    assert reading.samples == 0 and "not a number: cache.hit_rate is" in reading.error
    _save_run(tmp_path, [reading])
    out = tmp_path / "out"
    code, console = _check(tmp_path, out)
    assert code == 1, console
    for line in console.splitlines():  # GitHub runs `::cmd::` at a line's start, ##[ anywhere
        assert not line.lstrip().startswith("::") and "##[" not in line, line
    assert "hit rate" in console and "no number could be read" in console
    for name in ("report.md", "comment.md"):
        html = mdcheck.to_html((out / name).read_text())
        assert "<script" not in html and "<b>" not in html and 'href="http://evil' not in html
        assert not re.search(r"@octocat(?!\u200b)", html.replace("@\u200boctocat", ""))
        assert "hit rate" in html
    cases = ET.fromstring((out / "junit.xml").read_bytes()).iter("testcase")
    failed = [c for c in cases if c.find("failure") is not None]
    assert [(c.get("classname"), c.get("name")) for c in failed] == [(NAME, "value")]
    verdict = json.loads((out / "verdict.json").read_text())
    (check,) = [c for c in verdict["checks"] if c["scope"] == "external"]
    assert (check["outcome"], check["level"], check["endpoint"]) == ("no-data", "fail", NAME)


def test_hostile_text_in_annotations_and_the_job_summary(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _save_run(tmp_path, [_hostile_reading()])
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.setenv("GITHUB_OUTPUT", str(tmp_path / "outputs"))
    code, console = _check(tmp_path, tmp_path / "out")
    assert code == 1, console
    commands = [line for line in console.splitlines() if line.startswith("::")]
    assert any(line.startswith("::error ") and "no number could be read" in line
               for line in commands), console
    for line in commands:  # only our annotations: one command each, the data escaped
        assert re.fullmatch(r"::(error|warning|notice|group|endgroup)( [^:]*)?::[^\n]*", line)
    assert "##[" not in console
    html = mdcheck.to_html(summary.read_text())
    assert "<script" not in html and 'href="http://evil' not in html
