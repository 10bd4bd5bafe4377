"""Parse the `groups:` section of a thresholds file into `gate.core.sections.Group`s.

    groups:
      - name: Authentication
        match: ["* /api/auth/*", "GET /api/me"]   # the same matching as endpoints: (glob)
        avg: 500ms
        fail-ratio: 0.5%
      - name: WebSocket setup
        type: WS                                  # Locust's request type (the Type column)
        p95: 2s

Each entry has a `name` (unique: it labels the group's checks) and selects endpoints with
`match:` (a pattern or a list of them: an exact name, else a glob with `*`, `?`, `[`) or
`regex:` (RE2, also a list), and/or `type:` (only that request type; alone, every
endpoint of it). Its limits use the metric keys and `warn`/`fail` levels of `endpoints:`,
plus `min-requests` (the group's requests; default `defaults.min-requests`); defaults do
not apply to a group, so `off` has nothing to switch off. Called by the thresholds parser
through one hook; errors name the file, line and key like every other thresholds error.
"""

from __future__ import annotations

from gate.core.model import AGGREGATED
from gate.core.rules import Matcher, Metric, Rule
from gate.core.sections import Group
from gate.errors import location
from gate.files.yamlfile import Map, Seq, indent, kind
from gate.thresholds import limits
from gate.thresholds.endpoints import pattern_matcher
from gate.thresholds.keys import METRIC_KEYS, REQUEST_TYPE, Context, is_off

PATTERN_KEYS = ("match", "regex")
GROUP_KEYS = ("name", *PATTERN_KEYS, "type", "min-requests", *METRIC_KEYS)
_EXAMPLE = 'groups:\n  - name: Authentication\n    match: ["* /api/auth/*"]\n    avg: 500ms'


def parse(ctx: Context, top: Map) -> tuple[Group, ...]:
    """The `groups:` section, or () when the file has none."""
    entries = top.get("groups")
    if entries is None:
        return ()
    if not isinstance(entries, Seq):
        raise ctx.error(f"groups must be a list of entries, not {kind(entries)}",
                        top.value_lines["groups"], "groups",
                        "start each group with a dash:\n" + indent(_EXAMPLE))
    found: dict[str, int] = {}  # name -> index of the group that has it
    out: list[Group] = []
    for index, entry in enumerate(entries):
        group = _group(ctx, entry, index, entries.item_lines[index])
        if group.name in found:
            raise ctx.error(
                f"groups[{index}] has the name {group.name!r} of groups[{found[group.name]}] "
                f"(line {entries.item_lines[found[group.name]]}): a name labels the group's "
                "checks, so it must be unique",
                entry.value_lines["name"], f"groups[{index}].name",
                "rename one of them, or merge the two entries (match: takes a list)",
            )
        found[group.name] = index
        out.append(group)
    return tuple(out)


def _group(ctx: Context, entry: object, index: int, line: int) -> Group:
    keypath = f"groups[{index}]"
    if not isinstance(entry, Map):
        raise ctx.error(f"each groups entry must be a mapping, not {kind(entry)}", line,
                        keypath, 'write for example: - {name: Search, match: "* /api/search*", '
                        "p95: 1500ms}")
    ctx.check_keys(entry, keypath, GROUP_KEYS)
    name = _name(ctx, entry, keypath)
    request_type = _type(ctx, entry, keypath)
    matchers = _matchers(ctx, entry, keypath, has_type=request_type is not None)
    rules = _rules(ctx, entry, keypath)
    return Group(
        name=name, matchers=matchers, type=request_type, rules=rules,
        min_requests=limits.min_requests(ctx, entry, keypath),
        where=location(ctx.path, entry.line, keypath),
    )


def _name(ctx: Context, entry: Map, keypath: str) -> str:
    if "name" not in entry:
        raise ctx.error("this group has no name", entry.line, f"{keypath}.name",
                        "add name: Authentication (it labels the group's checks and its "
                        "row in the report)")
    value = entry["name"]
    line = entry.value_lines["name"]
    if not isinstance(value, str) or not value.strip():
        raise ctx.error(f"name must be a non-empty text, not {kind(value)}", line,
                        f"{keypath}.name", "write the group's name, e.g. name: Authentication")
    if value.strip() == AGGREGATED:
        raise ctx.error(f"{AGGREGATED!r} is Locust's name for the whole run, not a group",
                        line, f"{keypath}.name",
                        "name the group otherwise, or put the whole run's limits under "
                        "aggregate:")
    return value.strip()


def _type(ctx: Context, entry: Map, keypath: str) -> str | None:
    if "type" not in entry:
        return None
    value = entry["type"]
    if isinstance(value, str) and REQUEST_TYPE.fullmatch(value.strip()):
        return value.strip()
    raise ctx.error(
        f"type must be one plain word such as WS or GET, not {kind(value)}",
        entry.value_lines["type"], f"{keypath}.type",
        "write the request type Locust shows in its Type column (the request_type a user "
        "fires, or the HTTP method), e.g. type: WS",
    )


def _matchers(ctx: Context, entry: Map, keypath: str, *, has_type: bool) -> tuple[Matcher, ...]:
    written = [key for key in PATTERN_KEYS if key in entry]
    if len(written) > 1:
        raise ctx.error(
            "this group has both match and regex", entry.key_lines["regex"],
            f"{keypath}.regex",
            "keep one of them: match takes a list of globs, regex a list of expressions",
        )
    if not written:
        if has_type:
            return ()
        raise ctx.error(
            "this group does not say which endpoints it takes", entry.line, keypath,
            'add match: ["* /api/auth/*", "GET /api/me"] (globs, or exact names), '
            'regex: "^POST /api/auth/" or type: WS (a request type)',
        )
    key = written[0]
    value = entry[key]
    if isinstance(value, Seq):
        if not value:
            raise ctx.error(f"{key} is an empty list: the group would take nothing",
                            entry.value_lines[key], f"{keypath}.{key}",
                            f'write at least one pattern, e.g. {key}: ["* /api/auth/*"]')
        return tuple(
            pattern_matcher(ctx, key, item, value.item_lines[i], f"{keypath}.{key}[{i}]",
                            method=None)
            for i, item in enumerate(value)
        )
    return (pattern_matcher(ctx, key, value, entry.value_lines[key], f"{keypath}.{key}",
                            method=None),)


def _rules(ctx: Context, entry: Map, keypath: str) -> tuple[Rule, ...]:
    rules: list[Rule] = []
    for key, value in entry.items():
        if key not in METRIC_KEYS:
            continue
        if is_off(value):
            raise ctx.error(
                f"{key}: off only switches a default off, and defaults do not apply to groups",
                entry.value_lines[key], f"{keypath}.{key}",
                f"delete the {key} line to have no {key} limit for this group",
            )
        rules.append(limits.rule(ctx, Metric(key), entry, key, f"{keypath}.{key}"))
    if not rules:
        raise ctx.error(
            "this group has no limit, so it would check nothing", entry.line, keypath,
            f"add a limit such as p95: 500ms or fail-ratio: 1% (metrics: {', '.join(METRIC_KEYS)})",
        )
    return tuple(rules)
