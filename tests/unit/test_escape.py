"""Text we do not control never becomes syntax in Markdown, logs or XML."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from gate.reports import escape

EVIL = "/x|y`z`<script>alert(1)</script>\n::error::pwned @octocat [a](javascript:x) **b**"


def test_markdown_escape_leaves_no_syntax() -> None:
    out = escape.markdown(EVIL)
    for char in "|`<>[]()*\n\r":
        assert char not in out
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
