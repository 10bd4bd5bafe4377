"""Escaping of text we do not control (endpoint names, error messages) for each sink.

Endpoint names and failure messages come from the locustfile and the server under test;
in a PR comment they could otherwise break tables, inject links or HTML, ping people with
@mentions, or start GitHub workflow commands in a log.
"""

from __future__ import annotations

import re

# Characters with a meaning in GitHub-flavoured Markdown or HTML, as numeric entities:
# GFM decodes entities to literal text, so they render as the character but never as syntax.
_MD_ENTITIES = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    "|": "&#124;",
    "`": "&#96;",
    "*": "&#42;",
    "_": "&#95;",
    "[": "&#91;",
    "]": "&#93;",
    "(": "&#40;",
    ")": "&#41;",
    "\\": "&#92;",
    "#": "&#35;",
    "~": "&#126;",
    "!": "&#33;",
    "$": "&#36;",
    ":": "&#58;",  # breaks autolinks such as javascript: and https:
    # A zero-width space after @ stops GitHub from turning @name into a mention.
    "@": "@&#8203;",
}
_NEWLINES = re.compile(r"\r\n|\r|\n")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_XML_INVALID = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def markdown(text: str, *, limit: int | None = 300) -> str:
    """Safe inline Markdown (table cells included): one line, no syntax, bounded length."""
    text = _CONTROL.sub("\N{REPLACEMENT CHARACTER}", _NEWLINES.sub(" \N{RETURN SYMBOL} ", text))
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "\N{HORIZONTAL ELLIPSIS}"
    return "".join(_MD_ENTITIES.get(char, char) for char in text)


def console(text: str, *, limit: int | None = None) -> str:
    """One printable line for a terminal or CI log: newlines and control characters are
    shown escaped, so a name can never start a line with `::` (a workflow command)."""
    text = _NEWLINES.sub("\\\\n", text)
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "\N{HORIZONTAL ELLIPSIS}"
    return text


def xml(text: str) -> str:
    """Remove characters XML 1.0 cannot hold (ElementTree escapes the rest)."""
    return _XML_INVALID.sub("\N{REPLACEMENT CHARACTER}", text)


def workflow_command(text: str) -> str:
    """Escape data for a GitHub workflow command (`::error::DATA`)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def workflow_property(text: str) -> str:
    """Escape a workflow command property (`::error title=VALUE::`): also `:` and `,`,
    which would otherwise end the value."""
    return workflow_command(text).replace(":", "%3A").replace(",", "%2C")
