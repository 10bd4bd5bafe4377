"""Exceptions raised in the locustfile, as Locust records them (`runner.exceptions`, and
the `_exceptions.csv` of `--csv`), turned into `RaisedException`s.

Locust keeps one row per distinct traceback with a count, the message and the formatted
traceback; the innermost frame names the line of the locustfile that raised.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from gate.core.model import RaisedException

_FRAME = re.compile(r'^\s*File "(?P<file>[^"]+)", line (?P<line>\d+), in (?P<func>.+)$')


def innermost_frame(traceback: str) -> str:
    """`locustfile.py:14 in checkout` from a formatted traceback; "" when it has no frame."""
    frames = [m for line in traceback.splitlines() if (m := _FRAME.match(line))]
    if not frames:
        return ""
    last = frames[-1]
    return f"{last['file']}:{last['line']} in {last['func'].strip()}"


def group(rows: Iterable[tuple[str, int, str]]) -> tuple[RaisedException, ...]:
    """(message, count, traceback) rows, most frequent first."""
    found = [
        RaisedException(
            message=message, count=count, where=innermost_frame(traceback), traceback=traceback
        )
        for message, count, traceback in rows
    ]
    return tuple(sorted(found, key=lambda e: (-e.count, e.message, e.where)))
