"""Command-line entry point: thin click wiring; every exception ends here, as the exit code
`gate.errors.exit_code` gives it.

Subcommands are imported when they are invoked (`_LazyGroup`): `check` never loads the
harness of `run`, and `--help` loads neither, so start-up stays short.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

import click

from gate import __version__
from gate.errors import GateError, exit_code
from gate.reports import safestream

# name -> "module:attribute" of the click command.
COMMANDS = {
    "baseline": "gate.commands.baseline:baseline",
    "check": "gate.commands.check:check",
    "comment": "gate.commands.comment:comment",
    "run": "gate.commands.run:run",
    "thresholds": "gate.commands.thresholds:thresholds",
    "trend": "gate.commands.trend:trend",
}


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module, _, attribute = target.partition(":")
        command = getattr(importlib.import_module(module), attribute)
        assert isinstance(command, click.Command)
        return command


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="locust-gate")
def cli() -> None:
    """A CI regression gate for Locust load tests."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code (0 pass, 1 gate failed, 2 user error, 3 internal)."""
    args = list(sys.argv[1:] if argv is None else argv)
    # Every line printed from here on, whatever its source, is made inert for CI logs.
    with safestream.installed():
        return _main(args)


def _main(args: list[str]) -> int:
    try:
        result = cli.main(args=args, prog_name="locust-gate", standalone_mode=False)
    except GateError as exc:
        click.echo(exc.render(), err=True)
        return exit_code(exc)
    except click.exceptions.Abort as exc:
        click.echo("aborted", err=True)
        return exit_code(exc)
    except click.ClickException as exc:
        exc.show()
        return exit_code(exc)
    except Exception as exc:  # the one place a bug becomes exit 3, with the traceback
        import traceback  # noqa: PLC0415 (only a bug pays for it)

        click.echo("internal error: this is a bug in locust-gate; please report it.", err=True)
        click.echo(traceback.format_exc(), err=True)
        return exit_code(exc)
    return result if isinstance(result, int) else 0
