"""Every `locust-gate run` setting, declared once: this table is the source of truth.

A setting is one field of `RunConfig`: its annotation is the type, and `setting(...)`
gives the rest: YAML key (the field name in kebab-case), default, help, validator, the
command-line flag (`--KEY`, or `flag=`), the Locust options it owns (refused in
`locust-args`) and, for a setting the composite Action exposes, its input (`ActionInput`:
name, description, how the input's text splits into flag values). From it come the keys
`locust-gate.yml` accepts, the click options of `locust-gate run` (built in
`gate.commands.run`) and the Action's run inputs
(`gate.action.inputs.RUN_INPUTS`). Adding a setting is adding a field here, and reading
`config.<field>` where it is used; an Action input is one more argument of that field
(tests then say what action.yml and the README need).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields
from enum import StrEnum
from pathlib import Path
from typing import Any

from gate.baseline.storespec import DEFAULT_KEEP, StoreSpec
from gate.harness import profiles, userclasses
from gate.harness import stages as stages_setting
from gate.harness import validators as v
from gate.harness.userclasses import UserClass
from gate.results.loadshape import Stage

DEFAULT_OUTPUT_DIR = "locust-gate-out"

# Options the gate itself passes to Locust: not settings, never allowed in locust-args.
# --html is no longer passed, but stays refused: Locust's HTML writer sorts the stats
# entries and raises on a locustfile's own `stats.get(name, None)` entries.
GATE_OWNED_OPTIONS = ("--headless", "--csv", "--html", "--gate-results",
                      "--exit-code-on-error", "--json", "--json-file")  # fmt: skip


class Split(StrEnum):
    """How an Action input's text becomes the values of a repeatable flag."""

    ONE = "one"  # the whole text is one value
    WORDS = "words"  # names separated by spaces or commas (tags)
    SHELL = "shell"  # split like a shell command line (locust-args)
    LINES = "lines"  # one value per line; blank lines and `#` comments skipped (env)


@dataclass(frozen=True, kw_only=True)
class ActionInput:
    """The composite Action's input for a setting (action.yml's `inputs:`)."""

    name: str  # the input's name: what a workflow passes (seed-command, health-url)
    description: str  # action.yml's description, word for word
    split: Split = Split.ONE


@dataclass(frozen=True, kw_only=True)
class Setting:
    """One row of the table (see the module docstring)."""

    field: str  # the RunConfig field: spawn_rate
    help: str
    validate: v.Validator
    default: Any  # the RunConfig default (typed), or what `default_text` says
    default_text: str | None  # how help shows a default that is computed (paths)
    raw_default: object  # what a missing value is validated as (None: the default as is)
    required: str | None  # for a required setting, an example value for the fix
    flag: str  # --spawn-rate
    short: str | None  # -r
    repeatable: bool  # a flag given several times (tags, env, locust-arg)
    flag_type: type | None  # click's type (int, float); bool: a --KEY/--no-KEY pair; None: text
    metavar: str | None
    owns: tuple[str, ...]  # Locust options this setting replaces
    merge: bool  # the file's value and the flag's are merged (env), not replaced
    action: ActionInput | None  # the Action's input for it (None: not an Action input)

    @property
    def key(self) -> str:
        """The YAML key: spawn-rate."""
        return self.field.replace("_", "-")


def setting(
    *,
    help: str,
    validate: v.Validator,
    default: Any = MISSING,
    default_factory: Any = MISSING,
    default_text: str | None = None,
    raw_default: object = None,
    required: str | None = None,
    flag: str | None = None,
    short: str | None = None,
    repeatable: bool = False,
    flag_type: type | None = None,
    metavar: str | None = None,
    owns: tuple[str, ...] = (),
    merge: bool = False,
    action: ActionInput | None = None,
) -> Any:
    """A RunConfig field that carries its row of the settings table."""
    row = {
        "help": help, "validate": validate, "default_text": default_text,
        "raw_default": raw_default, "required": required, "flag": flag, "short": short,
        "repeatable": repeatable, "flag_type": flag_type, "metavar": metavar, "owns": owns,
        "merge": merge, "action": action,
    }  # fmt: skip
    return field(default=default, default_factory=default_factory, metadata={"setting": row})


