"""The one console sanitizer: every line the gate writes to stdout or stderr passes here.

Text reaches the console from many sources: our tables and messages, Locust's output
copied while it runs, the tail of the backend's or the seed's log in an error. Any of
them may hold text from the system under test, so instead of escaping at each source,
`gate.cli.main` replaces `sys.stdout` and `sys.stderr` with a `SafeStream` for the whole
command: whatever is written is split into lines by the runner's own rules (`\\n`, `\\r`
and `\\r\\n` all end a line) and each line goes through `escape.console_line`, so no
line can be taken for a workflow command. A partial line is held until it ends (a
`::` split over two writes must still be caught), up to `MAX_PENDING` characters.

A sink that must emit a real workflow command (annotations) writes it with
`write_command`, which bypasses the escaping for that one line, and only that.
"""

from __future__ import annotations

import contextlib
import io
import re
import sys
from collections.abc import Iterator
from typing import TextIO

from gate.reports import escape

MAX_PENDING = 64 * 1024  # characters of an unfinished line held before it is cut
_LINE_END = re.compile(r"\r\n|\r|\n")


class SafeStream(io.TextIOBase):
    """A text stream that writes each complete line to `inner`, made inert."""

    def __init__(self, inner: TextIO) -> None:
        super().__init__()
        self.inner = inner
        self._pending = ""

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.inner, "encoding", None) or "utf-8"

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return self.inner.isatty()

    def fileno(self) -> int:
        return self.inner.fileno()

    def write(self, text: str) -> int:
        data = self._pending + text
        parts = _LINE_END.split(data)
        ends = _LINE_END.findall(data)
        self._pending = parts.pop()
        out = [escape.console_line(line) + end for line, end in zip(parts, ends, strict=True)]
        if len(self._pending) > MAX_PENDING:
            out.append(escape.console_line(self._pending) + "\n")
            self._pending = ""
        if out:
            self.inner.write("".join(out))
        return len(text)

    def write_command(self, line: str) -> None:
        """Write one workflow command as is (the caller escaped its data with
        `escape.workflow_command`); it must be one line."""
        if _LINE_END.search(line):
            raise ValueError("a workflow command must be one line")
        self._finish_line()
        self.inner.write(line + "\n")

    def flush(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.inner.flush()

    def close_line(self) -> None:
        """Write a held partial line (at exit: nothing may be lost)."""
        self._finish_line()
        self.flush()

    def _finish_line(self) -> None:
        if self._pending:
            pending, self._pending = self._pending, ""
            self.inner.write(escape.console_line(pending) + "\n")


@contextlib.contextmanager
def installed() -> Iterator[None]:
    """Route sys.stdout and sys.stderr through `SafeStream` for the block."""
    saved = sys.stdout, sys.stderr
    out, err = SafeStream(saved[0]), SafeStream(saved[1])
    sys.stdout, sys.stderr = out, err
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved
        for stream in (out, err):
            with contextlib.suppress(OSError, ValueError):
                stream.close_line()


def write_command(line: str, stream: TextIO | None = None) -> None:
    """Emit a real workflow command on stdout (bypassing the sanitizer for this line)."""
    target = stream or sys.stdout
    if isinstance(target, SafeStream):
        target.write_command(line)
    else:
        target.write(line + "\n")
