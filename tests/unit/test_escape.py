"""Text we do not control never becomes syntax in Markdown, logs or XML."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html import escape as html_escape

from gate.reports import escape
from tests.support import mdcheck

EVIL = "/x|y`z`<script>alert(1)</script>\n::error::pwned @octocat [a](javascript:x) **b**"


def test_markdown_escape_leaves_no_syntax() -> None:
    out = escape.markdown(EVIL)
    bare = re.sub(r"\\[!-/:-@\[-`{-~]|&lt;", "\0", out)  # each escaped character as a NUL
    for char in "|`<*\n\r":
        assert char not in bare
    assert "](" not in bare  # no link
    assert "@octocat" not in out  # no mention
    assert "javascript:" not in out  # no autolink scheme
    assert "\N{RETURN SYMBOL}" in out  # the newline stays visible


def test_markdown_escape_bounds_length() -> None:
    assert len(escape.markdown("a" * 1000, limit=50)) == 50


def test_console_escape_keeps_one_line() -> None:
    out = escape.console(EVIL)
    assert "\n" not in out and out.count("::error::") == 1
    assert not out.startswith("::")
    assert escape.console("a\x1b[31mb") == "a\\x1b[31mb"


def test_xml_escape_replaces_invalid_characters() -> None:
    value = escape.xml("a\x00b\x07c\ufffed")
    assert value == "a\ufffdb\ufffdc\ufffdd"  # each one shown, none dropped silently
    element = ET.Element("t", name=value)
    assert ET.fromstring(ET.tostring(element)).get("name") == value  # and it parses back


def test_workflow_command_escape() -> None:
    assert escape.workflow_command("50%\r\n::x") == "50%25%0D%0A::x"


def test_markdown_neutralises_www_autolinks_bidi_and_keeps_edge_spaces_visible() -> None:
    assert "www." not in escape.markdown("GET /go/www.example.org/x").lower()
    assert "WWW\u200b.Example" in escape.markdown("WWW.Example")
    out = escape.markdown("a\u202eb\u2066c")
    assert "\u202e" not in out and "U+202E" in out and "U+2066" in out
    assert escape.markdown("/a ") != escape.markdown("/a")
    assert escape.markdown("  /a ").count("\N{SYMBOL FOR SPACE}") == 3


def test_console_line_neutralises_both_command_syntaxes() -> None:
    assert escape.console_line("::error::x") == "\\::error::x"
    assert escape.console_line(" \t\u00a0::warning::x") == " \t\u00a0\\::warning::x"
    assert escape.console_line("\u200b::stop-commands::t").endswith("\\::stop-commands::t")
    assert escape.console_line("a ##[error]b ##[add-mask]c") == "a ##\\[error]b ##\\[add-mask]c"
    assert escape.console_line("ok: 12 ms") == "ok: 12 ms"  # ordinary lines are untouched
    assert escape.console_line("x\ud800") == "x\\ud800"


def test_safe_stream_catches_a_command_split_over_writes_and_cr_lines() -> None:
    import io

    from gate.reports.safestream import SafeStream

    inner = io.StringIO()
    stream = SafeStream(inner)
    for part in ("  :", ":error::split\n", "ok\r::warning::cr\r\n", "tail #", "#[x]"):
        stream.write(part)
    assert inner.getvalue() == "  \\::error::split\nok\r\\::warning::cr\r\n"
    stream.close_line()
    assert inner.getvalue().endswith("tail ##\\[x]\n")


def test_markdown_leaves_everyday_text_as_it_is() -> None:
    for text in ("GET /api/items/[id]", "GET /api/leads?page=1&per_page=100", "(fail)",
                 "per_page", "POST /api/leads/{lead_id}/notes", "p95 30 ms > limit 20 ms",
                 "endpoints[2] '/api/itemz' (thresholds/t.yml:12)", "crashy.py:24"):
        assert escape.markdown(text) == text


def test_markdown_defuses_what_github_links_in_rendered_text() -> None:
    # GitHub finds mentions, references, emoji and autolinks in the text *after* Markdown
    # (a backslash or an entity does not stop them): a zero-width space breaks each pattern.
    out = escape.markdown("@octocat @org/team a@b.example #12 GH-7 :tada: https://x.example"
                          " www.x.example javascript:alert(1)")
    assert re.search(r"@\w|#\d|GH-\d|:tada:|://|www\.|javascript:", out) is None
    assert out.replace("\u200b", "") == ("@octocat @org/team a@b.example #12 GH-7 :tada: "
                                         "https://x.example www.x.example javascript:alert(1)")
    html = mdcheck.to_html(escape.markdown("[x](https://e.example) ![i](https://e.example/i)"))
    assert "<a" not in html and "<img" not in html


def test_markdown_that_starts_a_line_starts_no_block() -> None:
    for text in ("# heading", "> quote", "- item", "+ item", "1. item", "2) item", "---", "-",
                 "* item", "[!NOTE] alert", "\tcode", "<!-- hidden -->", "```fence"):
        html = mdcheck.to_html(f"> {escape.markdown(text)}\n")  # as a quoted warning shows it
        assert html.replace("\u2409", "\t") == (
            f"<blockquote>\n<p>{html_escape(text, quote=False)}</p>\n</blockquote>\n"), html


def test_a_bar_in_a_name_stays_in_its_table_cell() -> None:
    cell = escape.markdown("GET /a|b\\|c\\")
    html = mdcheck.to_html(f"| a | b |\n|---|---|\n| {cell} | x |\n")
    assert "<td>GET /a|b\\|c\\</td>\n<td>x</td>" in html


def test_code_span_fence_is_longer_than_any_backtick_run() -> None:
    assert escape.code("0123abc") == "`0123abc`"
    assert escape.code("a``b") == "```a``b```"
    assert escape.code("`x") == "`` `x ``"
    assert mdcheck.to_html(escape.code("a``b|<i>")) == "<p><code>a``b|&lt;i&gt;</code></p>\n"
