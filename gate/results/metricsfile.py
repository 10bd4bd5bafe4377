"""metrics.json: what `run` read for the thresholds' `metrics:` section, beside results.json.

    {"schema": "locust-gate/metrics", "version": 1, "metrics": [
      {"name": "cache hit rate", "what": "json cache.hit_rate",
       "url": "http://127.0.0.1:8089/api/cache/stats", "during": false,
       "samples": 1, "peak": 0.83, "lowest": 0.83, "failed": 0, "error": ""}]}

A file of its own, not a section of results.json: results.json is the plugin's exact
record, written in Locust's process before `run` reads anything, and stays as it wrote it.
`check RESULTS` judges the readings in the metrics.json beside RESULTS (in the directory
RESULTS names, or holding it) without reading any URL again; only a thresholds file with
a `metrics:` section looks for it. The file is read like every file someone else could
have written: bounded, every field checked, errors name the file and the key.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from gate.core.model import MetricReading
from gate.errors import UserError
from gate.files import atomic, jsontext
from gate.results.jsondata import JsonReader

__all__ = ["NAME", "beside", "read", "write"]

NAME = "metrics.json"
SCHEMA = "locust-gate/metrics"
VERSION = 1
_MAX_BYTES = 10_000_000
_MAX_TEXT = 2_000  # `run` writes names and URLs as given and clips the endpoint's text
_FIX = "delete it and run `locust-gate run` again: it writes metrics.json after the load"


def beside(results: Path) -> Path:
    """Where the metrics.json of the results at `results` (a file, a directory holding
    results.json, or a --csv prefix) is."""
    return results / NAME if results.is_dir() else results.parent / NAME


def write(path: Path, readings: list[MetricReading]) -> None:
    document = {"schema": SCHEMA, "version": VERSION,
                "metrics": [_entry(reading) for reading in readings]}
    atomic.write_for_user(path, json.dumps(document, indent=2, ensure_ascii=False) + "\n",
                          fix="make the output directory writable")


def _entry(reading: MetricReading) -> dict[str, Any]:
    return {"name": reading.name, "what": reading.what, "url": reading.url,
            "during": reading.during, "samples": reading.samples, "peak": reading.peak,
            "lowest": reading.lowest, "failed": reading.failed, "error": reading.error}


def read(path: Path) -> tuple[MetricReading, ...] | None:
    """The readings in `path`; None when there is no such file."""
    shown = str(path)
    try:
        with path.open("rb") as handle:
            raw = handle.read(_MAX_BYTES + 1)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror or exc}", where=shown,
                        fix="check that the file is readable") from None
    reader = JsonReader(shown, what="metrics file", fix=_FIX)
    if len(raw) > _MAX_BYTES:
        reader.fail(f"it is larger than {_MAX_BYTES:,} bytes", "(top level)")
    try:
        data = jsontext.loads(raw.decode("utf-8", errors="replace"))
    except ValueError as exc:
        reader.fail(f"it is not valid JSON ({exc})", getattr(exc, "key", "(top level)"))
    top = reader.obj(data, "(top level)")
    if top.get("schema") != SCHEMA or top.get("version") != VERSION:
        reader.fail(f"it is not a {SCHEMA} file of version {VERSION}", "schema",
                    f"it is not locust-gate's metrics.json: move it away, or {_FIX}")
    items = reader.lst(reader.field(top, "metrics", "(top level)"), "metrics")
    return tuple(_reading(reader, item, f"metrics[{index}]") for index, item in enumerate(items))


def _reading(reader: JsonReader, item: Any, key: str) -> MetricReading:
    data = reader.obj(item, key)
    during = data.get("during")
    if not isinstance(during, bool):
        reader.fail(f"`{key}.during` must be true or false", f"{key}.during")
    reading = MetricReading(
        name=reader.string(data, "name", key), what=reader.string(data, "what", key),
        url=reader.string(data, "url", key), during=during,
        samples=reader.count(data, "samples", key), peak=reader.opt_number(data, "peak", key),
        lowest=reader.opt_number(data, "lowest", key), failed=reader.count(data, "failed", key),
        error=reader.string(data, "error", key),
    )
    for name in ("name", "what", "url", "error"):
        if len(getattr(reading, name)) > _MAX_TEXT:
            reader.fail(f"`{key}.{name}` is longer than {_MAX_TEXT:,} characters",
                        f"{key}.{name}")
    if reading.samples and (reading.peak is None or reading.lowest is None
                            or reading.peak < reading.lowest):
        reader.fail(f"`{key}` has {reading.samples} samples but no peak and lowest with "
                    "peak >= lowest", key)
    return reading
