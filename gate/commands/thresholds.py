"""`locust-gate thresholds ...`: commands that help write a thresholds file.

`init RESULTS` writes a commented file from a run, and the JSON Schema next to it so the
`$schema` line resolves in editors. Nothing that exists is overwritten without --force.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from gate.errors import UserError
from gate.files import atomic, jsontext
from gate.results import loader
from gate.thresholds import init as init_file
from gate.thresholds.parser import json_schema, parse


@click.group()
def thresholds() -> None:
    """Write and inspect thresholds files."""


@thresholds.command()
@click.argument("results", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("thresholds.yml"),
    show_default=True,
    help="The thresholds file to write.",
)
@click.option("--force", is_flag=True, help="Overwrite the thresholds file if it exists.")
def init(results: Path, output: Path, force: bool) -> None:
    """Write a first thresholds file from the run in RESULTS.

    RESULTS is what `check` reads (results.json, a folder, a --csv prefix or a
    --json-file). Limits are the measured values plus headroom; the JSON Schema is written
    next to the file (thresholds.schema.json) for editors.
    """
    if output.exists() and not force:
        raise UserError(
            f"{output} already exists; not overwriting it",
            where=str(output),
            fix="pass --force to replace it, or -o to write another file",
        )
    text = init_file.render(loader.load(results), source=str(results))
    parse(text, str(output))  # what we write must be a file the gate reads
    schema = output.parent / init_file.SCHEMA_NAME
    _write_schema(schema)
    _write(output, text)
    click.echo(
        f"wrote {output} (and {schema}); check it with: locust-gate check "
        f"{results} --thresholds {output}"
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
