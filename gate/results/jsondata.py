"""The one validator of decoded JSON results (results.json and Locust's --json-file).

Typed access that names the file and the key path in every error, so a hand-edited or
truncated file gives `file (at endpoints[3].num_requests)` and a fix, never a traceback.
Counts (requests, failures, histogram buckets) are whole numbers of 0 or more.
"""

from __future__ import annotations

import math
from typing import Any, NoReturn

from gate.errors import UserError, location


class JsonReader:
    """Reads one decoded file; `what` names it in messages ("results file")."""

    def __init__(self, file: str, *, what: str, fix: str) -> None:
        self.file = file
        self.what = what
        self.default_fix = fix

    def fail(self, what: str, key: str, fix: str | None = None) -> NoReturn:
        raise UserError(
            f"{what} in {self.what} {self.file}",
            where=location(self.file, key=key),
            fix=fix or self.default_fix,
        )

    def obj(self, value: Any, key: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(f"`{key}` must be an object, found {type(value).__name__}", key)
        return value

    def lst(self, value: Any, key: str) -> list[Any]:
        if not isinstance(value, list):
            self.fail(f"`{key}` must be a list, found {type(value).__name__}", key)
        return value

    def field(self, data: dict[str, Any], name: str, key: str) -> Any:
        if name not in data:
            self.fail(f"missing key `{key}.{name}`", f"{key}.{name}")
        return data[name]

    def string(self, data: dict[str, Any], name: str, key: str, default: str | None = None) -> str:
        if default is not None and data.get(name) is None:
            return default
        value = self.field(data, name, key)
        if not isinstance(value, str):
            self.fail(f"`{key}.{name}` must be a string", f"{key}.{name}")
        return value

    def opt_string(self, data: dict[str, Any], name: str, key: str) -> str | None:
        value = data.get(name)
        if value is None:
            return None
        if not isinstance(value, str):
            self.fail(f"`{key}.{name}` must be a string or null", f"{key}.{name}")
        return value

    def integer(self, data: dict[str, Any], name: str, key: str, default: int | None = None) -> int:
        if default is not None and name not in data:
            return default
        value = self.field(data, name, key)
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(f"`{key}.{name}` must be an integer, found {value!r}", f"{key}.{name}")
        return value

    def count(self, data: dict[str, Any], name: str, key: str, default: int | None = None) -> int:
        """An integer of 0 or more (null counts as `default` when one is given)."""
        if default is not None and data.get(name) is None:
            return default
        value = self.field(data, name, key)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            self.fail(
                f"`{key}.{name}` must be a count (integer >= 0), found {value!r}", f"{key}.{name}"
            )
        return value

    def opt_bool(self, data: dict[str, Any], name: str, key: str) -> bool | None:
        value = data.get(name)
        if value is None:
            return None
        if not isinstance(value, bool):
            self.fail(f"`{key}.{name}` must be true, false or null", f"{key}.{name}")
        return value

    def opt_integer(self, data: dict[str, Any], name: str, key: str) -> int | None:
        if data.get(name) is None:
            return None
        return self.integer(data, name, key)

    def number(
        self, data: dict[str, Any], name: str, key: str, default: float | None = None
    ) -> float:
        if default is not None and name not in data:
            return default
        value = self.field(data, name, key)
        finite = isinstance(value, int | float) and math.isfinite(value)
        if isinstance(value, bool) or not finite:
            self.fail(f"`{key}.{name}` must be a number, found {value!r}", f"{key}.{name}")
        return float(value)

    def opt_number(self, data: dict[str, Any], name: str, key: str) -> float | None:
        if data.get(name) is None:
            return None
        return self.number(data, name, key)

    def int_map(self, value: Any, key: str) -> dict[int, int]:
        """`{"<int>": count}` (histogram buckets, per-second counts); duplicates add up."""
        out: dict[int, int] = {}
        for k, v in self.obj(value, key).items():
            try:
                bucket = int(k)
            except ValueError:
                self.fail(f"`{key}` has a key {k!r} that is not an integer", f"{key}.{k}")
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                self.fail(f"`{key}.{k}` must be a count (integer >= 0), found {v!r}", f"{key}.{k}")
            out[bucket] = out.get(bucket, 0) + v
        return out

    def float_map(self, value: Any, key: str) -> dict[float, float]:
        out: dict[float, float] = {}
        for k, v in self.obj(value, key).items():
            try:
                frac = float(k)
            except ValueError:
                self.fail(f"`{key}` has a key {k!r} that is not a number", f"{key}.{k}")
            if isinstance(v, bool) or not isinstance(v, int | float):
                self.fail(f"`{key}.{k}` must be a number, found {v!r}", f"{key}.{k}")
            out[frac] = float(v)
        return out

    def str_list(self, data: dict[str, Any], name: str, key: str) -> tuple[str, ...]:
        value = data.get(name)
        if value is None:
            return ()
        items = self.lst(value, f"{key}.{name}")
        if not all(isinstance(i, str) for i in items):
            self.fail(f"`{key}.{name}` must be a list of strings", f"{key}.{name}")
        return tuple(items)
