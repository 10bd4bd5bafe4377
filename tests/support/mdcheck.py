"""Markdown as a reader gets it, for the tests: a real CommonMark parser (markdown-it-py,
with GFM's tables and strikethrough) and the rule by which a `|` ends a table cell."""

from __future__ import annotations

import functools
import re

from markdown_it import MarkdownIt

# A `|` ends a table cell unless a backslash is right before it: GFM and markdown-it both
# look at the one character before the bar (`\\|` keeps the bar in the cell too).
CELL_BAR = re.compile(r"(?<!\\)\|")


def to_html(text: str) -> str:
    """`text` rendered as HTML by CommonMark with GFM tables and strikethrough."""
    return _parser().render(text)


@functools.cache
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark").enable(["table", "strikethrough"])
