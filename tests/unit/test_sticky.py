"""Whose comment is ours, and that no body we post holds a second marker (issue 17)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gate.errors import UserError
from gate.github import sticky
from gate.github.api import Author, Existing

BOT = Author(login="github-actions[bot]", id=None, bot=True)
STATE = "0123456789abcdef"


def markers(text: str) -> int:
    return text.count("<!-- locust-gate:comment")


def test_a_nested_marker_does_not_survive() -> None:
    body = "<!-- locust-gate<!-- x -->:comment id=other -->\nhi"
    text = sticky.compose(body, comment_id="api", state=STATE)
    assert markers(text) == 1 and sticky.marker("api") in text
    assert "<!--" not in text.split("\n", 2)[2]  # after our marker and state: none at all
    # the second gate's search does not find the body's attempt
    other = Existing(id=1, body=text, url="", author=BOT)
    assert sticky.find([other], "other", BOT) == (None, [])


# Made of the marker's own pieces, so that hypothesis can assemble markers, nested ones
# and ones split by a cut at GitHub's limit.
PIECES = st.sampled_from(["<!--", "<!-- ", "-->", " -->", "locust-gate", ":comment",
                          " id=api", " id=other", ":state ", STATE, "<", "!", "-", " ", "\n",
                          "&lt;", "x"])


@settings(max_examples=300, deadline=None)
@given(st.lists(PIECES, max_size=60).map("".join))
def test_no_composed_body_holds_a_second_marker(body: str) -> None:
    text = sticky.compose(body, comment_id="api", state=STATE)
    assert markers(text) == 1
    assert text.count("<!--") == 2  # ours: the marker and the state
    assert sticky.state_of(text) == STATE


@settings(max_examples=50, deadline=None)
@given(st.lists(PIECES, min_size=1, max_size=30).map("".join))
def test_no_cut_at_the_limit_makes_a_marker(tail: str) -> None:
    body = "y" * (sticky.COMMENT_LIMIT - 100) + tail * 20
    text = sticky.compose(body, comment_id="api", state=STATE)
    assert len(text) <= sticky.COMMENT_LIMIT and text.count("<!--") == 2


@pytest.mark.parametrize(("author", "me", "ours"), [
    (Author(login="github-actions[bot]", id=41898282, bot=True), BOT, True),
    (Author(login="GitHub-Actions[bot]", id=41898282, bot=True), BOT, True),  # logins: any case
    (Author(login="github-actions", id=5, bot=False), BOT, False),  # a user, not the bot
    (Author(login="mallory", id=6, bot=False), BOT, False),
    (Author(login="alice", id=77, bot=False), Author(login="alice", id=77, bot=False), True),
    (Author(login="alice", id=78, bot=False), Author(login="alice", id=77, bot=False), False),
    (Author(login="my-app[bot]", id=9, bot=True), BOT, False),
])
def test_is_ours(author: Author, me: Author, ours: bool) -> None:
    assert sticky.is_ours(author, me) is ours


def test_find_skips_and_reports_other_authors() -> None:
    mark = sticky.marker("default")
    mallory = Existing(id=1, body=mark, url="", author=Author(login="mallory", id=6, bot=False))
    mine = Existing(id=2, body=mark, url="", author=BOT)
    assert sticky.find([mallory, mine], "default", BOT) == (mine, [mallory])
    assert sticky.find([mallory], "default", BOT) == (None, [mallory])


@pytest.mark.parametrize(("given_name", "login"), [
    ("github-actions[bot]", "github-actions[bot]"),
    ("my-app", "my-app[bot]"),
    ("my-app[bot]", "my-app[bot]"),
])
def test_bot_login(given_name: str, login: str) -> None:
    assert sticky.bot_login(given_name) == login


@pytest.mark.parametrize("bad", ["", "octo cat", "-app", "app[bot][bot]", "a/b", "x" * 101])
def test_a_bad_bot_login_is_a_user_error(bad: str) -> None:
    with pytest.raises(UserError, match="invalid bot login"):
        sticky.bot_login(bad)
