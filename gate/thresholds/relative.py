"""Parse the `baseline:` section of a thresholds file into `BaselineRules`.

    baseline:
      history: 10                  # runs of the base branch to compare with (default 10)
      min-requests: 20             # fewer requests on either side -> inconclusive
      max-age-days: 30             # an older baseline is flagged with a warning
      shared-shift: true           # remove the noise every endpoint of a run shares
      p95: {max-increase: 15%, min-delta: 20ms}
      p50: {max-increase: {warn: 10%, fail: 25%}, min-delta: 5ms}
      rps: {max-decrease: 20%}
      endpoints:                   # overrides, first match wins (match/regex/name/method)
        - match: "GET /api/search*"
          p95: {max-increase: 30%}
        - match: /api/login
          p50: off

`max-increase` (latencies, fail-ratio) / `max-decrease` (rps) is a percentage of the
baseline, a value (level fail) or `{warn: ..., fail: ...}`; `min-delta` is an absolute
floor in the metric's unit. When the section lists no metric, the documented defaults
(`gate.core.relative.DEFAULT_RULES`) apply. Called by the thresholds parser through one
hook; errors name the file, line and key like every other thresholds error.
"""

from __future__ import annotations

from gate.core.comparability import DEFAULT_MAX_AGE_DAYS
from gate.core.relative import (
    DEFAULT_HISTORY,
    DEFAULT_MIN_REQUESTS,
    DEFAULT_RULES,
    BaselineRules,
    RelativeOverride,
    RelativeRule,
)
from gate.core.rules import RESOURCE_METRICS, Level, Metric
from gate.core.units import UnitError, parse_ratio, parse_value
from gate.errors import location
from gate.files.yamlfile import Map, Seq, kind
from gate.thresholds import limits
from gate.thresholds.endpoints import matcher
from gate.thresholds.keys import Context

METRIC_KEYS = tuple(m.value for m in Metric if m not in RESOURCE_METRICS and not m.is_reading)
SECTION_KEYS = ("history", "min-requests", "max-age-days", "shared-shift", "endpoints",
                *METRIC_KEYS)
SELECTOR_KEYS = ("match", "regex", "name", "method")
_EXAMPLE = "p95: {max-increase: 15%, min-delta: 20ms}"


def parse(parser: Context, top: Map) -> BaselineRules | None:
    """The `baseline:` section, or None when the file has none."""
    if "baseline" not in top or top["baseline"] is None:
        return None
    section = top["baseline"]
    if not isinstance(section, Map):
        raise parser.error(
            f"baseline must be a mapping, not {kind(section)}", top.value_lines["baseline"],
            "baseline", f"write for example:\nbaseline:\n  {_EXAMPLE}",
        )
    parser.check_keys(section, "baseline", SECTION_KEYS)
    rules = _rules(parser, section, "baseline")
    return BaselineRules(
        defaults=rules if rules else DEFAULT_RULES,
        endpoints=_overrides(parser, section),
        min_requests=_count(parser, section, "min-requests", DEFAULT_MIN_REQUESTS),
        history=_count(parser, section, "history", DEFAULT_HISTORY),
        max_age_days=_count(parser, section, "max-age-days", DEFAULT_MAX_AGE_DAYS),
        shared_shift=_switch(parser, section, "shared-shift"),
    )


def _switch(parser: Context, section: Map, key: str) -> bool:
    value = section.get(key, True)
    if not isinstance(value, bool):
        raise parser.error(f"{key} must be true or false, not {kind(value)}",
                           section.value_lines[key], f"baseline.{key}",
                           f"write {key}: true or {key}: false, without quotes")
    return value


def _count(parser: Context, section: Map, key: str, default: int) -> int:
    found = limits.count(parser, section, key, f"baseline.{key}")
    return default if found is None else found


def _rules(parser: Context, mapping: Map, prefix: str) -> tuple[RelativeRule, ...]:
    return tuple(
        _rule(parser, Metric(key), mapping, f"{prefix}.{key}")
        for key in mapping
        if key in METRIC_KEYS and not _is_off(mapping[key])
    )


def _rule(parser: Context, metric: Metric, mapping: Map, keypath: str) -> RelativeRule:
    value = mapping[metric.value]
    line = mapping.value_lines[metric.value]
    word = "max-decrease" if metric.is_floor else "max-increase"
    example = f"{metric.value}: {{{word}: 15%}}"
    if not isinstance(value, Map):
        raise parser.error(
            f"{metric.value} in baseline needs {word} (a relative limit), not {kind(value)}",
            line, keypath, f"write for example {example}",
        )
    parser.check_keys(value, keypath, (word, "min-delta"))
    if word not in value:
        raise parser.error(f"{metric.value} has no {word}", line, keypath,
                           f"write for example {example}")
    tolerance = _tolerance(parser, value, word, f"{keypath}.{word}")
    min_delta = 0.0
    if "min-delta" in value:
        try:
            min_delta = parse_value(value["min-delta"], metric.unit)
        except UnitError as exc:
            raise parser.error(f"min-delta: {exc.problem}", value.value_lines["min-delta"],
                               f"{keypath}.min-delta", exc.fix) from None
    return RelativeRule(
        metric=metric, tolerance=tolerance, min_delta=min_delta,
        where=location(parser.path, mapping.key_lines[metric.value], keypath),
    )


def _tolerance(parser: Context, value: Map, word: str, keypath: str) -> dict[Level, float]:
    raw = value[word]
    line = value.value_lines[word]
    written = {Level.FAIL: (raw, line)}
    if isinstance(raw, Map):
        parser.check_keys(raw, keypath, ("warn", "fail"))
        written = {Level(k): (raw[k], raw.value_lines[k]) for k in ("warn", "fail") if k in raw}
        if not written:
            raise parser.error(f"{word} is empty", line, keypath,
                               f"write {word}: 15% or {{warn: 10%, fail: 25%}}")
    out: dict[Level, float] = {}
    for level, (text, at) in written.items():
        try:
            out[level] = parse_ratio(text)
        except UnitError as exc:
            raise parser.error(f"{word}: {exc.problem}", at, keypath, exc.fix) from None
    if out.get(Level.WARN, 0.0) > out.get(Level.FAIL, 1e9):
        raise parser.error(f"{word}: warn is looser than fail, so warn could never show", line,
                           keypath, "warn must be at most fail")
    return out


def _overrides(parser: Context, section: Map) -> tuple[RelativeOverride, ...]:
    entries = section.get("endpoints")
    if entries is None:
        return ()
    if not isinstance(entries, Seq):
        raise parser.error(
            f"baseline.endpoints must be a list, not {kind(entries)}",
            section.value_lines["endpoints"], "baseline.endpoints",
            'start each entry with a dash: - match: "GET /api/search*"',
        )
    out = []
    for index, entry in enumerate(entries):
        keypath = f"baseline.endpoints[{index}]"
        if not isinstance(entry, Map):
            raise parser.error(f"{keypath} must be a mapping, not {kind(entry)}",
                               entries.item_lines[index], keypath,
                               'write - match: "GET /api/search*" and the metrics below it')
        parser.check_keys(entry, keypath, (*SELECTOR_KEYS, *METRIC_KEYS))
        out.append(RelativeOverride(
            matcher=matcher(parser, entry, keypath),
            rules=_rules(parser, entry, keypath),
            disabled=frozenset(Metric(k) for k in entry if k in METRIC_KEYS and _is_off(entry[k])),
            where=location(parser.path, entry.line, keypath),
        ))
    return tuple(out)


def _is_off(value: object) -> bool:
    return value is False or (isinstance(value, str) and value.lower() == "off")
