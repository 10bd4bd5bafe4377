"""Parse the `abort:` section of a thresholds file into `AbortRule`s (gate.core.abort).

Each entry names a per-endpoint `metric`, exactly one of `above:` / `below:`, `for:` (how
long the condition must hold) and optionally `window:` (the sliding window the metric is
computed on, default 10s) and a selector (`match:`, `regex:` or `name:`, with `method:`;
the same matching as `endpoints:`; without one the rule watches every request). Called by
the thresholds parser through one hook; errors name the file, line and key.
"""

from __future__ import annotations

from gate.core.rules import Bound, Metric
from gate.core.sections import DEFAULT_WINDOW, AbortRule
from gate.core.units import UnitError, format_limit, parse_seconds, parse_value
from gate.errors import location
from gate.files.yamlfile import Map, Seq, kind
from gate.thresholds.endpoints import matcher
from gate.thresholds.keys import SELECTOR_KEYS, Context

ENTRY_KEYS = ("metric", "above", "below", "for", "window", *SELECTOR_KEYS, "method")
_METRICS = tuple(m for m in Metric if m is not Metric.EXCEPTIONS)
_EXAMPLE = "abort:\n  - metric: fail-ratio\n    above: 20%\n    for: 10s"


def parse(ctx: Context, top: Map) -> tuple[AbortRule, ...]:
    """The `abort:` section's rules; () when the file has none."""
    section = top.get("abort")
    if section is None:
        return ()
    if not isinstance(section, Seq):
        raise ctx.error(
            f"abort must be a list of rules, not {kind(section)}",
            top.value_lines["abort"], "abort", f"write for example:\n{_EXAMPLE}",
        )
    return tuple(
        _rule(ctx, entry, index, section.item_lines[index])
        for index, entry in enumerate(section)
    )


def _rule(ctx: Context, entry: object, index: int, line: int) -> AbortRule:
    keypath = f"abort[{index}]"
    if not isinstance(entry, Map):
        raise ctx.error(f"{keypath} must be a mapping, not {kind(entry)}", line, keypath,
                        f"write each rule as a mapping, e.g.\n{_EXAMPLE}")
    ctx.check_keys(entry, keypath, ENTRY_KEYS)
    metric = _metric(ctx, entry, keypath)
    bound, side = _side(ctx, entry, keypath, metric)
    try:
        limit = parse_value(entry[side], metric.unit)
    except UnitError as exc:
        raise ctx.error(f"{keypath}.{side}: {exc.problem}", entry.value_lines[side],
                        f"{keypath}.{side}", exc.fix) from None
    selected = any(key in entry for key in SELECTOR_KEYS)
    return AbortRule(
        metric=metric,
        bound=bound,
        limit=limit,
        hold=_seconds(ctx, entry, keypath, "for", None),
        window=_seconds(ctx, entry, keypath, "window", DEFAULT_WINDOW),
        matcher=matcher(ctx, entry, keypath) if selected else None,
        index=index,
        where=location(ctx.path, line, keypath),
    )


def _metric(ctx: Context, entry: Map, keypath: str) -> Metric:
    names = ", ".join(m.value for m in _METRICS)
    if "metric" not in entry:
        raise ctx.error(f"{keypath} does not say which metric it watches", entry.line,
                        keypath, f"add metric: with one of {names}")
    value = entry["metric"]
    found = next((m for m in _METRICS if isinstance(value, str) and m.value == value.strip()),
                 None)
    if found is None:
        raise ctx.error(f"{keypath}.metric {value!r} is not a metric an abort rule can watch",
                        entry.value_lines["metric"], f"{keypath}.metric",
                        f"write one of {names}")
    return found


def _side(ctx: Context, entry: Map, keypath: str, metric: Metric) -> tuple[Bound, str]:
    sides = [key for key in ("above", "below") if key in entry]
    example = format_limit(1.0 if metric is Metric.RPS else 0.2 if metric.unit.value == "ratio"
                           else 5000.0, metric.unit)
    if len(sides) != 1:
        problem = "has both above and below" if sides else "has no above: or below:"
        raise ctx.error(f"{keypath} {problem}", entry.line, keypath,
                        f"write exactly one, e.g. above: {example} (or below: for a floor "
                        "such as rps)")
    return (Bound.MAX if sides[0] == "above" else Bound.MIN), sides[0]


def _seconds(ctx: Context, entry: Map, keypath: str, key: str, default: float | None) -> float:
    if key not in entry:
        if default is None:
            raise ctx.error(f"{keypath} has no {key}:", entry.line, keypath,
                            f"add {key}: 10s (how long the condition must hold before the "
                            "run is stopped)")
        return default
    seconds = parse_seconds(entry[key])
    if seconds is None or not 0 < seconds < 86400 * 7:
        raise ctx.error(f"{keypath}.{key} must be a duration such as 10s or 1m, not "
                        f"{entry[key]!r}", entry.value_lines[key], f"{keypath}.{key}",
                        f"write {key}: 10s")
    return seconds
