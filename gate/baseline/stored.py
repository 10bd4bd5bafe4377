"""The stored-run format: one run as a baseline store keeps it (versioned JSON).

Layout (schema `locust-gate/stored-run`, version 1)::

    {
      "schema": "locust-gate/stored-run",
      "version": 1,
      "saved_at": 1700000100.0,            # when it was stored (epoch s)
      "git": {"commit": "3f2a...", "branch": "main", "time": 1700000000.0},
      "machine": {"cpu": "AMD EPYC 7763 64-Core Processor", "cores": 4},  # or null
      "warmup_s": null,                    # seconds cut from the start as warm-up, if any
      "results": RESULTS                   # the results.json format (gate.results.resultsfile)
    }

RESULTS keeps per endpoint the exact histogram, counts, failures, min/max/sum, the
run's metadata and fingerprint and its source (plugin, json-file, csv); the per-second
series, the per-second request counts and the backend's samples are dropped to keep
stores small (a run of
the demo is ~5 KB; docs/benchmarks.md has the figures). `git.time` is the commit time
when known. `machine` is the kind of machine that saved it (`gate.baseline.machine`;
absent in runs stored before it was recorded, read as unknown). Reading refuses another
schema and a newer version with a fix-it message, and a run that contradicts itself
(`gate.results.sanity`, as `check` does for results).

Which runs may become a baseline is decided here once (`refusal`), for `run
--save-baseline` and for the Action's save step alike.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from gate.baseline.machine import MAX_CPU_TEXT
from gate.core.comparability import Machine
from gate.core.model import Results
from gate.core.verdict import Status
from gate.errors import UserError
from gate.files import jsontext
from gate.results import resultsfile, sanity

SCHEMA = "locust-gate/stored-run"
VERSION = 1


@dataclass(frozen=True, kw_only=True)
class GitInfo:
    """Where a run was made from. Every field may be unknown (a run outside git)."""

    commit: str | None = None
    branch: str | None = None
    time: float | None = None


@dataclass(frozen=True, kw_only=True)
class StoredRun:
    results: Results
    git: GitInfo
    saved_at: float
    warmup_s: float | None = None
    machine: Machine | None = None  # the kind of machine it ran on; None: not recorded
    entry: str = ""  # the entry's name in its store (set on reading)

    @property
    def time(self) -> float:
        """When the run ended (epoch s): the order of a history."""
        return self.results.meta.end_time

    @property
    def fingerprint(self) -> str | None:
        return self.results.meta.fingerprint


# A failing run saved as the baseline would make the next failing run look normal.
SAVED_VERDICTS = frozenset({Status.PASS, Status.WARN})


def refusal(verdict: str | None, *, save_failing: bool = False) -> str | None:
    """Why a run with `verdict` (a Status value) must not be saved as a baseline; None
    when it may. Passing and warning runs are saved; a failing one only with
    `save_failing`; a run without a verdict (error, unknown) never: it measured nothing
    that could be judged."""
    status = next((s for s in Status if s.value == verdict), None)
    if status in SAVED_VERDICTS:
        return None
    if status is Status.FAIL and save_failing:
        return None
    return (
        f"the run's verdict is {verdict or 'unknown'} "
        "(only passing or warning runs become the baseline)"
    )


def slim(results: Results) -> Results:
    """`results` without what a later comparison never needs (the per-second data, the
    backend's samples)."""
    endpoints = tuple(
        replace(e, requests_per_second={}, failures_per_second={}) for e in results.endpoints
    )
    total = replace(results.total, requests_per_second={}, failures_per_second={})
    return replace(results, endpoints=endpoints, total=total, series=(), backend=None)


def to_dict(run: StoredRun) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "version": VERSION,
        "saved_at": run.saved_at,
        "git": {"commit": run.git.commit, "branch": run.git.branch, "time": run.git.time},
        "warmup_s": run.warmup_s,
        "machine": None if run.machine is None else {
            "cpu": run.machine.cpu, "cores": run.machine.cores},
        "results": resultsfile.to_dict(slim(run.results)),
    }


