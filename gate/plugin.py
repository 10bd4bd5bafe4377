"""The Locust plugin's public entry point: `locust -f locustfile.py,$(python -m gate.plugin)`.

Locust 2.47's `-f` takes comma-separated `.py` paths, a directory or a URL, not a module
name, so `python -m gate.plugin` prints this file's path. `import gate.plugin` in a
locustfile works too. Loading it both ways is harmless: the listeners are registered once,
by the module `gate.plugin`. The implementation lives in `gate.results.plugin`.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gate.core.sections import AbortRule


def _bootstrap() -> None:
    """Loaded by path (`locust -f ...,gate/plugin.py`): delegate to the module gate.plugin."""
    try:
        importlib.import_module("gate.plugin")
    except ModuleNotFoundError as exc:
        if exc.name != "gate":
            raise
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
        importlib.import_module("gate.plugin")


def _abort_rules(path: str) -> Sequence[AbortRule]:
    """The `abort:` rules of a thresholds file, for the plugin's live watch (the parser
    sits above gate.results, so it is handed down from here)."""
    from gate.thresholds import parser  # noqa: PLC0415 (only a run with the flag pays)

    return parser.load_thresholds(Path(path), with_baseline=True).abort


if __name__ == "__main__":
    sys.stdout.write(str(Path(__file__).resolve()) + "\n")
elif __name__ == "gate.plugin":
    from locust import events as _events

    from gate.results.plugin import register

    register(_events, abort_rules=_abort_rules)
else:
    _bootstrap()
