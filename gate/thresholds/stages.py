"""Parse the `stages:` section of a thresholds file: rules judged on one stage's figures.

    stages:
      after:                       # the name of a stage of the run (`stages:` in run)
        defaults: {p95: 800ms, fail-ratio: 1%}
        endpoints:
          - match: "GET /api/search*"
            p95: 2s
      spike:
        aggregate: {fail-ratio: 5%}

Each stage takes the same shapes as the top level (`defaults`, `endpoints`, `aggregate`,
with `min-requests`), read by the same section parsers under the key path
`stages.NAME`, so errors and `Rule.where` name `stages.after.defaults.p95`. The
exceptions raised in the locustfile are counted for the whole run, so a stage has no
`exceptions`. Whether the run had the stage is known only when a run is judged:
`require` refuses rules for a stage the run did not have, naming the stages it had
(`check` calls it before judging). Called by the thresholds parser through one hook.
"""

from __future__ import annotations

from gate.core.model import Results
from gate.core.ruleset import StageRules, Thresholds
from gate.core.stages import missing_stage
from gate.errors import UserError
from gate.files.yamlfile import Map, indent, kind
from gate.thresholds import endpoints, limits
from gate.thresholds.keys import AGGREGATE_KEYS, SECTION_KEYS, Context

STAGE_SECTION_KEYS = ("defaults", "endpoints", "aggregate")
_EXAMPLE = "stages:\n  spike:\n    aggregate: {fail-ratio: 5%}"


def parse(ctx: Context, top: Map) -> tuple[StageRules, ...]:
    """The `stages:` section (empty when the file has none)."""
    section = top.get("stages")
    if section is None:
        return ()
    if not isinstance(section, Map) or not section:
        raise ctx.error(
            f"stages must be a mapping of stage names to rules, not {kind(section)}",
            top.value_lines["stages"],
            "stages",
            f"write for example:\n{indent(_EXAMPLE)}",
        )
    return tuple(_stage(ctx, section, name) for name in section)


def _stage(ctx: Context, section: Map, name: str) -> StageRules:
    body = section[name]
    keypath = f"stages.{name}"
    if not isinstance(body, Map) or not body:
        raise ctx.error(
            f"stage {name!r} must hold rules (defaults, endpoints, aggregate), not "
            f"{kind(body)}",
            section.value_lines[name],
            keypath,
            f"write for example:\n{indent(_EXAMPLE)}",
        )
    ctx.check_keys(body, keypath, STAGE_SECTION_KEYS)
    inner = ctx.nested(keypath)
    defaults, default_min = limits.section_rules(inner, body, "defaults", SECTION_KEYS)
    aggregate, aggregate_min = limits.section_rules(
        inner, body, "aggregate", tuple(k for k in AGGREGATE_KEYS if k != "exceptions")
    )
    rules = Thresholds(
        path=ctx.path,
        defaults=defaults,
        min_requests=default_min if default_min is not None else 1,
        endpoints=endpoints.endpoints(inner, body),
        aggregate=aggregate,
        aggregate_min_requests=aggregate_min if aggregate_min is not None else 1,
        exceptions=None,  # counted for the whole run: `aggregate.exceptions` at the top
    )
    if not rules.has_absolute_rules:
        raise ctx.error(
            f"stage {name!r} has no rule, so it would check nothing",
            section.key_lines[name],
            keypath,
            f"add a limit, e.g.\n{indent(_EXAMPLE)}",
        )
    return StageRules(name=name, rules=rules, where=ctx.where(section.key_lines[name], keypath))


def require(results: Results, thresholds: Thresholds) -> None:
    """UserError (exit 2) for the first stage rule whose stage the run did not have: it
    would check nothing."""
    for stage_rules in thresholds.stages:
        problem = missing_stage(results, stage_rules)
        if problem is None:
            continue
        fix = (
            "name one of the run's stages under `stages:` in the thresholds file (names "
            "are compared exactly), or run the load with that stage"
            if results.stages
            else "run the load with `stages:` in locust-gate.yml (or the plugin's "
            "--gate-stages), or remove the `stages:` section from the thresholds file"
        )
        raise UserError(problem, where=stage_rules.where, fix=fix)