def dumps(run: StoredRun) -> str:
    """Compact but line-broken JSON: stores stay small and diffs stay readable."""
    return json.dumps(to_dict(run), indent=1, sort_keys=False, allow_nan=False) + "\n"


def loads(text: str | bytes, *, store: str, entry: str) -> StoredRun:
    """Parse one stored run; every problem is a UserError naming the store and the entry."""
    try:
        data = jsontext.loads(text.decode("utf-8") if isinstance(text, bytes) else text)
    except jsontext.JsonProblem as exc:  # nested too deeply, a number no run holds
        raise _corrupt(f"stored run {entry} cannot be used: {exc.what} (at {exc.key})",
                       store, entry) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raw = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
        # A file cut short (a killed upload, a full disk) no longer ends its top object.
        truncated = isinstance(exc, json.JSONDecodeError) and not raw.rstrip().endswith("}")
        what = "is truncated (the JSON ends early)" if truncated else f"is not valid JSON ({exc})"
        what = "is empty" if not raw.strip() else what
        raise _corrupt(f"stored run {entry} {what}", store, entry) from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        found = data.get("schema") if isinstance(data, dict) else type(data).__name__
        raise _corrupt(
            f"stored run {entry} is not a locust-gate stored run (schema {found!r}, "
            f"expected {SCHEMA!r})",
            store,
            entry,
        )
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise _corrupt(f"stored run {entry} has no valid `version` ({version!r})", store, entry)
    if version > VERSION:
        raise UserError(
            f"stored run {entry} was written by a newer locust-gate (stored-run version "
            f"{version}; this one reads up to {VERSION})",
            where=f"store {store}, entry {entry}",
            fix="upgrade locust-gate (pip install --upgrade locust-gate) wherever the gate "
            "reads this store",
        )
    try:
        results = resultsfile.from_dict(data.get("results"), file=f"{store}:{entry}")
        sanity.check(results, f"{store}:{entry}")  # read with the care `check` takes
        git = _git_in(data.get("git"))
        saved_at = _number(data.get("saved_at"), "saved_at")
        warmup = data.get("warmup_s")
        warmup_s = None if warmup is None else _number(warmup, "warmup_s")
        machine = _machine_in(data.get("machine"))
    except UserError as exc:
        raise _corrupt(f"stored run {entry} is damaged: {exc.what}", store, entry) from None
    return StoredRun(results=results, git=git, saved_at=saved_at, warmup_s=warmup_s,
                     machine=machine, entry=entry)


def _git_in(value: object) -> GitInfo:
    if value is None:
        return GitInfo()
    if not isinstance(value, dict):
        raise UserError("`git` must be an object")
    commit, branch, time = value.get("commit"), value.get("branch"), value.get("time")
    if commit is not None and not isinstance(commit, str):
        raise UserError("`git.commit` must be a string")
    if branch is not None and not isinstance(branch, str):
        raise UserError("`git.branch` must be a string")
    return GitInfo(
        commit=commit, branch=branch, time=None if time is None else _number(time, "git.time")
    )


def _machine_in(value: object) -> Machine | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise UserError("`machine` must be an object")
    cpu, cores = value.get("cpu"), value.get("cores")
    if cpu is not None and (not isinstance(cpu, str) or len(cpu) > MAX_CPU_TEXT):
        raise UserError(f"`machine.cpu` must be a string of at most {MAX_CPU_TEXT} characters")
    if cores is not None and (isinstance(cores, bool) or not isinstance(cores, int)
                              or not 0 < cores < 1_000_000):
        raise UserError(f"`machine.cores` must be a positive whole number, found {cores!r}")
    return Machine(cpu=cpu, cores=cores)


def _number(value: object, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise UserError(f"`{key}` must be a number, found {value!r}")
    return float(value)


def _corrupt(what: str, store: str, entry: str) -> UserError:
    return UserError(
        what,
        where=f"store {store}, entry {entry}",
        fix=f"delete the entry {entry} from the store (or restore it from the store's "
        "history); it is never skipped silently, so the comparison cannot run until then",
    )
