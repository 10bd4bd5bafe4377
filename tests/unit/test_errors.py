"""The one mapping of verdicts and exceptions to exit codes."""

from __future__ import annotations

import signal

import click
import pytest

from gate.errors import HarnessError, Interrupted, UserError, exit_code


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (UserError("bad"), 2),
        (HarnessError("seed failed", stage="seed"), 2),
        (Interrupted(signal.SIGINT), 130),
        (Interrupted(signal.SIGTERM), 143),
        (click.UsageError("no such option"), 2),
        (click.exceptions.Abort(), 130),
        (KeyError("bug"), 3),
    ],
)
def test_every_exception_has_one_exit_code(error: BaseException, code: int) -> None:
    assert exit_code(error) == code
    if isinstance(error, UserError | HarnessError):
        assert error.exit_code == code
