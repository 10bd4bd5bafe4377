"""The Locust plugin's implementation: exact, complete results (results.json) at the end.

Importing this module registers nothing; `gate.plugin` (the public entry) calls `register`.

Load it in one of two ways (Locust 2.47's `-f` takes comma-separated `.py` paths, a
directory or a URL; it does not take a module name such as `gate.plugin`)::

    locust -f locustfile.py,$(python -m gate.plugin) ...   # prints this file's path
    locust -f locustfile.py,path/to/gate/plugin.py ...

or put `import gate.plugin  # noqa: F401` in the locustfile. Loading it both ways is
harmless: the listeners are registered once, by the module `gate.plugin`.

Options: `--gate-results PATH` (default results.json), `--gate-progress-interval
SECONDS` (default 5, 0 turns the progress line off), `--gate-stages JSON` (the gate's
load shape runs these stages, installed at `init`: `loadshape`; refused, exit 2, when the
locustfile has a LoadTestShape of its own) and `--gate-warmup`/`--gate-cooldown SECONDS`.
With stages or a cut, the collector copies every endpoint's stats at each boundary and
the results get each stage's figures and the cut (`boundaries`).

On the local or master runner only, it writes the stats (`environment.stats`; on a master
the merged worker stats) with `gate.results.resultsfile.write`, atomically, three times:
when the test stops (`test_stop`), again whenever a worker's final report arrives after
that, and at `quitting`. Locust writes its own reports (--html) between `test_stop` and
`quitting`, and when one of them raises (e.g. a locustfile called
`environment.stats.get(name, None)`, and the --html writer cannot sort the entry it made)
`quitting` never comes: the copy written at `test_stop` keeps the run. The results say
whether the run completed: `quitting` before `test_stop` means Locust was shut down by a
signal (SIGINT, SIGTERM) in the middle of the load, and `check` will not pass that.

While the test runs it samples the aggregate once a second (users, requests, failures
and the histogram of that second; after the first 10 minutes neighbouring samples are
merged, so the series stays bounded: see `series`) and prints a progress line to
stderr. In distributed mode the master only learns of requests when workers report
(every 3 s), so the per-second series lags by up to 3 s there; the totals are exact.

No listener lets an exception escape (Locust would exit with code 2): errors are logged.

Here: the listeners and their registration. The rest of the plugin lives next to it:
`flags` (its options), `collector` (one environment's state and the writes), `series`
(the per-second samples), `progress` (the lines on stderr), `snapshot` (Locust's stats as
`Results`) and `fingerprint` (what identifies the load). Modules outside `gate.results`
(the model, the results.json writer) and `snapshot` are imported when results are first
sampled or written, so a worker, which writes nothing, never loads them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from locust.runners import WorkerRunner

from gate.results import flags
from gate.results.abortwatch import AbortRules
from gate.results.collector import Collector

logger = logging.getLogger("locust-gate")


def _guarded(what: str, func: Callable[..., None]) -> Callable[..., None]:
    def listener(*args: Any, **kwargs: Any) -> None:
        try:
            func(*args, **kwargs)
        except Exception:
            logger.exception("locust-gate: %s failed (ignored, the run goes on)", what)

    listener.__name__ = f"locust_gate_{what.replace(' ', '_')}"
    return listener


def _is_worker(environment: Any) -> bool:
    return isinstance(getattr(environment, "runner", None), WorkerRunner)


_COLLECTORS: dict[int, Collector] = {}
_ABORT_RULES: list[AbortRules] = []  # set by `register`: reads a file's `abort:` rules


def _new_collector(environment: Any) -> Collector:
    return Collector(environment, abort_rules=_ABORT_RULES[0] if _ABORT_RULES else None)


def _on_init(environment: Any, **_kwargs: Any) -> None:
    if _is_worker(environment):
        return
    collector = _COLLECTORS[id(environment)] = _new_collector(environment)
    stages_text = flags.option(environment, "gate_stages", None)
    if stages_text:
        _install_stages(environment, collector, str(stages_text))


def _install_stages(environment: Any, collector: Collector, text: str) -> None:
    """`--gate-stages`: the gate's load shape drives the load and tells the collector
    when it enters a stage. Refused (exit 2, before any load) when the locustfile has a
    LoadTestShape of its own: Locust runs one shape, and the run would not be the one
    the stages describe."""
    from gate.results import loadshape as stages  # noqa: PLC0415 (only a staged run pays)

    own = getattr(environment, "shape_class", None)
    if own is not None:
        logger.error(
            "locust-gate: --gate-stages runs the gate's load shape, and the locustfile "
            "defines its own LoadTestShape %s; Locust runs only one. Remove --gate-stages "
            "(or the `stages` setting), or the shape class.",
            type(own).__name__,
        )
        raise SystemExit(2)  # not an Exception: _guarded lets it end Locust
    try:
        collector.stages = stages.decode(text)
    except (ValueError, KeyError, TypeError) as exc:
        logger.error("locust-gate: --gate-stages is not a list of stages: %s", exc)
        raise SystemExit(2) from None

    def on_stage(index: int) -> None:
        found = _collector(environment)
        if found is not None:
            found.stage_started(index)

    shape = stages.make_shape(collector.stages, on_stage)
    shape.runner = environment.runner
    environment.shape_class = shape


def _collector(environment: Any) -> Collector | None:
    if _is_worker(environment):
        return None
    collector = _COLLECTORS.get(id(environment))
    if collector is None or collector.env is not environment:
        collector = _COLLECTORS[id(environment)] = _new_collector(environment)
    return collector


def _on_test_start(environment: Any, **_kwargs: Any) -> None:
    collector = _collector(environment)
    if collector is not None:
        collector.start()


def _writing_collector(environment: Any) -> Collector | None:
    """The collector, when this process writes results (local or master, command line)."""
    collector = _collector(environment)
    if collector is None:
        return None
    if getattr(environment, "parsed_options", None) is None:
        logger.debug("locust-gate: no parsed options (library use); not writing results")
        collector.stop()
        return None
    return collector


def _on_test_stop(environment: Any, **_kwargs: Any) -> None:
    collector = _writing_collector(environment)
    if collector is not None:
        collector.on_test_stop()


def _on_worker_report(environment: Any | None = None, **_kwargs: Any) -> None:
    for collector in list(_COLLECTORS.values()):
        if environment is None or collector.env is environment:
            collector.on_worker_report()


def _on_spawning_complete(user_count: int, **_kwargs: Any) -> None:
    for collector in list(_COLLECTORS.values()):
        collector.note_users(user_count)


def _on_quitting(environment: Any, **_kwargs: Any) -> None:
    collector = _writing_collector(environment)
    if collector is not None:
        collector.on_quitting()


def register(events: Any, *, abort_rules: AbortRules | None = None) -> None:
    """Attach the plugin's listeners to a Locust `Events` object (done once on import).
    `abort_rules` reads the `abort:` rules of the file `--gate-thresholds` names."""
    if abort_rules is not None:
        _ABORT_RULES[:] = [abort_rules]
    events.init_command_line_parser.add_listener(_guarded("adding options", flags.add_arguments))
    events.init.add_listener(_guarded("init", _on_init))
    events.test_start.add_listener(_guarded("test start", _on_test_start))
    events.test_stop.add_listener(_guarded("writing results at test stop", _on_test_stop))
    events.worker_report.add_listener(_guarded("updating results", _on_worker_report))
    events.spawning_complete.add_listener(_guarded("counting users", _on_spawning_complete))
    events.quitting.add_listener(_guarded("writing results", _on_quitting))
