"""Readers: results.json round trip and bad input, Locust CSV and json-file, the loader."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from gate.core.model import Source
from gate.errors import UserError
from gate.results import csvreader, jsonfile, loader, resultsfile
from tests.support.locustrun import LocustRun


def _error(excinfo: pytest.ExceptionInfo[UserError], path: Path) -> str:
    text = excinfo.value.render()
    assert str(path) in text, text
    assert excinfo.value.exit_code == 2
    return text


# --------------------------------------------------------------------------- results.json


def test_results_round_trip(mixed_run: LocustRun, tmp_path: Path) -> None:
    results = resultsfile.read(mixed_run.results)
    copy = tmp_path / "deep" / "copy.json"
    resultsfile.write(copy, results)
    assert resultsfile.read(copy) == results
    assert resultsfile.from_dict(resultsfile.to_dict(results)) == results
    assert list(tmp_path.joinpath("deep").iterdir()) == [copy]  # no temp file left


def test_csv_results_round_trip(mixed_run: LocustRun, tmp_path: Path) -> None:
    results = csvreader.read(mixed_run.csv_prefix)
    resultsfile.write(tmp_path / "r.json", results)
    again = resultsfile.read(tmp_path / "r.json")
    assert again == results and again.source is Source.CSV and again.total.histogram is None


def _raw(mixed_run: LocustRun) -> dict[str, object]:
    data = json.loads(mixed_run.results.read_text())
    assert isinstance(data, dict)
    return data


def test_newer_schema_version(mixed_run: LocustRun, tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    path.write_text(json.dumps({**_raw(mixed_run), "version": 7}))
    with pytest.raises(UserError) as excinfo:
        resultsfile.read(path)
    text = _error(excinfo, path)
    assert "newer locust-gate (schema version 7" in text
    assert "pip install -U locust-gate" in text


def test_truncated_json(mixed_run: LocustRun, tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    path.write_text(mixed_run.results.read_text()[:500])
    with pytest.raises(UserError) as excinfo:
        resultsfile.read(path)
    assert "truncated" in _error(excinfo, path)


def test_not_json_and_empty(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{'schema': nope}\n{}")
    with pytest.raises(UserError) as excinfo:
        resultsfile.read(bad)
    assert "not valid JSON" in _error(excinfo, bad)
    empty = tmp_path / "empty.json"
    empty.write_text("  \n")
    with pytest.raises(UserError) as excinfo:
        resultsfile.read(empty)
    assert "is empty" in _error(excinfo, empty)
    missing = tmp_path / "missing.json"
    with pytest.raises(UserError) as excinfo:
        resultsfile.read(missing)
    assert "does not exist" in _error(excinfo, missing)


def test_wrong_schema(tmp_path: Path) -> None:
    path = tmp_path / "other.json"
    path.write_text(json.dumps({"schema": "something/else", "version": 1}))
    with pytest.raises(UserError) as excinfo:
        resultsfile.read(path)
    assert "not a locust-gate results file" in _error(excinfo, path)


def test_missing_key_names_key_path(mixed_run: LocustRun, tmp_path: Path) -> None:
    data = _raw(mixed_run)
    endpoints = data["endpoints"]
    assert isinstance(endpoints, list)
    del endpoints[1]["num_failures"]
    path = tmp_path / "results.json"
    path.write_text(json.dumps(data))
    with pytest.raises(UserError) as excinfo:
        resultsfile.read(path)
    assert "endpoints[1].num_failures" in _error(excinfo, path)


def test_bad_histogram_key(mixed_run: LocustRun, tmp_path: Path) -> None:
    data = _raw(mixed_run)
    total = data["total"]
    assert isinstance(total, dict)
    total["response_times"] = {"fast": 3}
    path = tmp_path / "results.json"
    path.write_text(json.dumps(data))
    with pytest.raises(UserError) as excinfo:
        resultsfile.read(path)
    assert "total.response_times" in _error(excinfo, path)


def test_histogram_keys_become_ints(mixed_run: LocustRun) -> None:
    results = resultsfile.read(mixed_run.results)
    assert results.total.histogram
    assert all(type(k) is int for k in results.total.histogram)
    assert all(type(k) is int for s in results.series for k in s.histogram)


# --------------------------------------------------------------------------- Locust CSV

STATS_HEADER = (
    "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,"
    "Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,"
    "50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%"
)


def _write_csv(prefix: Path, rows: list[str], header: str = STATS_HEADER) -> None:
    Path(f"{prefix}_stats.csv").write_text("\n".join([header, *rows]) + "\n")
    Path(f"{prefix}_failures.csv").write_text(
        "Method,Name,Error,Occurrences,First Seen,Last Seen\n"
        "GET,NA,HTTPError('500 Server Error'),2,,\n"
    )


def test_csv_na_cells_and_na_null_names(tmp_path: Path) -> None:
    prefix = tmp_path / "run"
    _write_csv(
        prefix,
        [
            "GET,NA,10,2,12,13.5,3,40,2.0,5.0,1.0,12,13,14,15,20,30,40,40,40,40,40",
            "POST,null,0,0,0,0.0,0,0,0.0,0.0,0.0,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A",
            "GET,None,1,0,5,5.0,5,5,10.0,0.5,0.0,5,5,5,5,5,5,5,5,5,5,5",
            ",Aggregated,11,2,12,12.7,3,40,2.7,5.5,1.0,12,13,14,15,20,30,40,40,40,40,40",
        ],
    )
    results = csvreader.read(prefix)
    # POST null made no request: an entry, not an endpoint (as in every reader).
    assert [(e.method, e.name) for e in results.endpoints] == [
        ("GET", "NA"),
        ("GET", "None"),
    ]
    na = results.endpoint("GET", "NA")
    assert na is not None and na.num_requests == 10 and na.num_failures == 2
    assert na.percentile(0.95) == 30 and na.percentile(0.5) == 12 and na.percentile(0.999) == 40
    assert na.rps == 5.0 and na.histogram is None
    assert results.endpoint("POST", "null") is None  # its N/A cells were read, then dropped
    assert results.total.method == "" and results.total.num_requests == 11
    assert results.failures[0].name == "NA" and results.failures[0].occurrences == 2
    assert results.source is Source.CSV and results.warnings


def test_csv_columns_by_name_not_position(tmp_path: Path) -> None:
    prefix = tmp_path / "custom"
    header = (
        "Name,Type,Request Count,Failure Count,Average Response Time,Min Response Time,"
        "Max Response Time,Average Content Size,Requests/s,95%,99.5%"
    )
    _write_csv(
        prefix,
        ["/a,GET,4,0,10,5,20,1,2,19,20", "Aggregated,,4,0,10,5,20,1,2,19,20"],
        header=header,
    )
    results = csvreader.read(prefix)
    entry = results.endpoint("GET", "/a")
    assert entry is not None and entry.csv_percentiles == {0.95: 19.0, 0.995: 20.0}


def test_csv_missing_column_and_file(tmp_path: Path) -> None:
    prefix = tmp_path / "run"
    _write_csv(prefix, ["GET,/a,1"], header="Type,Name,Request Count")
    with pytest.raises(UserError) as excinfo:
        csvreader.read(prefix)
    text = _error(excinfo, Path(f"{prefix}_stats.csv"))
    assert "'Failure Count'" in text and "'Requests/s'" in text
    Path(f"{prefix}_failures.csv").unlink()
    _write_csv(prefix, [",Aggregated,0,0,0,0,0,0,0,0,0" + ",N/A" * 11])
    Path(f"{prefix}_failures.csv").unlink()
    with pytest.raises(UserError) as excinfo:
        csvreader.read(prefix)
    _error(excinfo, Path(f"{prefix}_failures.csv"))


def test_csv_bad_number_names_row_and_column(tmp_path: Path) -> None:
    prefix = tmp_path / "run"
    _write_csv(prefix, ["GET,/a,many,0,1,1,1,1,1,1,0" + ",1" * 11])
    with pytest.raises(UserError) as excinfo:
        csvreader.read(prefix)
    text = _error(excinfo, Path(f"{prefix}_stats.csv"))
    assert ":2" in text and "Request Count" in text


def test_real_csv_has_history_series(mixed_run: LocustRun) -> None:
    results = csvreader.read(mixed_run.csv_prefix)
    assert results.series and results.total.name == "Aggregated"
    assert results.meta.end_time >= results.meta.start_time
    assert results.total.percentile(0.5) is not None


# --------------------------------------------------------------------------- json-file


def test_json_file_shape(mixed_run: LocustRun) -> None:
    raw = json.loads(mixed_run.json_file.read_text())
    assert isinstance(raw, list) and all("response_times" in e for e in raw)
    assert not any(e["name"] == "Aggregated" for e in raw)
    results = jsonfile.read(mixed_run.json_file)
    assert results.total.name == "Aggregated" and results.failures == ()
    assert {"NA", "null"} <= {e.name for e in results.endpoints}


def test_json_file_bad_input(tmp_path: Path) -> None:
    path = tmp_path / "locust.json"
    path.write_text('[{"name": "/a", "method": "GET"')
    with pytest.raises(UserError) as excinfo:
        jsonfile.read(path)
    _error(excinfo, path)
    path.write_text('[{"name": "/a", "method": "GET"}]')
    with pytest.raises(UserError) as excinfo:
        jsonfile.read(path)
    assert "[0].num_requests" in _error(excinfo, path)


@pytest.mark.parametrize(
    ("field", "value", "key"),
    [
        ("num_requests", -3, "[0].num_requests"),
        ("num_failures", 1.5, "[0].num_failures"),
        ("response_times", {"10": -1}, "[0].response_times.10"),
    ],
)
def test_json_file_counts_are_whole_and_not_negative(
    mixed_run: LocustRun, tmp_path: Path, field: str, value: object, key: str
) -> None:
    """One validator for both JSON forms: a json-file is held to results.json's rules."""
    raw = json.loads(mixed_run.json_file.read_text())
    raw[0][field] = value
    path = tmp_path / "locust.json"
    path.write_text(json.dumps(raw))
    with pytest.raises(UserError) as excinfo:
        jsonfile.read(path)
    text = _error(excinfo, path)
    assert key in text and "count (integer >= 0)" in text


