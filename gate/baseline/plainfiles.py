"""A store's file I/O at its trust boundary: plain files only, never through a link.

A store is a trust boundary: a directory is often a restored cache or a downloaded
artifact, a data branch anyone with push access wrote. So no path inside a store may be
a link (or anything but a plain file or folder): `gate.baseline.dirstore` checks the whole
tree before anything is read, written or pruned, and files are read with `O_NOFOLLOW`
here. A failed read or write is the user's to fix (exit 2), naming the store; every write
goes through `gate.files.atomic`, so what was stored before is intact.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from gate.baseline.storespec import StoreSpec
from gate.errors import UserError


def read_plain(path: Path) -> bytes:
    """The bytes of a plain file, never through a link (`O_NOFOLLOW`) and never blocking
    on a FIFO or a device (`O_NONBLOCK`, then only a regular file is read)."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(0, "not a plain file", str(path))
        return handle.read()


def linked(spec: StoreSpec, name: str, fix: str) -> UserError:
    """A link in a store: refused, whatever it points to (a restored cache or an artifact
    can carry links; following one would read or delete files outside the store)."""
    return UserError(
        f"{name} in the store is a symbolic link; a store may hold no links",
        where=f"store {spec.text}",
        fix=f"{fix} (nothing was written or deleted)",
    )


def reason(exc: OSError) -> str:
    """What went wrong, in words (a link refused by `O_NOFOLLOW` says so)."""
    if exc.errno == errno.ELOOP:
        return "it is a symbolic link, and a store may hold no links"
    return exc.strerror or str(exc)


@contextmanager
def writing(spec: StoreSpec) -> Iterator[None]:
    """A failed write (a full disk, a read-only store) is the user's to fix (exit 2); every
    write is atomic, so what was stored before is intact."""
    try:
        yield
    except OSError as exc:
        raise io_error(spec, exc, "write to") from None


def io_error(spec: StoreSpec, exc: OSError, doing: str) -> UserError:
    place = f", {exc.filename}" if exc.filename else ""
    return UserError(
        f"cannot {doing} the store: {reason(exc)}",
        where=f"store {spec.text}{place}",
        fix="free space on the disk or make the store writable, then save again; the runs "
        "stored before are unchanged",
    )
