"""Reading manifests fast and the way the API server reads them.

PyYAML's C parser composes the node tree; the Python constructor that normally turns nodes into
objects costs as much again, so plain scalars, mappings and lists are built here directly and
only the rarer tags go through PyYAML's constructors. The result follows Kubernetes' YAML
reading (sigs.k8s.io/yaml), not PyYAML's defaults:
- timestamps stay strings (`date: 2024-01-01` is the string the API server sees, not a date);
- mapping keys become strings (`1: a` has the key "1"), as JSON needs;
- a key may appear only once in a mapping (PyYAML would keep the last silently);
- aliases are shared, never copied; a recursive alias or an alias bomb is refused.
JSON files are read by `documents.py`; texts `fast_reader.py` can read go there first.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from ingressgen.validation.reading.documents import Document
from ingressgen.yaml_io import DuplicateKeyError, StrictLoader

_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_MERGE = "tag:yaml.org,2002:merge"
_KEPT_AS_TEXT = frozenset({"tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:binary"})
MAX_EXPANDED_NODES = 1_000_000  # what aliases may expand to, against "billion laughs" files

# Implicit tags of plain scalars by their text: manifests repeat the same keys and values
# thousands of times, and resolving each costs several regex matches.
_plain_tags: dict[str, str] = {}


class ManifestLoader(StrictLoader):
    """PyYAML's C loader with its per-node Python callbacks made as cheap as they can be."""

    def __init__(self, stream: bytes | str) -> None:
        super().__init__(stream)
        # The C composer calls these two for every node to support path resolvers, which
        # manifests never use: C builtins that accept the same arguments and do nothing.
        nothing: dict[Any, None] = {}
        self.descend_resolver = nothing.get
        self.ascend_resolver = tuple

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is not ScalarNode:
            return super().resolve(kind, value, implicit)
        if not implicit[0]:  # quoted: always a string
            return _STR
        tag = _plain_tags.get(value)
        if tag is None:
            if len(_plain_tags) > 100_000:
                _plain_tags.clear()
            tag = _plain_tags[value] = super().resolve(kind, value, implicit)
        return tag


class ManifestError(yaml.MarkedYAMLError):
    pass


class _Builder:
    """Turns one document's node tree into plain values.

    Written for speed, since it runs for every node of every manifest: strings (most keys and
    values) are taken straight from their nodes without a call, and everything rarer goes
    through `_other`.
    """

    def __init__(self, loader: ManifestLoader) -> None:
        self.loader = loader
        self.done: dict[int, Any] = {}  # collections built so far, for aliases
        self.active: set[int] = set()  # collections being built, to catch recursive aliases
        self.shared = False  # an alias was met: check what the document expands to

    def build(self, node: Any) -> Any:
        cls = node.__class__
        if cls is ScalarNode:
            return node.value if node.tag == _STR else self._other(node)
        identity = id(node)
        if identity in self.done:
            self.shared = True
            return self.done[identity]
        if identity in self.active:
            raise ManifestError(
                problem="a recursive alias: a node may not contain itself",
                problem_mark=node.start_mark,
            )
        self.active.add(identity)
        if cls is MappingNode and node.tag == _MAP:
            value: Any = self._mapping(node)
        elif cls is SequenceNode and node.tag == _SEQ:
            build = self.build
            value = [
                child.value if child.__class__ is ScalarNode and child.tag == _STR else build(child)
                for child in node.value
            ]
        else:
            value = self.loader.construct_object(node, deep=True)
        self.active.discard(identity)
        self.done[identity] = value
        return value

    def _other(self, node: ScalarNode) -> Any:
        """A scalar that is not a plain string: int, float, bool, null, or a rarer tag."""
        if node.tag in _KEPT_AS_TEXT:
            return node.value
        constructor = self.loader.yaml_constructors.get(node.tag)
        if constructor is None:  # an unknown tag: PyYAML's own error, with its position
            return self.loader.construct_object(node)
        return constructor(self.loader, node)

    def _mapping(self, node: MappingNode) -> dict[str, Any]:
        result: dict[str, Any] = {}
        build = self.build
        for key_node, value_node in node.value:
            tag = key_node.tag
            if tag == _STR and key_node.__class__ is ScalarNode:
                key = key_node.value
            elif tag == _MERGE:
                return self._merged_mapping(node)
            else:
                key = self._key(key_node)
            if key in result:
                self._refuse_duplicates(node)
            if value_node.__class__ is ScalarNode and value_node.tag == _STR:
                result[key] = value_node.value
            else:
                result[key] = build(value_node)
        return result

    def _merged_mapping(self, node: MappingNode) -> dict[str, Any]:
        """`<<: *base`: the merged keys first, so explicit keys win (duplicates refused first)."""
        self._refuse_duplicates(node)
        self.loader.flatten_mapping(node)
        return {self._key(key): self.build(value) for key, value in node.value}

    def _key(self, node: Any) -> str:
        if node.__class__ is not ScalarNode:
            raise ManifestError(
                problem="a mapping key must be a plain value, not a list or mapping",
                problem_mark=node.start_mark,
            )
        value = self.build(node)
        if isinstance(value, bool):
            return "true" if value else "false"
        return "null" if value is None else str(value)

    def _refuse_duplicates(self, node: MappingNode) -> None:
        seen: dict[str, Any] = {}
        for key_node, _ in node.value:
            if key_node.tag == _MERGE or key_node.__class__ is not ScalarNode:
                continue
            key = self._key(key_node)
            if key in seen:
                first = seen[key].start_mark
                raise DuplicateKeyError(
                    problem=(
                        f"duplicate key {key!r} (first defined on line {first.line + 1}); "
                        "a key may appear only once in a mapping"
                    ),
                    problem_mark=key_node.start_mark,
                )
            seen[key] = key_node

    def refuse_alias_bombs(self, root: Any, mark: Any) -> None:
        """Aliases share nodes; expanded, a few lines can stand for billions of them."""
        sizes: dict[int, int] = {}

        def size(node: Any) -> int:
            if node.__class__ is ScalarNode:
                return 1
            identity = id(node)
            if identity not in sizes:
                if node.__class__ is SequenceNode:
                    children = node.value
                else:
                    children = [child for pair in node.value for child in pair]
                sizes[identity] = 1 + sum(size(child) for child in children)
            return sizes[identity]

        if size(root) > MAX_EXPANDED_NODES:
            raise ManifestError(
                problem=f"aliases expand this document to more than {MAX_EXPANDED_NODES} nodes",
                problem_mark=mark,
            )


def read_yaml(data: bytes | str) -> list[Document]:
    """Every document of a YAML stream (raises yaml.YAMLError with a position)."""
    return list(_iter_yaml(data))


def _iter_yaml(data: bytes | str) -> Iterator[Document]:
    loader = ManifestLoader(data)
    try:
        index = 0
        while loader.check_node():
            node = loader.get_node()
            builder = _Builder(loader)
            value = builder.build(node)
            if builder.shared:
                builder.refuse_alias_bombs(node, node.start_mark)
            yield Document(index, node.start_mark.line + 1, value)
            index += 1
    finally:
        loader.dispose()
