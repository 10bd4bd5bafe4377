"""Load a YAML file so that every later error can name `file:line` and the key.

`parse_yaml` parses the text with a `yaml.SafeLoader` whose mappings are `Map`s and whose
sequences are `Seq`s: plain `dict` / `list` subclasses that also remember the (1-based)
line of the node, of each key and value, or of each item. Callers validate the result and
point their own errors at `mapping.key_lines[key]` or `mapping.value_lines[key]`.

What `parse_yaml` reports itself, as `UserError`s:
- YAML syntax errors, as `path:line:column`; when the parser only notices a problem at the
  end of the file ("got <stream end>"), the mark is where the unclosed thing started;
- a duplicate key at any depth, as `DuplicateKeyError` (PyYAML would silently keep the
  last one), naming both lines and the key path, e.g. `endpoints[0].p95`;
- a key that is a list or a mapping;
- a document that is not a mapping, and an empty document unless `allow_empty`;
- an integer too long for Python to convert (over 4,300 digits), as `path:line:column`.

A syntax error in the block of a `secret` top-level key (`env:`) shows no text of the
file, only the place and the key: a password must not reach a CI log.

Keys are read as the text written (YAML 1.1 would read a key `on` as `true`); values
follow YAML 1.1, so `off`/`no` read as false. Anchors, aliases and merge keys
(`<<: *common`) work: a key of the mapping itself may override a merged one.

Aliases are bounded: a document that expands to more than `MAX_NODES` values is refused,
and so is one nested too deeply to parse.

`kind` and `suggest` help callers word their own messages.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import yaml

from gate.errors import UserError, location
from gate.files import jsontext

__all__ = ["DuplicateKeyError", "Map", "Seq", "indent", "kind", "parse_yaml", "suggest"]


class Map(dict[str, Any]):
    """A YAML mapping that remembers the (1-based) line of the mapping, of each key and of
    each value. Keys are the key's text as written."""

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.key_lines: dict[str, int] = {}
        self.value_lines: dict[str, int] = {}
        # Keys that so far only came from a merge (`<<: *anchor`): own keys may override.
        self.merged_keys: set[str] = set()


class Seq(list[Any]):
    """A YAML sequence that remembers the (1-based) line of itself and of each item."""

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.item_lines: list[int] = []


class DuplicateKeyError(UserError):
    """A key written twice in one mapping. `key`, `line` and `first_line` let a caller
    reword the message; `where` and `fix` are ready to use."""

    def __init__(self, key: str, *, line: int, first_line: int, where: str) -> None:
        super().__init__(
            f"duplicate key {key!r} (first written on line {first_line})",
            where=where,
            fix="keep one of the two lines; YAML would silently use the last one",
        )
        self.key = key
        self.line = line
        self.first_line = first_line


def parse_yaml(
    text: str,
    path: str,
    *,
    what: str,
    example: str,
    allow_empty: bool = False,
    secret: frozenset[str] = frozenset(),
) -> Map:
    """Parse `text` (read from `path`, used only in messages) into a `Map`.

    `what` names the file in messages ("the thresholds file", "locust-gate.yml");
    `example` is a few lines of a valid file, shown in fixes (its last line is also the
    example of a `key: value`). An empty document is an error unless `allow_empty`, when
    it reads as an empty `Map`. Every problem is a `UserError` without a traceback chain.
    A syntax error inside the block of a top-level key in `secret` (`env:`, which may hold
    passwords) shows no text of the file: only the line, the column and the key.
    """
    loader = _LineLoader(text, path, example.splitlines()[-1].strip())
    try:
        node = loader.get_single_node()
        _check_expansion(node, path, what)
        data = loader.construct_document(node) if node is not None else None
    except RecursionError:
        raise UserError(
            f"{what} is nested too deeply to read",
            where=path,
            fix="flatten the file: a thresholds or config file needs a few levels of nesting",
        ) from None
    except yaml.MarkedYAMLError as exc:
        error = _syntax_error(exc, text, path, what)
        for mark in (exc.problem_mark, exc.context_mark):
            if mark is not None and (block := _top_key(text, mark.line)) in secret:
                error = _hidden(error, text, mark.line, block=block)
        raise error from None
    except yaml.YAMLError as exc:
        raise UserError(
            f"{what} is not valid YAML: {exc}", where=path, fix="check indentation and quoting"
        ) from None
    except ValueError as exc:  # an integer Python refuses to convert (over 4,300 digits)
        raise _long_number(exc, text, path, what) from None
    finally:
        loader.dispose()
    if data is None:
        if allow_empty:
            return Map(1)
        raise UserError(
            f"{what} is empty",
            where=location(path, 1, "top level"),
            fix=f"start with:\n{indent(example)}",
        )
    if not isinstance(data, Map):
        raise UserError(
            f"{what} must be a mapping of keys, not {kind(data)}",
            where=location(path, _first_content_line(text), "top level"),
            fix=f"write keys such as:\n{indent(example)}",
        )
    return data


