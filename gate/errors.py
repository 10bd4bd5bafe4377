"""One error hierarchy, and the one mapping of verdicts and errors to exit codes.

Exit codes (`exit_code`): 0 pass (warnings allowed), 1 gate failed, 2 user error or
harness failure (seed, backend start, health, backend crash, Locust crash: nothing
measured could be judged), 3 internal error, 128 + N interrupted by signal N (130 SIGINT,
143 SIGTERM). Harness failures are told apart from user errors in `verdict.json`
(`"verdict": "error"` with the failing `stage`). `gate.cli.main` turns every exception
into a code here, and verdict.json records the same code.
"""

from __future__ import annotations

from enum import IntEnum

from gate.core.verdict import Status


class ExitCode(IntEnum):
    PASS = 0
    GATE_FAILED = 1
    USER_ERROR = 2
    INTERNAL_ERROR = 3


EXIT_PASS = ExitCode.PASS
EXIT_GATE_FAILED = ExitCode.GATE_FAILED
EXIT_USER_ERROR = ExitCode.USER_ERROR
EXIT_INTERNAL_ERROR = ExitCode.INTERNAL_ERROR

_BY_STATUS = {
    Status.PASS: ExitCode.PASS,
    Status.WARN: ExitCode.PASS,
    Status.FAIL: ExitCode.GATE_FAILED,
    Status.ERROR: ExitCode.USER_ERROR,
}


def exit_code(outcome: Status | BaseException) -> int:
    """The process exit code for a run's verdict or for the exception that ended it."""
    if isinstance(outcome, Status):
        return _BY_STATUS[outcome]
    if isinstance(outcome, Interrupted):
        return 128 + outcome.signum
    if isinstance(outcome, UserError | HarnessError):
        return ExitCode.USER_ERROR
    # click is loaded whenever its exceptions can occur (the CLI); imported here only so
    # that the plugin, which shares this module, does not pay for it.
    import click  # noqa: PLC0415

    if isinstance(outcome, click.exceptions.Abort):  # Ctrl-C at a click prompt
        import signal  # noqa: PLC0415 (its enums cost every command ~0.4 ms of start-up)

        return 128 + signal.SIGINT
    if isinstance(outcome, click.ClickException):  # bad usage: unknown option, bad type
        return ExitCode.USER_ERROR
    return ExitCode.INTERNAL_ERROR


class GateError(Exception):
    """Base class for every error the gate reports without a traceback."""

    def __init__(
        self, what: str, *, where: str | None = None, fix: str | None = None
    ) -> None:
        super().__init__(what)
        self.what = what
        self.where = where
        self.fix = fix

    @property
    def exit_code(self) -> int:
        return exit_code(self)

    def render(self) -> str:
        """The message shown to the user: what, where (file, line, key), how to fix it."""
        lines = [f"error: {self.what}"]
        if self.where:
            lines.append(f"  where: {self.where}")
        if self.fix:
            lines.append(f"  fix: {self.fix}")
        return "\n".join(lines)


class UserError(GateError):
    """Bad or missing input: the user can fix it. Exit code 2."""


class HarnessError(GateError):
    """The harness around the load test failed (seed, backend, health, Locust crash).

    Distinct from a gate failure: nothing was measured that could be judged.
    """

    def __init__(
        self,
        what: str,
        *,
        stage: str,
        where: str | None = None,
        fix: str | None = None,
        log_tail: str | None = None,
    ) -> None:
        super().__init__(what, where=where, fix=fix)
        self.stage = stage
        self.log_tail = log_tail

    def render(self) -> str:
        text = super().render()
        if self.log_tail:
            indented = "\n".join(f"    {line}" for line in self.log_tail.splitlines())
            text += f"\n  last lines of the log:\n{indented}"
        return text


class Interrupted(HarnessError):
    """`run` got SIGINT/SIGTERM/SIGHUP; everything it started has been stopped."""

    def __init__(self, signum: int) -> None:
        import signal  # noqa: PLC0415 (only `run`, which handles signals, gets here)

        name = signal.Signals(signum).name
        super().__init__(
            f"interrupted by {name}: stopped Locust and the backend; nothing was judged",
            stage="interrupted",
        )
        self.signum = signum


def location(path: str, line: int | None = None, key: str | None = None) -> str:
    """Format a place in a file as `path:line (key)` for error messages."""
    text = path if line is None else f"{path}:{line}"
    return f"{text} (at {key})" if key else text
