"""Command-line entry point: thin click wiring; errors map to exit codes here only."""

from __future__ import annotations

import sys
import traceback
from collections.abc import Sequence

import click

from gate import __version__
from gate.commands.check import check
from gate.commands.run import run
from gate.commands.thresholds import thresholds
from gate.errors import EXIT_INTERNAL_ERROR, GateError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="locust-gate")
def cli() -> None:
    """A CI regression gate for Locust load tests."""


cli.add_command(check)
cli.add_command(run)
cli.add_command(thresholds)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code (0 pass, 1 gate failed, 2 user error, 3 internal)."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        result = cli.main(args=args, prog_name="locust-gate", standalone_mode=False)
    except GateError as exc:
        click.echo(exc.render(), err=True)
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 130
    except click.ClickException as exc:
        exc.show()
        return 2
    except Exception:  # the one place a bug becomes exit 3, with the traceback for a report
        click.echo("internal error: this is a bug in locust-gate; please report it.", err=True)
        click.echo(traceback.format_exc(), err=True)
        return EXIT_INTERNAL_ERROR
    return result if isinstance(result, int) else 0
