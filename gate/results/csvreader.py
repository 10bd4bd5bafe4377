"""Read Locust's `--csv PREFIX` output into `Results` (source CSV, no histograms).

Files: `PREFIX_stats.csv` (required), `PREFIX_failures.csv` (required),
`PREFIX_stats_history.csv` (optional: run span and the per-second series),
`PREFIX_exceptions.csv` (optional: exceptions raised in the locustfile).
Columns are found by header name, never by position (the percentile columns are
configurable in Locust). Cells are read as strings (`keep_default_na=False`) so that
endpoints named `NA` or `null`, and the empty Type of the Aggregated row, survive.

Locust rewrites these files once a second and not at shutdown, so the last second of
traffic is missing: a warning saying so is added to `Results.warnings`.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import TYPE_CHECKING

from gate.core.model import (
    AGGREGATED,
    EndpointStats,
    FailureGroup,
    RaisedException,
    Results,
    RunMeta,
    SecondSample,
    Source,
    with_requests,
)
from gate.errors import UserError, location
from gate.files import jsontext
from gate.results import crashes

if TYPE_CHECKING:
    import pandas as pd

STALE_WARNING = (
    "numbers read from Locust's --csv files, which Locust rewrites once a second and not at "
    "shutdown: the last second of the run is missing, so counts and rates undercount "
    "(often by 10-30 % on short runs) and percentiles are approximate. For exact numbers "
    "load the plugin: locust -f locustfile.py,$(python -m gate.plugin) (writes results.json)"
)

_STATS_REQUIRED = (
    "Type",
    "Name",
    "Request Count",
    "Failure Count",
    "Average Response Time",
    "Min Response Time",
    "Max Response Time",
    "Average Content Size",
    "Requests/s",
)
_FAILURES_REQUIRED = ("Method", "Name", "Error", "Occurrences")
_PERCENT_COLUMN = re.compile(r"^(\d+(?:\.\d+)?)%$")


def prefix_of(path: str | Path) -> Path:
    """`out/run_stats.csv` or `out/run` -> `out/run` (the `--csv` prefix)."""
    text = str(path)
    for suffix in ("_stats.csv", "_failures.csv", "_stats_history.csv", "_exceptions.csv"):
        if text.endswith(suffix):
            return Path(text[: -len(suffix)])
    return Path(text)


def _read(path: Path, required: tuple[str, ...]) -> pd.DataFrame:
    if not path.is_file():
        raise UserError(
            f"Locust CSV file {path} does not exist",
            where=str(path),
            fix="run Locust with --csv PREFIX and pass that PREFIX (or the results.json of "
            "gate.plugin, which is exact)",
        )
    # pandas costs about 0.25 s to import: only runs read from CSV pay for it.
    import pandas as pd  # noqa: PLC0415

    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)
    except pd.errors.EmptyDataError:
        raise UserError(
            f"Locust CSV file {path} is empty",
            where=str(path),
            fix="the run probably ended before Locust wrote it; rerun the load test",
        ) from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise UserError(
            f"Locust CSV file {path} cannot be parsed: {exc}",
            where=str(path),
            fix="pass the CSV files exactly as Locust wrote them (--csv PREFIX); a file cut "
            "short or edited by hand cannot be read: rerun the load test",
        ) from None
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise UserError(
            f"Locust CSV file {path} lacks column(s) {', '.join(repr(c) for c in missing)}",
            where=location(str(path), 1, "header"),
            fix=f"expected a Locust --csv file with the columns {', '.join(required)}; "
            f"found {', '.join(map(str, frame.columns))}",
        )
    return frame


def _records(frame: pd.DataFrame) -> list[dict[str, str]]:
    """Rows as {column: cell text}; cells are strings because of dtype=str."""
    return [{str(k): str(v) for k, v in row.items()} for row in frame.to_dict("records")]


def _number(path: Path, row: int, column: str, text: str) -> float | None:
    """A numeric cell; `N/A` and empty give None. `row` is the 0-based data row."""
    value = text.strip()
    if value in {"", "N/A"}:
        return None
    try:
        number = float(value)
    except ValueError:
        raise UserError(
            f"Locust CSV file {path}: column {column!r} holds {value!r}, not a number",
            where=location(str(path), row + 2, column),
            fix="pass the CSV files exactly as Locust wrote them; rerun the load test",
        ) from None
    if not math.isfinite(number):
        return None
    if abs(number) > jsontext.MAX_NUMBER:
        raise UserError(
            f"Locust CSV file {path}: column {column!r} holds {value!r}, beyond any "
            "plausible value",
            where=location(str(path), row + 2, column),
            fix="pass the CSV files exactly as Locust wrote them; rerun the load test",
        )
    return number


def _count(path: Path, row: int, column: str, text: str) -> int:
    number = _number(path, row, column, text)
    return int(number) if number is not None else 0


def _percentile_columns(frame: pd.DataFrame) -> dict[str, float]:
    out: dict[str, float] = {}
    for column in frame.columns:
        match = _PERCENT_COLUMN.match(str(column))
        if match:
            out[str(column)] = round(float(match.group(1)) / 100, 10)  # "99.9%" -> 0.999
    return out


def read(prefix: str | Path) -> Results:
    """Read the CSV files of one Locust run (`prefix` as given to `--csv`)."""
    base = prefix_of(prefix)
    stats_path = Path(f"{base}_stats.csv")
    failures_path = Path(f"{base}_failures.csv")
    history_path = Path(f"{base}_stats_history.csv")

    stats = _read(stats_path, _STATS_REQUIRED)
    failures_frame = _read(failures_path, _FAILURES_REQUIRED)
    history = _read(history_path, ("Timestamp",)) if history_path.is_file() else None

    start_time, end_time, series = _history(history_path, history)
    if start_time is None:
        start_time = end_time = stats_path.stat().st_mtime
    assert end_time is not None
    endpoints, total = _stats(stats_path, stats, start_time, end_time)
    failures = _failures(failures_path, failures_frame)
    return Results(
        source=Source.CSV,
        meta=RunMeta(start_time=start_time, end_time=end_time),
        endpoints=with_requests(endpoints),
        exceptions=_exceptions(Path(f"{base}_exceptions.csv")),
        total=total,
        failures=failures,
        series=series,
        warnings=(STALE_WARNING,),
    )


def _stats(
    path: Path, frame: pd.DataFrame, start_time: float, end_time: float
) -> tuple[list[EndpointStats], EndpointStats]:
    """The endpoints of _stats.csv and its Aggregated row (which must be there)."""
    percent_cols = _percentile_columns(frame)
    endpoints: list[EndpointStats] = []
    total: EndpointStats | None = None
    for i, row in enumerate(_records(frame)):
        entry = _endpoint(
            path, i, row, percent_cols=percent_cols, start_time=start_time, end_time=end_time
        )
        if row["Type"] == "" and row["Name"] == AGGREGATED:
            total = entry
        else:
            endpoints.append(entry)
    if total is None:
        raise UserError(
            f"Locust CSV file {path} has no Aggregated row",
            where=str(path),
            fix="pass an unmodified Locust --csv _stats.csv file",
        )
    return endpoints, total


def _endpoint(
    path: Path,
    i: int,
    row: dict[str, str],
    *,
    percent_cols: dict[str, float],
    start_time: float,
    end_time: float,
) -> EndpointStats:
    """Row `i` of _stats.csv; the file has averages, so totals are average x count."""

    def num(column: str) -> float | None:
        return _number(path, i, column, row[column])

    requests = _count(path, i, "Request Count", row["Request Count"])
    avg = num("Average Response Time") or 0.0
    avg_size = num("Average Content Size") or 0.0
    return EndpointStats(
        method=row["Type"],
        name=row["Name"],
        num_requests=requests,
        num_failures=_count(path, i, "Failure Count", row["Failure Count"]),
        histogram=None,
        total_response_time=avg * requests,
        min_response_time=num("Min Response Time") if requests else None,
        max_response_time=num("Max Response Time") or 0.0,
        total_content_length=round(avg_size * requests),
        start_time=start_time,
        last_request_timestamp=end_time,
        csv_percentiles={
            frac: value
            for column, frac in percent_cols.items()
            if (value := num(column)) is not None
        },
        csv_rps=num("Requests/s"),
    )


def _failures(path: Path, frame: pd.DataFrame) -> tuple[FailureGroup, ...]:
    return tuple(
        FailureGroup(
            method=row["Method"],
            name=row["Name"],
            error=row["Error"],
            occurrences=_count(path, i, "Occurrences", row["Occurrences"]),
        )
        for i, row in enumerate(_records(frame))
    )


def _exceptions(path: Path) -> tuple[RaisedException, ...] | None:
    """The exceptions file, or None when there is none (then they are unknown)."""
    if not path.is_file():
        return None
    rows = _records(_read(path, ("Count", "Message", "Traceback")))
    return crashes.group(
        (row["Message"], _count(path, i, "Count", row["Count"]), row["Traceback"])
        for i, row in enumerate(rows)
    )


def _history(
    path: Path, frame: pd.DataFrame | None
) -> tuple[float | None, float | None, tuple[SecondSample, ...]]:
    """Run span and per-interval deltas from the Aggregated rows of _stats_history.csv."""
    if frame is None or frame.empty:
        return None, None, ()
    rows = _records(frame)
    if "Name" in frame.columns:
        rows = [r for r in rows if r["Name"] == AGGREGATED]
    if not rows:
        return None, None, ()
    stamps = [_number(path, i, "Timestamp", r["Timestamp"]) for i, r in enumerate(rows)]
    valid = [s for s in stamps if s is not None]
    if not valid:
        return None, None, ()
    start, end = min(valid), max(valid)
    needed = {"User Count", "Total Request Count", "Total Failure Count"}
    if not needed <= set(frame.columns):
        return start, end, ()
    samples: list[SecondSample] = []
    prev_req = prev_fail = 0
    for i, (row, stamp) in enumerate(zip(rows, stamps, strict=True)):
        if stamp is None:
            continue
        req = _count(path, i, "Total Request Count", row["Total Request Count"])
        fail = _count(path, i, "Total Failure Count", row["Total Failure Count"])
        if req < prev_req:  # stats were reset
            prev_req = prev_fail = 0
        samples.append(
            SecondSample(
                t=int(stamp - start),
                users=_count(path, i, "User Count", row["User Count"]),
                requests=req - prev_req,
                failures=max(0, fail - prev_fail),
            )
        )
        prev_req, prev_fail = req, fail
    return start, end, tuple(samples)
