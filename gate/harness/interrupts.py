"""Signals during a run: `SignalGuard` turns SIGINT, SIGTERM and SIGHUP into `Interrupted`.

While `gate.harness.orchestrate` runs, those signals (a CI runner cancelling a job sends
SIGINT, then SIGTERM, then kills) raise `Interrupted`, so the `finally` blocks stop Locust
and the backend. Starting a process and the cleanup are shielded: a signal arriving then
is held and raised right after. Repeated signals while stopping are ignored, so the
runner's SIGTERM after its SIGINT does not cut the cleanup short (they stay ignored until
the process exits).
`Interrupted` is a HarnessError with stage "interrupted" and exit code 128 + the signal
number (130 for SIGINT, 143 for SIGTERM), the shell convention for death by a signal, so
CI shows "cancelled" rather than a gate verdict.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType

from gate.errors import Interrupted

_HANDLED_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class SignalGuard:
    """Turns SIGINT/SIGTERM/SIGHUP into `Interrupted`, except inside `shielded()`."""

    def __init__(self) -> None:
        self.received: int | None = None
        self._raised = False
        self._shield = 0
        self._previous: dict[int, object] = {}

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        if self.received is not None:
            return  # already stopping: do not interrupt the cleanup
        self.received = signum
        if self._shield == 0:
            self._raised = True
            raise Interrupted(signum)

    def install(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return  # signal handlers can only be set from the main thread
        for sig in _HANDLED_SIGNALS:
            self._previous[sig] = signal.signal(sig, self._handle)

    def restore(self) -> None:
        if self.received is not None:
            # Interrupted: keep ignoring repeats (the runner's SIGTERM after its SIGINT)
            # for the few steps left before exit, so the exit code stays 128 + first signal.
            return
        for sig, previous in self._previous.items():
            signal.signal(sig, previous)  # type: ignore[arg-type]
        self._previous.clear()

    @contextlib.contextmanager
    def shielded(self) -> Iterator[None]:
        self._shield += 1
        try:
            yield
        finally:
            self._shield -= 1
        self.raise_pending()

    def raise_pending(self) -> None:
        if self._shield == 0 and self.received is not None and not self._raised:
            self._raised = True
            raise Interrupted(self.received)
