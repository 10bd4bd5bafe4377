"""`locust-gate thresholds ...`: commands that help write a thresholds file.

`init RESULTS` writes a commented file from a run, and the JSON Schema next to it so the
`$schema` line resolves in editors. Nothing that exists is overwritten without --force.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from gate.core.model import Results
from gate.errors import UserError
from gate.files import atomic, jsontext
from gate.results import loader
from gate.thresholds import init as init_file
from gate.thresholds.parser import json_schema, parse


@click.group()
def thresholds() -> None:
    """Write and inspect thresholds files."""


@thresholds.command()
@click.argument("results", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("thresholds.yml"),
    show_default=True,
    help="The thresholds file to write.",
)
@click.option("--force", is_flag=True, help="Overwrite the thresholds file if it exists.")
def init(results: tuple[Path, ...], output: Path, force: bool) -> None:
    """Write a first thresholds file from the runs in RESULTS (one or more).

    Each RESULTS is what `check` reads (results.json, a folder, a --csv prefix or a
    --json-file). Limits are what a next run of the same code can measure at these
    request counts, plus headroom; several runs of the same test add their spread. The
    JSON Schema is written next to the file (thresholds.schema.json) for editors.
    """
    if output.exists() and not force:
        raise UserError(
            f"{output} already exists; not overwriting it",
            where=str(output),
            fix="pass --force to replace it, or -o to write another file",
        )
    runs = [loader.load(path) for path in results]
    _warn_if_unlike(runs, results)
    source = " ".join(str(path) for path in results)
    text = init_file.render(runs, source=source)
    parse(text, str(output))  # what we write must be a file the gate reads
    schema = output.parent / init_file.SCHEMA_NAME
    _write_schema(schema)
    _write(output, text)
    click.echo(
        f"wrote {output} (and {schema}) from {len(runs)} run(s); check it with: "
        f"locust-gate check {results[-1]} --thresholds {output}"
    )


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
