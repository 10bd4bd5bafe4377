"""Write a first thresholds file from a run (`locust-gate thresholds init RESULTS`).

Pure: `render(results, source=...)` returns the YAML text. Every limit is what the run
measured plus headroom, rounded up to two significant digits (Locust's own resolution
above 100 ms), so the same system passes it and a clear regression does not. Endpoint
names are written exactly as Locust names them, with `name:` (exact even when the name
holds `*`, `?` or `[`). Names go into quoted YAML strings only, never into comments.
"""

from __future__ import annotations

import json
import math

from gate.core.evaluate import measure
from gate.core.model import EndpointStats, Results
from gate.core.rules import Metric, Unit
from gate.core.units import format_limit, format_value

HEADROOM = 0.5  # latency limits: 50 % over what was measured ...
MIN_HEADROOM_MS = 20.0  # ... and at least 20 ms more (fast endpoints jitter by more than 50 %)
FAIL_RATIO_FLOOR = 0.01
MIN_REQUESTS = 20
SCHEMA_NAME = "thresholds.schema.json"


def nice_ceil(value: float) -> float:
    """Round up to two significant digits: 468 -> 470, 1234 -> 1300, 3.2 -> 3.2."""
    if value <= 0:
        return 0.0
    step = 10 ** (math.floor(math.log10(value)) - 1)
    return float(round(math.ceil(round(value / step, 9)) * step, 9))


def latency_limit(measured: float | None) -> float | None:
    if measured is None:
        return None
    return nice_ceil(max(measured * (1 + HEADROOM), measured + MIN_HEADROOM_MS))


def fail_ratio_limit(measured: float | None) -> float:
    if not measured:
        return FAIL_RATIO_FLOOR
    return max(FAIL_RATIO_FLOOR, min(1.0, nice_ceil(measured * (1 + HEADROOM))))


def render(results: Results, *, source: str, schema: str = f"./{SCHEMA_NAME}") -> str:
    """The commented thresholds file for `results` (read from `source`)."""
    total = results.total
    endpoints = sorted(results.endpoints, key=lambda e: (e.name, e.method))
    p95s = [p for e in endpoints if (p := latency_limit(measure(e, Metric.P95))) is not None]
    smallest = min((e.num_requests for e in endpoints), default=0)
    lines = [
        f"# yaml-language-server: $schema={schema}",
        f"# Written by `locust-gate thresholds init` from {json.dumps(source)}:",
        f"#   {total.num_requests:,} requests, {total.num_failures:,} failures, "
        f"{len(endpoints)} endpoints ({results.source.value}).",
        f"# Latency limits are the measured value plus {HEADROOM:.0%} (at least "
        f"{MIN_HEADROOM_MS:g} ms more), rounded up:",
        "# tighten them once you know how much your runs vary. Every key: see the README.",
    ]
    if not results.exact:
        lines.append("# These numbers come from Locust's CSV, which misses the last second.")
    lines += [
        "version: 1",
        _line("on-inconclusive: warn", "too few requests to judge: warn (or fail), never pass"),
        "",
        _line("defaults:", "every endpoint, also ones this run did not make"),
    ]
    if p95s:
        lines.append(
            _line(f"  p95: {_ms(max(p95s))}", "the slowest p95 of this run, plus headroom")
        )
    lines += [
        _line(f"  fail-ratio: {_ratio(FAIL_RATIO_FLOOR)}", ""),
        _line(
            f"  min-requests: {min(MIN_REQUESTS, max(1, smallest // 2))}",
            "fewer requests than this: inconclusive",
        ),
    ]
    if endpoints:
        lines += ["", _line("endpoints:", "the first entry that matches wins")]
        for entry in endpoints:
            lines += _endpoint(entry)
    lines += ["", _line("aggregate:", "the whole run"), *_aggregate(results)]
    return "\n".join(lines) + "\n"


def _line(text: str, comment: str) -> str:
    return f"{text.ljust(28)}# {comment}" if comment else text


def _endpoint(entry: EndpointStats) -> list[str]:
    lines = [f"  - name: {json.dumps(entry.key)}"]
    for metric in (Metric.P95, Metric.P99):
        measured = measure(entry, metric)
        limit = latency_limit(measured)
        if limit is not None:
            lines.append(
                _line(
                    f"    {metric.value}: {_ms(limit)}",
                    f"measured {format_value(measured, Unit.MS)}",
                )
            )
    ratio = entry.fail_ratio
    if ratio:
        lines.append(
            _line(
                f"    fail-ratio: {_ratio(fail_ratio_limit(ratio))}",
                f"measured {format_value(ratio, Unit.RATIO)}: is that expected?",
            )
        )
    return lines


def _aggregate(results: Results) -> list[str]:
    total = results.total
    lines = [
        _line(
            f"  fail-ratio: {_ratio(fail_ratio_limit(total.fail_ratio))}",
            f"measured {format_value(total.fail_ratio, Unit.RATIO)}",
        )
    ]
    if total.rps:
        floor = nice_ceil(total.rps / 2)
        lines.append(
            _line(
                f"  rps: {format_limit(floor, Unit.RPS)}",
                f"a floor: half the {format_value(total.rps, Unit.RPS)} measured",
            )
        )
    count = results.exception_count
    if count is None:  # a rule the source cannot measure would only ever be no-data
        lines.append(
            _line("  # exceptions: 0", "this source does not record them; the plugin does")
        )
        return lines
    lines.append(_line("  exceptions: 0", f"unhandled exceptions in the locustfile: {count:,}"))
    if count:
        lines.append("  # (fix the locustfile, or write {warn: 0} to only warn about them)")
    return lines


def _ms(value: float) -> str:
    return format_limit(value, Unit.MS)


def _ratio(value: float) -> str:
    return format_limit(value, Unit.RATIO)
