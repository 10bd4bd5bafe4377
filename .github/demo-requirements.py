"""Print the demo backend's requirements (pyproject's `demo` extra), one per line."""

import tomllib
from pathlib import Path

project = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())["project"]
print("\n".join(project["optional-dependencies"]["demo"]))  # noqa: T201
