"""Find and read one run's results, whatever form they were saved in.

`load_results(path)` accepts, in this order:

1. a results.json written by `gate.plugin` (exact, complete);
2. a directory: its `results.json`, else a Locust json-file (`*.json` that is a list of
   entries), else a `*_stats.csv` (one each; several is an error);
3. a Locust `--csv` prefix (`out/run` for `out/run_stats.csv`) or any of its CSV files;
4. a Locust `--json-file` output (`NAME.json`).

Every command judges what `load_results` returns, so this is where request names with ids and
query strings are grouped into endpoints (`gate.core.names.group`, on unless the caller
says `group_names=False`); the files themselves keep the raw names.
"""

from __future__ import annotations

from pathlib import Path

from gate.core import names
from gate.core.model import Results
from gate.errors import UserError
from gate.files import jsontext
from gate.results import csvreader, jsonfile, resultsfile, sanity

_HOW = (
    "pass the results.json written by gate.plugin (locust -f locustfile.py,"
    "$(python -m gate.plugin)), a folder holding it, a Locust --csv PREFIX, or a Locust "
    "--json-file output"
)


def _load_json(path: Path) -> Results:
    """results.json or a Locust json-file, told apart by content."""
    try:
        head = path.read_text(encoding="utf-8").lstrip()[:1]
    except (OSError, UnicodeDecodeError):
        return resultsfile.read(path)  # reports the problem
    if head == "[":
        return jsonfile.read(path)
    return resultsfile.read(path)


def _is_locust_json(path: Path) -> bool:
    try:
        return jsonfile.looks_like(jsontext.loads(path.read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError, ValueError):
        return False


def _from_directory(folder: Path) -> Results:
    results = folder / "results.json"
    if results.is_file():
        return resultsfile.read(results)
    candidates = sorted(p for p in folder.glob("*.json") if p.is_file() and _is_locust_json(p))
    csvs = sorted(folder.glob("*_stats.csv"))
    if len(candidates) == 1:
        return jsonfile.read(candidates[0])
    if len(csvs) == 1:
        return csvreader.read(csvreader.prefix_of(csvs[0]))
    if len(candidates) > 1 or len(csvs) > 1:
        found = ", ".join(p.name for p in [*candidates, *csvs])
        raise UserError(
            f"folder {folder} holds results of more than one run ({found})",
            where=str(folder),
            fix="pass the file (or the --csv prefix) of the run you mean",
        )
    raise UserError(
        f"no results found in folder {folder}",
        where=str(folder),
        fix=f"looked for results.json, a Locust --json-file output (*.json) and a Locust "
        f"--csv file (*_stats.csv); {_HOW}",
    )


def load_results(path: Path | str, *, group_names: bool = True) -> Results:
    """Read the results at `path` (see the module docstring for what is accepted); results
    that contradict themselves are refused, whichever reader produced them. With
    `group_names`, request names that differ only by ids or query strings are merged into
    one endpoint each (`gate.core.names`)."""
    results = _load(Path(path))
    sanity.check(results, str(path))
    return names.group(results) if group_names else results


def _load(path: Path) -> Results:
    if path.is_dir():
        return _from_directory(path)
    if path.is_file():
        if path.name.endswith(".csv"):
            return csvreader.read(csvreader.prefix_of(path))
        return _load_json(path)
    prefix = csvreader.prefix_of(path)
    if Path(f"{prefix}_stats.csv").is_file():
        return csvreader.read(prefix)
    json_name = Path(f"{path}.json")
    if json_name.is_file():
        return _load_json(json_name)
    raise UserError(
        f"no results at {path}",
        where=str(path),
        fix=f"looked for the file or folder {path}, the Locust CSV file {prefix}_stats.csv "
        f"and the Locust json-file {json_name}; {_HOW}",
    )
