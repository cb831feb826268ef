"""Reading YAML: a fast C loader for the common path, ruamel.yaml for positions on the error path.

PyYAML's C loader is about 20x faster than ruamel's round-trip loader but keeps
the last of two equal keys silently, so the loader below refuses them itself.
Positions are only needed when something is wrong, so the round-trip loader
re-reads just that one file (see `SourcePositions`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import yaml

from ingressgen.errors import InputError, Location, Problem
from ingressgen.fast_positions import FastStream, Skeleton
from ingressgen.nesting import TooDeep, check_depth

_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class DuplicateKeyError(yaml.MarkedYAMLError):
    pass


class RefusedInProfile(yaml.MarkedYAMLError):
    """Valid YAML that a profile may not hold: the message says why and what to write."""


class StrictLoader(_BaseLoader):  # type: ignore[valid-type,misc]
    """A safe loader that refuses duplicate mapping keys, as kubectl and ruamel do."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[tuple[str, str], yaml.Node] = {}
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                identity = (key_node.tag, key_node.value)
                if identity in seen:
                    first = seen[identity].start_mark
                    raise DuplicateKeyError(
                        problem=(
                            f"duplicate key {key_node.value!r} (first defined on line "
                            f"{first.line + 1}); a key may appear only once in a mapping"
                        ),
                        problem_mark=key_node.start_mark,
                    )
                seen[identity] = key_node
        result: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        return result


class ProfileLoader(StrictLoader):
    """Profiles: bounded in size and depth before anything is built, and no number that YAML
    1.1 would read as something else than it looks (`1:20` is 80, `017` is 15, `0x1F` is 31).

    Manifests keep StrictLoader's reading, which is kubectl's; a profile is ingressgen's own
    format, so a surprise there is refused with the fix instead of passed on."""

    def construct_document(self, node: yaml.Node) -> Any:
        _check_shape(node)
        return super().construct_document(node)

    def construct_plain_int(self, node: yaml.ScalarNode) -> int:
        text = str(node.value)
        if not _DECIMAL.fullmatch(text):
            read = super().construct_yaml_int(node) if len(text) <= _MAX_DIGITS else None
            reading = f"the number {read}" if read is not None else "a number"
            raise RefusedInProfile(
                problem=f"{_cut(text)} reads as {reading} in YAML 1.1; write it in decimal, or "
                "quote it if it is text",
                problem_mark=node.start_mark,
            )
        if len(text.lstrip("+-")) > _MAX_DIGITS:
            raise RefusedInProfile(
                problem=f"{_cut(text)} has more than {_MAX_DIGITS} digits; no profile field "
                "takes a number that large",
                problem_mark=node.start_mark,
            )
        return int(text)

    def construct_plain_bool(self, node: yaml.ScalarNode) -> bool:
        text = str(node.value)
        if text.lower() not in ("true", "false"):
            raise RefusedInProfile(
                problem=f"{_cut(text)} reads as {str(super().construct_yaml_bool(node)).lower()} "
                "in YAML 1.1; write true or false, or quote it if it is text",
                problem_mark=node.start_mark,
            )
        return text.lower() == "true"


ProfileLoader.add_constructor("tag:yaml.org,2002:int", ProfileLoader.construct_plain_int)
ProfileLoader.add_constructor("tag:yaml.org,2002:bool", ProfileLoader.construct_plain_bool)

_DECIMAL = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
_MAX_DIGITS = 20  # int64 has 19 digits
# A profile is about 50 values six levels deep; these bounds leave room and keep a hostile
# file (an alias bomb, thousands of nested brackets) from costing more than a moment.
MAX_PROFILE_DEPTH = 64
MAX_PROFILE_VALUES = 100_000


