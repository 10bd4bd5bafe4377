"""The reviewer's Markdown (PR comment, job summary): golden files, inert run text, limits."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from gate.reports import review
from gate.reports.review import Links, relative
from tests.support import reviews
from tests.support.mdcheck import CELL_BAR

GOLDEN = Path(__file__).parent / "golden"
LINKS = Links.from_env({"GITHUB_SERVER_URL": "https://github.com",
                        "GITHUB_REPOSITORY": "octo/app", "GITHUB_RUN_ID": "42"})


def _golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{name} changed: UPDATE_GOLDEN=1 to accept"


def test_review_with_baseline_matches_golden() -> None:
    _golden("review.md", review.render(reviews.hostile(), links=LINKS, root="/repo"))


def test_review_without_baseline_matches_golden() -> None:
    _golden("review-no-baseline.md",
            review.render(reviews.hostile(with_baseline=False), links=None, root="/repo"))


def test_headline_counts_and_baseline_line() -> None:
    text = review.render(reviews.hostile(), links=LINKS, root="/repo")
    head = text.split("### Needs attention")[0]
    assert "## ❌ Load test gate: **FAIL**" in head
    assert "**6** endpoints checked: **3** failed · **2** warned · **1** inconclusive" in head
    assert "**245** requests · **4** failures (1.63 %)" in head and "5 users" in head
    assert "`0123456789ab` on main\\`\\|&lt;b>, 2023-11-14 22:13 UTC (5 runs)" in head
    assert "**1** endpoints regressed · **1** improved" in head
    assert "(https://github.com/octo/app/actions/runs/42)" in head
    # baseline and change columns: the regressed row says both, in ms and %
    assert "| 30 ms | 18 ms | +12 ms (+66.7 %) | ≤ 20 ms | regressed (fail) |" in text


def test_failed_and_regressed_rows_come_first_and_the_rest_is_folded() -> None:
    text = review.render(reviews.hostile(), links=None, root=None)
    attention, rest = text.split("<details><summary>7 more checks</summary>", 1)
    rows = [line for line in attention.splitlines() if line.startswith("| ")][1:]
    assert "regressed (fail)" in rows[0]
    assert [r.rsplit("|", 2)[1].strip() for r in rows] == [
        "regressed (fail)", "breached (fail)", "breached (fail)", "breached (warn)",
        "inconclusive (warn): 5 of 10 requests", "inconclusive (warn): 5 of 10 requests"]
    assert "| pass |" not in attention and "| pass |" in rest


def test_no_absolute_runner_paths() -> None:
    text = review.render(reviews.hostile(), links=None, root="/repo")
    assert "/repo" not in text and "Thresholds: thresholds/t.yml" in text


@pytest.mark.parametrize(("path", "root", "shown"), [
    ("/repo/thresholds/t.yml", "/repo", "thresholds/t.yml"),
    ("/home/runner/work/x/t.yml", "/repo", "t.yml"),
    ("thresholds/t.yml", "/repo", "thresholds/t.yml"),
    ("/repo", "/repo", "."),
])
def test_relative(path: str, root: str, shown: str) -> None:
    assert relative(path, root) == shown


def test_chart_has_a_legend() -> None:
    text = review.render(reviews.hostile(), links=None, root=None)
    chart = text.split("```mermaid", 1)[1]
    assert "plotColorPalette" in chart and "Legend: 🟦 requests per second · 🟥 failures" in chart


def test_run_text_stays_inert() -> None:
    text = review.render(reviews.hostile(), links=LINKS, root=None)
    assert "<b>" not in text and "<img" not in text and "<i>" not in text
    assert "<!--" not in text  # the review itself has no comment; `comment` adds the marker
    assert text.count("</details>") == text.count("<details>")  # no name closes our blocks
    assert re.search(r"@(?!\u200b|&#8203;)\w", text) is None  # no @mention pings anyone
    assert "](https://evil" not in text and "![" not in text  # no link, no image
    assert "`c`" not in text and "`y`" not in text
    for block in text.split("\n\n"):  # every row has its header's number of cells
        rows = [line for line in block.splitlines() if line.startswith("|")]
        assert len({len(CELL_BAR.findall(row)) for row in rows}) <= 1, block


def test_a_huge_report_fits_a_comment_and_keeps_every_failing_row() -> None:
    ctx = reviews.huge()
    full = review.render(ctx, links=LINKS, root=None)
    assert len(full) > 70_000
    text = review.fit(ctx, links=LINKS, root=None, limit=review.COMMENT_LIMIT,
                      limit_name="GitHub's 65,536 characters per comment")
    assert len(text) <= review.COMMENT_LIMIT
    assert text.startswith("## ❌ Load test gate: **FAIL**")
    for i in range(40):
        assert f"GET /FAILING-{i}/" in text
    assert "Cut to fit GitHub's 65,536 characters per comment" in text
    assert "rows" in text and "the chart" in text
    assert text.count("<details>") == text.count("</details>")


def test_when_even_failing_rows_do_not_fit_the_cut_says_how_many() -> None:
    ctx = reviews.huge(endpoints=300, failing=300)
    text = review.fit(ctx, links=None, root=None, limit=20_000)
    assert len(text) <= 20_000
    found = re.search(r"Cut to fit the size limit: (\d+) rows \((\d+) of them failing\)", text)
    assert found, text[:800]
    shown = text.count("| breached (fail) |")
    assert shown > 0 and shown + int(found.group(2)) == 300


def test_summary_limit_is_measured_in_bytes() -> None:
    ctx = reviews.huge(endpoints=200, failing=10)
    text = review.fit(ctx, links=None, root=None, limit=30_000,
                      size=lambda s: len(s.encode("utf-8")))
    assert len(text.encode("utf-8")) <= 30_000 < len(review.render(ctx, links=None, root=None))
