"""The one atomic file writer: a reader sees the old file or the whole new one, never half.

Every file the gate writes goes through here: reports, results, and the runs and index of
a baseline store. The text goes to a temporary file in the target's folder (same
filesystem, so the rename is atomic), is flushed to disk (fsync) and renamed over the
target (`write_text`), or linked to it only if the name is still free (`create_new`: two
processes saving into one store never overwrite each other's run). The temporary file is
created with mode 0666 and the process umask applied by the kernel, so the result has the
permissions any other file the user writes would have (`tempfile.mkstemp` would leave
0600, which hides reports from other CI users and from the web server serving them). A
link at the target is replaced, never followed (rename and link(2) act on the name).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

_FILE_MODE = 0o666  # the umask is applied by open(2), as for any new file


def write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write `text` (UTF-8) to `path` atomically and durably; create its folder if needed."""
    target = Path(path)
    tmp = _written(target, text)
    try:
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def create_new(path: str | os.PathLike[str], text: str) -> bool:
    """`write_text`, but only if `path` does not exist yet: False (nothing written) if it
    does. The whole file appears at once, as with `write_text`."""
    target = Path(path)
    tmp = _written(target, text)
    try:
        os.link(tmp, target)  # fails when the name exists, unlike os.replace
        return True
    except FileExistsError:
        return False
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


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


def _written(target: Path, text: str) -> Path:
    """A temporary file beside `target` holding `text`, on disk (fsync); removed again if
    writing it fails."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp, fd = _create_temporary(target)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return tmp


def _create_temporary(target: Path) -> tuple[Path, int]:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    while True:
        tmp = target.with_name(f".{target.name}.{os.urandom(4).hex()}.tmp")
        try:
            return tmp, os.open(tmp, flags, _FILE_MODE)
        except FileExistsError:  # a leftover of a crashed writer: pick another name
            continue
