"""Escaping of text we do not control (endpoint names, error messages) for each sink.

Endpoint names and failure messages come from the locustfile and the server under test;
in a PR comment they could otherwise break tables, inject links or HTML, ping people with
@mentions, or start GitHub workflow commands in a log.
"""

from __future__ import annotations

import re

# Markdown: only what would be syntax is escaped, with a backslash (CommonMark renders `\x`
# as `x` for any ASCII punctuation), so that report.md reads as text in a terminal too.
# Brackets alone are text (`/items/[id]`); a `]` right before `(`, `[` or `:` is escaped
# (the templates never put one of those right after a value).
_MD_SYNTAX = re.compile(
    r"""[`*|~$]               # code, emphasis, table cells, strikethrough, math: anywhere
    | \\(?=[!-/:-@\[-`{-~]|$)  # a backslash that would escape what follows (or our text)
    | (?<=!)\[                # an image
    | \](?=[(\[:])            # the end of a link, image, reference or definition
    | (?<![^\W_])_ | _(?![^\W_])  # emphasis: `_` unless inside a word (per_page)
    """,
    re.VERBOSE,
)
# Where the text starts a line (a quoted warning, a log line), what would begin a block:
# a heading, a quote, a list item, a rule (`---`), an alert (`[!NOTE]`), an ordered item.
# `\s`, not only space and tab: renderers other than CommonMark take e.g. a no-break space
# after `#` as a heading (escaping one marker too many costs nothing).
_MD_BLOCK = re.compile(r"^(?=#{1,6}(?:\s|$)|>|[-+](?:\s|$)|-{3}|\[!)")
_MD_ORDERED = re.compile(r"^(\d{1,9})(?=[.)](?:\s|$))")
# HTML and entity references: `&lt;` is the one way to keep `<` from opening a tag or a
# comment; `&` is escaped only where it would start an entity (`a=1&b=2` stays as it is).
_MD_HTML = re.compile(r"<|&(?=#?[0-9A-Za-z]+;)")
# GitHub links these in the rendered text (a backslash or an entity does not stop it): a
# zero-width space (U+200B, invisible in a terminal) inside the pattern breaks it. After
# `@` (mentions, e-mail addresses), `#` or `GH-` before a digit (references), a `:` that
# opens an :emoji: code or `://`, `www`; before the `:` of a few script schemes.
_ZWSP = "\u200b"
_MD_LINKS = re.compile(
    r"""(?<=@)
    | (?<=\#)(?=\d) | (?i:(?<=\bGH-))(?=\d)
    | (?<=:)(?=[a-z0-9_+-]+:)
    | (?i:(?<=www))(?=\.) | (?<=:)(?=//)
    | (?i:(?<=\bjavascript)|(?<=\bvbscript)|(?<=\bdata)|(?<=\bmailto)|(?<=\bxmpp))(?=:)
    """,
    re.VERBOSE,
)
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
_EDGE_SPACES = re.compile(r"^[ \t]+|[ \t]+$")
# Shown for a space or a tab at either end (Markdown would drop it, or start a code block).
_EDGE_SYMBOLS = str.maketrans({" ": "\N{SYMBOL FOR SPACE}",
                               "\t": "\N{SYMBOL FOR HORIZONTAL TABULATION}"})
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_XML_INVALID = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def markdown(text: str, *, limit: int | None = 300) -> str:
    """Inline Markdown (table cells included) that reads as the text itself and is never
    syntax: one line, a backslash before what would be syntax, `&lt;` for `<`, no mention,
    reference or autolink, no reordering characters, edge spaces visible; at most `limit`
    characters of the input (the escaped text is longer: callers bound whole documents by
    their escaped length)."""
    text = one_line(text)
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "\N{HORIZONTAL ELLIPSIS}"
    text = _MD_LINKS.sub(_ZWSP, text)
    text = _MD_SYNTAX.sub(r"\\\g<0>", text)
    text = _MD_HTML.sub(lambda m: "&lt;" if m.group() == "<" else "&amp;", text)
    text = _MD_BLOCK.sub(r"\\", text, count=1)
    return _MD_ORDERED.sub(r"\1\\", text, count=1)


def code(text: str) -> str:
    """An inline code span of `text` (one line, nothing in it is syntax) whose fence is
    longer than any run of backticks inside. Not for table cells (a `|` would end it)."""
    text = one_line(text)
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def one_line(text: str) -> str:
    """The text as Markdown shows it: newlines as ⏎, control characters as U+FFFD, then
    `visible` (what `markdown` and `code` escape, and what a reader then sees)."""
    return visible(_CONTROL.sub("\N{REPLACEMENT CHARACTER}",
                                _NEWLINES.sub(" \N{RETURN SYMBOL} ", text)))


def visible(text: str) -> str:
    """Text with what would hide or disguise it made visible: lone surrogates become
    U+FFFD, bidi controls their code point, leading and trailing spaces `␠` and tabs `␉`
    (names that differ only there must not look the same)."""
    text = _SURROGATE.sub("\N{REPLACEMENT CHARACTER}", text)
    text = _BIDI.sub(lambda m: f"<U+{ord(m.group()):04X}>", text)
    return _EDGE_SPACES.sub(lambda m: m.group().translate(_EDGE_SYMBOLS), text)


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
