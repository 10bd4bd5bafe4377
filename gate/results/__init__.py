"""The Locust edge: the plugin that writes results.json, and the readers of a run.

`plugin` (the Locust plugin's implementation; `gate.plugin` is its public entry),
`resultsfile` (the results.json format), `csvreader` (Locust `--csv`), `jsonfile` (Locust
`--json-file`), `jsondata` (the one validator of both JSON forms) and `loader` (picks the
reader for a path). All produce `gate.core.model.Results`.
"""

from __future__ import annotations

from pathlib import Path


def plugin_path() -> Path:
    """The Locust plugin file to load with `-f` (`gate/plugin.py`), for `--gate-results`."""
    return Path(__file__).resolve().parent.parent / "plugin.py"
