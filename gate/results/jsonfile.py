"""Read Locust's `--json-file NAME` output (`NAME.json`) into `Results` (source JSON_FILE).

The file is a list of Locust `StatsEntry.serialize()` dicts: one per (method, name) with
final counts and the exact bucketed histogram (`response_times`, string keys in JSON).
It has no Aggregated entry (built here with `model.aggregate`, as Locust builds its own)
and no failure messages. Locust's Requests/s divides by the run-wide span, so every entry
gets the earliest `start_time` and the latest `last_request_timestamp` of the file. An
entry's `start_time` there is when its first request was logged, not when the run's stats
were reset, so Requests/s comes out slightly higher (a few %) than Locust's report.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from gate.core.model import EndpointStats, Results, RunMeta, Source, aggregate, with_requests
from gate.errors import UserError, location
from gate.files import jsontext
from gate.results.jsondata import JsonReader

NO_MESSAGES_WARNING = (
    "numbers read from Locust's --json-file output: counts and percentiles are exact, but "
    "it holds no failure messages, no exceptions raised in the locustfile and no time "
    "series; load gate.plugin for those"
)

_REQUIRED = (
    "name",
    "method",
    "num_requests",
    "num_failures",
    "response_times",
    "total_response_time",
    "max_response_time",
    "start_time",
)


def looks_like(data: Any) -> bool:
    """True when decoded JSON has the shape of a Locust --json-file (a list of entries)."""
    return isinstance(data, list) and all(
        isinstance(e, dict) and "response_times" in e and "num_requests" in e for e in data
    )


def _reader(file: str) -> JsonReader:
    return JsonReader(
        file,
        what="Locust JSON file",
        fix="pass the file written by `locust --json-file NAME` (NAME.json), unmodified",
    )


def from_list(data: Any, *, file: str = "<json-file>") -> Results:
    """Build Results from the decoded contents of a Locust --json-file."""
    r = _reader(file)
    if not isinstance(data, list):
        r.fail(f"expected a list of entries, found {type(data).__name__}", "(top level)")
    entries: list[dict[str, Any]] = []
    for i, item in enumerate(data):
        key = f"[{i}]"
        entry = r.obj(item, key)
        for name in _REQUIRED:
            r.field(entry, name, key)
        entries.append(entry)

    starts = [r.number(e, "start_time", f"[{i}]") for i, e in enumerate(entries)]
    lasts = [
        v
        for i, e in enumerate(entries)
        if (v := r.opt_number(e, "last_request_timestamp", f"[{i}]")) is not None
    ]
    start_time = min(starts) if starts else 0.0
    last = max(lasts) if lasts else None
    endpoints = sorted(
        with_requests(_entry(r, e, f"[{i}]", start_time, last) for i, e in enumerate(entries)),
        key=lambda s: (s.name, s.method),
    )
    return Results(
        source=Source.JSON_FILE,
        meta=RunMeta(start_time=start_time, end_time=last if last is not None else start_time),
        endpoints=tuple(endpoints),
        total=aggregate(endpoints, start_time=start_time),
        warnings=(NO_MESSAGES_WARNING,),
    )


def _entry(
    r: JsonReader, e: dict[str, Any], key: str, start_time: float, last: float | None
) -> EndpointStats:
    """One entry; every entry gets the run-wide span (Locust's Requests/s uses it)."""
    if not isinstance(e["name"], str) or not isinstance(e["method"], str | None):
        r.fail(f"`{key}.name` and `{key}.method` must be strings", key)
    return EndpointStats(
        method=e["method"] or "",
        name=e["name"],
        num_requests=r.count(e, "num_requests", key),
        num_failures=r.count(e, "num_failures", key),
        num_none_requests=r.count(e, "num_none_requests", key, default=0),
        histogram=r.int_map(e["response_times"], f"{key}.response_times"),
        total_response_time=r.number(e, "total_response_time", key),
        min_response_time=r.opt_number(e, "min_response_time", key),
        max_response_time=r.number(e, "max_response_time", key),
        total_content_length=r.count(e, "total_content_length", key, default=0),
        start_time=start_time,
        last_request_timestamp=last,
        requests_per_second=r.int_map(e.get("num_reqs_per_sec") or {}, f"{key}.num_reqs_per_sec"),
        failures_per_second=r.int_map(e.get("num_fail_per_sec") or {}, f"{key}.num_fail_per_sec"),
    )


def read(path: str | Path) -> Results:
    """Read `NAME.json` as written by `locust --json-file NAME`."""
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(f"Locust JSON file {file} does not exist", where=file) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read Locust JSON file {file}: {exc}", where=file) from None
    if not text.strip():
        raise UserError(
            f"Locust JSON file {file} is empty",
            where=file,
            fix="the run probably ended before Locust wrote it; rerun the load test",
        )
    try:
        data = jsontext.loads(text)
    except jsontext.JsonProblem as exc:
        raise UserError(
            f"Locust JSON file {file} cannot be used: {exc.what}",
            where=location(file, key=exc.key),
            fix="pass the file written by `locust --json-file NAME` (NAME.json), unmodified",
        ) from None
    except json.JSONDecodeError as exc:
        raise UserError(
            f"Locust JSON file {file} is not valid JSON ({exc.msg}; truncated?)",
            where=location(file, exc.lineno, f"column {exc.colno}"),
            fix="rerun the load test; do not combine --json (which resets the stats) with "
            "--json-file",
        ) from None
    return from_list(data, file=file)
