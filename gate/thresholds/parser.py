"""Read a thresholds file (YAML, version 1) into a validated `gate.core.rules.Thresholds`.

The format, in short (`thresholds/example.yml` shows every feature, and
`thresholds/thresholds.schema.json` lets editors complete and check it):

    version: 1
    on-inconclusive: warn          # or fail; an inconclusive check never passes
    defaults:                      # every endpoint, unless an override replaces a metric
      p95: 500ms
      p99: {warn: 800ms, fail: 1s}
      fail-ratio: 1%
      min-requests: 20
    endpoints:                     # overrides; the first entry that matches wins
      - match: "GET /api/search*"
        p95: 1500ms
    aggregate:                     # the whole run (Locust's Aggregated row)
      rps: 50
      exceptions: 0                # the default; {warn: 0} to only warn, off to ignore

Limits. A limit is a value (level fail) or a mapping `{warn: ..., fail: ...}` with either
or both levels. Latencies (`p50` ... `p99.9`, `max`, `avg`) are upper limits in ms/s/m,
`fail-ratio` an upper limit in %, `rps` a floor in requests per second; `{min: ...}` (for
`rps`) and `{max: ...}` (for the others) are accepted as another way to write the fail
level. `warn` must not be looser than `fail`. Inside an endpoint entry, `off` (or `false`)
switches a default off for that endpoint. `aggregate.exceptions` limits the unhandled
exceptions raised in the locustfile (a count; 0 at level fail when absent, `off` ignores
them). A file with no rule at all is refused: a gate that checks nothing must not pass.

Matching endpoints. Each entry has exactly one of
- `match:` an exact name, or else a glob when it contains `*`, `?` or `[` (the exact name
  is tried first, so Locust's grouped names such as `/ticket/[id]` match as written);
- `regex:` a Python regular expression (searched, so anchor it with `^...$`);
- `name:` an exact name, even when it contains glob characters.
The pattern is tried against Locust's `NAME` and against `METHOD NAME` (see
`gate.core.rules.Matcher`), so `match: "GET /api/search*"` selects GET requests only while
`match: "/api/search*"` selects every method; nothing is split off the pattern. `method:`
restricts an entry to one method (Locust's `Type`, compared case-insensitively). An entry
that an earlier entry makes unreachable (same pattern and method) is an error.

Errors are `UserError`s whose `where` reads `path:line (at key.path)`, e.g.
`thresholds/demo.yml:12 (at endpoints[1].p95)` (list indexes count from 0); YAML syntax
errors read `path:line:column`. `Rule.where` and `EndpointRules.where` use the same form so
that reports can point to the line a rule came from. Keys are read as written (YAML 1.1
would read a key `on` as `true`); values follow YAML 1.1, so `off`/`no` read as false.
Duplicate keys are errors (PyYAML would silently keep the last one). Anchors, aliases and
merge keys (`<<: *common`) work; top-level keys starting with `x-` are ignored, a place to
define anchors (`x-fast: &fast {p95: 200ms}`). `gate.files.yamlfile` does the line-aware reading.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from gate.core.rules import (
    EndpointRules,
    Level,
    Limit,
    Matcher,
    MatchKind,
    Metric,
    Rule,
    Thresholds,
    default_exceptions_rule,
)
from gate.core.units import UnitError, format_limit, parse_count, parse_value
from gate.errors import UserError, location
from gate.files.yamlfile import Map, Seq, indent, kind, suggest
from gate.files.yamlfile import load as load_yaml

SUPPORTED_VERSION = 1

# Per-endpoint metrics; `exceptions` counts the whole run, so it is an aggregate key only.
METRIC_KEYS: tuple[str, ...] = tuple(m.value for m in Metric if m is not Metric.EXCEPTIONS)
TOP_KEYS = ("version", "on-inconclusive", "defaults", "endpoints", "aggregate")
SECTION_KEYS = (*METRIC_KEYS, "min-requests")
AGGREGATE_KEYS = (*SECTION_KEYS, Metric.EXCEPTIONS.value)
SELECTOR_KEYS = ("match", "regex", "name")
ENDPOINT_KEYS = (*SELECTOR_KEYS, "method", "required", "min-requests", *METRIC_KEYS)
GLOB_CHARACTERS = "*?["
# Top-level keys starting with this are ignored: a place for YAML anchors (`x-common: &c`).
EXTENSION_PREFIX = "x-"

# Names people write by habit -> the key this format uses (offered as "did you mean").
_ALIASES = {
    "type": "method",
    "glob": "match",
    "pattern": "match",
    "path": "match",
    "endpoint": "match",
    "p999": "p99.9",
    "p99_9": "p99.9",
    "p100": "max",
    "exception": "exceptions",
    "crashes": "exceptions",
    "errors-in-locustfile": "exceptions",
    "median": "p50",
    "mean": "avg",
    "average": "avg",
    "rate": "rps",
    "throughput": "rps",
    "error-rate": "fail-ratio",
    "errors": "fail-ratio",
    "failures": "fail-ratio",
    "fail-rate": "fail-ratio",
    "failure-rate": "fail-ratio",
    "min-count": "min-requests",
    "requests": "min-requests",
    "inconclusive": "on-inconclusive",
    "default": "defaults",
    "endpoint-rules": "endpoints",
    "overrides": "endpoints",
    "total": "aggregate",
    "aggregated": "aggregate",
}

_METHOD_RE = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
_EXAMPLE_FILE = "version: 1\ndefaults:\n  p95: 500ms"


def load(path: Path) -> Thresholds:
    """Read and validate a thresholds file; every problem is a `UserError`."""
    shown = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise UserError(
            "thresholds file not found",
            where=shown,
            fix="check the path; thresholds/example.yml is a commented example to start from",
        ) from None
    except IsADirectoryError:
        raise UserError(
            "the thresholds path is a directory, not a file",
            where=shown,
            fix="name the YAML file itself, e.g. thresholds/demo.yml",
        ) from None
    except UnicodeDecodeError as exc:
        raise UserError(
            f"the thresholds file is not UTF-8 text ({exc.reason} at byte {exc.start})",
            where=shown,
            fix="save the file as UTF-8",
        ) from None
    except OSError as exc:
        raise UserError(
            f"cannot read the thresholds file: {exc.strerror or exc}",
            where=shown,
            fix="check that the file exists and is readable",
        ) from None
    return parse(text, shown)


def parse(text: str, path: str) -> Thresholds:
    """Validate the text of a thresholds file; `path` is only used in messages."""
    top = load_yaml(text, path, what="the thresholds file", example=_EXAMPLE_FILE)
    return _Parser(path).thresholds(top, text)


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the thresholds file (packaged as gate/schema/)."""
    resource = resources.files("gate.thresholds").joinpath("schema", "thresholds.schema.json")
    schema: dict[str, Any] = json.loads(resource.read_text(encoding="utf-8"))
    return schema


