"""The report dir a pull request's run uploaded, read by the fork-safe second stage as
hostile input.

Every file in the artifact was made by the pull request's code (a fork's, for a fork PR),
and the second stage posts under the bot's name. So only `pull-request.json` and
`verdict.json` are read (never `comment.md`), every value is checked for its type and
bounded (a PR number of 10^30 must not reach the API), the comment is re-rendered from
the verdict with the same escaping as endpoint names (`gate.reports.review`), and a
verdict better than what the workflow run concluded is shown as failed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from gate.core.comparability import Caveat, Comparability, Lineage, Machine
from gate.core.rules import Bound, Level, Unit
from gate.core.verdict import (
    BaselineRef,
    Check,
    Comparison,
    Outcome,
    Scope,
    Status,
    Totals,
    Verdict,
    status_of,
)
from gate.errors import UserError
from gate.files import jsontext
from gate.github import sticky
from gate.github.event import WorkflowRun
from gate.reports import review

PULL_REQUEST_FILE = "pull-request.json"
VERDICT_FILE = "verdict.json"
MAX_FILE_BYTES = 16 * 1024 * 1024  # a verdict of 10,000 checks is about 6 MB
MAX_CHECKS = 10_000  # more than any comment shows; `fit` cuts rows beyond its limit
MAX_WARNINGS = 20
MAX_TEXT = 2_000  # characters of one string kept (each is cut shorter when rendered)
MAX_PULL_NUMBER = 2**31 - 1  # GitHub's issue numbers are 32-bit
MAX_COUNT = 10**15  # requests, failures, checks, users
_SHA = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
# The verdicts from best to worst: a claim is never shown better than the checks say.
_RANK = (Status.PASS, Status.WARN, Status.FAIL, Status.ERROR)
E = TypeVar("E")


@dataclass(frozen=True, kw_only=True)
class PullClaim:
    """What the artifact says it was made for; checked against the event and the API."""

    number: int
    head_sha: str


@dataclass(frozen=True, kw_only=True)
class Reading:
    """The comment to post, re-rendered, and the verdict behind it (for `on-change`)."""

    body: str
    status: Status
    state_source: Mapping[str, Any]  # what `sticky.state_digest` reads


def read_pull(report_dir: Path) -> PullClaim | None:
    """pull-request.json, bounded; None when the artifact has none."""
    path = report_dir / PULL_REQUEST_FILE
    if not path.exists() and not path.is_symlink():
        return None
    data = _document(path)
    reader = _Reader(path=path)
    number = reader.integer("number", data.get("number"), low=1, high=MAX_PULL_NUMBER)
    head = reader.text("head_sha", data.get("head_sha"), limit=64)
    if not _SHA.fullmatch(head):
        raise reader.problem("head_sha", "is not a commit SHA (40 or 64 hex digits)")
    return PullClaim(number=number, head_sha=head)


def read_verdict(report_dir: Path, *, run: WorkflowRun, links: review.Links | None,
                 limit: int) -> Reading:
    """verdict.json, checked and re-rendered within `limit` characters."""
    path = report_dir / VERDICT_FILE
    if not path.exists() and not path.is_symlink():
        raise UserError(f"no {VERDICT_FILE} in the artifact {report_dir}", where=str(report_dir),
                        fix="download the artifact the first stage uploaded (the Action's "
                            "artifact-name, or `locust-gate check --report-dir`)")
    data = _document(path)
    reader = _Reader(path=path)
    claimed = reader.enum("verdict", data.get("verdict"), Status)
    if claimed is Status.ERROR:  # the worst verdict: no conclusion makes it look better
        return _error_reading(reader, data)
    verdict = _verdict(reader, data, claimed)
    status, caution = _believable(verdict.status, run)
    if status is not verdict.status:
        verdict = Verdict(status=status, checks=verdict.checks, totals=verdict.totals,
                          reasons=verdict.reasons, warnings=verdict.warnings,
                          baseline=verdict.baseline)
    body = review.fit_verdict(
        verdict, load=_load(reader, data), links=links, limit=limit, caution=caution,
        thresholds=review.relative(
            reader.text("thresholds", data.get("thresholds", ""), limit=MAX_TEXT), None),
        warnings=reader.texts("warnings", data.get("warnings") or [], count=MAX_WARNINGS))
    return Reading(body=body, status=status, state_source={
        "verdict": status.value,
        "run": {"profile": profile_of(data)},
        "checks": [{"scope": c.scope.value, "endpoint": c.endpoint, "metric": c.metric,
                    "outcome": c.outcome.value, "level": c.level.value if c.level else None}
                   for c in verdict.checks],
    })


def _believable(claimed: Status, run: WorkflowRun) -> tuple[Status, str]:
    """A pass or warn claimed for a workflow run that did not succeed is shown as failed:
    the run's conclusion comes from GitHub, the claim from the pull request's code."""
    if claimed in (Status.PASS, Status.WARN) and run.conclusion != "success":
        return Status.FAIL, (
            f"The workflow run concluded {run.conclusion or 'nothing'}, but its verdict.json "
            f"says {claimed.value.upper()}: shown as failed. Read the workflow run's log for "
            "what failed.")
    return claimed, ""


def _error_reading(reader: _Reader, data: Mapping[str, Any]) -> Reading:
    error = reader.mapping("error", data.get("error") or {})
    stage = reader.text("error.stage", error.get("stage", "run"), limit=100)
    what = reader.text("error.message", error.get("message", ""), limit=MAX_TEXT)
    fix = reader.text("error.fix", error.get("fix") or "", limit=MAX_TEXT)
    body = review.error_markdown(stage=stage, what=what, fix=fix)
    return Reading(body=body, status=Status.ERROR,
                   state_source={"verdict": Status.ERROR.value, "checks": [],
                                 "run": {"profile": profile_of(data)}})


def _verdict(reader: _Reader, data: Mapping[str, Any], claimed: Status) -> Verdict:
    raw = reader.sequence("checks", data.get("checks"), count=MAX_CHECKS)
    checks = tuple(_check(reader, f"checks[{i}]", item) for i, item in enumerate(raw))
    if not checks:
        raise reader.problem("checks", f"is empty, but the verdict is {claimed.value}: a "
                                       "gate that checked nothing is never a pass")
    worst = max(claimed, status_of(checks), key=_RANK.index)
    totals = reader.mapping("totals", data.get("totals"))
    return Verdict(
        status=worst, checks=checks, baseline=_baseline(reader, data.get("baseline")),
        totals=Totals(
            requests=reader.integer("totals.requests", totals.get("requests")),
            failures=reader.integer("totals.failures", totals.get("failures")),
            endpoints=reader.integer("totals.endpoints", totals.get("endpoints")),
            checks=len(checks), by_outcome={}),
    )


def _check(reader: _Reader, where: str, raw: Any) -> Check:
    item = reader.mapping(where, raw)
    level = item.get("level")
    return Check(
        scope=reader.enum(f"{where}.scope", item.get("scope"), Scope),
        endpoint=reader.text(f"{where}.endpoint", item.get("endpoint", ""), limit=MAX_TEXT),
        method="", name="",
        metric=reader.text(f"{where}.metric", item.get("metric"), limit=40),
        unit=reader.enum(f"{where}.unit", item.get("unit"), Unit),
        measured=reader.optional_number(f"{where}.measured", item.get("measured")),
        limit=reader.optional_number(f"{where}.limit", item.get("limit")),
        bound=reader.enum(f"{where}.bound", item.get("bound", "max"), Bound),
        outcome=reader.enum(f"{where}.outcome", item.get("outcome"), Outcome),
        level=None if level is None else reader.enum(f"{where}.level", level, Level),
        message=reader.text(f"{where}.message", item.get("message") or "", limit=MAX_TEXT),
        comparison=_comparison(reader, f"{where}.comparison", item.get("comparison")),
    )


def _comparison(reader: _Reader, where: str, raw: Any) -> Comparison | None:
    if raw is None:
        return None
    item = reader.mapping(where, raw)
    return Comparison(
        baseline=reader.number(f"{where}.baseline", item.get("baseline")),
        change=reader.number(f"{where}.change", item.get("change")),
        change_ratio=reader.optional_number(f"{where}.change_ratio", item.get("change_ratio")),
    )


def _baseline(reader: _Reader, raw: Any) -> BaselineRef | None:
    if raw is None:
        return None
    item = reader.mapping("baseline", raw)
    commit, branch = item.get("commit"), item.get("branch")
    return BaselineRef(
        store=reader.text("baseline.store", item.get("store", ""), limit=MAX_TEXT),
        commit=None if commit is None else reader.text("baseline.commit", commit, limit=64),
        branch=None if branch is None else reader.text("baseline.branch", branch,
                                                       limit=MAX_TEXT),
        time=reader.optional_number("baseline.time", item.get("time")),
        runs=reader.integer("baseline.runs", item.get("runs", 1), high=10_000),
        fit=_fit(reader, item.get("fit")),
    )


def _fit(reader: _Reader, raw: Any) -> Comparability | None:
    """The baseline's comparability (`verdictfile._fit_dict`), each value bounded."""
    if raw is None:
        return None
    item, key = reader.mapping("baseline.fit", raw), "baseline.fit."
    lineage = Lineage(
        branch=reader.optional_text(key + "branch", item.get("branch"), limit=MAX_TEXT),
        merge_base=reader.optional_text(key + "merge_base", item.get("merge_base"), limit=64),
        behind=reader.optional_integer(key + "behind", item.get("behind")),
        left_out=reader.integer(key + "left_out", item.get("left_out", 0), high=10_000),
        no_merge_base=reader.optional_text(key + "no_merge_base", item.get("no_merge_base"),
                                           limit=MAX_TEXT),
    )
    caveats = reader.sequence(key + "caveats", item.get("caveats", []), count=len(Caveat))
    return Comparability(
        lineage=lineage, runs=reader.integer(key + "runs", item.get("runs", 0), high=10_000),
        age_s=reader.optional_number(key + "age_s", item.get("age_s")),
        covered=reader.integer(key + "covered", item.get("covered", 0)),
        endpoints=reader.integer(key + "endpoints", item.get("endpoints", 0)),
        machine=_machine(reader, key + "machine", item.get("machine")),
        here=_machine(reader, key + "this_machine", item.get("this_machine")),
        other_machine=reader.optional_flag(key + "other_machine", item.get("other_machine")),
        max_age_days=reader.integer(key + "max_age_days", item.get("max_age_days", 30)),
        caveats=tuple(reader.enum(f"{key}caveats[{i}]", c, Caveat) for i, c in enumerate(caveats)),
    )


