"""The limits of one metric (`p95: {warn: 300ms, fail: 500ms}`), `min-requests`, and the
rules of a section of metrics (`defaults`, `aggregate`, at the top or in a stage)."""

from __future__ import annotations

from gate.core.rules import Level, Limit, Metric, Rule
from gate.core.units import UnitError, format_limit, parse_count, parse_value
from gate.files.yamlfile import Map, indent, kind
from gate.thresholds.keys import METRIC_KEYS, Context, is_off


def min_requests(ctx: Context, mapping: Map, prefix: str) -> int | None:
    return count(ctx, mapping, "min-requests", f"{prefix}.min-requests",
                 why="with fewer requests a check is inconclusive")


def count(ctx: Context, mapping: Map, key: str, keypath: str, *, minimum: int = 1,
          why: str = "") -> int | None:
    """A whole-number setting of a section (`min-requests`, `history`, `min-samples`), or
    None when the section does not set it; an error names the line, the key path and, in
    `why`, what the number is for."""
    if key not in mapping:
        return None
    try:
        return parse_count(mapping[key], minimum=minimum)
    except UnitError as exc:
        raise ctx.error(f"{key}: {exc.problem}", mapping.value_lines[key], keypath,
                        f"{exc.fix} ({why})" if why else exc.fix) from None


def rule(ctx: Context, metric: Metric, mapping: Map, key: str, keypath: str) -> Rule:
    value = mapping[key]
    line = mapping.value_lines[key]
    example = format_limit(_example_value(metric), metric.unit)
    direction = "min" if metric.is_floor else "max"
    if value is None:
        raise ctx.error(
            f"{key} has no limit",
            line,
            keypath,
            f"write a limit such as {key}: {example} or {{warn: ..., fail: ...}}",
        )
    if isinstance(value, Map):
        ctx.check_keys(value, keypath, ("warn", "fail", direction))
        if not value:
            raise ctx.error(
                f"{key} has an empty mapping: no limit",
                line,
                keypath,
                f"write {key}: {example} or {{warn: ..., fail: {example}}}",
            )
        if direction in value and "fail" in value:
            raise ctx.error(
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
        level: _limit_value(ctx, metric, raw, raw_line, raw_key, example=example)
        for level, (raw, raw_line, raw_key) in written.items()
    }
    _check_order(ctx, metric, limits, line, keypath)
    return Rule(
        metric=metric,
        limits=tuple(
            Limit(value=limits[level], level=level) for level in Level if level in limits
        ),
        where=ctx.where(mapping.key_lines[key], keypath),
    )


def _limit_value(
    ctx: Context, metric: Metric, raw: object, line: int, keypath: str, *, example: str
) -> float:
    if is_off(raw) or raw is True:
        written = "off" if is_off(raw) else "true"
        fix = f"write a limit such as {example}"
        if is_off(raw):
            fix += f"; to switch {metric.value} off, write {metric.value}: off"
        raise ctx.error(
            f"{keypath.rsplit('.', 1)[-1]}: {written} is not a limit", line, keypath, fix
        )
    try:
        return parse_value(raw, metric.unit)
    except UnitError as exc:
        raise ctx.error(f"{metric.value}: {exc.problem}", line, keypath, exc.fix) from None


def _check_order(
    ctx: Context, metric: Metric, limits: dict[Level, float], line: int, keypath: str
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
    raise ctx.error(problem, line, keypath, f"{fix}; swapped they read {swapped}")


_EXAMPLES = {Metric.RSS: 512e6, Metric.RSS_GROWTH: 5e6, Metric.CPU: 1.5,
             Metric.CONNECTIONS: 200}


def _example_value(metric: Metric) -> float:
    if metric in _EXAMPLES:
        return _EXAMPLES[metric]
    if metric is Metric.FAIL_RATIO:
        return 0.01
    if metric is Metric.RPS:
        return 50
    if metric is Metric.EXCEPTIONS:
        return 0
    return 500


def section_rules(
    ctx: Context, top: Map, name: str, allowed: tuple[str, ...]
) -> tuple[tuple[Rule, ...], int | None]:
    """The rules of `defaults` or `aggregate` (without `exceptions`: see `_exceptions`),
    at the top level or in a stage (`gate.thresholds.stages`, `ctx` nested there)."""
    if name not in top or top[name] is None:
        return (), None
    mapping = top[name]
    if not isinstance(mapping, Map):
        raise ctx.error(
            f"{name} must be a mapping of metrics, not {kind(mapping)}",
            top.value_lines[name],
            name,
            f"write for example:\n{indent(f'{name}:{chr(10)}  p95: 500ms')}",
        )
    ctx.check_keys(mapping, name, allowed)
    rules: list[Rule] = []
    for key, value in mapping.items():
        if key in METRIC_KEYS:
            if is_off(value):
                raise ctx.error(
                    f"{key}: off only switches a default off inside an endpoints entry",
                    mapping.value_lines[key],
                    f"{name}.{key}",
                    f"delete the {key} line to have no {key} limit in {name}",
                )
            rules.append(rule(ctx, Metric(key), mapping, key, f"{name}.{key}"))
    return tuple(rules), min_requests(ctx, mapping, name)
