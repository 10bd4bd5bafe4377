"""The `backend` section of results.json: the backend's process tree as `run` sampled it.

    "backend": {
      "samples": [{"t", "seconds", "rss", "cpu", "threads", "connections", "processes"}, ...],
      "warnings": ["...", ...]
    }

`t` is seconds since `meta.start_time` (where the slice starts, as in `series`) and the
sample covers `seconds` from there; `rss` is bytes, `cpu` cores (1.0 = one core), the
rest counts (see `gate.core.model.ResourceSample`). `locust-gate run` adds the section
after Locust exits (`gate.harness.resources`); a results.json without it has no samples.
"""

from __future__ import annotations

from typing import Any

from gate.core.model import BackendUsage, ResourceSample
from gate.results.jsondata import JsonReader

KEY = "backend"


def to_dict(usage: BackendUsage) -> dict[str, Any]:
    return {
        "samples": [
            {"t": round(s.t, 3), "seconds": round(s.seconds, 3), "rss": s.rss,
             "cpu": round(s.cpu, 4), "threads": s.threads, "connections": s.connections,
             "processes": s.processes}
            for s in usage.samples
        ],
        "warnings": list(usage.warnings),
    }


def from_dict(r: JsonReader, value: Any) -> BackendUsage | None:
    """The section as read (None when the file has none); every value checked."""
    if value is None:
        return None
    data = r.obj(value, KEY)
    samples: list[ResourceSample] = []
    for i, item in enumerate(r.lst(data.get("samples") or [], f"{KEY}.samples")):
        sample = _sample(r, r.obj(item, f"{KEY}.samples[{i}]"), f"{KEY}.samples[{i}]")
        if samples and sample.t < samples[-1].t:
            r.fail(f"`{KEY}.samples[{i}].t` goes back in time ({sample.t:g} after "
                   f"{samples[-1].t:g})", f"{KEY}.samples[{i}].t")
        samples.append(sample)
    warnings = r.lst(data.get("warnings") or [], f"{KEY}.warnings")
    return BackendUsage(samples=tuple(samples), warnings=tuple(str(w) for w in warnings))


def _sample(r: JsonReader, data: dict[str, Any], key: str) -> ResourceSample:
    seconds = r.number(data, "seconds", key)
    cpu = r.number(data, "cpu", key)
    if seconds <= 0 or cpu < 0:
        field = "seconds" if seconds <= 0 else "cpu"
        r.fail(f"`{key}.{field}` must be more than 0 (seconds) or 0 or more (cpu)",
               f"{key}.{field}")
    return ResourceSample(
        t=r.number(data, "t", key),
        seconds=seconds,
        rss=r.count(data, "rss", key),
        cpu=cpu,
        threads=r.count(data, "threads", key),
        connections=r.count(data, "connections", key),
        processes=r.count(data, "processes", key),
    )
