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
import math
from pathlib import Path
from typing import Any, NoReturn

from gate.core.model import EndpointStats, Results, RunMeta, Source, aggregate, with_requests
from gate.errors import UserError, location

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


def _fail(file: str, what: str, key: str) -> NoReturn:
    raise UserError(
        f"{what} in Locust JSON file {file}",
        where=location(file, key=key),
        fix="pass the file written by `locust --json-file NAME` (NAME.json), unmodified",
    )


def _num(file: str, entry: dict[str, Any], name: str, key: str, optional: bool = False) -> float:
    value = entry.get(name)
    if value is None and optional:
        return math.nan
    if isinstance(value, bool) or not isinstance(value, int | float):
        _fail(file, f"`{key}.{name}` must be a number, found {value!r}", f"{key}.{name}")
    return float(value)


def _int_map(file: str, value: Any, key: str) -> dict[int, int]:
    if not isinstance(value, dict):
        _fail(file, f"`{key}` must be an object", key)
    out: dict[int, int] = {}
    for k, v in value.items():
        try:
            bucket = int(k)
        except ValueError:
            _fail(file, f"`{key}` has a key {k!r} that is not an integer", f"{key}.{k}")
        if isinstance(v, bool) or not isinstance(v, int):
            _fail(file, f"`{key}.{k}` must be an integer count", f"{key}.{k}")
        out[bucket] = out.get(bucket, 0) + v
    return out


def from_list(data: Any, *, file: str = "<json-file>") -> Results:
    """Build Results from the decoded contents of a Locust --json-file."""
    if not isinstance(data, list):
        _fail(file, f"expected a list of entries, found {type(data).__name__}", "(top level)")
    entries: list[dict[str, Any]] = []
    for i, item in enumerate(data):
        key = f"[{i}]"
        if not isinstance(item, dict):
            _fail(file, f"`{key}` must be an object", key)
        for name in _REQUIRED:
            if name not in item:
                _fail(file, f"missing key `{key}.{name}`", f"{key}.{name}")
        entries.append(item)

    starts = [_num(file, e, "start_time", f"[{i}]") for i, e in enumerate(entries)]
    lasts = [
        v
        for i, e in enumerate(entries)
        if not math.isnan(v := _num(file, e, "last_request_timestamp", f"[{i}]", optional=True))
    ]
    start_time = min(starts) if starts else 0.0
    last = max(lasts) if lasts else None

    endpoints: list[EndpointStats] = []
    for i, e in enumerate(entries):
        key = f"[{i}]"
        min_rt = _num(file, e, "min_response_time", key, optional=True)
        if not isinstance(e["name"], str) or not isinstance(e["method"], str | None):
            _fail(file, f"`{key}.name` and `{key}.method` must be strings", key)
        endpoints.append(
            EndpointStats(
                method=e["method"] or "",
                name=e["name"],
                num_requests=int(_num(file, e, "num_requests", key)),
                num_failures=int(_num(file, e, "num_failures", key)),
                num_none_requests=int(e.get("num_none_requests") or 0),
                histogram=_int_map(file, e["response_times"], f"{key}.response_times"),
                total_response_time=_num(file, e, "total_response_time", key),
                min_response_time=None if math.isnan(min_rt) else min_rt,
                max_response_time=_num(file, e, "max_response_time", key),
                total_content_length=int(e.get("total_content_length") or 0),
                start_time=start_time,
                last_request_timestamp=last,
                requests_per_second=_int_map(
                    file, e.get("num_reqs_per_sec") or {}, f"{key}.num_reqs_per_sec"
                ),
                failures_per_second=_int_map(
                    file, e.get("num_fail_per_sec") or {}, f"{key}.num_fail_per_sec"
                ),
            )
        )
    endpoints = sorted(with_requests(endpoints), key=lambda s: (s.name, s.method))
    return Results(
        source=Source.JSON_FILE,
        meta=RunMeta(start_time=start_time, end_time=last if last is not None else start_time),
        endpoints=tuple(endpoints),
        total=aggregate(endpoints, start_time=start_time),
        warnings=(NO_MESSAGES_WARNING,),
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
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserError(
            f"Locust JSON file {file} is not valid JSON ({exc.msg}; truncated?)",
            where=location(file, exc.lineno, f"column {exc.colno}"),
            fix="rerun the load test; do not combine --json (which resets the stats) with "
            "--json-file",
        ) from None
    return from_list(data, file=file)