def _machine(reader: _Reader, key: str, raw: Any) -> Machine | None:
    if raw is None:
        return None
    item = reader.mapping(key, raw)
    return Machine(cpu=reader.optional_text(key + ".cpu", item.get("cpu"), limit=200),
                   cores=reader.optional_integer(key + ".cores", item.get("cores")))


def _load(reader: _Reader, data: Mapping[str, Any]) -> review.Load:
    totals = reader.mapping("totals", data.get("totals"))
    run = reader.mapping("run", data.get("run") or {})
    results = reader.mapping("results", data.get("results") or {})
    users = run.get("users")
    return review.Load(
        requests=reader.integer("totals.requests", totals.get("requests")),
        failures=reader.integer("totals.failures", totals.get("failures")),
        fail_ratio=reader.number("totals.fail_ratio", totals.get("fail_ratio"), low=0, high=1),
        rps=reader.number("totals.rps", totals.get("rps"), low=0),
        duration_s=reader.number("run.duration_s", run.get("duration_s", 0), low=0),
        users=None if users is None else reader.integer("run.users", users),
        exact=results.get("exact") is True,
        source=reader.text("results.source", results.get("source", "?"), limit=20),
        profile=profile_of(data),
    )


def profile_of(verdict: Mapping[str, Any]) -> str | None:
    """The run's profile recorded in verdict.json, when it is a profile name (anything
    else, from a hand-made or hostile file, is not one: None)."""
    run = verdict.get("run")
    profile = run.get("profile") if isinstance(run, Mapping) else None
    return profile if isinstance(profile, str) and sticky.is_id(profile) else None


