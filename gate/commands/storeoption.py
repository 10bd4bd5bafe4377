"""The click type of every store option (`--store`, `check --baseline`): the store string
is parsed here, once, where it enters, and the commands receive a typed `StoreSpec`.

A bad string is the gate's own UserError (exit 2, with where and fix), as everywhere
else, not click's usage message. Light: `check`'s start-up imports it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from gate.baseline.storespec import StoreSpec

STORE_HELP = (
    "The store: path/baseline.json (one run), path/dir/ (a history) or "
    "git:BRANCH[@REMOTE] (a data branch; git: alone is git:locust-gate-data)."
)

if TYPE_CHECKING:
    _Base = click.ParamType[StoreSpec, object]
else:  # click's ParamType is generic from 8.2 on; 8.1 (still supported) cannot subscript it
    _Base = click.ParamType


class StoreType(_Base):
    name = "store"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> StoreSpec:
        # Imported here: a `check` without a store option does not load the stores' module.
        from gate.baseline.storespec import StoreSpec, parse_spec  # noqa: PLC0415

        if isinstance(value, StoreSpec):
            return value
        return parse_spec(str(value))


STORE = StoreType()
