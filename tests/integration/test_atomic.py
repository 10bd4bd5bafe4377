"""The one atomic writer: whole files, no leftovers, permissions that follow the umask."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from gate.files import atomic


@pytest.fixture
def umask() -> Iterator[None]:
    old = os.umask(0o022)
    yield
    os.umask(old)


@pytest.mark.parametrize(("mask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_the_mode_follows_the_umask(tmp_path: Path, umask: None, mask: int, mode: int) -> None:
    os.umask(mask)
    target = tmp_path / "report.md"
    atomic.write_text(target, "hello\n")
    assert stat.S_IMODE(target.stat().st_mode) == mode
    assert target.read_text(encoding="utf-8") == "hello\n"


def test_creates_the_folder_replaces_the_file_and_leaves_nothing_behind(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "er" / "verdict.json"
    atomic.write_text(target, "one")
    atomic.write_text(target, "two ✅")
    assert target.read_text(encoding="utf-8") == "two ✅"
    assert [p.name for p in target.parent.iterdir()] == ["verdict.json"]


def test_a_failed_write_keeps_the_old_file_and_removes_the_temporary(tmp_path: Path) -> None:
    target = tmp_path / "junit.xml"
    atomic.write_text(target, "old")
    with pytest.raises(UnicodeEncodeError):
        atomic.write_text(target, "half \udcff")  # a lone surrogate cannot be UTF-8
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["junit.xml"]
