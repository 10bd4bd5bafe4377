"""The Locust plugin's public entry point: `locust -f locustfile.py,$(python -m gate.plugin)`.

Locust 2.47's `-f` takes comma-separated `.py` paths, a directory or a URL, not a module
name, so `python -m gate.plugin` prints this file's path. `import gate.plugin` in a
locustfile works too. Loading it both ways is harmless: the listeners are registered once,
by the module `gate.plugin`. The implementation lives in `gate.results.plugin`.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path


def _bootstrap() -> None:
    """Loaded by path (`locust -f ...,gate/plugin.py`): delegate to the module gate.plugin."""
    try:
        importlib.import_module("gate.plugin")
    except ModuleNotFoundError as exc:
        if exc.name != "gate":
            raise
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
        importlib.import_module("gate.plugin")


if __name__ == "__main__":
    sys.stdout.write(str(Path(__file__).resolve()) + "\n")
elif __name__ == "gate.plugin":
    from locust import events as _events

    from gate.results.plugin import register

    register(_events)
else:
    _bootstrap()
