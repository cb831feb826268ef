"""Reading YAML: a fast C loader for the common path, ruamel.yaml for positions on the error path.

PyYAML's C loader is about 20x faster than ruamel's round-trip loader but keeps
the last of two equal keys silently, so the loader below refuses them itself.
Positions are only needed when something is wrong, so the round-trip loader
re-reads just that one file (see `SourcePositions`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import yaml

from ingressgen.errors import InputError, Location, Problem

_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class DuplicateKeyError(yaml.MarkedYAMLError):
    pass


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


def yaml_error_problem(error: yaml.YAMLError, file: str) -> Problem:
    """Turn a PyYAML error into a located problem."""
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    problem = getattr(error, "problem", None) or str(error)
    context = getattr(error, "context", None)
    message = (
        f"{context}: {problem}" if context and not isinstance(error, DuplicateKeyError) else problem
    )
    if mark is None:
        return Problem(Location(file), f"not valid YAML: {message}")
    return Problem(Location(file, mark.line + 1, mark.column + 1), f"not valid YAML: {message}")


def load_documents(text: str, file: str) -> list[Any]:
    """All documents of a YAML stream; InputError with the position on bad YAML."""
    try:
        return list(yaml.load_all(text, Loader=StrictLoader))
    except yaml.YAMLError as error:
        raise InputError(problems=[yaml_error_problem(error, file)]) from None


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

    def _root(self) -> Any:
        return self._stream.document(self._document)

    def locate(self, path: Sequence[str | int], *, at_key: bool = False) -> Location:
        """The position of the value at `path`, or of the deepest part of it that exists.

        With `at_key`, point at the last key itself (an unknown field) instead of its value.
        """
        root = self._root()
        if root is None:
            return Location(self._file)
        position = locate_in_tree(root, path, at_key=at_key) or _start(root)
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

    def __init__(self, text: str) -> None:
        self._text = text
        self._trees: list[Any] | None = None

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