@dataclass(frozen=True, kw_only=True)
class RunConfig:
    """Everything `locust-gate run` needs, validated; paths absolute, durations in seconds."""

    source: Path | None  # the config file used, None when only flags were given (not a setting)
    locustfile: Path = setting(
        help="The Locust file to run.", validate=v.locustfile,
        required="path/to/locustfile.py", owns=("-f", "--locustfile"),
        action=ActionInput(
            name="locustfile",
            description="The Locust file to run (key `locustfile`).",
        ),
    )  # fmt: skip
    # The profile of the file's `profiles:` section whose settings apply (None: none).
    profile: str | None = setting(
        default=None, validate=profiles.profile_setting, metavar="NAME",
        help="Run this profile of the `profiles:` section: its settings override the top "
        "level of the file; flags override both.",
        action=ActionInput(
            name="profile",
            description="The profile of locust-gate.yml's `profiles:` section to run, e.g. "
            "smoke: its settings override the file's top level; other inputs override both "
            "(key `profile`).",
        ),
    )  # fmt: skip
    host: str | None = setting(
        default=None, validate=v.host_url, owns=("-H", "--host"),
        help="Base URL of the system under test, e.g. http://127.0.0.1:8089.",
        action=ActionInput(
            name="host",
            description="Base URL of the system under test, e.g. http://127.0.0.1:8000 (key "
            "`host`).",
        ),
    )  # fmt: skip
    users: int = setting(
        default=1, validate=v.positive_int, short="-u", flag_type=int, owns=("-u", "--users"),
        help="Peak number of concurrent users.",
        action=ActionInput(
            name="users",
            description="Peak number of concurrent users (key `users`; default 1).",
        ),
    )  # fmt: skip
    spawn_rate: float = setting(
        default=1.0, validate=v.positive_number, short="-r", flag_type=float,
        owns=("-r", "--spawn-rate"), help="Users started per second.",
        action=ActionInput(
            name="spawn-rate",
            description="Users started per second (key `spawn-rate`; default 1).",
        ),
    )  # fmt: skip
    run_time: int = setting(  # whole seconds (Locust's -t takes whole seconds)
        default=30, validate=v.whole_seconds, short="-t", owns=("-t", "--run-time"),
        help="How long the load runs: 30s, 1m, 1m30s.",
        action=ActionInput(
            name="run-time",
            description="How long the load runs, e.g. 30s, 1m, 1m30s (key `run-time`; default "
            "30s).",
        ),
    )  # fmt: skip
    # The warm-up and cool-down cut from every figure (seconds; 0: none). `run-time` is
    # the measured load between them: Locust runs warm-up + run-time + cool-down.
    warmup: float = setting(
        default=0.0, validate=v.duration, default_text="0s",
        help="Leave the first seconds out of every figure, latencies included: 20s. "
        "run-time counts from its end.",
        action=ActionInput(
            name="warmup",
            description="Seconds at the start left out of every figure, e.g. 20s; run-time "
            "counts from their end (key `warmup`).",
        ),
    )  # fmt: skip
    cooldown: float = setting(
        default=0.0, validate=v.duration, default_text="0s",
        help="Leave the last seconds out of every figure: 5s (run after run-time).",
        action=ActionInput(
            name="cooldown",
            description="Seconds at the end left out of every figure, e.g. 5s, run after "
            "run-time (key `cooldown`).",
        ),
    )  # fmt: skip
    # The gate's load shape: named stages, each with its own figures (gate.harness.stages).
    stages: tuple[Stage, ...] = setting(
        default=(), validate=stages_setting.validate, metavar="YAML",
        owns=(),
        help="Named stages run one after the other, each {name, users, spawn-rate, "
        "duration}; replaces users, spawn-rate and run-time.",
    )  # fmt: skip
    # Seconds Locust may run before the gate stops it as hung (a harness failure); None:
    # the run time, or a LoadTestShape's stated stages, plus a margin.
    max_run_time: float | None = setting(
        default=None, validate=v.duration,
        help="Stop Locust (harness failure) if it runs longer than this: 10m. Needed for a "
        "LoadTestShape whose duration the gate cannot read from its stages.",
        action=ActionInput(
            name="max-run-time",
            description="A hard deadline for Locust, e.g. 10m; needed for a LoadTestShape whose "
            "duration the gate cannot read (key `max-run-time`).",
        ),
    )  # fmt: skip
    repeat: int = setting(
        default=1, validate=v.positive_int, flag_type=int, metavar="N",
        help="Run the load N times against the one backend and judge the median of each "
        "metric across the N runs (and save that as the baseline); not with against-ref, "
        "whose rounds are its repeats.",
        action=ActionInput(
            name="repeat",
            description="Run the load N times against the one backend and judge each "
            "metric's median across the runs; the baseline saved is that too (key `repeat`; "
            "default 1).",
        ),
    )  # fmt: skip
    # Whether the locustfile's LoadTestShape drives the load (then no -u/-r/-t are
    # passed); None: detected from the locustfile's source (`gate.harness.shape`).
    shape: bool | None = setting(
        default=None, validate=v.boolean, flag_type=bool, default_text="detected",
        help="The locustfile's LoadTestShape drives the load (no -u/-r/-t).",
        action=ActionInput(
            name="shape",
            description="`true` when the locustfile's LoadTestShape drives the load (no users, "
            "spawn-rate, run-time), `false` when not; empty: detected (key `shape`).",
        ),
    )  # fmt: skip
    processes: int | None = setting(
        default=None, validate=v.processes, flag_type=int, owns=("--processes",),
        help="Locust worker processes (-1: one per core).",
        action=ActionInput(
            name="processes",
            description="Locust worker processes, -1 for one per core (key `processes`).",
        ),
    )  # fmt: skip
    # Locust's distributed mode with workers started elsewhere (another machine, a
    # Kubernetes Deployment): `run` starts the master and waits for them.
    workers: int | None = setting(
        default=None, validate=v.positive_int, flag_type=int,
        owns=("--master", "--worker", "--expect-workers"),
        help="Run Locust as a master that waits for this many workers started elsewhere.",
        action=ActionInput(
            name="workers",
            description="Run Locust as a master that waits for this many workers started "
            "elsewhere, e.g. a Kubernetes Deployment (key `workers`).",
        ),
    )  # fmt: skip
    workers_wait: float = setting(
        default=60.0, validate=v.duration, owns=("--expect-workers-max-wait",),
        help="How long the master waits for its workers to connect: 60s.",
    )  # fmt: skip
    master_bind: str = setting(
        default="127.0.0.1:5557", validate=v.bind_address,
        owns=("--master-bind-host", "--master-bind-port"),
        help="Where the master listens for workers, host:port (0.0.0.0:5557 for workers "
        "on other machines).",
    )  # fmt: skip
    tags: tuple[str, ...] = setting(
        default=(), validate=v.tags, repeatable=True, owns=("-T", "--tags"),
        help="Only run tasks with this tag (repeatable).",
        action=ActionInput(
            name="tags", split=Split.WORDS,
            description="Only run tasks with these tags, separated by spaces or commas (key "
            "`tags`).",
        ),
    )  # fmt: skip
    exclude_tags: tuple[str, ...] = setting(
        default=(), validate=v.tags, repeatable=True, owns=("-E", "--exclude-tags"),
        help="Skip tasks with this tag (repeatable).",
        action=ActionInput(
            name="exclude-tags", split=Split.WORDS,
            description="Skip tasks with these tags, separated by spaces or commas (key "
            "`exclude-tags`).",
        ),
    )  # fmt: skip
    # The locustfile's user classes to run (Locust's positional class names), each with
    # the weight that sets the mix (Locust's --config-users), or its own when None.
    user_classes: tuple[UserClass, ...] = setting(
        default=(), validate=userclasses.user_classes, flag="--user-class", repeatable=True,
        metavar="NAME[=WEIGHT]", owns=("--config-users",),
        help="Run this user class of the locustfile; NAME=WEIGHT also sets its weight in "
        "the mix (repeatable).",
    )  # fmt: skip
    locust_args: tuple[str, ...] = setting(
        default=(), validate=v.locust_args, flag="--locust-arg", repeatable=True,
        help="Extra Locust argument (repeatable).",
        action=ActionInput(
            name="locust-args", split=Split.SHELL,
            description="Extra Locust arguments, split like a shell command line (key "
            "`locust-args`).",
        ),
    )  # fmt: skip
    seed: str | None = setting(  # shell command, placeholders expanded
        default=None, validate=v.command, help="Shell command run before the backend starts.",
        action=ActionInput(
            name="seed-command",
            description="Shell command that prepares the test data before the backend starts (key "
            "`seed`).",
        ),
    )  # fmt: skip
    start: str | None = setting(  # shell command, placeholders expanded
        default=None, validate=v.command,
        help="Shell command that starts the backend (stopped afterwards).",
        action=ActionInput(
            name="start-command",
            description="Shell command that starts the backend; its whole process tree is stopped "
            "afterwards (key `start`).",
        ),
    )  # fmt: skip
    workdir: Path = setting(
        validate=v.workdir, raw_default=".", default_text="the config file's directory",
        help="Working directory for the seed and start commands.",
        action=ActionInput(
            name="working-directory",
            description="Working directory of the seed and start commands (key `workdir`).",
        ),
    )  # fmt: skip
    env: Mapping[str, str] = setting(
        default_factory=dict, validate=v.env, repeatable=True, metavar="KEY=VALUE", merge=True,
        help="Backend environment (repeatable).",
        action=ActionInput(
            name="env", split=Split.LINES,
            description="Environment of the seed and start commands, one KEY=VALUE per line (key "
            "`env`). Values are never printed.",
        ),
    )  # fmt: skip
    # A process sampled with the backend's tree while the load runs (gate.harness.resources).
    resources_pidfile: Path | None = setting(
        default=None, validate=v.pidfile, metavar="PATH",
        help="A file holding the pid of a process to sample with the backend's process tree "
        "(CPU, memory, connections) while the load runs, e.g. {output}/worker.pid.",
    )  # fmt: skip
    health: str | None = setting(  # http(s) URL, or host:port for a TCP connect check
        default=None, validate=v.health_target,
        help="Health check: an http(s) URL (2xx) or host:port (TCP connect).",
        action=ActionInput(
            name="health-url",
            description="Wait until this http(s) URL answers 2xx, or host:port accepts a TCP "
            "connection (key `health`).",
        ),
    )  # fmt: skip
    health_timeout: float = setting(  # seconds
        default=30.0, validate=v.duration, help="How long to wait for health: 30s.",
        action=ActionInput(
            name="health-timeout",
            description="How long to wait for health, e.g. 60s (key `health-timeout`; default "
            "30s).",
        ),
    )  # fmt: skip
    seed_timeout: float = setting(  # seconds: a seed that takes longer is stuck, not slow
        default=600.0, validate=v.duration, help="How long the seed command may run: 10m.",
        action=ActionInput(
            name="seed-timeout",
            description="How long the seed command may run, e.g. 5m (key `seed-timeout`; default "
            "10m).",
        ),
    )  # fmt: skip
    thresholds: Path | None = setting(
        default=None, validate=v.existing_file("the thresholds file"),
        help="The thresholds file.",
        action=ActionInput(
            name="thresholds",
            description="The thresholds file (key `thresholds`).",
        ),
    )  # fmt: skip
    baseline: StoreSpec | None = setting(
        default=None, validate=v.store, metavar="STORE",
        help="Compare with a baseline store: path/baseline.json, path/dir/ or "
        "git:BRANCH[@REMOTE].",
        action=ActionInput(
            name="baseline",
            description="Baseline store to compare with (path.json, dir/ or git:BRANCH).",
        ),
    )  # fmt: skip
    baseline_branch: str | None = setting(
        default=None, validate=v.string, metavar="BRANCH",
        help="Whose runs are the baseline [default: GITHUB_BASE_REF, the current branch if "
        "stored, main, master].",
    )  # fmt: skip
    allow_mismatch: bool = setting(
        default=False, validate=v.boolean, flag_type=bool,
        help="Compare even with baseline runs of another locustfile or load options.",
    )  # fmt: skip
    save_baseline: StoreSpec | None = setting(
        default=None, validate=v.store, metavar="STORE",
        help="After the check, save this run in a store when it passed or warned (see "
        "--save-failing).",
    )  # fmt: skip
    save_failing: bool = setting(
        default=False, validate=v.boolean, flag_type=bool,
        help="With save-baseline: save the run also when the gate failed (by default only "
        "passing or warning runs become the baseline, as in the Action).",
    )  # fmt: skip
    keep: int = setting(
        default=DEFAULT_KEEP, validate=v.positive_int, flag_type=int,
        help="With save-baseline: runs kept per source branch.",
    )  # fmt: skip
    # Same-runner rounds (`gate.harness.rounds`): the base is this ref, checked out into a
    # temporary git worktree and measured in alternating rounds with the working tree.
    against_ref: str | None = setting(
        default=None, validate=v.string, metavar="REF",
        help="Compare with REF on this machine: its backend and this tree's run at once, in "
        "alternating rounds (e.g. origin/main, or the pull request's base SHA).",
    )  # fmt: skip
    rounds: int = setting(
        default=6, validate=v.positive_int, flag_type=int,
        help="With against-ref: counted rounds per side (after one warm-up round each).",
    )  # fmt: skip
    round_time: int = setting(  # whole seconds, as run-time
        default=10, validate=v.whole_seconds, metavar="TIME",
        help="With against-ref: how long each round's load runs: 10s.",
    )  # fmt: skip
    output_dir: Path = setting(
        validate=v.path, raw_default=DEFAULT_OUTPUT_DIR, default_text=DEFAULT_OUTPUT_DIR,
        help="Where logs, results and reports go.",
    )  # fmt: skip


def _rows() -> tuple[Setting, ...]:
    rows = []
    for f in fields(RunConfig):
        if "setting" not in f.metadata:
            continue
        row = dict(f.metadata["setting"])
        default = f.default if f.default_factory is MISSING else f.default_factory()
        row["flag"] = row["flag"] or "--" + f.name.replace("_", "-")
        rows.append(Setting(field=f.name, default=default, **row))
    return tuple(rows)


SETTINGS: tuple[Setting, ...] = _rows()
BY_KEY: Mapping[str, Setting] = {s.key: s for s in SETTINGS}
KEYS: tuple[str, ...] = tuple(BY_KEY)


def owned_options() -> dict[str, str]:
    """Locust option -> what to use instead ("" when the gate sets it itself)."""
    owned = {option: "" for option in GATE_OWNED_OPTIONS}
    for s in SETTINGS:
        owned.update({option: f"`{s.key}` key (or {s.flag})" for option in s.owns})
    return owned