def _check_shape(root: yaml.Node) -> None:
    """Refuse a document deeper or (aliases expanded) larger than any profile, walking the node
    graph without recursion and without building anything."""
    stack: list[tuple[yaml.Node, int]] = [(root, 1)]
    visited = 0
    while stack:
        node, depth = stack.pop()
        visited += 1
        if depth > MAX_PROFILE_DEPTH:
            raise RefusedInProfile(
                problem=f"nested more than {MAX_PROFILE_DEPTH} levels deep; a profile is a few "
                "levels of mappings and lists",
                problem_mark=node.start_mark,
            )
        if visited > MAX_PROFILE_VALUES:
            raise RefusedInProfile(
                problem=f"holds more than {MAX_PROFILE_VALUES:,} values once its aliases are "
                "expanded; remove the anchors and aliases that repeat each other",
                problem_mark=root.start_mark,
            )
        if isinstance(node, yaml.SequenceNode):
            stack.extend((child, depth + 1) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.append((key, depth + 1))
                stack.append((value, depth + 1))


def _cut(text: str, limit: int = 40) -> str:
    """A value as messages show it: never the whole of a long one."""
    return (
        repr(text) if len(text) <= limit else repr(text[:limit]) + f"... ({len(text)} characters)"
    )


def yaml_error_problem(error: yaml.YAMLError, file: str, text: str | bytes = "") -> Problem:
    """Turn a PyYAML error into a located problem (`text`: what was read, to place an
    unacceptable character, which PyYAML reports by its offset only)."""
    if isinstance(error, yaml.reader.ReaderError):
        return _reader_problem(error, file, text)
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    problem = getattr(error, "problem", None) or str(error)
    context = getattr(error, "context", None)
    message = (
        f"{context}: {problem}" if context and not isinstance(error, DuplicateKeyError) else problem
    )
    if not isinstance(error, RefusedInProfile):
        message = f"not valid YAML: {message}"
    if mark is None:
        return Problem(Location(file), message)
    return Problem(Location(file, mark.line + 1, mark.column + 1), message)


def _reader_problem(error: yaml.reader.ReaderError, file: str, text: str | bytes) -> Problem:
    message = f"not valid YAML: the character U+{error.character:04X}: {error.reason}"
    if not text or not 0 <= error.position <= len(text):
        return Problem(Location(file), message)
    # The offset counts characters in a text, bytes in a byte string (then only ASCII is sure).
    before = text[: error.position]
    if isinstance(before, bytes):
        before = before.decode("utf-8", "replace")
    line_start = before.rfind("\n") + 1
    return Problem(Location(file, before.count("\n") + 1, len(before) - line_start + 1), message)


def load_documents(text: str, file: str) -> list[Any]:
    """All documents of a YAML stream; InputError with the position on bad YAML."""
    try:
        check_depth(text, MAX_PROFILE_DEPTH)
        return list(yaml.load_all(text, Loader=ProfileLoader))
    except TooDeep as error:
        message = f"{error}; a profile is a few levels of mappings and lists"
        where = Location(file, error.line, error.column)
        raise InputError(problems=[Problem(where, message)]) from None
    except yaml.YAMLError as error:
        raise InputError(problems=[yaml_error_problem(error, file, text)]) from None


def locate_in_tree(
    node: Any, path: Sequence[str | int], *, at_key: bool = False
) -> tuple[int, int] | None:
    """0-based (line, column) of `path` in a ruamel round-trip tree, or of its deepest existing
    part; None when not even its first part exists. With `at_key`, the last key itself."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    position: tuple[int, int] | None = None
    for index, part in enumerate(path):
        last = index == len(path) - 1
        if isinstance(node, CommentedMap) and part in node:
            position = node.lc.key(part) if (last and at_key) else node.lc.value(part)
            node = node[part]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and part < len(node):
            position = node.lc.item(part)
            node = node[part]
        else:
            break
    return position


class SourcePositions:
    """Maps a field path to a line and column, re-reading the file with ruamel.yaml on demand.

    `document` picks one document of a multi-document file; `stream` shares one re-read among
    the documents of that file.
    """

    def __init__(
        self, file: str, text: str, document: int = 0, stream: ParsedStream | None = None
    ) -> None:
        self._file = file
        self._document = document
        self._stream = stream if stream is not None else ParsedStream(text)

    @property
    def file(self) -> str:
        return self._file

    def locate(self, path: Sequence[str | int], *, at_key: bool = False) -> Location:
        """The position of the value at `path`, or of the deepest part of it that exists.

        With `at_key`, point at the last key itself (an unknown field) instead of its value.
        """
        position = self._stream.locate(self._document, path, at_key=at_key)
        if position is None:
            return Location(self._file)
        line, column = position
        return Location(self._file, line + 1, column + 1)


def _start(root: Any) -> tuple[int, int]:
    """Where a document's top-level node starts (its first line in a multi-document file)."""
    lc = getattr(root, "lc", None)
    if lc is not None and lc.line is not None:
        return (lc.line, lc.col or 0)
    return (0, 0)


class ParsedStream:
    """Every document of one text as ruamel.yaml round-trip trees, parsed once when first asked."""

    def __init__(self, text: str, skeletons: list[Skeleton] | None = None) -> None:
        """`skeletons`: the text's positions as fast_positions.skeletons found them ahead."""
        self._text = text
        self._trees: list[Any] | None = None
        self._fast = FastStream(text, skeletons)

    def locate(
        self, index: int, path: Sequence[str | int], *, at_key: bool = False
    ) -> tuple[int, int] | None:
        """0-based (line, column) of `path` in document `index` (see SourcePositions.locate);
        None when the document is empty or the text unreadable. From PyYAML's C composer where
        it provably agrees with ruamel.yaml (fast_positions.py), else from ruamel.yaml."""
        fast = self._fast.locate(index, path, at_key=at_key)
        if fast is not None:
            return fast
        root = self.document(index)
        if root is None:
            return None
        return locate_in_tree(root, path, at_key=at_key) or _start(root)

    def document(self, index: int) -> Any:
        # Imported here: ruamel.yaml is only needed when something is wrong.
        from ruamel.yaml import YAML
        from ruamel.yaml.error import MarkedYAMLError as RuamelMarkedYAMLError

        if self._trees is None:
            try:
                self._trees = list(YAML(typ="rt").load_all(self._text))
            except RuamelMarkedYAMLError:
                self._trees = []
        return self._trees[index] if index < len(self._trees) else None
