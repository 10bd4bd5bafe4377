"""Parse the `metrics:` section of a thresholds file into `gate.core.sections.ExternalMetric`s.

    metrics:
      - name: cache hit rate
        url: http://127.0.0.1:{port}/api/cache/stats   # JSON, read after the load
        json: cache.hit_rate                           # a dotted path (list items: 0, 1, ...)
        min: 0.8
      - name: DB connections in use
        prometheus: http://127.0.0.1:{port}/metrics    # Prometheus' text format
        metric: db_connections_in_use
        labels: {pool: main}
        max: {warn: 40, fail: 50}
        during: true                                   # read each second during the load

Each entry has a unique `name`, exactly one of `url:` (with `json:`) or `prometheus:` (with
`metric:`, optional `labels:`), and `min:` and/or `max:` (a plain number, or `{warn: ...,
fail: ...}`). A URL is http(s); its placeholders `{host}` (the run's `host`) and `{port}`
(that host's port) are resolved by `run` (`gate.harness.metrics`), an unknown one is an
error here. Called by the thresholds parser through one hook; errors name the file, line
and key like every other thresholds error.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from gate.core.rules import Metric, Rule
from gate.core.sections import ExternalMetric, Format
from gate.errors import location
from gate.files.yamlfile import Map, Seq, indent, kind
from gate.thresholds import limits
from gate.thresholds.keys import Context

__all__ = ["PLACEHOLDERS", "parse"]

ENTRY_KEYS = ("name", "url", "json", "prometheus", "metric", "labels", "min", "max", "during")
# What a metric URL's placeholders stand for: `run` resolves them from its `host`.
PLACEHOLDERS = {"{host}": "the run's host URL", "{port}": "the port of the run's host"}
_PLACEHOLDER = re.compile(r"\{[^{}/]*\}")
_PROMETHEUS_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
_MAX_NAME = 200  # a name is a label in tables, not a paragraph
_EXAMPLE = ("metrics:\n  - name: cache hit rate\n    url: http://127.0.0.1:{port}/api/cache/stats\n"
            "    json: cache.hit_rate\n    min: 0.8")


def parse(ctx: Context, top: Map) -> tuple[ExternalMetric, ...]:
    """The `metrics:` section (empty when the file has none)."""
    entries = top.get("metrics")
    if entries is None:
        return ()
    if not isinstance(entries, Seq):
        raise ctx.error(f"metrics must be a list of entries, not {kind(entries)}",
                        top.value_lines["metrics"], "metrics",
                        "start each entry with a dash:\n" + indent(_EXAMPLE))
    parsed: list[ExternalMetric] = []
    for index, entry in enumerate(entries):
        metric = _entry(ctx, entry, f"metrics[{index}]", entries.item_lines[index])
        twin = next((i for i, m in enumerate(parsed) if m.name == metric.name), None)
        if twin is not None:
            raise ctx.error(f"metrics[{index}] has the name {metric.name!r} of metrics[{twin}]",
                            entries.item_lines[index], f"metrics[{index}].name",
                            "give every metric its own name: reports and metrics.json "
                            "tell them apart by it")
        parsed.append(metric)
    return tuple(parsed)


def _entry(ctx: Context, entry: object, keypath: str, line: int) -> ExternalMetric:
    if not isinstance(entry, Map):
        raise ctx.error(f"each metrics entry must be a mapping, not {kind(entry)}", line,
                        keypath, "write for example:\n" + indent(_EXAMPLE))
    ctx.check_keys(entry, keypath, ENTRY_KEYS)
    name = _name(ctx, entry, keypath)
    source = _source(ctx, entry, keypath)
    return ExternalMetric(
        name=name,
        url=_url(ctx, entry, source, keypath),
        format=Format.JSON if source == "url" else Format.PROMETHEUS,
        path=_path(ctx, entry, keypath) if source == "url" else (),
        metric=_prometheus_name(ctx, entry, keypath) if source == "prometheus" else "",
        labels=_labels(ctx, entry, keypath),
        during=_during(ctx, entry, keypath),
        rules=_rules(ctx, entry, keypath),
        where=location(ctx.path, entry.line, keypath),
    )


def _text(ctx: Context, entry: Map, key: str, keypath: str, fix: str) -> str:
    value = entry[key]
    if not isinstance(value, str) or not value.strip():
        raise ctx.error(f"{key} must be a text, not {kind(value)}", entry.value_lines[key],
                        f"{keypath}.{key}", fix)
    return value.strip()


def _name(ctx: Context, entry: Map, keypath: str) -> str:
    if "name" not in entry:
        raise ctx.error("the metric has no name", entry.line, f"{keypath}.name",
                        "add name: cache hit rate (reports show the check under it)")
    name = _text(ctx, entry, "name", keypath, "write name: cache hit rate")
    if len(name) > _MAX_NAME or any(ord(c) < 0x20 or c == "\x7f" for c in name):
        raise ctx.error(f"the name is longer than {_MAX_NAME} characters or holds a control "
                        "character", entry.value_lines["name"], f"{keypath}.name",
                        "write a short name on one line, such as cache hit rate")
    return name


def _source(ctx: Context, entry: Map, keypath: str) -> str:
    """`url` (JSON) or `prometheus`: exactly one, with the keys that go with it."""
    given = [key for key in ("url", "prometheus") if key in entry]
    if len(given) != 1:
        what = "both url and prometheus" if given else "neither url nor prometheus"
        raise ctx.error(f"the metric has {what}", entry.line, keypath,
                        "write url: (a JSON document, with json: the path to the number) or "
                        "prometheus: (Prometheus' text format, with metric: its name)")
    source = given[0]
    needs, refused = ("json", ("metric", "labels")) if source == "url" else ("metric", ("json",))
    if needs not in entry:
        example = "json: cache.hit_rate" if needs == "json" else "metric: db_connections_in_use"
        raise ctx.error(f"a metric read with {source}: needs {needs}:", entry.key_lines[source],
                        f"{keypath}.{needs}", f"add {example}")
    for key in refused:
        if key in entry:
            other = "prometheus:" if source == "url" else "url: (JSON)"
            raise ctx.error(f"{key}: goes with {other}, not with {source}:",
                            entry.key_lines[key], f"{keypath}.{key}",
                            f"delete {key}:, or read the number with {other}")
    return source


def _url(ctx: Context, entry: Map, source: str, keypath: str) -> str:
    key = f"{keypath}.{source}"
    url = _text(ctx, entry, source, keypath, "write an http(s) URL such as "
                "http://127.0.0.1:{port}/metrics")
    line = entry.value_lines[source]
    for placeholder in _PLACEHOLDER.findall(url):
        if placeholder not in PLACEHOLDERS:
            raise ctx.error(f"unknown placeholder {placeholder} in the URL", line, key,
                            "the placeholders are " + ", ".join(
                                f"{p} ({what})" for p, what in PLACEHOLDERS.items()))
    example = url.replace("{host}", "http://127.0.0.1:8000").replace("{port}", "8000")
    try:
        parts = urlsplit(example)
        parts.port  # noqa: B018 (raises on a port that is not a number)
    except ValueError as exc:
        raise ctx.error(f"the URL is not valid: {exc}", line, key,
                        "write an http(s) URL such as http://127.0.0.1:{port}/metrics") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ctx.error("the URL must be an http(s) URL with a host", line, key,
                        "write for example http://127.0.0.1:{port}/metrics "
                        "({port} is the port of the run's host)")
    return url


def _path(ctx: Context, entry: Map, keypath: str) -> tuple[str, ...]:
    text = _text(ctx, entry, "json", keypath, "write the dotted path, e.g. json: cache.hit_rate")
    parts = tuple(text.removeprefix("$.").split("."))
    if any(not part for part in parts):
        raise ctx.error(f"the path {text!r} has an empty key", entry.value_lines["json"],
                        f"{keypath}.json", "write keys separated by single dots, e.g. "
                        "cache.hit_rate (a list item by its index: items.0.value)")
    return parts


def _prometheus_name(ctx: Context, entry: Map, keypath: str) -> str:
    name = _text(ctx, entry, "metric", keypath, "write metric: db_connections_in_use")
    if not _PROMETHEUS_NAME.fullmatch(name):
        raise ctx.error(f"{name!r} is not a Prometheus metric name", entry.value_lines["metric"],
                        f"{keypath}.metric", "write the name as /metrics shows it: letters, "
                        "digits, _ and :, e.g. db_connections_in_use (labels go in labels:)")
    return name


def _labels(ctx: Context, entry: Map, keypath: str) -> tuple[tuple[str, str], ...]:
    labels = entry.get("labels")
    if labels is None:
        return ()
    if not isinstance(labels, Map):
        raise ctx.error(f"labels must be a mapping, not {kind(labels)}",
                        entry.value_lines["labels"], f"{keypath}.labels",
                        "write labels: {pool: main}")
    pairs: list[tuple[str, str]] = []
    for name, value in labels.items():
        if not _LABEL_NAME.fullmatch(name) or isinstance(value, bool) or not isinstance(
                value, str | int | float):
            raise ctx.error(f"labels.{name} is not a label name with a value",
                            labels.key_lines[name], f"{keypath}.labels.{name}",
                            "write the label as /metrics shows it, e.g. pool: main")
        pairs.append((name, str(value)))
    return tuple(sorted(pairs))


def _during(ctx: Context, entry: Map, keypath: str) -> bool:
    value = entry.get("during", False)
    if not isinstance(value, bool):
        raise ctx.error(f"during must be true or false, not {kind(value)}",
                        entry.value_lines["during"], f"{keypath}.during",
                        "write during: true (read each second while the load runs) or "
                        "delete it (read once after the load)")
    return value


def _rules(ctx: Context, entry: Map, keypath: str) -> tuple[Rule, ...]:
    rules = tuple(
        limits.rule(ctx, metric, entry, key, f"{keypath}.{key}")
        for key, metric in (("min", Metric.READING_MIN), ("max", Metric.READING_MAX))
        if key in entry
    )
    if not rules:
        raise ctx.error("the metric has no limit, so it would check nothing", entry.line,
                        keypath, "add min: 0.8 (a floor) or max: 50 (a ceiling), or "
                        "{warn: ..., fail: ...}")
    return rules
