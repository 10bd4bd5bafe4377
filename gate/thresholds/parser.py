"""Read a thresholds file (YAML, version 1) into a validated `gate.core.ruleset.Thresholds`.

The format, in short (`thresholds/example.yml` shows every feature, and
`thresholds/thresholds.schema.json` lets editors complete and check it):

    version: 1
    on-inconclusive: warn          # or fail; an inconclusive check never passes
    on-too-few-requests: report    # or warn, fail: checks too thin to judge (gate.core.thin)
    group-names: true              # `/api/items/42` -> `/api/items/[id]` (gate.core.names)
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
    stages:                        # rules on one stage's own figures (gate.thresholds.stages)
      spike:
        aggregate: {fail-ratio: 5%}
    resources:                     # the backend's process tree (gate.thresholds.resources)
      rss: 512MB

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
- `regex:` a regular expression in RE2 syntax, run in linear time (searched, so anchor it
  with `^...$`); backreferences and lookaround are refused (see `gate.core.userregex`);
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
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gate.core.rules import Level, Metric, Rule, default_exceptions_rule
from gate.core.ruleset import StageRules, Thresholds
from gate.errors import UserError
from gate.files.yamlfile import Map, indent, kind, parse_yaml
from gate.thresholds import endpoints, limits
from gate.thresholds.keys import (
    AGGREGATE_KEYS,
    ENDPOINT_KEYS,
    SECTION_KEYS,
    SUPPORTED_VERSION,
    TOO_FEW_CHOICES,
    TOP_KEYS,
    Context,
    is_off,
)

if TYPE_CHECKING:
    from gate.core.relative import BaselineRules
    from gate.core.sections import AbortRule, ExternalMetric, Group, ResourceRules

__all__ = [
    "AGGREGATE_KEYS", "ENDPOINT_KEYS", "SECTION_KEYS", "TOP_KEYS", "json_schema",
    "load_thresholds", "parse",
]

_EXAMPLE_FILE = "version: 1\ndefaults:\n  p95: 500ms"


def load_thresholds(path: Path, *, with_baseline: bool = False) -> Thresholds:
    """Read and validate a thresholds file; every problem is a `UserError`.
    `with_baseline`: a baseline is compared with, so a file without rules is fine (the
    default relative rules apply)."""
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
    return parse(text, shown, with_baseline=with_baseline)


def parse(text: str, path: str, *, with_baseline: bool = False) -> Thresholds:
    """Validate the text of a thresholds file; `path` is only used in messages."""
    top = parse_yaml(text, path, what="the thresholds file", example=_EXAMPLE_FILE)
    thresholds, exceptions = _thresholds(Context(path), top, text)
    if not with_baseline:
        _require_a_rule(Context(path), top, thresholds, exceptions)
    return thresholds


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the thresholds file (packaged as gate/schema/)."""
    from importlib import resources  # noqa: PLC0415 (only the schema's users pay for it)

    resource = resources.files("gate.thresholds").joinpath("schema", "thresholds.schema.json")
    schema: dict[str, Any] = json.loads(resource.read_text(encoding="utf-8"))
    return schema


# --- the top level, defaults and aggregate ----------------------------------------------


def _thresholds(ctx: Context, top: Map, text: str) -> tuple[Thresholds, _Exceptions | None]:
    version = _version(ctx, top)  # first: a newer file may use keys this one lacks
    ctx.check_keys(top, "", TOP_KEYS)
    on_inconclusive = _on_inconclusive(ctx, top)
    on_too_few = _on_too_few(ctx, top)
    group_names = _group_names(ctx, top)
    defaults, default_min = limits.section_rules(ctx, top, "defaults", SECTION_KEYS)
    aggregate, aggregate_min = limits.section_rules(ctx, top, "aggregate", AGGREGATE_KEYS)
    overrides = endpoints.endpoints(ctx, top)
    exceptions = _exceptions(ctx, top)
    thresholds = Thresholds(
        path=ctx.path,
        version=version,
        defaults=defaults,
        min_requests=default_min if default_min is not None else 1,
        endpoints=overrides,
        aggregate=aggregate,
        aggregate_min_requests=aggregate_min if aggregate_min is not None else 1,
        on_inconclusive=on_inconclusive,
        on_too_few=on_too_few,
        group_names=group_names,
        exceptions=default_exceptions_rule() if exceptions is None else exceptions.rule,
        source_text=text,
        baseline=_baseline(ctx, top),
        groups=_groups(ctx, top),
        stages=_stages(ctx, top),
        resources=_resources(ctx, top),
        metrics=_metrics(ctx, top),
        abort=_abort(ctx, top),
    )
    return thresholds, exceptions


def _groups(ctx: Context, top: Map) -> tuple[Group, ...]:
    """Hook: the `groups:` section lives in gate.thresholds.groups."""
    if top.get("groups") is None:
        return ()
    from gate.thresholds import groups  # noqa: PLC0415 (only a file with groups pays)

    return groups.parse(ctx, top)


def _resources(ctx: Context, top: Map) -> ResourceRules | None:
    """Hook: the `resources:` section lives in gate.thresholds.resources."""
    if top.get("resources") is None:
        return None
    from gate.thresholds import resources  # noqa: PLC0415 (only a file with the section)

    return resources.parse(ctx, top)


