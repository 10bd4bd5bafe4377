"""`locust-gate thresholds ...`: commands that help write a thresholds file.

`init RESULTS` writes a commented file from a run, and the JSON Schema next to it so the
`$schema` line resolves in editors. Nothing that exists is overwritten without --force.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import click

from gate.core import pooling
from gate.core.model import Results
from gate.errors import UserError
from gate.files import atomic, jsontext
from gate.results import loader
from gate.thresholds import init as init_file
from gate.thresholds.parser import json_schema, parse

MAX_RUNS = 20  # a bound: each run takes the config's whole run time


@click.group()
def thresholds() -> None:
    """Write and inspect thresholds files."""


@thresholds.command()
@click.argument("results", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("thresholds.yml"),
    show_default=True,
    help="The thresholds file to write.",
)
@click.option("--force", is_flag=True, help="Overwrite the thresholds file if it exists.")
@click.option(
    "--runs",
    type=click.IntRange(1, MAX_RUNS),
    default=None,
    help="Make this many runs as `locust-gate run` does (seed, backend, health, Locust) "
    "and write the file from them, instead of reading RESULTS.",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="With --runs: the config file [default: ./locust-gate.yml].",
)
def init(
    results: tuple[Path, ...], output: Path, force: bool, runs: int | None,
    config_path: Path | None,
) -> None:
    """Write a first thresholds file from the runs in RESULTS (one or more), or from
    --runs N runs made now.

    Each RESULTS is what `check` reads (results.json, a folder, a --csv prefix or a
    --json-file). Limits are what a next run of the same code can measure at these
    request counts, plus headroom; several runs of the same test add their spread. The
    JSON Schema is written next to the file (thresholds.schema.json) for editors.
    """
    if bool(results) == (runs is not None):
        raise UserError(
            "give either RESULTS or --runs N",
            where="command line",
            fix="locust-gate thresholds init out/results.json, or "
            "locust-gate thresholds init --runs 3 [--config locust-gate.yml]",
        )
    if output.exists() and not force:
        raise UserError(
            f"{output} already exists; not overwriting it",
            where=str(output),
            fix="pass --force to replace it, or -o to write another file",
        )
    paths = results or _make_runs(config_path, runs or 1)
    # A repeated run (`run --repeat N`) is its N runs here: their spread is what a limit
    # must hold through.
    loaded = [run for path in paths for run in pooling.runs_of(loader.load_results(path))]
    _warn_if_unlike(loaded, paths)
    text = init_file.render(loaded, source=" ".join(str(path) for path in paths))
    parse(text, str(output))  # what we write must be a file the gate reads
    schema = output.parent / init_file.SCHEMA_NAME
    _write_schema(schema)
    _write(output, text)
    click.echo(
        f"wrote {output} (and {schema}) from {len(loaded)} run(s); check it with: "
        f"locust-gate check {paths[-1]} --thresholds {output}"
    )


def _make_runs(config_path: Path | None, count: int) -> tuple[Path, ...]:
    """`count` runs through `run`'s own steps; each run's results.json is kept as
    OUTPUT/init-run-N.json (the next run clears the output directory's run files)."""
    # Only --runs starts runs: the harness is loaded here, not for every `init`.
    from gate.harness.config import load_config  # noqa: PLC0415
    from gate.harness.orchestrate import orchestrate  # noqa: PLC0415
    from gate.harness.validators import CONFIG_NAME  # noqa: PLC0415

    if config_path is None and not Path(CONFIG_NAME).is_file():
        raise UserError(
            f"--runs makes its runs from a {CONFIG_NAME}, and there is none here",
            where="--runs",
            fix=f"create {CONFIG_NAME} (see the README), or pass --config PATH",
        )
    # The thresholds file is what this command writes: it need not exist yet, and the
    # runs do not read it (nothing is judged), so the config's entry is not validated.
    config = load_config(config_path, {"thresholds": os.devnull})
    kept = []
    for number in range(1, count + 1):
        click.echo(f"locust-gate: run {number} of {count}", err=True)
        made = orchestrate(config)
        path = config.output_dir / f"init-run-{number}.json"
        shutil.copyfile(made.results, path)
        kept.append(path)
    return tuple(kept)


def _warn_if_unlike(runs: list[Results], paths: tuple[Path, ...]) -> None:
    """Runs of another locustfile or load would widen every limit by their difference."""
    prints = {r.meta.fingerprint for r in runs if r.meta.fingerprint}
    if len(prints) > 1:
        click.echo(
            f"locust-gate: warning: the {len(paths)} runs were not made with the same "
            "locustfile and load options (their fingerprints differ): the limits include "
            "that difference",
            err=True,
        )


def _write_schema(path: Path) -> None:
    """Write the schema unless a file there is something else than our schema."""
    text = json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
    if path.exists():
        try:
            ours = (
                jsontext.loads(path.read_text(encoding="utf-8")).get("title")
                == json_schema()["title"]
            )
        except (OSError, ValueError, AttributeError):
            ours = False
        if not ours:
            raise UserError(
                f"{path} exists and is not the locust-gate thresholds schema; not overwriting it",
                where=str(path),
                fix="move it away, or write the thresholds file into another folder with -o",
            )
    _write(path, text)


def _write(path: Path, text: str) -> None:
    atomic.write_for_user(path, text, fix="write into a folder you can write to, with -o")


def _attach_suggest() -> None:
    # `suggest` reads a baseline store (gate.baseline); it lives with the baseline commands.
    from gate.commands.suggest import suggest  # noqa: PLC0415

    thresholds.add_command(suggest)


_attach_suggest()
