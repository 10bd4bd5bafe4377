"""Text we do not control never becomes syntax in Markdown, logs or XML."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from gate.reports import escape

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


def test_xml_escape_drops_invalid_characters() -> None:
    element = ET.Element("t", name=escape.xml("a\x00b\x07c"))
    ET.fromstring(ET.tostring(element))  # parses back: no invalid characters


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