def _stages(ctx: Context, top: Map) -> tuple[StageRules, ...]:
    """Hook: the `stages:` section lives in gate.thresholds.stages."""
    if top.get("stages") is None:
        return ()
    from gate.thresholds import stages  # noqa: PLC0415 (only a file with stages pays)

    return stages.parse(ctx, top)


def _baseline(ctx: Context, top: Map) -> BaselineRules | None:
    """Hook: the `baseline:` section lives in gate.thresholds.relative."""
    if top.get("baseline") is None:
        return None
    # Imported here: only a file with a `baseline:` section pays for the relative rules.
    from gate.thresholds import relative  # noqa: PLC0415

    return relative.parse(ctx, top)


def _metrics(ctx: Context, top: Map) -> tuple[ExternalMetric, ...]:
    """Hook: the `metrics:` section lives in gate.thresholds.metrics."""
    if top.get("metrics") is None:
        return ()
    from gate.thresholds import metrics  # noqa: PLC0415 (only files with the section)

    return metrics.parse(ctx, top)


def _abort(ctx: Context, top: Map) -> tuple[AbortRule, ...]:
    """Hook: the `abort:` section lives in gate.thresholds.abort."""
    if top.get("abort") is None:
        return ()
    from gate.thresholds import abort  # noqa: PLC0415 (only files with abort rules pay)

    return abort.parse(ctx, top)


def _require_a_rule(
    ctx: Context, top: Map, thresholds: Thresholds, exceptions: _Exceptions | None
) -> None:
    """A file whose rules check nothing would let every run pass: refuse it. A file with
    only a `baseline:` section is a relative gate: `check` then requires --baseline."""
    limits_exceptions = exceptions is not None and exceptions.rule is not None
    if thresholds.has_absolute_rules or limits_exceptions or thresholds.baseline is not None:
        return
    raise ctx.error(
        "the thresholds file has no rules, so the gate would check nothing (and a gate "
        "that checks nothing must not pass)",
        top.line,
        "defaults",
        "add at least one limit, e.g.\n"
        + indent("defaults:\n  p95: 500ms\n  fail-ratio: 1%\naggregate:\n  rps: 10")
        + "\nor let `locust-gate thresholds init RESULTS` write a file from a run",
    )


def _version(ctx: Context, top: Map) -> int:
    example = f"write version: {SUPPORTED_VERSION} as the first key"
    if "version" not in top:
        raise ctx.error("the thresholds file has no version", top.line, "version", example)
    value = top["version"]
    line = top.value_lines["version"]
    if isinstance(value, bool) or not isinstance(value, int):
        raise ctx.error(
            f"version must be a whole number, not {kind(value)}",
            line,
            "version",
            f"write version: {SUPPORTED_VERSION} (without quotes)",
        )
    if value > SUPPORTED_VERSION:
        raise ctx.error(
            f"this file needs a newer locust-gate: it is version {value}, this "
            f"locust-gate reads version {SUPPORTED_VERSION}",
            line,
            "version",
            "upgrade locust-gate (pip install --upgrade locust-gate), or rewrite the file "
            f"for version {SUPPORTED_VERSION}",
        )
    if value < 1:
        raise ctx.error(f"unsupported version {value}", line, "version", example)
    return value


def _on_inconclusive(ctx: Context, top: Map) -> Level:
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
    raise ctx.error(
        f"on-inconclusive must be warn or fail, not {kind(value)}{why}",
        top.value_lines[key],
        key,
        "write on-inconclusive: warn (report it) or on-inconclusive: fail (fail the gate)",
    )


def _on_too_few(ctx: Context, top: Map) -> Level | None:
    """`on-too-few-requests`: report (None: shown, not counted), warn or fail."""
    key = "on-too-few-requests"
    if key not in top:
        return None
    value = top[key]
    if isinstance(value, str) and value.lower() in TOO_FEW_CHOICES:
        return None if value.lower() == "report" else Level(value.lower())
    raise ctx.error(
        f"on-too-few-requests must be report, warn or fail, not {kind(value)}",
        top.value_lines[key],
        key,
        "write on-too-few-requests: report (show what each check needs, the default), warn "
        "or fail (count such checks at that level)",
    )


def _group_names(ctx: Context, top: Map) -> bool:
    """`group-names`: true (the default) or false."""
    key = "group-names"
    if key not in top:
        return True
    value = top[key]
    if isinstance(value, bool):
        return value
    raise ctx.error(
        f"group-names must be true or false, not {kind(value)}",
        top.value_lines[key],
        key,
        "write group-names: false to judge every request name as Locust reported it, or "
        "delete the line to group names with ids and query strings (the default)",
    )


@dataclass(frozen=True, kw_only=True)
class _Exceptions:
    """What `aggregate.exceptions` says: a rule, or None for `exceptions: off`."""

    rule: Rule | None


def _exceptions(ctx: Context, top: Map) -> _Exceptions | None:
    """`aggregate.exceptions` as written (None when absent: the default applies)."""
    key = Metric.EXCEPTIONS.value
    mapping = top.get("aggregate")
    if not isinstance(mapping, Map) or key not in mapping:
        return None
    if is_off(mapping[key]):
        return _Exceptions(rule=None)
    return _Exceptions(rule=limits.rule(ctx, Metric.EXCEPTIONS, mapping, key, f"aggregate.{key}"))
