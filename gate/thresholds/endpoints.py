"""The `endpoints:` section: overrides, their matchers, and entries that can never match."""

from __future__ import annotations

from gate.core import userregex
from gate.core.rules import EndpointRules, Matcher, MatchKind, Metric, Rule
from gate.files.yamlfile import Map, Seq, indent, kind
from gate.thresholds import limits
from gate.thresholds.keys import (
    ENDPOINT_KEYS,
    GLOB_CHARACTERS,
    METRIC_KEYS,
    REQUEST_TYPE,
    SELECTOR_KEYS,
    Context,
    is_off,
)


def endpoints(ctx: Context, top: Map) -> tuple[EndpointRules, ...]:
    if "endpoints" not in top or top["endpoints"] is None:
        return ()
    entries = top["endpoints"]
    if not isinstance(entries, Seq):
        raise ctx.error(
            f"endpoints must be a list of entries, not {kind(entries)}",
            top.value_lines["endpoints"],
            "endpoints",
            "start each entry with a dash:\n"
            + indent('endpoints:\n  - match: "GET /api/search*"\n    p95: 1500ms'),
        )
    result: list[EndpointRules] = []
    # (kind, pattern, method or None) -> index of the first entry with it: one lookup
    # per entry instead of a comparison with every earlier one (8,000 entries).
    first: dict[tuple[MatchKind, str, str | None], int] = {}
    for index, entry in enumerate(entries):
        override = _endpoint(ctx, entry, index, entries.item_lines[index])
        earlier_index = _shadowing(first, override.matcher)
        if earlier_index is not None:
            raise ctx.error(
                f"endpoints[{index}] can never match: endpoints[{earlier_index}] "
                f"(line {entries.item_lines[earlier_index]}) selects the same "
                "requests and the first match wins",
                entries.item_lines[index],
                f"endpoints[{index}]",
                "merge the two entries into one, or delete one of them",
            )
        found = override.matcher
        first.setdefault((found.kind, found.pattern, found.method), index)
        result.append(override)
    return tuple(result)


def _endpoint(ctx: Context, entry: object, index: int, line: int) -> EndpointRules:
    keypath = f"endpoints[{index}]"
    if not isinstance(entry, Map):
        raise ctx.error(
            f"each endpoints entry must be a mapping, not {kind(entry)}",
            line,
            keypath,
            'write for example: - {match: "GET /api/search*", p95: 1500ms}',
        )
    ctx.check_keys(entry, keypath, ENDPOINT_KEYS)
    selector = matcher(ctx, entry, keypath)
    required = entry.get("required", False)
    if not isinstance(required, bool):
        raise ctx.error(
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
        if is_off(value):
            disabled.add(Metric(key))
        else:
            rules.append(limits.rule(ctx, Metric(key), entry, key, f"{keypath}.{key}"))
    return EndpointRules(
        matcher=selector,
        rules=tuple(rules),
        disabled=frozenset(disabled),
        required=required,
        min_requests=limits.min_requests(ctx, entry, keypath),
        where=ctx.where(entry.line, keypath),
    )


def matcher(ctx: Context, entry: Map, keypath: str) -> Matcher:
    selectors = [key for key in SELECTOR_KEYS if key in entry]
    if not selectors:
        raise ctx.error(
            "this endpoints entry does not say which endpoints it applies to",
            entry.line,
            keypath,
            'add one of match: "GET /api/search*" (glob, or exact without * ? [), '
            'regex: "^GET /api/items/\\\\d+$" or name: "/exact/name"',
        )
    if len(selectors) > 1:
        second = selectors[1]
        raise ctx.error(
            f"this endpoints entry has both {selectors[0]} and {second}",
            entry.key_lines[second],
            f"{keypath}.{second}",
            "keep exactly one of match, regex and name; use two entries for two patterns",
        )
    key = selectors[0]
    return pattern_matcher(ctx, key, entry[key], entry.value_lines[key], f"{keypath}.{key}",
                           method=_method(ctx, entry, keypath))


def pattern_matcher(
    ctx: Context, key: str, pattern: object, line: int, keypath: str, *, method: str | None
) -> Matcher:
    """One pattern written under `key` (match, regex or name) as a `Matcher`: `match` is a
    glob when it holds `*`, `?` or `[`, else exact; `regex` must compile (RE2)."""
    if not isinstance(pattern, str) or not pattern.strip():
        raise ctx.error(
            f"{key} must be a non-empty text, not {kind(pattern)}",
            line,
            keypath,
            f'write the pattern in quotes, e.g. {key}: "/api/items"',
        )
    if key == "regex":
        try:
            userregex.compile_pattern(pattern)
        except userregex.RegexError as exc:
            raise ctx.error(
                f"regex {pattern!r} does not compile: {exc}",
                line,
                keypath,
                "fix the regular expression (RE2 syntax, close to Python's); in a "
                "double-quoted YAML string write \\\\ for one backslash, or use single "
                "quotes: '^/api/\\d+$'",
            ) from None
        match_kind = MatchKind.REGEX
    elif key == "match" and any(char in pattern for char in GLOB_CHARACTERS):
        match_kind = MatchKind.GLOB
    else:
        match_kind = MatchKind.EXACT
    return Matcher(kind=match_kind, pattern=pattern, method=method)


def _method(ctx: Context, entry: Map, keypath: str) -> str | None:
    if "method" not in entry:
        return None
    value = entry["method"]
    if isinstance(value, str) and REQUEST_TYPE.fullmatch(value.strip()):
        return value.strip().upper()
    raise ctx.error(
        f"method must be one plain word such as GET or POST, not {kind(value)}",
        entry.value_lines["method"],
        f"{keypath}.method",
        "write one method (Locust's Type column), e.g. method: POST; for several methods "
        'use one entry each or a regex such as regex: "^(GET|HEAD) /api/"',
    )


def _shadowing(
    first: dict[tuple[MatchKind, str, str | None], int], later: Matcher
) -> int | None:
    """The index of an earlier entry that selects every request `later` would (same
    pattern, no narrower method), so `later` can never be the first match; else None."""
    hits = (first.get((later.kind, later.pattern, method)) for method in {None, later.method})
    found = [hit for hit in hits if hit is not None]
    return min(found) if found else None