# --- validation -------------------------------------------------------------------------


class _Parser:
    def __init__(self, path: str) -> None:
        self.path = path

    def error(self, what: str, line: int, key: str, fix: str) -> UserError:
        return UserError(what, where=location(self.path, line, key), fix=fix)

    def thresholds(self, top: Map, text: str) -> Thresholds:
        version = self.version(top)  # first: a newer file may use keys this one lacks
        self.check_keys(top, "", TOP_KEYS)
        on_inconclusive = self.on_inconclusive(top)
        defaults, default_min = self.section(top, "defaults", SECTION_KEYS)
        aggregate, aggregate_min = self.section(top, "aggregate", AGGREGATE_KEYS)
        endpoints = self.endpoints(top)
        exceptions = self.exceptions(top)
        limits_exceptions = exceptions is not None and exceptions.rule is not None
        if not defaults and not aggregate and not limits_exceptions and not any(
            e.rules or e.required for e in endpoints
        ):
            raise self.error(
                "the thresholds file has no rules, so the gate would check nothing (and a gate "
                "that checks nothing must not pass)",
                top.line,
                "defaults",
                "add at least one limit, e.g.\n"
                + indent("defaults:\n  p95: 500ms\n  fail-ratio: 1%\naggregate:\n  rps: 10")
                + "\nor let `locust-gate thresholds init RESULTS` write a file from a run",
            )
        return Thresholds(
            path=self.path,
            version=version,
            defaults=defaults,
            min_requests=default_min if default_min is not None else 1,
            endpoints=endpoints,
            aggregate=aggregate,
            aggregate_min_requests=aggregate_min if aggregate_min is not None else 1,
            on_inconclusive=on_inconclusive,
            exceptions=default_exceptions_rule() if exceptions is None else exceptions.rule,
            source_text=text,
        )

    # keys

    def check_keys(self, mapping: Map, prefix: str, allowed: Sequence[str]) -> None:
        for key in mapping:
            if key in allowed or (not prefix and key.startswith(EXTENSION_PREFIX)):
                continue
            line = mapping.key_lines[key]
            where = f"{prefix}.{key}" if prefix else key
            section = prefix or "the top level"
            if key == Metric.EXCEPTIONS.value:
                raise self.error(
                    f"exceptions cannot be set in {section}: it counts the exceptions of the "
                    "whole run, not of one endpoint",
                    line,
                    where,
                    "move it to the aggregate section: aggregate:\n  exceptions: 0",
                )
            suggestion = suggest(key, allowed, _ALIASES)
            hint = f"did you mean {suggestion!r}? " if suggestion else "remove it. "
            metrics = [name for name in allowed if name in METRIC_KEYS]
            if metrics and _looks_like_metric(key):
                raise self.error(
                    f"unknown metric {key!r} in {section}",
                    line,
                    where,
                    f"{hint}Metrics: {', '.join(metrics)}",
                )
            raise self.error(
                f"unknown key {key!r} in {section}",
                line,
                where,
                f"{hint}Allowed keys here: {', '.join(allowed)}",
            )

    # top level

    def version(self, top: Map) -> int:
        example = f"write version: {SUPPORTED_VERSION} as the first key"
        if "version" not in top:
            raise self.error("the thresholds file has no version", top.line, "version", example)
        value = top["version"]
        line = top.value_lines["version"]
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(
                f"version must be a whole number, not {kind(value)}",
                line,
                "version",
                f"write version: {SUPPORTED_VERSION} (without quotes)",
            )
        if value > SUPPORTED_VERSION:
            raise self.error(
                f"this file needs a newer locust-gate: it is version {value}, this "
                f"locust-gate reads version {SUPPORTED_VERSION}",
                line,
                "version",
                "upgrade locust-gate (pip install --upgrade locust-gate), or rewrite the file "
                f"for version {SUPPORTED_VERSION}",
            )
        if value < 1:
            raise self.error(f"unsupported version {value}", line, "version", example)
        return value

    def on_inconclusive(self, top: Map) -> Level:
        key = "on-inconclusive"
        if key not in top:
            return Level.WARN
        value = top[key]
        choices = [level.value for level in Level]
        if isinstance(value, str) and value.lower() in choices:
            return Level(value.lower())
        why = (
            " (an inconclusive check never passes)"
            if isinstance(value, str) and value.lower() == "pass"
            else ""
        )
        raise self.error(
            f"on-inconclusive must be warn or fail, not {kind(value)}{why}",
            top.value_lines[key],
            key,
            "write on-inconclusive: warn (report it) or on-inconclusive: fail (fail the gate)",
        )

    # defaults and aggregate

    def section(
        self, top: Map, name: str, allowed: Sequence[str]
    ) -> tuple[tuple[Rule, ...], int | None]:
        """The rules of `defaults` or `aggregate` (without `exceptions`: see below)."""
        if name not in top or top[name] is None:
            return (), None
        mapping = top[name]
        if not isinstance(mapping, Map):
            raise self.error(
                f"{name} must be a mapping of metrics, not {kind(mapping)}",
                top.value_lines[name],
                name,
                f"write for example:\n{indent(f'{name}:{chr(10)}  p95: 500ms')}",
            )
        self.check_keys(mapping, name, allowed)
        rules: list[Rule] = []
        for key, value in mapping.items():
            if key in METRIC_KEYS:
                if _is_off(value):
                    raise self.error(
                        f"{key}: off only switches a default off inside an endpoints entry",
                        mapping.value_lines[key],
                        f"{name}.{key}",
                        f"delete the {key} line to have no {key} limit in {name}",
                    )
                rules.append(self.rule(Metric(key), mapping, key, f"{name}.{key}"))
        return tuple(rules), self.min_requests(mapping, name)

    def exceptions(self, top: Map) -> _Exceptions | None:
        """`aggregate.exceptions` as written (None when absent: the default applies)."""
        key = Metric.EXCEPTIONS.value
        mapping = top.get("aggregate")
        if not isinstance(mapping, Map) or key not in mapping:
            return None
        if _is_off(mapping[key]):
            return _Exceptions(rule=None)
        return _Exceptions(rule=self.rule(Metric.EXCEPTIONS, mapping, key, f"aggregate.{key}"))

    def min_requests(self, mapping: Map, prefix: str) -> int | None:
        key = "min-requests"
        if key not in mapping:
            return None
        try:
            return parse_count(mapping[key], minimum=1)
        except UnitError as exc:
            raise self.error(
                f"{key}: {exc.problem}",
                mapping.value_lines[key],
                f"{prefix}.{key}",
                f"{exc.fix} (with fewer requests a check is inconclusive)",
            ) from None

    # limits

    def rule(self, metric: Metric, mapping: Map, key: str, keypath: str) -> Rule:
        value = mapping[key]
        line = mapping.value_lines[key]
        example = format_limit(self.example_value(metric), metric.unit)
        direction = "min" if metric.is_floor else "max"
        if value is None:
            raise self.error(
                f"{key} has no limit",
                line,
                keypath,
                f"write a limit such as {key}: {example} or {{warn: ..., fail: ...}}",
            )
        if isinstance(value, Map):
            self.check_keys(value, keypath, ("warn", "fail", direction))
            if not value:
                raise self.error(
                    f"{key} has an empty mapping: no limit",
                    line,
                    keypath,
                    f"write {key}: {example} or {{warn: ..., fail: {example}}}",
                )
            if direction in value and "fail" in value:
                raise self.error(
                    f"{key} has both {direction} and fail (they are the same level)",
                    value.key_lines[direction],
                    f"{keypath}.{direction}",
                    f"keep one of {direction}: and fail:",
                )
            written = {
                level: (value[name], value.value_lines[name], f"{keypath}.{name}")
                for level, name in (
                    (Level.WARN, "warn"),
                    (Level.FAIL, "fail"),
                    (Level.FAIL, direction),
                )
                if name in value
            }
        else:
            written = {Level.FAIL: (value, line, keypath)}
        limits = {
            level: self.limit_value(metric, raw, raw_line, raw_key, example)
            for level, (raw, raw_line, raw_key) in written.items()
        }
        self.check_order(metric, limits, line, keypath)
        return Rule(
            metric=metric,
            limits=tuple(
                Limit(value=limits[level], level=level) for level in Level if level in limits
            ),
            where=location(self.path, mapping.key_lines[key], keypath),
        )

    def limit_value(
        self, metric: Metric, raw: object, line: int, keypath: str, example: str
    ) -> float:
        if _is_off(raw) or raw is True:
            written = "off" if _is_off(raw) else "true"
            fix = f"write a limit such as {example}"
            if _is_off(raw):
                fix += f"; to switch {metric.value} off, write {metric.value}: off"
            raise self.error(
                f"{keypath.rsplit('.', 1)[-1]}: {written} is not a limit", line, keypath, fix
            )
        try:
            return parse_value(raw, metric.unit)
        except UnitError as exc:
            raise self.error(f"{metric.value}: {exc.problem}", line, keypath, exc.fix) from None

    def check_order(
        self, metric: Metric, limits: dict[Level, float], line: int, keypath: str
    ) -> None:
        if Level.WARN not in limits or Level.FAIL not in limits:
            return
        warn, fail = limits[Level.WARN], limits[Level.FAIL]
        unit = metric.unit
        if metric.is_floor and warn < fail:
            problem = (
                f"{metric.value}: the warn floor {format_limit(warn, unit)} is below the fail "
                f"floor {format_limit(fail, unit)}, so warn could never be reported"
            )
            fix = "warn must be at least fail for a floor"
        elif not metric.is_floor and warn > fail:
            problem = (
                f"{metric.value}: the warn limit {format_limit(warn, unit)} is above the fail "
                f"limit {format_limit(fail, unit)}, so warn could never be reported"
            )
            fix = "warn must be at most fail"
        else:
            return
        swapped = f"{{warn: {format_limit(fail, unit)}, fail: {format_limit(warn, unit)}}}"
        raise self.error(problem, line, keypath, f"{fix}; swapped they read {swapped}")

    @staticmethod
    def example_value(metric: Metric) -> float:
        if metric is Metric.FAIL_RATIO:
            return 0.01
        if metric is Metric.RPS:
            return 50
        return 500

    # endpoints

    def endpoints(self, top: Map) -> tuple[EndpointRules, ...]:
        if "endpoints" not in top or top["endpoints"] is None:
            return ()
        entries = top["endpoints"]
        if not isinstance(entries, Seq):
            raise self.error(
                f"endpoints must be a list of entries, not {kind(entries)}",
                top.value_lines["endpoints"],
                "endpoints",
                "start each entry with a dash:\n"
                + indent('endpoints:\n  - match: "GET /api/search*"\n    p95: 1500ms'),
            )
        result: list[EndpointRules] = []
        for index, entry in enumerate(entries):
            override = self.endpoint(entry, index, entries.item_lines[index])
            for earlier_index, earlier in enumerate(result):
                if _shadows(earlier.matcher, override.matcher):
                    raise self.error(
                        f"endpoints[{index}] can never match: endpoints[{earlier_index}] "
                        f"(line {entries.item_lines[earlier_index]}) selects the same "
                        "requests and the first match wins",
                        entries.item_lines[index],
                        f"endpoints[{index}]",
                        "merge the two entries into one, or delete one of them",
                    )
            result.append(override)
        return tuple(result)

    def endpoint(self, entry: object, index: int, line: int) -> EndpointRules:
        keypath = f"endpoints[{index}]"
        if not isinstance(entry, Map):
            raise self.error(
                f"each endpoints entry must be a mapping, not {kind(entry)}",
                line,
                keypath,
                'write for example: - {match: "GET /api/search*", p95: 1500ms}',
            )
        self.check_keys(entry, keypath, ENDPOINT_KEYS)
        matcher = self.matcher(entry, keypath)
        required = entry.get("required", False)
        if not isinstance(required, bool):
            raise self.error(
                f"required must be true or false, not {kind(required)}",
                entry.value_lines["required"],
                f"{keypath}.required",
                "write required: true or required: false, without quotes",
            )
        rules: list[Rule] = []
        disabled: set[Metric] = set()
        for key, value in entry.items():
            if key not in METRIC_KEYS:
                continue
            if _is_off(value):
                disabled.add(Metric(key))
            else:
                rules.append(self.rule(Metric(key), entry, key, f"{keypath}.{key}"))
        return EndpointRules(
            matcher=matcher,
            rules=tuple(rules),
            disabled=frozenset(disabled),
            required=required,
            min_requests=self.min_requests(entry, keypath),
            where=location(self.path, entry.line, keypath),
        )

    def matcher(self, entry: Map, keypath: str) -> Matcher:
        selectors = [key for key in SELECTOR_KEYS if key in entry]
        if not selectors:
            raise self.error(
                "this endpoints entry does not say which endpoints it applies to",
                entry.line,
                keypath,
                'add one of match: "GET /api/search*" (glob, or exact without * ? [), '
                'regex: "^GET /api/items/\\\\d+$" or name: "/exact/name"',
            )
        if len(selectors) > 1:
            second = selectors[1]
            raise self.error(
                f"this endpoints entry has both {selectors[0]} and {second}",
                entry.key_lines[second],
                f"{keypath}.{second}",
                "keep exactly one of match, regex and name; use two entries for two patterns",
            )
        key = selectors[0]
        pattern = entry[key]
        line = entry.value_lines[key]
        if not isinstance(pattern, str) or not pattern.strip():
            raise self.error(
                f"{key} must be a non-empty text, not {kind(pattern)}",
                line,
                f"{keypath}.{key}",
                f'write the pattern in quotes, e.g. {key}: "/api/items"',
            )
        if key == "regex":
            try:
                re.compile(pattern)
            except re.error as exc:
                raise self.error(
                    f"regex {pattern!r} does not compile: {exc.msg}"
                    + (f" at position {exc.pos}" if exc.pos is not None else ""),
                    line,
                    f"{keypath}.regex",
                    "fix the regular expression (Python syntax); in a double-quoted YAML "
                    "string write \\\\ for one backslash, or use single quotes: '^/api/\\d+$'",
                ) from None
            match_kind = MatchKind.REGEX
        elif key == "match" and any(char in pattern for char in GLOB_CHARACTERS):
            match_kind = MatchKind.GLOB
        else:
            match_kind = MatchKind.EXACT
        return Matcher(kind=match_kind, pattern=pattern, method=self.method(entry, keypath))

    def method(self, entry: Map, keypath: str) -> str | None:
        if "method" not in entry:
            return None
        value = entry["method"]
        if isinstance(value, str) and _METHOD_RE.fullmatch(value.strip()):
            return value.strip().upper()
        raise self.error(
            f"method must be one plain word such as GET or POST, not {kind(value)}",
            entry.value_lines["method"],
            f"{keypath}.method",
            "write one method (Locust's Type column), e.g. method: POST; for several methods "
            'use one entry each or a regex such as regex: "^(GET|HEAD) /api/"',
        )


@dataclass(frozen=True, kw_only=True)
class _Exceptions:
    """What `aggregate.exceptions` says: a rule, or None for `exceptions: off`."""

    rule: Rule | None


def _is_off(value: object) -> bool:
    return value is False or (isinstance(value, str) and value.strip().lower() == "off")


def _looks_like_metric(key: str) -> bool:
    if re.fullmatch(r"p[0-9][0-9.]*", key):
        return True
    return suggest(key, METRIC_KEYS, _ALIASES) is not None


def _shadows(earlier: Matcher, later: Matcher) -> bool:
    """True when `earlier` selects every request `later` would (same pattern, no narrower
    method), so `later` can never be the first match."""
    return (
        earlier.kind is later.kind
        and earlier.pattern == later.pattern
        and (earlier.method is None or earlier.method == later.method)
    )