def _document(path: Path) -> Mapping[str, Any]:
    """One JSON object from the artifact: a regular file (no link), bounded in size."""
    where = str(path)
    fix = ("the artifact is written by `locust-gate check`/`run` in the pull request's "
           "run; a file it did not write is not posted")
    if path.is_symlink() or not path.is_file():
        raise UserError(f"the artifact's {path.name} is not a regular file", where=where,
                        fix=fix)
    if path.stat().st_size > MAX_FILE_BYTES:
        raise UserError(f"the artifact's {path.name} is larger than "
                        f"{MAX_FILE_BYTES // (1024 * 1024)} MiB", where=where, fix=fix)
    try:
        data = jsontext.loads(path.read_text(encoding="utf-8"))
    except jsontext.JsonProblem as problem:
        raise UserError(f"the artifact's {path.name} cannot be used: {problem.what}",
                        where=f"{where}: {problem.key}", fix=fix) from None
    except (OSError, ValueError) as exc:  # JSONDecodeError, UnicodeDecodeError
        raise UserError(f"the artifact's {path.name} is not JSON: {exc}", where=where,
                        fix=fix) from None
    if not isinstance(data, dict):
        raise UserError(f"the artifact's {path.name} is not a JSON object", where=where,
                        fix=fix)
    return data