def test_negative_request_count_in_results_json(mixed_run: LocustRun, tmp_path: Path) -> None:
    data = _raw(mixed_run)
    total = data["total"]
    assert isinstance(total, dict)
    total["num_requests"] = -1
    path = tmp_path / "results.json"
    path.write_text(json.dumps(data))
    with pytest.raises(UserError) as excinfo:
        resultsfile.read(path)
    assert "total.num_requests" in _error(excinfo, path)


# --------------------------------------------------------------------------- loader


def test_loader_forms(mixed_run: LocustRun, tmp_path: Path) -> None:
    exact = resultsfile.read(mixed_run.results)
    assert loader.load_results(mixed_run.results) == exact
    assert loader.load_results(mixed_run.out_dir) == exact
    assert loader.load_results(mixed_run.csv_prefix).source is Source.CSV
    assert loader.load_results(Path(f"{mixed_run.csv_prefix}_stats.csv")).source is Source.CSV
    assert loader.load_results(mixed_run.json_file).source is Source.JSON_FILE
    assert loader.load_results(mixed_run.json_file.with_suffix("")).source is Source.JSON_FILE
    only_json = tmp_path / "only-json"
    only_json.mkdir()
    shutil.copy(mixed_run.json_file, only_json / "locust.json")
    assert loader.load_results(only_json).source is Source.JSON_FILE
    only_csv = tmp_path / "only-csv"
    only_csv.mkdir()
    for f in mixed_run.out_dir.glob("run_*.csv"):
        shutil.copy(f, only_csv / f.name)
    assert loader.load_results(only_csv).source is Source.CSV


def test_loader_nothing_found(tmp_path: Path) -> None:
    with pytest.raises(UserError) as excinfo:
        loader.load_results(tmp_path / "nope")
    text = _error(excinfo, tmp_path / "nope")
    assert "nope_stats.csv" in text and "nope.json" in text
    with pytest.raises(UserError) as excinfo:
        loader.load_results(tmp_path)
    text = _error(excinfo, tmp_path)
    assert "results.json" in text and "*_stats.csv" in text
