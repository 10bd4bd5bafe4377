"""Generated hostile strings through every sink: console (the one sanitizer every stdout and
stderr line passes), Markdown, JUnit XML and workflow-command data keep their invariants."""

from __future__ import annotations

import html as htmllib
import io
import re
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gate.core.evaluate import evaluate
from gate.reports import escape, junit
from gate.reports.context import ReportContext
from gate.reports.safestream import SafeStream, write_command
from gate.thresholds.parser import parse
from tests import factory
from tests.support import mdcheck

_RULES = parse("version: 1\ndefaults:\n  p95: 10ms\n  fail-ratio: 1%\n", "t.yml")

# Fragments that mean something to a sink, mixed with arbitrary text (surrogates included).
_FRAGMENTS = st.sampled_from(
    [
        "::", "::error::", "::stop-commands::", "##[", "##[error]", "\n", "\r", "\r\n", " ",
        "\t", "\u00a0", "\u200b", "\ufeff", "\u3000", "\x1b[2J", "\x00", "\ud800", "\udfff",
        "\u202e", "\u2066", "|", "`", "<script>", "[a](b)", "www.example.org", "http://x",
        "@octocat", "&amp;", "%0A", "*", "_", "#", "\\", "]]>",
    ]
)
HOSTILE = st.lists(st.one_of(_FRAGMENTS, st.text(max_size=5)), max_size=12).map("".join)
_LINE_END = re.compile(r"\r\n|\r|\n")
# Markdown's escapes: a backslash before ASCII punctuation, and the entities we write.
_MD_ESCAPE = re.compile(r"\\[!-/:-@\[-`{-~]|&(?:lt|amp);")
# What would begin a block where a value starts a line (a quoted warning, a log line).
_BLOCK_START = re.compile(r"#{1,6}(?:\s|$)|>|[-+*](?:\s|$)|\d{1,9}[.)](?:\s|$)|---|\[!")
_DOTNET_SPACE = " \t\n\v\f\r\u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006" \
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\u200b\ufeff\u180e\u2060"


def _runner_commands(text: str) -> list[str]:
    return [
        line for line in _LINE_END.split(text)
        if line.lstrip(_DOTNET_SPACE).startswith("::") or "##[" in line
    ]


@settings(max_examples=400, deadline=None, database=None)
@given(st.lists(HOSTILE, max_size=6))
def test_console_stream_never_emits_a_command(writes: list[str]) -> None:
    inner = io.StringIO()
    stream = SafeStream(inner)
    for text in writes:
        stream.write(text)
    stream.close_line()
    out = inner.getvalue()
    assert _runner_commands(out) == []
    out.encode("utf-8")  # no lone surrogate reaches the terminal
    assert "\x1b" not in out and "\u202e" not in out


@settings(max_examples=300, deadline=None, database=None)
@given(HOSTILE)
def test_console_cell_is_one_inert_line(text: str) -> None:
    cell = escape.console(text)
    assert _LINE_END.search(cell) is None and _runner_commands(cell) == []
    cell.encode("utf-8")


@settings(max_examples=300, deadline=None, database=None)
@given(HOSTILE)
def test_markdown_cell_has_no_syntax(text: str) -> None:
    cell = escape.markdown(text, limit=None)
    bare = _MD_ESCAPE.sub("\0", cell)  # each escaped character as a NUL (none is left)
    for char in "|`<*~$\n\r":
        assert char not in bare, cell
    # no entity, link, image, reference, definition, or backslash escaping our own text
    assert not re.search(r"&#?[0-9a-z]+;|\]\(|\]\[|\]:|!\[|\\$", bare, re.IGNORECASE), cell
    assert not re.search(r"(?<![^\W_])_|_(?![^\W_])", bare), cell  # `_` only inside a word
    assert not _BLOCK_START.match(cell), cell
    assert "www." not in cell.lower() and "@octocat" not in cell and "://" not in cell
    assert not re.search("[\u202a-\u202e\u2066-\u2069\ud800-\udfff]", cell)
    assert cell == cell.strip(" ")  # edge spaces are made visible, never trimmed away
    cell.encode("utf-8")


@settings(max_examples=300, deadline=None, database=None)
@given(HOSTILE)
def test_markdown_renders_as_the_text_itself(text: str) -> None:
    """A real CommonMark parser shows exactly the text (newlines as ⏎, edge spaces as ␠,
    zero-width spaces aside), with no markup, as a paragraph and as a table cell."""
    cell = escape.markdown(text, limit=None)
    shown = escape.one_line(text).replace("\u200b", "").strip()
    html = mdcheck.to_html(cell)
    if shown:
        assert html.startswith("<p>") and html.endswith("</p>\n"), (cell, html)
        assert "<" not in html[3:-5], (cell, html)
        assert _text(html[3:-5]) == shown, (cell, html)
    table = mdcheck.to_html(f"| a | b |\n|---|---|\n| x | {cell} |\n")
    cells = re.findall(r"<td>(.*?)</td>", table, re.DOTALL)
    assert len(cells) == 2 and "<" not in cells[1], (cell, table)
    assert _text(cells[1]) == shown, (cell, table)


def _text(rendered: str) -> str:
    return htmllib.unescape(rendered).replace("\u200b", "").strip()


@settings(max_examples=200, deadline=None, database=None)
@given(HOSTILE)
def test_junit_parses_back_with_every_check_and_the_name(text: str) -> None:
    results = factory.results(factory.endpoint(text or "x", [10.0, 20.0], failures=1))
    verdict = evaluate(results, _RULES)
    ctx = ReportContext(verdict=verdict, results=results, results_path="r", thresholds_path="t")
    root = ET.fromstring(junit.render_junit(ctx).encode("utf-8"))
    (suite,) = root.findall("testsuite")
    cases = suite.findall("testcase")
    # One case per check, in order, named by its endpoint (escaped, nothing lost) and metric;
    # the defaults hold the endpoint: p95 20 ms > 10 ms and 1 failure of 2 > 1 % both fail.
    assert [(c.get("classname"), c.get("name")) for c in cases] == [
        (escape.xml(check.endpoint or "run"), check.metric) for check in verdict.checks]
    failures = [c.find("failure") for c in cases]
    assert [f.get("type") if f is not None else None for f in failures] == [
        "breached"] * len(verdict.checks) == ["breached"] * 2
    assert suite.get("tests") == suite.get("failures") == "2"


@settings(max_examples=200, deadline=None, database=None)
@given(HOSTILE)
def test_workflow_command_data_is_one_line(text: str) -> None:
    data = escape.workflow_command(text)
    inner = io.StringIO()
    write_command(f"::error::{data}", SafeStream(inner))
    lines = _LINE_END.split(inner.getvalue().rstrip("\n"))
    assert len(lines) == 1 and lines[0].startswith("::error::")


@pytest.mark.parametrize("text", ["#\xa0title", "1.\u2003item", "-\u2009item", "+\xa0x"])
def test_a_block_marker_before_any_unicode_space_is_escaped(text: str) -> None:
    # hypothesis found `#\xa0` once in ~1 of 20 runs; kept here as a fixed case
    assert not _BLOCK_START.match(escape.markdown(text, limit=None))
