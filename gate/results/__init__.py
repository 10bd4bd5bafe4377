"""The Locust edge: the plugin that writes results.json, and the readers of a run.

The Locust plugin's implementation (`gate.plugin` is its public entry): `plugin` (the
listeners), `flags` (its options), `collector` (one environment's state and the writes),
`series` (the samples over time, bounded on long runs), `progress` (its lines on
stderr), `snapshot` (Locust's stats as `Results`), `fingerprint` (what identifies the
load), `abortwatch` (the live watch of the `abort:` rules) and `aborted` (the rule that
stopped a run, in results.json).

The readers: `resultsfile` (the results.json format), `csvreader` (Locust `--csv`),
`jsonfile` (Locust `--json-file`), `jsondata` (the one validator of both JSON forms) and
`loader` (picks the reader for a path). All produce `gate.core.model.Results`; `crashes`
turns exceptions raised in the locustfile into `RaisedException`s and `sanity` refuses
results that contradict themselves.
"""

from __future__ import annotations

from pathlib import Path


def plugin_path() -> Path:
    """The Locust plugin file to load with `-f` (`gate/plugin.py`), for `--gate-results`."""
    return Path(__file__).resolve().parent.parent / "plugin.py"
