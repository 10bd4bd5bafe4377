"""One error hierarchy, mapped to exit codes in one place (`gate.cli.main`).

Exit codes: 0 pass (warnings allowed), 1 gate failed, 2 user error or harness failure
(seed, backend start, health, backend crash, Locust crash: nothing measured could be
judged), 3 internal error. Harness failures are told apart from user errors in
`verdict.json` (`"verdict": "error"` with the failing `stage`).
"""

from __future__ import annotations

EXIT_PASS = 0
EXIT_GATE_FAILED = 1
EXIT_USER_ERROR = 2
EXIT_INTERNAL_ERROR = 3


class GateError(Exception):
    """Base class for every error the gate reports without a traceback."""

    exit_code = EXIT_INTERNAL_ERROR

    def __init__(
        self, what: str, *, where: str | None = None, fix: str | None = None
    ) -> None:
        super().__init__(what)
        self.what = what
        self.where = where
        self.fix = fix

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

    exit_code = EXIT_USER_ERROR


class HarnessError(GateError):
    """The harness around the load test failed (seed, backend, health, Locust crash).

    Distinct from a gate failure: nothing was measured that could be judged.
    """

    exit_code = EXIT_USER_ERROR

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


def location(path: str, line: int | None = None, key: str | None = None) -> str:
    """Format a place in a file as `path:line (key)` for error messages."""
    text = path if line is None else f"{path}:{line}"
    return f"{text} (at {key})" if key else text
