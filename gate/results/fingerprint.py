"""What identifies a run's load: the locustfiles named by `-f`, the Locust options that
change the load (normalised, with a LoadTestShape's name when it overrides -u/-r/-t, the
user classes chosen and their weights, and the gate's profile), and the fingerprint over
both that tells a baseline run of the same load from another. Keys that are not set are
left out, so the fingerprints of runs without them stay what they were."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from gate.results import plugin_path


def locustfile_paths(spec: str | None) -> list[Path]:
    """The locustfiles named by `-f` (comma-separated files or directories), minus us."""
    if not spec:
        return []
    ours = plugin_path()
    found: list[Path] = []
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        path = Path(part)
        candidates = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        for candidate in candidates:
            try:
                if candidate.resolve() == ours:
                    continue
            except OSError:
                pass
            found.append(candidate)
    return found


def shape_name(environment: Any) -> str | None:
    """The class name of the LoadTestShape driving the run, or None."""
    shape = getattr(environment, "shape_class", None)
    return type(shape).__name__ if shape is not None else None


def ignores_common_options(environment: Any) -> bool:
    """True when a LoadTestShape runs that does not read -u/-r/-t (Locust ignores them)."""
    shape = getattr(environment, "shape_class", None)
    return shape is not None and not getattr(shape, "use_common_options", False)


def load_options(options: Any, *, shape: str | None = None) -> dict[str, Any]:
    """The options that change the load, normalised so equal load compares equal. With a
    shape that ignores -u/-r/-t (`shape` given), those are None and the shape counts."""

    def tags(value: Any) -> list[str]:
        return sorted(str(v) for v in value) if value else []

    ignored = shape is not None
    users = None if ignored else getattr(options, "num_users", None)
    spawn_rate = None if ignored else getattr(options, "spawn_rate", None)
    run_time = None if ignored else getattr(options, "run_time", None)
    host = getattr(options, "host", None)
    processes = getattr(options, "processes", None)
    return {
        "users": int(users) if users is not None else None,
        "spawn_rate": float(spawn_rate) if spawn_rate is not None else None,
        "run_time": float(run_time) if run_time is not None else None,
        "host": str(host).rstrip("/") if host else None,
        "tags": tags(getattr(options, "tags", None)),
        "exclude_tags": tags(getattr(options, "exclude_tags", None)),
        "processes": int(processes) if processes else None,
        **({"shape": shape} if shape is not None else {}),
        # The gate's stages and cut change what is measured; absent when unset, so the
        # fingerprints of runs without them stay as they were.
        **{key: value for key, value in _gate_load(options).items() if value},
        **_chosen(options),
    }


def _gate_load(options: Any) -> dict[str, Any]:
    stages = getattr(options, "gate_stages", None)
    return {
        "stages": json.loads(stages) if isinstance(stages, str) and stages else None,
        "warmup": float(getattr(options, "gate_warmup", 0) or 0),
        "cooldown": float(getattr(options, "gate_cooldown", 0) or 0),
    }


def _chosen(options: Any) -> dict[str, Any]:
    """The user classes named on the command line, the per-class settings of
    `--config-users` (weights), and the profile: each only when given."""
    found: dict[str, Any] = {}
    classes = getattr(options, "user_classes", None)
    if classes:
        found["user_classes"] = sorted(str(c) for c in classes)
    configs = getattr(options, "config_users", None)
    if configs:
        flat = [c for group in configs for c in (group if isinstance(group, list) else [group])]
        found["config_users"] = sorted(
            json.dumps(c, sort_keys=True, default=str) for c in flat if isinstance(c, dict))
    profile = getattr(options, "gate_profile", None)
    if profile:
        found["profile"] = str(profile)
    return found


def fingerprint(locustfiles: Iterable[Path], normalised: dict[str, Any]) -> str:
    """sha256 over the locustfile contents (order and location independent) and options."""
    digests = []
    for path in locustfiles:
        try:
            digests.append(hashlib.sha256(path.read_bytes()).hexdigest())
        except OSError:
            digests.append("unreadable:" + path.name)
    payload = json.dumps({"locustfiles": sorted(digests), "options": normalised}, sort_keys=True)
    return "sha256:" + hashlib.sha256(payload.encode("utf-8")).hexdigest()
