"""Reports and the console under hostile or huge input: bounded, inert, exit 2 not 3."""

from __future__ import annotations

import contextlib
import io
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from gate.cli import main
from gate.core.evaluate import evaluate
from gate.harness import health
from gate.reports import console, markdown
from gate.reports.context import ReportContext
from gate.results import resultsfile
from gate.thresholds.parser import parse
from tests import factory

RULES = parse("version: 1\ndefaults:\n  p95: 5ms\n  fail-ratio: 1%\n", "t.yml")


def _context(count: int, name_length: int) -> ReportContext:
    entries = [
        factory.endpoint(f"/{i:05d}/" + "|_*`" * (name_length // 4), [10.0, 20.0], failures=1)
        for i in range(count)
    ]
    results = factory.results(*entries)
    return ReportContext(
        verdict=evaluate(results, RULES), results=results, results_path="r.json",
        thresholds_path="t.yml",
    )


def test_report_md_is_capped_by_characters_after_escaping() -> None:
    ctx = _context(3000, 200)  # 6,000 failing checks; names 2x longer once escaped
    text = markdown.render_markdown(ctx)
    assert len(text) <= markdown.MAX_MARKDOWN_CHARS
    assert "## ❌ Load test gate: **FAIL**" in text.splitlines()[1]  # the headline
    assert "| ❌ |" in text  # failing rows are kept
    assert "more: see `verdict.json`" in text


def test_console_summarises_beyond_a_screenful() -> None:
    ctx = _context(3000, 20)
    text = console.render_console(ctx, report_dir=Path("out"))
    lines = text.splitlines()
    assert len(lines) < console.MAX_CONSOLE_ROWS + 40
    assert "5,960 more checks (5,960 of them not passed): all are in out/report.md" in text


def _write_results(tmp_path: Path, name: str) -> Path:
    results = factory.results(factory.endpoint(name, [10.0, 20.0], failures=1))
    path = tmp_path / "results.json"
    path.write_text(json.dumps(resultsfile.to_dict(results)))  # ensure_ascii: "\ud800"
    return path


def _check(tmp_path: Path, results: Path, report_dir: Path) -> tuple[int, str]:
    thresholds = tmp_path / "t.yml"
    thresholds.write_text("version: 1\ndefaults:\n  p95: 1s\n")
    err = io.StringIO()
    out = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        code = main(["check", str(results), "--thresholds", str(thresholds),
                     "--report-dir", str(report_dir)])
    return code, out.getvalue() + err.getvalue()


def test_lone_surrogate_in_a_name_still_writes_every_report(tmp_path: Path) -> None:
    results = _write_results(tmp_path, "/a\ud800::error::x")
    code, text = _check(tmp_path, results, tmp_path / "out")
    assert code == 0, text
    for name in ("verdict.json", "report.md", "junit.xml"):
        assert "\N{REPLACEMENT CHARACTER}" in (tmp_path / "out" / name).read_text("utf-8")


@pytest.mark.parametrize("where", ["under-a-file", "/proc/sys/locust-gate-test"])
def test_a_report_dir_that_cannot_be_created_exits_2(tmp_path: Path, where: str) -> None:
    (tmp_path / "file").write_text("")
    report_dir = tmp_path / "file" / "sub" if where == "under-a-file" else Path(where)
    code, text = _check(tmp_path, _write_results(tmp_path, "/a"), report_dir)
    assert code == 2, text
    assert f"cannot create the report directory {report_dir}" in text and "fix:" in text
    assert "Traceback" not in text


@contextlib.contextmanager
def _redirect_loop() -> Iterator[str]:
    class Loop(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(302)
            self.send_header("Location", "/health")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Loop)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/health"
    finally:
        server.shutdown()
        server.server_close()


def test_a_redirect_loop_is_reported_as_one() -> None:
    with _redirect_loop() as url:
        healthy, detail = health.probe(url)
    assert not healthy
    assert detail.startswith("HTTP 302: a redirect loop")


@pytest.mark.parametrize("output_dir", ["file/sub", "/proc/sys/locust-gate-test"])
def test_an_output_dir_that_cannot_be_created_exits_2(tmp_path: Path, output_dir: str) -> None:
    (tmp_path / "file").write_text("")
    (tmp_path / "api.py").write_text("# a locustfile\n")
    (tmp_path / "t.yml").write_text("version: 1\n")
    config = tmp_path / "locust-gate.yml"
    config.write_text(f"locustfile: api.py\nthresholds: t.yml\noutput-dir: {output_dir}\n")
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(["run", "--config", str(config)])
    assert code == 2, err.getvalue()
    assert "error: cannot create the directory" in err.getvalue()
    assert "fix: point output-dir at a directory you can write to" in err.getvalue()
