"""Reading manifests fast and the way kubectl reads them.

PyYAML's C parser composes the node tree; the Python constructor that normally turns nodes into
objects costs as much again, so plain scalars, mappings and lists are built here directly. The
result is what kubectl sends to the API server (sigs.k8s.io/yaml: go-yaml v2, then JSON), not
PyYAML's YAML 1.1 (see `goyaml.py` for the scalars):
- `y`, `n`, `on` are bools, `0o17` is 15, `1e3` and `0.0` are the integers 1000 and 0, `1:20`
  and `=` are text, timestamps stay text; `.inf` and `.nan` are refused (no JSON form);
- mapping keys become strings as kubectl makes them (`1: a` has the key "1", `y: a` "true");
- tags on mappings and lists, and unknown tags on scalars, are ignored, as go-yaml does;
- merge keys (`<<`) apply in order: a merged key replaces the keys before it, the keys after
  it replace merged ones, and of a list of merged mappings the first wins;
- a key may appear only once in a mapping (kubectl would keep the last silently);
- aliases are shared, never copied; a recursive alias or an alias bomb is refused.
JSON files are read by `documents.py`; texts `fast_reader.py` can read go there first.
"""

from __future__ import annotations

import base64
import math
import re
from collections.abc import Iterator
from typing import Any

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from ingressgen.validation.reading.documents import Document
from ingressgen.validation.reading.goyaml import MERGE, json_number, key_text, plain_scalar
from ingressgen.yaml_io import DuplicateKeyError, StrictLoader

_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"
_BINARY = "tag:yaml.org,2002:binary"
# A plain scalar that kubectl reads as something else than its text: a bool, null or number.
_GO_VALUE = "tag:ingressgen.dev,2025:go-yaml-value"
# The explicit tags go-yaml resolves (`!!int 12`); any other tag on a scalar is ignored.
_CHECKED_TAGS = {
    "tag:yaml.org,2002:bool": bool,
    "tag:yaml.org,2002:int": int,
    "tag:yaml.org,2002:float": float,
    "tag:yaml.org,2002:null": type(None),
}
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
            read = plain_scalar(value)
            tag = _STR if read.__class__ is str else _MERGE if read is MERGE else _GO_VALUE
            _plain_tags[value] = tag
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
        if cls is MappingNode:  # whatever its tag: go-yaml ignores tags on collections
            value: Any = self._mapping(node)
        else:
            build = self.build
            value = [
                child.value if child.__class__ is ScalarNode and child.tag == _STR else build(child)
                for child in node.value
            ]
        self.active.discard(identity)
        self.done[identity] = value
        return value

    def _other(self, node: ScalarNode) -> Any:
        """A scalar that is not a plain string, as kubectl sends it: JSON's bool, null, number."""
        value = self._go_value(node)
        if value.__class__ is not float:
            return value
        if not math.isfinite(value):
            raise ManifestError(
                problem=f"{_cut(node.value)} is a float that JSON cannot hold, so kubectl "
                "refuses the file; quote it if it is text",
                problem_mark=node.start_mark,
            )
        return json_number(value)

    def _go_value(self, node: ScalarNode) -> Any:
        """The value go-yaml decodes from a scalar, before its conversion to JSON."""
        tag = node.tag
        if tag == _GO_VALUE:
            return plain_scalar(node.value)
        if tag == _BINARY:
            return self._binary(node)
        wanted = _CHECKED_TAGS.get(tag)
        if wanted is None:  # a string, a timestamp (kept as text) or a tag go-yaml ignores
            return node.value
        value = plain_scalar(node.value)
        if wanted is float and value.__class__ is int:
            return float(value)
        if value.__class__ is not wanted:
            shown = tag.rpartition(":")[2]
            raise ManifestError(
                problem=f"{_cut(node.value)} cannot be read as a !!{shown}, as its tag says",
                problem_mark=node.start_mark,
            )
        return value

    def _binary(self, node: ScalarNode) -> str:
        """`!!binary`: the decoded bytes as text, as Go's JSON encoder writes them."""
        try:
            data = base64.b64decode(re.sub(r"[\r\n]", "", node.value), validate=True)
        except ValueError:
            raise ManifestError(
                problem="a !!binary value that is not base64", problem_mark=node.start_mark
            ) from None
        return data.decode("utf-8", "replace")

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
        """A mapping with `<<`, as go-yaml v2 decodes it: in order, each merge setting its keys
        over what came before (duplicates among the explicit keys are refused first)."""
        self._refuse_duplicates(node)
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag != _MERGE:
                result[self._key(key_node)] = self.build(value_node)
            elif value_node.__class__ is MappingNode:
                result.update(self.build(value_node))
            elif value_node.__class__ is SequenceNode and all(
                child.__class__ is MappingNode for child in value_node.value
            ):
                for child in reversed(value_node.value):  # the first listed wins
                    result.update(self.build(child))
            else:
                raise ManifestError(
                    problem="a merge key `<<` takes a mapping or a list of mappings",
                    problem_mark=value_node.start_mark,
                )
        return result

    def _key(self, node: Any) -> str:
        if node.__class__ is not ScalarNode:
            raise ManifestError(
                problem="a mapping key must be a plain value, not a list or mapping",
                problem_mark=node.start_mark,
            )
        if node.tag == _STR:
            return str(node.value)
        text = key_text(self._go_value(node))
        if text is None:
            raise ManifestError(
                problem=f"the key {_cut(node.value)!r} is a null or an integer above 2^63-1: "
                "kubectl cannot make it a JSON key; quote it if it is text",
                problem_mark=node.start_mark,
            )
        return text

    def _refuse_duplicates(self, node: MappingNode) -> None:
        seen: dict[str, Any] = {}
        for key_node, _ in node.value:
            if key_node.tag == _MERGE or key_node.__class__ is not ScalarNode:
                continue
            key = self._key(key_node)
            if key in seen:
                first = seen[key].start_mark
                # `y` and `true`, `1` and `1.0` are one key once kubectl has read them.
                written = {seen[key].value, key_node.value} - {key}
                spelled = f"kubectl reads {' and '.join(map(repr, sorted(written)))} as {key!r}; "
                raise DuplicateKeyError(
                    problem=(
                        f"duplicate key {key!r} ({spelled if written else ''}first defined on "
                        f"line {first.line + 1}); a key may appear only once in a mapping"
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


def _cut(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


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