MAX_NODES = 100_000  # values a file may hold once aliases and merges are expanded


def _check_expansion(node: yaml.Node | None, path: str, what: str) -> None:
    """Refuse a file whose aliases expand to more than MAX_NODES values (a "billion
    laughs" bomb: 1 KB of anchors that would take minutes to build). Sizes are counted per
    node, once each, so the count itself is linear in the file."""
    if node is None:
        return
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(node, False)]
    while stack:
        current, children_done = stack.pop()
        if id(current) in sizes:
            continue
        children = _children(current)
        if children_done or not children:
            sizes[id(current)] = min(MAX_NODES + 1, 1 + sum(sizes[id(c)] for c in children))
            continue
        stack.append((current, True))
        stack.extend((child, False) for child in children if id(child) not in sizes)
    if sizes[id(node)] > MAX_NODES:
        raise UserError(
            f"{what} expands to more than {MAX_NODES:,} values through its anchors and "
            "aliases (`&name`, `*name`, `<<:`)",
            where=path,
            fix="write the values out, or use fewer levels of aliases of aliases",
        )


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def kind(value: object) -> str:
    """What a value is, for messages: `a list`, `the text 'x'`, `true (a boolean)`..."""
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, str):
        return f"the text {value!r}"
    if value is None:
        return "an empty value"
    return f"{value!r} ({type(value).__name__})"


def suggest(
    key: str, allowed: Sequence[str], aliases: Mapping[str, str] | None = None
) -> str | None:
    """The allowed key the user probably meant by `key` ("did you mean"), or None.

    `key` is compared in lower case with `_` read as `-`; `aliases` maps names people
    write by habit to the key meant (used only when that key is allowed here)."""
    normal = key.lower().replace("_", "-")
    alias = (aliases or {}).get(normal)
    if alias in allowed:
        return alias
    import difflib  # noqa: PLC0415 (only a misspelt key pays for it)

    close = difflib.get_close_matches(normal, allowed, n=1, cutoff=0.6)
    return close[0] if close else None


def indent(text: str) -> str:
    """Indent an example for a `fix:` text (under the rendered `  fix: ` line)."""
    return "\n".join(f"      {line}" for line in text.splitlines())


# --- the loader --------------------------------------------------------------------------


class _LineLoader(yaml.SafeLoader):
    """A SafeLoader whose mappings and sequences are `Map` / `Seq`."""

    def __init__(self, stream: str, path: str, key_example: str) -> None:
        super().__init__(stream)
        self.path = path
        self.key_example = key_example
        # The key path of the node being built (constructors run top-down, see below).
        self.keys: list[str] = []

    def keypath(self, last: str | None = None) -> str:
        """`endpoints[1].p95`: the path of the current node, or of its key `last`."""
        keys = self.keys if last is None else [*self.keys, last]
        return ".".join(keys).replace(".[", "[") or "top level"


_MERGE_TAG = "tag:yaml.org,2002:merge"


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1 if node.start_mark is not None else 1


def _construct_map(loader: _LineLoader, node: yaml.MappingNode) -> Iterator[Map]:
    data = Map(_line(node))
    yield data
    own_count = sum(1 for key_node, _ in node.value if key_node.tag != _MERGE_TAG)
    loader.flatten_mapping(node)  # `<<: *anchor` merged keys come first
    merged_count = len(node.value) - own_count
    for index, (key_node, value_node) in enumerate(node.value):
        if not isinstance(key_node, yaml.ScalarNode):
            raise UserError(
                "a key must be a plain name, not a list or a mapping",
                where=location(loader.path, _line(key_node), loader.keypath()),
                fix=f"write keys as plain words, such as {loader.key_example}",
            )
        key = str(key_node.value)
        if index >= merged_count and key in data and key not in data.merged_keys:
            raise DuplicateKeyError(
                key,
                line=_line(key_node),
                first_line=data.key_lines[key],
                where=location(loader.path, _line(key_node), loader.keypath(key)),
            )
        loader.keys.append(key)
        data[key] = loader.construct_object(value_node, deep=True)
        loader.keys.pop()
        data.key_lines[key] = _line(key_node)
        data.value_lines[key] = _line(value_node)
        if index < merged_count:
            data.merged_keys.add(key)
        else:
            data.merged_keys.discard(key)