@dataclass(frozen=True, kw_only=True)
class _Reader:
    """Typed, bounded reads of the values of the document at `path`; a bad one is a
    `UserError` naming the file and the key."""

    path: Path

    def problem(self, key: str, what: str) -> UserError:
        return UserError(f"the artifact's {self.path.name}: `{key}` {what}",
                         where=f"{self.path}: {key}",
                         fix="the artifact is written by `locust-gate check`/`run` in the pull "
                             "request's run; a value it did not write is not posted")

    def integer(self, key: str, value: Any, *, low: int = 0, high: int = MAX_COUNT) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.problem(key, f"is {_shown(value)}, not a whole number")
        if not low <= value <= high:
            raise self.problem(key, f"is {_shown(value)}, not between {low} and {high:,}")
        return value

    def optional_number(self, key: str, value: Any) -> float | None:
        return None if value is None else self.number(key, value)

    def optional_integer(self, key: str, value: Any) -> int | None:
        return None if value is None else self.integer(key, value)

    def optional_text(self, key: str, value: Any, *, limit: int) -> str | None:
        return None if value is None else self.text(key, value, limit=limit)

    def optional_flag(self, key: str, value: Any) -> bool | None:
        if value is not None and not isinstance(value, bool):
            raise self.problem(key, f"is {_shown(value)}, not true, false or null")
        return value

    def number(self, key: str, value: Any, *, low: float = -jsontext.MAX_NUMBER,
               high: float = jsontext.MAX_NUMBER) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.problem(key, f"is {_shown(value)}, not a number")
        if not low <= value <= high:
            raise self.problem(key, f"is {_shown(value)}, not between {low:g} and {high:g}")
        return float(value)

    def text(self, key: str, value: Any, *, limit: int) -> str:
        if not isinstance(value, str):
            raise self.problem(key, f"is {_shown(value)}, not a string")
        return value[:limit]

    def texts(self, key: str, value: Any, *, count: int) -> list[str]:
        items = self.sequence(key, value, count=count)
        return [self.text(f"{key}[{i}]", item, limit=MAX_TEXT) for i, item in enumerate(items)]

    def enum(self, key: str, value: Any, kind: Callable[[str], E]) -> E:
        try:
            return kind(value) if isinstance(value, str) else kind("\0")
        except ValueError:
            raise self.problem(key, f"is {_shown(value)}, not one of the known values") from None

    def mapping(self, key: str, value: Any) -> Mapping[str, Any]:
        if not isinstance(value, dict):
            raise self.problem(key, f"is {_shown(value)}, not an object")
        return value

    def sequence(self, key: str, value: Any, *, count: int) -> list[Any]:
        if not isinstance(value, list):
            raise self.problem(key, f"is {_shown(value)}, not a list")
        if len(value) > count:
            raise self.problem(key, f"has {len(value):,} items, more than {count:,}")
        return value


def _shown(value: Any) -> str:
    """A value from the artifact as an error message may show it: short, JSON-quoted."""
    if isinstance(value, dict | list):
        return "an object" if isinstance(value, dict) else "a list"
    text = json.dumps(value, ensure_ascii=True)
    return text if len(text) <= 40 else text[:39] + "…"
