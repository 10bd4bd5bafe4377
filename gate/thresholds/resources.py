"""Parse the `resources:` section of a thresholds file into `ResourceRules`.

    resources:
      rss: 512MB            # peak resident memory of the backend's process tree
      cpu: 150%             # mean CPU over the load (100 % = one core)
      rss-growth: 5MB/min   # the leak rule (gate.core.resources says how it is read)
      connections: 200      # peak open TCP connections
      min-samples: 30       # samples after warm-up the leak rule needs

Each limit is a value (level fail) or `{warn: ..., fail: ...}` like every other limit
(`gate.thresholds.limits`); sizes, growth rates and CPU shares use the units of
`gate.core.units`. Called by the thresholds parser through one hook.
"""

from __future__ import annotations

from gate.core.rules import RESOURCE_METRICS, Metric
from gate.core.sections import DEFAULT_MIN_SAMPLES, ResourceRules
from gate.errors import location
from gate.files.yamlfile import Map, indent, kind
from gate.thresholds import limits
from gate.thresholds.keys import Context, is_off

METRIC_KEYS = tuple(m.value for m in Metric if m in RESOURCE_METRICS)
SECTION_KEYS = (*METRIC_KEYS, "min-samples")
_EXAMPLE = "resources:\n  rss: 512MB\n  cpu: 150%\n  rss-growth: 5MB/min\n  connections: 200"


def parse(ctx: Context, top: Map) -> ResourceRules | None:
    """The `resources:` section, or None when the file has none."""
    section = top.get("resources")
    if section is None:
        return None
    if not isinstance(section, Map):
        raise ctx.error(f"resources must be a mapping of limits, not {kind(section)}",
                        top.value_lines["resources"], "resources",
                        f"write for example:\n{indent(_EXAMPLE)}")
    ctx.check_keys(section, "resources", SECTION_KEYS)
    rules = []
    for key in section:
        if key not in METRIC_KEYS:
            continue
        if is_off(section[key]):
            raise ctx.error(f"{key}: off is not a limit", section.value_lines[key],
                            f"resources.{key}", f"delete the {key} line to have no {key} limit")
        rules.append(limits.rule(ctx, Metric(key), section, key, f"resources.{key}"))
    if not rules:
        raise ctx.error("resources has no limit, so it would check nothing",
                        section.line, "resources", f"write for example:\n{indent(_EXAMPLE)}")
    return ResourceRules(
        rules=tuple(rules),
        min_samples=_min_samples(ctx, section),
        where=location(ctx.path, top.key_lines["resources"], "resources"),
    )


def _min_samples(ctx: Context, section: Map) -> int:
    found = limits.count(ctx, section, "min-samples", "resources.min-samples", minimum=3,
                         why="the samples after warm-up, one a second, that the leak rule "
                         f"needs; default {DEFAULT_MIN_SAMPLES}")
    return DEFAULT_MIN_SAMPLES if found is None else found
