"""`check --report-dir` in a directory of the user's own, through the real CLI: only files
the directory's record says we wrote (unchanged since) are ever replaced or removed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from gate.files import outputs
from gate.results import resultsfile
from tests import factory

REPO = Path(__file__).resolve().parents[2]
THRESHOLDS = "version: 1\ndefaults:\n  p95: 500ms\n"


def check(folder: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    results = folder / "in" / "results.json"
    if not results.exists():
        results.parent.mkdir()
        results.write_text(json.dumps(resultsfile.to_dict(
            factory.results(factory.endpoint("/a", [10.0, 20.0, 30.0])))))
        (folder / "in" / "t.yml").write_text(THRESHOLDS)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env = {k: v for k, v in env.items() if not k.startswith("GITHUB_")}
    return subprocess.run(
        [sys.executable, "-m", "gate", "check", str(results), "--thresholds",
         str(folder / "in" / "t.yml"), "--report-dir", ".", *extra],
        cwd=folder, env=env, capture_output=True, text=True, timeout=60, check=False)


def test_the_users_own_reports_refuse_the_check_and_stay(tmp_path: Path) -> None:
    mine = {"report.md": "# mine\n", "junit.xml": "<mine/>\n", "results.json": "{}\n"}
    for name, text in mine.items():
        (tmp_path / name).write_text(text)
    proc = check(tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "holds report.md, junit.xml, which locust-gate did not write" in proc.stderr
    assert "fix: point --report-dir at a directory of its own" in proc.stderr
    assert {n: (tmp_path / n).read_text() for n in mine} == mine
    assert not (tmp_path / "verdict.json").exists()  # refused before writing anything


def test_a_link_at_a_report_name_is_never_ours(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.md"
    target.write_text("the user's file behind a link\n")
    assert check(tmp_path).returncode == 0  # our reports, recorded
    (tmp_path / "report.md").unlink()
    (tmp_path / "report.md").symlink_to(target)
    proc = check(tmp_path)
    assert proc.returncode == 2 and "holds report.md" in proc.stderr, proc.stderr
    assert (tmp_path / "report.md").is_symlink()
    assert target.read_text() == "the user's file behind a link\n"


def test_ours_are_replaced_also_after_a_killed_check(tmp_path: Path) -> None:
    (tmp_path / "results.json").write_text("{}\n")  # the user's: not a name check writes
    assert check(tmp_path).returncode == 0
    assert check(tmp_path).returncode == 0  # its own reports are replaced
    record = json.loads((tmp_path / outputs.RECORD_NAME).read_text())
    assert set(record["files"]) == {"verdict.json", "report.md", "junit.xml", "comment.md"}
    # A check killed while writing leaves its names recorded as being written (null).
    record["files"] = dict.fromkeys(record["files"])
    (tmp_path / outputs.RECORD_NAME).write_text(json.dumps(record))
    (tmp_path / "report.md").write_text("half written by the killed check")
    assert check(tmp_path).returncode == 0
    assert "half written" not in (tmp_path / "report.md").read_text()
    assert (tmp_path / "results.json").read_text() == "{}\n"
