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
# Characters that reorder text (bidi overrides and isolates, "Trojan Source"): shown as
# their code point, never applied to the text around them.
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# Lone surrogates cannot be encoded: a file or a stream would fail on them.
_SURROGATE = re.compile("[\ud800-\udfff]")
# GitHub's runner trims leading whitespace (.NET's rules, and old runtimes also trimmed
# zero-width spaces and byte-order marks) before it looks for `::command`.
_COMMAND_START = re.compile("^([\\s\u200b\u2060\ufeff\u180e]*)::")
# `##[command]` is honoured anywhere in a line.
_OLD_COMMAND = re.compile(r"##\[")
# GFM autolinks `www.` without a scheme.
_WWW = re.compile(r"(?i)(www)\.")
_EDGE_SPACES = re.compile(r"^ +| +$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_XML_INVALID = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def markdown(text: str, *, limit: int | None = 300) -> str:
    """Safe inline Markdown (table cells included): one line, no syntax, no autolink, no
    reordering characters, edge spaces visible; at most `limit` characters of the input
    (the escaped text is longer: callers bound whole documents by their escaped length)."""
    text = _CONTROL.sub("\N{REPLACEMENT CHARACTER}", _NEWLINES.sub(" \N{RETURN SYMBOL} ", text))
    text = visible(text)
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "\N{HORIZONTAL ELLIPSIS}"
    text = "".join(_MD_ENTITIES.get(char, char) for char in text)
    return _WWW.sub(r"\1&#46;", text)


def visible(text: str) -> str:
    """Text with what would hide or disguise it made visible: lone surrogates become
    U+FFFD, bidi controls their code point, leading and trailing spaces `␠` (names that
    differ only there must not look the same)."""
    text = _SURROGATE.sub("\N{REPLACEMENT CHARACTER}", text)
    text = _BIDI.sub(lambda m: f"<U+{ord(m.group()):04X}>", text)
    return _EDGE_SPACES.sub(lambda m: "\N{SYMBOL FOR SPACE}" * len(m.group()), text)


def console(text: str, *, limit: int | None = None) -> str:
    """One printable cell or line for a terminal or CI log: newlines and control
    characters are shown escaped (see also `console_line`, which every line written to
    stdout and stderr passes through)."""
    text = _NEWLINES.sub("\\\\n", text)
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", visible(text))
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "\N{HORIZONTAL ELLIPSIS}"
    return console_line(text)


def console_line(line: str) -> str:
    """One line (no line break in it) that a CI runner cannot take as a workflow command.

    GitHub runs `::name args::value` at a line's start after trimming whitespace, and the
    older `##[name]value` anywhere in a line (`::stop-commands::` is a `::` command like
    the others). A backslash in front keeps the text readable and makes it inert. Control
    characters (ESC sequences could hide text on a terminal) and lone surrogates (which
    cannot be encoded) are shown escaped."""
    line = _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", line)
    line = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", line)
    line = _BIDI.sub(lambda m: f"<U+{ord(m.group()):04X}>", line)
    line = _OLD_COMMAND.sub("##\\\\[", line)
    return _COMMAND_START.sub(r"\1\\::", line)


def is_workflow_command(line: str) -> bool:
    """True when GitHub's runner would take `line` as a workflow command (tests and
    sanity checks use this; it errs on the side of yes)."""
    return _COMMAND_START.match(line) is not None or _OLD_COMMAND.search(line) is not None


def xml(text: str) -> str:
    """Remove characters XML 1.0 cannot hold (ElementTree escapes the rest)."""
    return _XML_INVALID.sub("\N{REPLACEMENT CHARACTER}", visible(text))


def workflow_command(text: str) -> str:
    """Escape data for a GitHub workflow command (`::error::DATA`)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def workflow_property(text: str) -> str:
    """Escape a workflow command property (`::error title=VALUE::`): also `:` and `,`,
    which would otherwise end the value."""
    return workflow_command(text).replace(":", "%3A").replace(",", "%2C")
