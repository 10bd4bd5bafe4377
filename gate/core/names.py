"""Dynamic request names grouped into endpoints: pure functions, no I/O.

A locustfile that requests `/api/leads/{id}` without `name=` makes one Locust entry per id
(`PUT /api/leads/121`, `PUT /api/leads/122`, ...), and one per query string
(`GET /api/leads?page=4&status=new`). Each such entry holds a handful of requests: too few
to judge, and a different set in every run, so rules and baselines never meet them again.
`group` merges them into one endpoint per shape, exactly: the group's histogram, counts,
failures and per-second series are the sums of its members' (`model.merged`), so its
percentiles are Locust's own over the merged histogram, never an average of percentiles.

The shape of a name (`shape`): only names that are URL paths (start with `/` or
`http(s)://`) are touched; a path segment that is wholly an id becomes `[id]` (an integer,
a UUID, 8 or more hex digits with a digit among them, a base64/url-safe token of 16 or
more characters that looks random), an ISO date (`2024-05-01`, with an optional time)
becomes `[date]`, and a query string becomes `?[query]`. Segments that merely contain a
digit (`v2`, `resource3`, `item-7.png`) are kept. Every name is shaped, also one that has
no sibling in this run: a name must be the same in every run for baselines and rules to
meet it, and a single `/api/items/42` today is three ids tomorrow.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace

from gate.core.model import EndpointStats, FailureGroup, Results, merged

ID = "[id]"
DATE = "[date]"
QUERY = "?[query]"
CSV_NOT_GROUPED = (
    "request names with ids or query strings were not grouped: Locust's CSV has no "
    "histograms to merge them exactly (check the results.json of gate.plugin, or a "
    "--json-file, to group them)"
)

_INTEGER = re.compile(r"\d+", re.ASCII)
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
                   re.ASCII | re.IGNORECASE)
_HEX = re.compile(r"(?=[0-9a-f]*\d)[0-9a-f]{8,}", re.ASCII | re.IGNORECASE)
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,}={0,2}", re.ASCII)
_DATE = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?", re.ASCII
)
_LETTER_DIGIT = re.compile(r"[A-Za-z]\d|\d[A-Za-z]", re.ASCII)
# A token looks random when letters and digits alternate this often (`a9Xk2...`): words
# joined by separators (`order_items_2024_summary`) do not.
_TOKEN_ALTERNATIONS = 3


def segment(text: str) -> str:
    """One path segment, with an id or a date replaced by its placeholder."""
    if _INTEGER.fullmatch(text) or _UUID.fullmatch(text) or _HEX.fullmatch(text):
        return ID
    if _DATE.fullmatch(text):
        return DATE
    if _TOKEN.fullmatch(text) and _random(text):
        return ID
    return text


def _random(token: str) -> bool:
    has_digit = any(c.isdigit() for c in token)
    mixed_case = any(c.isupper() for c in token) and any(c.islower() for c in token)
    return has_digit and (mixed_case or len(_LETTER_DIGIT.findall(token)) >= _TOKEN_ALTERNATIONS)


def shape(name: str) -> str:
    """The name's endpoint: ids, dates and the query string replaced (see the module
    docstring); a name that is not a URL path is returned as it is."""
    if not name.startswith(("/", "http://", "https://")):
        return name
    path, mark, query = name.partition("?")
    shaped = "/".join(segment(part) for part in path.split("/"))
    return shaped + (QUERY if mark and query else mark)


def group(results: Results) -> Results:
    """`results` with the entries whose names share a shape merged into one endpoint each
    (`EndpointStats.members` lists the raw names), in the run and in each stage; the
    aggregate and the per-second series of the run are unchanged. Results without
    histograms (Locust's CSV) are returned as they are: their percentiles could not be
    merged exactly."""
    if not _any_shaped(results):
        return results
    if not results.exact:
        return replace(results, warnings=(*results.warnings, CSV_NOT_GROUPED))
    stages = tuple(replace(w, endpoints=_grouped(w.endpoints))
                   for w in results.stages)  # fmt: skip
    return replace(_with(results, _grouped(results.endpoints)), stages=stages)


def _grouped(entries: Iterable[EndpointStats]) -> tuple[EndpointStats, ...]:
    """One endpoint per (method, shape): a run's endpoints, or a stage's."""
    by_shape: dict[tuple[str, str], list[EndpointStats]] = {}
    for entry in entries:
        by_shape.setdefault((entry.method, shape(entry.name)), []).append(entry)
    return tuple(_one(method, name, group) for (method, name), group in by_shape.items())


def _any_shaped(results: Results) -> bool:
    return any(shape(e.name) != e.name for e in results.endpoints)


def _one(method: str, name: str, entries: list[EndpointStats]) -> EndpointStats:
    if len(entries) == 1 and entries[0].name == name:
        return entries[0]
    members = sorted({m for e in entries for m in (e.members or (e.name,))})
    return merged(entries, method=method, name=name, members=tuple(members))


def _with(results: Results, endpoints: tuple[EndpointStats, ...]) -> Results:
    return replace(results, endpoints=endpoints, failures=tuple(_failures(results.failures)))


def _failures(failures: Iterable[FailureGroup]) -> list[FailureGroup]:
    """The failure messages per grouped endpoint, occurrences added."""
    counts: dict[tuple[str, str, str], int] = {}
    for f in failures:
        key = (f.method, shape(f.name), f.error)
        counts[key] = counts.get(key, 0) + f.occurrences
    return [FailureGroup(method=m, name=n, error=e, occurrences=c)
            for (m, n, e), c in counts.items()]


def grouped(results: Results) -> tuple[EndpointStats, ...]:
    """The endpoints that stand for more than one raw name, or for a name that was
    changed: what reports list as grouped."""
    return tuple(e for e in results.endpoints if e.members)


MAX_DESCRIBED = 10  # groups named in the one line that says what was grouped


def describe(results: Results) -> str | None:
    """One line saying which endpoints stand for several request names, largest first
    (`PUT /api/leads/[id]: 37 names`); None when nothing was grouped."""
    groups = sorted(grouped(results), key=lambda e: (-len(e.members), e.key))
    if not groups:
        return None
    shown = ", ".join(f"{e.key}: {len(e.members):,} name{'s' if len(e.members) > 1 else ''}"
                      for e in groups[:MAX_DESCRIBED])
    more = f", and {len(groups) - MAX_DESCRIBED:,} more" if len(groups) > MAX_DESCRIBED else ""
    return (f"request names with ids, dates or query strings were grouped into "
            f"{len(groups):,} endpoints (group-names: false keeps them apart): {shown}{more}")
