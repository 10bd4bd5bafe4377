"""`python -m gate.harness.guardian MARK [REPO WORKTREE]`: sweep MARK's processes once
stdin closes.

Started by `gate.harness.sweep.guarded` with a pipe from the gate as stdin. The pipe
closes when the gate closes it or when the gate dies, even by SIGKILL, which no handler
in the gate itself can catch; then everything carrying the run's mark is stopped, and
the base's worktree of `run --against-ref` (`gate.harness.worktree`) is removed.
"""

from __future__ import annotations

import signal
import sys
from pathlib import Path

from gate.harness import worktree
from gate.harness.sweep import stop_marked


def main(argv: list[str]) -> int:
    if len(argv) not in (1, 3):
        return 2
    # The runner's cancel sends SIGINT/SIGTERM to the job: the gate handles those and
    # closes the pipe itself; the guardian must outlive it to do the sweep.
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)
    while sys.stdin.buffer.read(4096):
        pass
    stop_marked(argv[0])
    if len(argv) == 3:  # after the sweep: nothing runs in the worktree any more
        worktree.remove(Path(argv[1]), Path(argv[2]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
