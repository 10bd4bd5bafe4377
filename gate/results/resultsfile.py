"""The results.json format written by `gate.plugin`: one definition, read and written here.

Layout (schema `locust-gate/results`, version 3; 4 with `repeats`)::

    {
      "schema": "locust-gate/results",
      "version": 3,
      "source": "plugin",                 # gate.core.model.Source value
      "start_time": 1700000000.1,         # run-wide stats.start_time (epoch s)
      "last_request_timestamp": 1700000003.0,   # run-wide, or null
      "meta": {"start_time", "end_time", "users", "spawn_rate", "host", "locust_version",
               "locustfile", "fingerprint", "run_time", "processes", "tags",
               "exclude_tags", "options", "shape", "profile", "peak_users", "completed",
               "end_reason", "aborted"},
      "endpoints": [ENDPOINT, ...],       # one per (method, name)
      "total": ENDPOINT,                  # Locust's Aggregated row (method "")
      "failures": [{"method", "name", "error", "occurrences"}, ...],
      "exceptions": [{"message", "count", "where", "traceback"}, ...] or null,
      "series": [{"t", "seconds", "users", "requests", "failures", "response_times"}, ...],
      "warnings": ["...", ...],
      "stages": [{"name", "start", "end", "users", "spawn_rate",
                  "endpoints": [ENDPOINT, ...], "total": ENDPOINT}, ...],
      "cut": {"warmup", "cooldown", "resolution"} or null,
      "backend": {"samples": [...], "warnings": [...]}   # optional: gate.results.backend
    }

    ENDPOINT = {"method", "name", "num_requests", "num_failures", "num_none_requests",
                "total_response_time", "min_response_time", "max_response_time",
                "total_content_length", "start_time", "last_request_timestamp",
                "response_times": {"<bucket ms>": count} or null,
                "csv_percentiles": {"0.5": ms, ...}, "csv_rps": float or null,
                "repeats": [ENDPOINT, ...]}   # version 4 only: `run --repeat N`

`series[].t` is whole seconds since `meta.start_time` and the slice covers `seconds` from
there; `series[].response_times` is the bucketed histogram of the requests that completed
in it. The series is bounded (see `gate.results.series`): one second per sample for the
first 10 minutes, then slices that double in width as the run grows, at most 1,200 in
all, so the file's size depends on the endpoints, not on how long the run lasted. JSON
object keys are strings; they become ints (floats for `csv_percentiles`) again on reading.

`stages` (version 3) holds each stage's own figures when the gate's `stages:` drove the
load: `start` and `end` are seconds since `meta.start_time`, and each ENDPOINT is the
exact difference of the stats copied at the stage's boundaries (gate.results.boundaries).
`cut` (version 3) says that `endpoints`, `total` and `failures` leave out the first
`warmup` and last `cooldown` seconds; `resolution` null: cut exactly at those moments.
Version 2 files have neither and read as a run without stages or cut.

Version 1 (read, no longer written) had one-second samples only, no `seconds`, and each
ENDPOINT carried Locust's `num_reqs_per_sec` and `num_fail_per_sec`: a count per endpoint
per second of the run, which nothing judged and which made an 8-hour run of 2,000
endpoints 174 MB. They are still read from such files.

Version 2 (read) had no `meta.aborted` (`gate.results.aborted`): the abort rule that
stopped the run early; version 3 is written so that an older gate, which would not know
the key and could pass an aborted run, refuses the file instead.

`repeats` (version 4) holds, in each ENDPOINT (and `total`, and a stage's), the N runs'
own ENDPOINTs of `run --repeat N`, in the order they ran, while the ENDPOINT itself is
their sum; every metric is judged as their median (`gate.core.measure`). Only such files
are version 4: an older gate, which would judge the sums, refuses them instead.

`meta.completed` is false when the load test was cut short (a signal, a crash): `check`
refuses to pass such a run. `exceptions` is null when the source did not record them;
files written before these keys existed read as "unknown" (null).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from gate.core.model import (
    Cut,
    EndpointStats,
    FailureGroup,
    RaisedException,
    Results,
    RunMeta,
    SecondSample,
    Source,
    Window,
    with_requests,
)
from gate.errors import UserError, location
from gate.files import atomic, jsontext
from gate.results import aborted, backend
from gate.results.jsondata import JsonReader

_T = TypeVar("_T")

SCHEMA = "locust-gate/results"
VERSION = 4  # the newest version this code reads
# Written unless an entry holds repeats: version 4 only adds them, so every other file stays
# readable by the gates that read version 3.
PLAIN_VERSION = 3

_PLUGIN_HINT = (
    "run Locust with the plugin loaded, e.g. "
    "`locust -f locustfile.py,$(python -m gate.plugin)` (the plugin writes results.json "
    "at the end of the run)"
)


# --------------------------------------------------------------------------- writing


def _hist_out(hist: Mapping[int, int] | None) -> dict[int, int] | None:
    """Sorted by bucket; json writes the int keys as strings."""
    return None if hist is None else dict(sorted(hist.items()))


def _endpoint_out(entry: EndpointStats) -> dict[str, Any]:
    return {
        "method": entry.method,
        "name": entry.name,
        "num_requests": entry.num_requests,
        "num_failures": entry.num_failures,
        "num_none_requests": entry.num_none_requests,
        "total_response_time": entry.total_response_time,
        "min_response_time": entry.min_response_time,
        "max_response_time": entry.max_response_time,
        "total_content_length": entry.total_content_length,
        "start_time": entry.start_time,
        "last_request_timestamp": entry.last_request_timestamp,
        "response_times": _hist_out(entry.histogram),
        "csv_percentiles": {repr(float(k)): v for k, v in sorted(entry.csv_percentiles.items())},
        "csv_rps": entry.csv_rps,
        **({"repeats": [_endpoint_out(run) for run in entry.repeats]} if entry.repeats else {}),
    }


def to_dict(results: Results) -> dict[str, Any]:
    """The JSON-ready form of `results` (schema `locust-gate/results`, version 3, or 4
    for the results of `run --repeat N`).

    Per-endpoint per-second counts (`requests_per_second`, from a version 1 file or
    Locust's --json-file) are not written: version 2 has none."""
    return {
        "schema": SCHEMA,
        "version": VERSION if results.total.repeats else PLAIN_VERSION,
        "source": results.source.value,
        "start_time": results.total.start_time,
        "last_request_timestamp": results.total.last_request_timestamp,
        "meta": _meta_out(results.meta),
        "endpoints": [_endpoint_out(e) for e in results.endpoints],
        "total": _endpoint_out(results.total),
        "failures": [
            {"method": f.method, "name": f.name, "error": f.error, "occurrences": f.occurrences}
            for f in results.failures
        ],
        "exceptions": None
        if results.exceptions is None
        else [
            {"message": e.message, "count": e.count, "where": e.where, "traceback": e.traceback}
            for e in results.exceptions
        ],
        "series": [
            {
                "t": s.t,
                "seconds": s.seconds,
                "users": s.users,
                "requests": s.requests,
                "failures": s.failures,
                "response_times": _hist_out(s.histogram),
            }
            for s in results.series
        ],
        "warnings": list(results.warnings),
        "stages": [_window_out(w) for w in results.stages],
        "cut": None if results.cut is None else {
            "warmup": results.cut.warmup,
            "cooldown": results.cut.cooldown,
            "resolution": results.cut.resolution,
        },
        **({} if results.backend is None else {backend.KEY: backend.to_dict(results.backend)}),
    }


def _meta_out(meta: RunMeta) -> dict[str, Any]:
    return {
        "start_time": meta.start_time,
        "end_time": meta.end_time,
        "users": meta.users,
        "spawn_rate": meta.spawn_rate,
        "host": meta.host,
        "locust_version": meta.locust_version,
        "locustfile": meta.locustfile,
        "fingerprint": meta.fingerprint,
        "run_time": meta.run_time,
        "processes": meta.processes,
        "tags": list(meta.tags),
        "exclude_tags": list(meta.exclude_tags),
        "options": dict(meta.options),
        "shape": meta.shape,
        "profile": meta.profile,
        "peak_users": meta.peak_users,
        "completed": meta.completed,
        "end_reason": meta.end_reason,
        aborted.KEY: aborted.trip_out(meta.aborted),
    }


def _window_out(window: Window) -> dict[str, Any]:
    return {
        "name": window.name,
        "start": window.start,
        "end": window.end,
        "users": window.users,
        "spawn_rate": window.spawn_rate,
        "endpoints": [_endpoint_out(e) for e in window.endpoints],
        "total": _endpoint_out(window.total),
    }


def write(path: str | os.PathLike[str], results: Results) -> None:
    """Write `results` to `path` atomically (see `gate.files.atomic`)."""
    atomic.write_text(path, _json_text(to_dict(results)))


def add_section(path: str | os.PathLike[str], key: str, value: Any) -> None:
    """Add (or replace) the top-level `key` of an existing results.json, atomically, the
    rest of the file kept as written: `run` adds what it measured besides Locust (the
    backend's samples) after the plugin wrote the file."""
    data = read_json(path)
    if not isinstance(data, dict):
        raise UserError(f"results file {path} is not a JSON object", where=str(path),
                        fix=f"regenerate the file: {_PLUGIN_HINT}")
    data[key] = value
    atomic.write_text(path, _json_text(data))


def _json_text(data: dict[str, Any]) -> str:
    """One top-level key a line, and one item a line in its lists (an endpoint, a sample):
    readable and greppable, and each line is made by json's C encoder, where `indent=`
    takes the pure-Python one (the plugin's write at the end of an 8-hour run of 2,000
    endpoints: 0.40 s of dumps with `indent=1`, 0.19 s this way)."""
    lines = []
    for key, value in data.items():
        head = f" {json.dumps(key)}: "
        if isinstance(value, list) and value:
            items = ",\n  ".join(json.dumps(item, allow_nan=False) for item in value)
            lines.append(f"{head}[\n  {items}\n ]")
        else:
            lines.append(head + json.dumps(value, allow_nan=False))
    return "{\n" + ",\n".join(lines) + "\n}\n"


# --------------------------------------------------------------------------- reading


def _each(
    r: JsonReader, value: Any, key: str, parse: Callable[[JsonReader, dict[str, Any], str], _T]
) -> tuple[_T, ...]:
    """The list `key`: every item must be an object, read by `parse` under `key[i]`."""
    found = []
    for i, item in enumerate(r.lst(value, key)):
        item_key = f"{key}[{i}]"
        found.append(parse(r, r.obj(item, item_key), item_key))
    return tuple(found)


def _endpoint_in(r: JsonReader, data: dict[str, Any], key: str) -> EndpointStats:
    hist_raw = r.field(data, "response_times", key)
    return EndpointStats(
        method=r.string(data, "method", key),
        name=r.string(data, "name", key),
        num_requests=r.count(data, "num_requests", key),
        num_failures=r.count(data, "num_failures", key),
        num_none_requests=r.count(data, "num_none_requests", key, default=0),
        histogram=None if hist_raw is None else r.int_map(hist_raw, f"{key}.response_times"),
        total_response_time=r.number(data, "total_response_time", key),
        min_response_time=r.opt_number(data, "min_response_time", key),
        max_response_time=r.number(data, "max_response_time", key),
        total_content_length=r.count(data, "total_content_length", key, default=0),
        start_time=r.number(data, "start_time", key),
        last_request_timestamp=r.opt_number(data, "last_request_timestamp", key),
        requests_per_second=r.int_map(
            data.get("num_reqs_per_sec") or {}, f"{key}.num_reqs_per_sec"
        ),
        failures_per_second=r.int_map(
            data.get("num_fail_per_sec") or {}, f"{key}.num_fail_per_sec"
        ),
        csv_percentiles=r.float_map(data.get("csv_percentiles") or {}, f"{key}.csv_percentiles"),
        csv_rps=r.opt_number(data, "csv_rps", key),
        repeats=_each(r, data.get("repeats") or [], f"{key}.repeats", _repeat_in),
    )


def _repeat_in(r: JsonReader, data: dict[str, Any], key: str) -> EndpointStats:
    """One run's own entry: a run is not itself repeated."""
    if "repeats" in data:
        r.fail(f"`{key}` is one run's entry and holds `repeats` of its own", f"{key}.repeats")
    return _endpoint_in(r, data, key)


def _failure_in(r: JsonReader, data: dict[str, Any], key: str) -> FailureGroup:
    return FailureGroup(
        method=r.string(data, "method", key),
        name=r.string(data, "name", key),
        error=r.string(data, "error", key),
        occurrences=r.count(data, "occurrences", key),
    )


def _sample_in(r: JsonReader, data: dict[str, Any], key: str) -> SecondSample:
    seconds = r.count(data, "seconds", key, default=1)  # version 1: one second each
    if seconds < 1:
        r.fail(f"`{key}.seconds` must be 1 or more, found {seconds}", f"{key}.seconds")
    return SecondSample(
        t=r.integer(data, "t", key),
        seconds=seconds,
        users=r.count(data, "users", key),
        requests=r.count(data, "requests", key),
        failures=r.count(data, "failures", key),
        histogram=r.int_map(data.get("response_times") or {}, f"{key}.response_times"),
    )


def _window_in(r: JsonReader, data: dict[str, Any], key: str) -> Window:
    start, end = r.number(data, "start", key), r.number(data, "end", key)
    if end < start:
        r.fail(f"`{key}` ends before it starts ({start} > {end})", f"{key}.end")
    total_key = f"{key}.total"
    return Window(
        name=r.string(data, "name", key),
        start=start,
        end=end,
        users=r.opt_integer(data, "users", key),
        spawn_rate=r.opt_number(data, "spawn_rate", key),
        endpoints=with_requests(
            _each(r, r.field(data, "endpoints", key), f"{key}.endpoints", _endpoint_in)
        ),
        total=_endpoint_in(r, r.obj(r.field(data, "total", key), total_key), total_key),
    )


def _cut_in(r: JsonReader, value: Any) -> Cut | None:
    if value is None:
        return None
    data = r.obj(value, "cut")
    cut = Cut(
        warmup=r.number(data, "warmup", "cut", default=0.0),
        cooldown=r.number(data, "cooldown", "cut", default=0.0),
        resolution=r.opt_number(data, "resolution", "cut"),
    )
    if cut.warmup < 0 or cut.cooldown < 0:
        r.fail("`cut` seconds must be 0 or more", "cut")
    return cut


def _exception_in(r: JsonReader, data: dict[str, Any], key: str) -> RaisedException:
    return RaisedException(
        message=r.string(data, "message", key),
        count=r.count(data, "count", key),
        where=r.string(data, "where", key, default=""),
        traceback=r.string(data, "traceback", key, default=""),
    )


def _exceptions_in(r: JsonReader, value: Any) -> tuple[RaisedException, ...] | None:
    """null (the source did not record them) stays None: unknown, which is not zero."""
    return None if value is None else _each(r, value, "exceptions", _exception_in)


def _meta_in(r: JsonReader, value: Any) -> RunMeta:
    data = r.obj(value, "meta")
    options = r.obj(data.get("options") or {}, "meta.options")
    return RunMeta(
        start_time=r.number(data, "start_time", "meta"),
        end_time=r.number(data, "end_time", "meta"),
        users=r.opt_integer(data, "users", "meta"),
        spawn_rate=r.opt_number(data, "spawn_rate", "meta"),
        host=r.opt_string(data, "host", "meta"),
        locust_version=r.opt_string(data, "locust_version", "meta"),
        locustfile=r.opt_string(data, "locustfile", "meta"),
        fingerprint=r.opt_string(data, "fingerprint", "meta"),
        run_time=r.opt_number(data, "run_time", "meta"),
        processes=r.opt_integer(data, "processes", "meta"),
        tags=r.str_list(data, "tags", "meta"),
        exclude_tags=r.str_list(data, "exclude_tags", "meta"),
        options={str(k): str(v) for k, v in options.items()},
        shape=r.opt_string(data, "shape", "meta"),
        profile=r.opt_string(data, "profile", "meta"),
        peak_users=r.opt_integer(data, "peak_users", "meta"),
        completed=r.opt_bool(data, "completed", "meta"),
        end_reason=r.opt_string(data, "end_reason", "meta"),
        aborted=aborted.trip_in(r, data),
    )


def _check_header(r: JsonReader, top: dict[str, Any]) -> None:
    """`schema` names this format and `version` is one this code reads."""
    schema = top.get("schema")
    if schema != SCHEMA:
        r.fail(
            f"not a locust-gate results file (`schema` is {schema!r}, expected {SCHEMA!r})",
            "schema",
            fix="pass the results.json written by gate.plugin, a Locust --csv prefix or a "
            "Locust --json-file output",
        )
    version = top.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        r.fail(f"`version` must be a positive integer, found {version!r}", "version")
    if version > VERSION:
        r.fail(
            f"written by a newer locust-gate (schema version {version}; this one reads up to "
            f"{VERSION})",
            "version",
            fix="upgrade: pip install -U locust-gate",
        )


def _source_in(r: JsonReader, top: dict[str, Any]) -> Source:
    source_raw = r.string(top, "source", "(top level)", default=Source.PLUGIN.value)
    try:
        return Source(source_raw)
    except ValueError:
        r.fail(f"unknown `source` {source_raw!r}", "source")


def from_dict(data: Any, *, file: str = "<results>") -> Results:
    """Parse the JSON-decoded results; `file` is only used in error messages."""
    r = JsonReader(file, what="results file", fix=f"regenerate the file: {_PLUGIN_HINT}")
    top = r.obj(data, "(top level)")
    _check_header(r, top)
    source = _source_in(r, top)
    endpoints = with_requests(  # files from older plugins may hold 0-request entries
        _each(r, r.field(top, "endpoints", "(top level)"), "endpoints", _endpoint_in)
    )
    total = _endpoint_in(r, r.obj(r.field(top, "total", "(top level)"), "total"), "total")
    failures = _each(r, top.get("failures") or [], "failures", _failure_in)
    series = _each(r, top.get("series") or [], "series", _sample_in)
    warnings = r.lst(top.get("warnings") or [], "warnings")
    return Results(
        source=source,
        meta=_meta_in(r, r.field(top, "meta", "(top level)")),
        endpoints=endpoints,
        total=total,
        failures=failures,
        series=series,
        warnings=tuple(str(w) for w in warnings),
        exceptions=_exceptions_in(r, top.get("exceptions")),
        stages=_each(r, top.get("stages") or [], "stages", _window_in),
        cut=_cut_in(r, top.get("cut")),
        backend=backend.from_dict(r, top.get(backend.KEY)),
    )


def read(path: str | os.PathLike[str]) -> Results:
    """Read a results.json; every problem is a UserError naming the file and the key."""
    return from_dict(read_json(path), file=str(path))


def read_json(path: str | os.PathLike[str]) -> Any:
    """The decoded JSON of a results.json, not yet validated; a UserError when it cannot
    be read or decoded."""
    file = str(path)
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise UserError(
            f"results file {file} does not exist", where=file, fix=_PLUGIN_HINT
        ) from None
    except OSError as exc:
        raise UserError(f"cannot read results file {file}: {exc.strerror}", where=file) from None
    if not raw.strip():
        raise UserError(
            f"results file {file} is empty",
            where=file,
            fix="the run probably ended before the plugin wrote it; rerun the test and check "
            "the Locust log for `[locust-gate]` lines",
        )
    try:
        data = jsontext.loads(raw.decode("utf-8"))
    except jsontext.JsonProblem as exc:
        raise UserError(
            f"results file {file} cannot be used: {exc.what}",
            where=location(file, key=exc.key),
            fix=f"regenerate the file: {_PLUGIN_HINT}",
        ) from None
    except UnicodeDecodeError as exc:
        raise UserError(
            f"results file {file} is not UTF-8 text",
            where=f"{file} (byte {exc.start})",
            fix=f"regenerate the file: {_PLUGIN_HINT}",
        ) from None
    except json.JSONDecodeError as exc:
        truncated = exc.pos >= len(raw.decode("utf-8").rstrip())
        what = "is truncated (JSON ends early)" if truncated else f"is not valid JSON ({exc.msg})"
        raise UserError(
            f"results file {file} {what}",
            where=location(file, exc.lineno, f"column {exc.colno}"),
            fix=f"regenerate the file: {_PLUGIN_HINT}",
        ) from None
    return data
