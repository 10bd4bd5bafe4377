"""Unit tier: finding a LoadTestShape in a locustfile's source, and `thresholds init`'s
rendering (its output must parse, and pass the run it was written from)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gate.core.evaluate import evaluate
from gate.core.verdict import Status
from gate.harness.shape import detect
from gate.thresholds.init import human_ceil, render
from gate.thresholds.parser import parse
from tests.factory import endpoint, results

STAGES = '''
from locust import LoadTestShape
import locust

class Base(locust.LoadTestShape):
    use_common_options = False

class Steps(Base):
    stages = [
        {"duration": 10, "users": 10, "spawn_rate": 10},
        {"duration": 4 * 60, "users": 100, "spawn_rate": 10},
    ]
    def tick(self):
        return None
'''


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "locustfile.py"
    path.write_text(text)
    return path


def test_shape_with_stages_gives_its_duration(tmp_path: Path) -> None:
    shape = detect(write(tmp_path, STAGES))
    assert shape is not None and shape.name == "Steps" and shape.duration == 240.0
    assert not shape.common_options


@pytest.mark.parametrize(
    ("body", "duration", "common"),
    [
        ("    time_limit = 90\n", 90.0, False),
        ("    use_common_options = True\n", None, True),
        ("    def tick(self):\n        return (1, 1) if self.get_run_time() < 5 else None\n",
         None, False),
    ],
)
def test_other_shapes(tmp_path: Path, body: str, duration: float | None, common: bool) -> None:
    shape = detect(write(tmp_path, f"from locust import LoadTestShape\n"
                                   f"class S(LoadTestShape):\n{body}"))
    assert shape is not None and (shape.duration, shape.common_options) == (duration, common)


def test_no_shape_or_unreadable_file(tmp_path: Path) -> None:
    assert detect(write(tmp_path, "from locust import HttpUser\nclass U(HttpUser): pass\n")) is None
    assert detect(write(tmp_path, "class (:\n")) is None
    assert detect(tmp_path / "missing.py") is None


def test_human_ceil_rounds_up_to_values_people_write() -> None:
    values = (468, 1234, 3.21, 100, 101, 0, 0.0123, 56)
    assert [human_ceil(v) for v in values] == [500, 1500, 3.5, 100, 120, 0, 0.015, 60]


def test_init_writes_a_file_that_parses_and_passes_its_own_run() -> None:
    run = results(
        endpoint("/support/ticket/[id]", [40.0] * 150 + [90.0] * 10),
        endpoint("/api/*star", [300.0] * 140, method="POST", failures=2),
    )
    text = render([run], source="out/results.json")
    assert text.startswith("# yaml-language-server: $schema=./thresholds.schema.json\n")
    assert '  - name: "POST /api/*star"' in text  # named exactly as Locust does
    thresholds = parse(text, "thresholds.yml")
    verdict = evaluate(run, thresholds)
    assert verdict.status is Status.PASS, verdict.reasons
    assert verdict.warnings == ()
    slower = results(
        endpoint("/support/ticket/[id]", [400.0] * 160),
        endpoint("/api/*star", [300.0] * 140, method="POST", failures=2),
    )
    assert evaluate(slower, thresholds).status is Status.FAIL  # a real regression fails


def test_init_quotes_hostile_names_and_keeps_them_out_of_comments() -> None:
    name = '/x"\n# evil: true'
    text = render([results(endpoint(name, [5.0] * 30, failures=3))], source="r.json")
    assert all(name not in line for line in text.splitlines())
    assert parse(text, "t.yml").endpoints[0].matcher.pattern == f"GET {name}"


# --- how `run` plans the load --------------------------------------------------------------


def plan(tmp_path: Path, text: str, **fields: object):  # type: ignore[no-untyped-def]
    from gate.harness.config import RunConfig
    from gate.harness.invocation import plan_load

    config = RunConfig(source=None, locustfile=write(tmp_path, text), workdir=tmp_path,
                       output_dir=tmp_path / "out", **fields)  # type: ignore[arg-type]
    return plan_load(config)


def test_plan_without_a_shape_uses_the_run_time(tmp_path: Path) -> None:
    plain = plan(tmp_path, "x = 1\n", run_time=30)
    assert plain.shape is None and plain.deadline == 150.0
    bounded = plan(tmp_path, "x = 1\n", run_time=30, max_run_time=45.0)
    assert bounded.deadline == 45.0


def test_plan_with_a_shape_takes_the_stages_and_drops_the_run_time(tmp_path: Path) -> None:
    shaped = plan(tmp_path, STAGES, run_time=5)
    assert shaped.shape is not None and shaped.deadline == 240.0 + 120.0
    assert "load shape Steps" in shaped.summary
    common = plan(tmp_path, STAGES.replace("use_common_options = False",
                                           "use_common_options = True"), run_time=5)
    assert common.shape is None and common.deadline == 125.0  # it reads -u/-r/-t
    forced_off = plan(tmp_path, STAGES, run_time=5, shape=False)
    assert forced_off.shape is None


def test_plan_refuses_a_shape_it_cannot_bound(tmp_path: Path) -> None:
    from gate.errors import UserError

    with pytest.raises(UserError) as info:  # a shape imported from elsewhere
        plan(tmp_path, "from shapes import Ramp  # noqa\n", shape=True)
    assert "max-run-time" in (info.value.fix or "")
    assert plan(tmp_path, "x = 1\n", shape=True, max_run_time=60.0).deadline == 60.0