def _construct_seq(loader: _LineLoader, node: yaml.SequenceNode) -> Iterator[Seq]:
    data = Seq(_line(node))
    yield data
    for index, item in enumerate(node.value):
        loader.keys.append(f"[{index}]")
        data.append(loader.construct_object(item, deep=True))
        loader.keys.pop()
        data.item_lines.append(_line(item))


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)


# --- syntax errors -----------------------------------------------------------------------


def _syntax_error(exc: yaml.MarkedYAMLError, text: str, path: str, what: str) -> UserError:
    mark = exc.problem_mark or exc.context_mark
    if exc.context_mark is not None and (mark is None or mark.line >= len(text.splitlines())):
        mark = exc.context_mark  # "got <stream end>": where the unclosed thing started
    where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark is not None else path
    problem = exc.problem or "syntax error"
    if exc.context and exc.context_mark is not None:
        problem += f" ({exc.context} started on line {exc.context_mark.line + 1})"
    elif exc.context:
        problem += f" ({exc.context})"
    return UserError(
        f"{what} is not valid YAML: {problem}",
        where=where,
        fix=_syntax_fix(text, mark.line if mark is not None else None),
    )


def _syntax_fix(text: str, line: int | None) -> str:
    lines = text.splitlines()
    source = lines[line] if line is not None and line < len(lines) else ""
    if "\t" in source:
        return "indent with spaces, not tabs"
    if re.search(r":\s*[*&!%@`]", source):
        # Show the line's own key and value quoted when it is a plain `key: value`.
        plain = re.fullmatch(r"[\s-]*([\w.-]+):\s*([*&!%@`][^\s\"#{}\[\],]*)\s*(#.*)?", source)
        quoted = f"{plain[1]}: \"{plain[2]}\"" if plain else 'key: "*value"'
        return f"quote the value, e.g. {quoted} (YAML gives * & ! % @ a meaning)"
    return "check the indentation and quoting on this line and the one before"


def _long_number(exc: ValueError, text: str, path: str, what: str) -> UserError:
    found = jsontext.long_number(text)
    if found is None:
        return UserError(f"{what} cannot be read: {exc}", where=path)
    digits, line, column = found
    return UserError(
        f"{what} holds a {digits}-digit number, beyond any plausible value",
        where=f"{path}:{line}:{column}",
        fix="write the number you mean (a count, a duration with its unit)",
    )


_TOP_KEY = re.compile(r"([^\s#:-][^:#]*?)\s*:(?:\s|$)")
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")


def _top_key(text: str, line: int) -> str | None:
    """The top-level key whose block holds the 0-based `line` (the key of that line
    itself when it is at the top level)."""
    for source in reversed(text.splitlines()[: line + 1]):
        if source[:1] not in ("", " ", "\t", "#"):
            found = _TOP_KEY.match(source)
            return found[1] if found else None
    return None


def _hidden(error: UserError, text: str, line: int, *, block: str) -> UserError:
    """`error` without any text of the file (PyYAML quotes an alias or a tag; the quoting
    fix shows the value): the place, the problem's kind, a fix in general terms."""
    source = text.splitlines()[line] if line < len(text.splitlines()) else ""
    key = re.match(r"\s*([\w.-]+)\s*:", source)
    what = _QUOTED.sub("(not shown)", error.what)
    fix = error.fix or ""
    if fix.startswith("quote the value"):
        fix = (f'quote the value, e.g. {key[1] if key else "KEY"}: "..." (YAML gives * & ! % @ '
               "a meaning)")
    return UserError(f"{what} (no text of the {block}: block is shown: it may hold secrets)",
                     where=error.where, fix=fix)


def _first_content_line(text: str) -> int:
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped and not stripped.startswith(("#", "---", "%")):
            return number
    return 1
