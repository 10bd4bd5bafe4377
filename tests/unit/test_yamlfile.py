"""gate.files.yamlfile: YAML mappings and sequences that remember their lines, and the errors."""

from __future__ import annotations

import pytest

from gate.errors import UserError
from gate.files.yamlfile import DuplicateKeyError, Map, Seq, kind, parse_yaml, suggest

PATH = "conf/x.yml"
EXAMPLE = "name: value"


def read(text: str, *, allow_empty: bool = False) -> Map:
    return parse_yaml(text, PATH, what="the x file", example=EXAMPLE, allow_empty=allow_empty)


def error_of(text: str) -> UserError:
    with pytest.raises(UserError) as info:
        read(text)
    error = info.value
    assert error.fix
    assert error.__cause__ is None
    assert error.__context__ is None or error.__suppress_context__
    return error


def test_mappings_and_sequences_remember_their_lines() -> None:
    top = read(
        "# a comment\n"
        "name: demo\n"
        "items:\n"
        "  - first\n"
        "  - {on: 1, off: no}\n"
        "nested:\n"
        "  inner:\n"
        "    deep: 3\n"
    )
    assert top == {
        "name": "demo",
        "items": ["first", {"on": 1, "off": False}],
        "nested": {"inner": {"deep": 3}},
    }
    assert top.line == 2
    assert top.key_lines == {"name": 2, "items": 3, "nested": 6}
    assert top.value_lines == {"name": 2, "items": 4, "nested": 7}
    items = top["items"]
    assert isinstance(items, Seq) and items.line == 4 and items.item_lines == [4, 5]
    # Keys are read as written (YAML 1.1 would read `on` as true); values follow YAML 1.1.
    assert isinstance(items[1], Map) and list(items[1]) == ["on", "off"]
    inner = top["nested"]["inner"]
    assert isinstance(inner, Map) and inner.key_lines == {"deep": 8}


def test_merge_keys_bring_keys_and_own_keys_override_them() -> None:
    top = read(
        "x-common: &common {a: 1, b: 2}\n"
        "thing:\n"
        "  <<: *common\n"
        "  b: 3\n"
        "  c: 4\n"
    )
    assert top["thing"] == {"a": 1, "b": 3, "c": 4}
    assert top["thing"].key_lines["b"] == 4


def test_a_duplicate_nested_key_names_both_lines_and_the_key_path() -> None:
    error = error_of("top:\n  - name: a\n    env:\n      A: 1\n      A: 2\n")
    assert isinstance(error, DuplicateKeyError)
    assert error.what == "duplicate key 'A' (first written on line 4)"
    assert error.where == f"{PATH}:5 (at top[0].env.A)"
    assert (error.key, error.line, error.first_line) == ("A", 5, 4)


def test_a_key_written_twice_after_a_merge_is_still_a_duplicate() -> None:
    error = error_of("x: &x {a: 1}\ny:\n  <<: *x\n  a: 2\n  a: 3\n")
    assert isinstance(error, DuplicateKeyError)
    assert error.where == f"{PATH}:5 (at y.a)"


def test_a_syntax_error_names_line_and_column() -> None:
    error = error_of("name: demo\nitems: [1, 2\nother: x\n")
    assert error.what.startswith("the x file is not valid YAML: ")
    assert "flow sequence started on line 2" in error.what
    assert error.where == f"{PATH}:3:6"


def test_an_unclosed_thing_at_the_end_points_to_where_it_started() -> None:
    error = error_of('name: demo\nquoted: "never closed\n')
    assert error.where is not None and error.where.startswith(f"{PATH}:2:")
    assert "started on line 2" in error.what


def test_tabs_and_unquoted_stars_get_specific_fixes() -> None:
    assert error_of("a:\n\tb: 1\n").fix == "indent with spaces, not tabs"
    fix = error_of("a: */x\n").fix
    assert fix is not None and fix.startswith("quote the value")


def test_a_key_that_is_a_list_is_refused() -> None:
    error = error_of("a:\n  ? [b, c]\n  : 1\n")
    assert error.what == "a key must be a plain name, not a list or a mapping"
    assert error.where == f"{PATH}:2 (at a)"
    assert error.fix == f"write keys as plain words, such as {EXAMPLE}"


def test_empty_documents() -> None:
    error = error_of("# nothing\n")
    assert error.what == "the x file is empty"
    assert error.where == f"{PATH}:1 (at top level)"
    empty = read("", allow_empty=True)
    assert empty == {} and isinstance(empty, Map) and empty.line == 1


@pytest.mark.parametrize(
    ("text", "what", "line"),
    [
        ("# c\n- a\n", "the x file must be a mapping of keys, not a list", 2),
        ("just text\n", "the x file must be a mapping of keys, not the text 'just text'", 1),
    ],
)
def test_a_document_that_is_not_a_mapping(text: str, what: str, line: int) -> None:
    error = error_of(text)
    assert error.what == what
    assert error.where == f"{PATH}:{line} (at top level)"
    assert error.fix is not None and EXAMPLE in error.fix


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ([1], "a list"),
        ({"a": 1}, "a mapping"),
        (True, "true (a boolean)"),
        ("x", "the text 'x'"),
        (None, "an empty value"),
        (2.5, "2.5 (float)"),
    ],
)
def test_kind(value: object, text: str) -> None:
    assert kind(value) == text


def test_suggest() -> None:
    keys = ("users", "spawn-rate", "match")
    assert suggest("user", keys) == "users"
    assert suggest("Spawn_Rate", keys) == "spawn-rate"
    assert suggest("glob", keys) is None
    assert suggest("glob", keys, {"glob": "match"}) == "match"
    assert suggest("glob", ("users",), {"glob": "match"}) is None  # alias not allowed here


def test_the_quote_fix_shows_the_line_quoted() -> None:
    assert error_of("seed: *x  # note\n").fix == (
        'quote the value, e.g. seed: "*x" (YAML gives * & ! % @ a meaning)'
    )
    assert error_of("a:\n  - match: */search\n").fix == (
        'quote the value, e.g. match: "*/search" (YAML gives * & ! % @ a meaning)'
    )
