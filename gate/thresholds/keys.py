"""The thresholds file's keys, and the context every part of the parser reports through.

`Context.error` builds the `UserError` (file, line, key path, fix); `check_keys` refuses
unknown keys with a "did you mean". The parser is split along the file's sections:
`parser` (the file and its top level), `limits` (a metric's limits, min-requests) and
`endpoints` (the endpoint overrides and their matchers), `groups` (endpoints judged
together).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from gate.core.rules import RESOURCE_METRICS, Metric
from gate.errors import UserError, location
from gate.files.yamlfile import Map, suggest

SUPPORTED_VERSION = 1

# Per-endpoint metrics; `exceptions` counts the whole run, so it is an aggregate key only;
# the backend's resources are judged in their own section (gate.thresholds.resources), and
# a number read from a URL in the `metrics:` section (gate.thresholds.metrics).
METRIC_KEYS: tuple[str, ...] = tuple(
    m.value for m in Metric
    if m is not Metric.EXCEPTIONS and m not in RESOURCE_METRICS and not m.is_reading
)
RESOURCE_KEYS = frozenset(m.value for m in RESOURCE_METRICS)
TOP_KEYS = ("version", "on-inconclusive", "on-too-few-requests", "group-names", "defaults",
            "endpoints", "aggregate", "baseline", "groups", "stages", "resources", "metrics",
            "abort")
# `on-too-few-requests`: what a check too thin to judge counts as; `report` (the default)
# shows it with what it needs and does not lower the verdict (gate.core.thin).
TOO_FEW_CHOICES = ("report", "warn", "fail")
SECTION_KEYS = (*METRIC_KEYS, "min-requests")
AGGREGATE_KEYS = (*SECTION_KEYS, Metric.EXCEPTIONS.value)
SELECTOR_KEYS = ("match", "regex", "name")
ENDPOINT_KEYS = (*SELECTOR_KEYS, "method", "required", "min-requests", *METRIC_KEYS)
GLOB_CHARACTERS = "*?["
# A request method or Locust request type (`method:` of an endpoint, `type:` of a group).
REQUEST_TYPE = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
# Top-level keys starting with this are ignored: a place for YAML anchors (`x-common: &c`).
EXTENSION_PREFIX = "x-"

# Names people write by habit -> the key this format uses (offered as "did you mean").
ALIASES = {
    "type": "method",
    "method": "type",  # in a group, which selects by request type
    "request-type": "type",
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
    "on-too-few": "on-too-few-requests",
    "on-thin-data": "on-too-few-requests",
    "too-few-requests": "on-too-few-requests",
    "group-urls": "group-names",
    "group-ids": "group-names",
    "grouping": "group-names",
    "default": "defaults",
    "endpoint-rules": "endpoints",
    "overrides": "endpoints",
    "total": "aggregate",
    "aggregated": "aggregate",
    "external": "metrics",
    "external-metrics": "metrics",
}



class Context:
    """One file being parsed: `path` is only used in messages. `prefix` is the key path
    of the section being read when it is nested (`stages.spike`), so that the same
    section parsers name `stages.spike.defaults.p95` there and `defaults.p95` at the top."""

    def __init__(self, path: str, prefix: str = "") -> None:
        self.path = path
        self.prefix = prefix

    def nested(self, prefix: str) -> Context:
        """The context of a section nested at `prefix` (relative to this one)."""
        return Context(self.path, self.keypath(prefix))

    def keypath(self, key: str) -> str:
        return f"{self.prefix}.{key}" if self.prefix and key else self.prefix or key

    def where(self, line: int | None, key: str) -> str:
        """`path:line (at key)`, the key under this context's prefix: `Rule.where`."""
        return location(self.path, line, self.keypath(key))

    def error(self, what: str, line: int, key: str, fix: str) -> UserError:
        return UserError(what, where=self.where(line, key), fix=fix)

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
            if key in RESOURCE_KEYS:
                raise self.error(
                    f"{key} cannot be set in {section}: it measures the backend's processes, "
                    "not requests",
                    line,
                    where,
                    f"move it to the resources section: resources:\n  {key}: ...",
                )
            suggestion = suggest(key, allowed, ALIASES)
            hint = f"did you mean {suggestion!r}? " if suggestion else "remove it. "
            metrics = [name for name in allowed if name in METRIC_KEYS]
            if metrics and looks_like_metric(key):
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


def is_off(value: object) -> bool:
    return value is False or (isinstance(value, str) and value.strip().lower() == "off")


def looks_like_metric(key: str) -> bool:
    if re.fullmatch(r"p[0-9][0-9.]*", key):
        return True
    return suggest(key, METRIC_KEYS, ALIASES) is not None
