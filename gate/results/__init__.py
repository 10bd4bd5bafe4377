"""The Locust edge: the plugin that writes results.json, and the readers of a run.

The Locust plugin's implementation (`gate.plugin` is its public entry): `plugin` (the
listeners), `flags` (its options), `collector` (one environment's state and the writes),
`series` (the samples over time, bounded on long runs), `progress` (its lines on
stderr), `snapshot` (Locust's stats as `Results`, and the exact figures between two copies of
them), `boundaries` (when those copies are taken: stage starts, the warm-up's end, the
cool-down's start), `loadshape` (the gate's LoadTestShape that runs `stages:`),
`fingerprint` (what identifies the load), `abortwatch` (the live watch of the `abort:` rules)
and `aborted` (the rule that stopped a run, in results.json).

The readers: `resultsfile` (the results.json format; `backend` its section of the
backend's resources, which `run` adds), `csvreader` (Locust `--csv`),
`jsonfile` (Locust `--json-file`), `jsondata` (the one validator of both JSON forms) and
`loader` (picks the reader for a path). All produce `gate.core.model.Results`; `crashes`
turns exceptions raised in the locustfile into `RaisedException`s, `sanity` refuses
results that contradict themselves, and `trim` cuts a warm-up and cool-down after the
fact (`check --warmup`, from the per-second series). `metricsfile` is metrics.json: what
`run` read for the thresholds' `metrics:` section, beside results.json, judged again by
`check`.
"""

from __future__ import annotations

from pathlib import Path


def plugin_path() -> Path:
    """The Locust plugin file to load with `-f` (`gate/plugin.py`), for `--gate-results`."""
    return Path(__file__).resolve().parent.parent / "plugin.py"
