"""The one atomic file writer: a reader sees the old file or the whole new one, never half.

The text goes to a temporary file in the target's folder (same filesystem, so the rename
is atomic), is flushed to disk (fsync) and renamed over the target. The temporary file is
created with mode 0666 and the process umask applied by the kernel, so the result has the
permissions any other file the user writes would have (`tempfile.mkstemp` would leave
0600, which hides reports from other CI users and from the web server serving them).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

_FILE_MODE = 0o666  # the umask is applied by open(2), as for any new file


def write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write `text` (UTF-8) to `path` atomically and durably; create its folder if needed."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp, fd = _create_temporary(target)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def write_for_user(path: Path, text: str, *, fix: str) -> None:
    """`write_text` where the file is one the user asked for: a failure (permissions, a
    full disk) is a UserError naming the file, with `fix`, not a traceback."""
    from gate.errors import UserError  # noqa: PLC0415 (this module stays import-light)

    try:
        write_text(path, text)
    except OSError as exc:
        raise UserError(
            f"cannot write {path}: {exc.strerror or exc}", where=str(path), fix=fix
        ) from None


def _create_temporary(target: Path) -> tuple[Path, int]:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    while True:
        tmp = target.with_name(f".{target.name}.{os.urandom(4).hex()}.tmp")
        try:
            return tmp, os.open(tmp, flags, _FILE_MODE)
        except FileExistsError:  # a leftover of a crashed writer: pick another name
            continue
