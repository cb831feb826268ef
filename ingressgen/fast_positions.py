"""Field positions from PyYAML's C composer, where they are provably ruamel.yaml's.

Every note or error about a profile names a line and a column. ruamel.yaml's round-trip loader
finds them, but costs about 2.5 ms a profile in pure Python; a run whose 1,000 profiles each get
a note spent most of its time there. ruamel.yaml records, for every key, item and mapping, the
`start_mark` of the node it built it from; PyYAML's C parser (libyaml) composes the same node
graph with the same marks ten times faster. So the positions are read from those nodes instead,
but only where both must agree:

- the text is plain ASCII without tabs, carriage returns or the characters that start an anchor,
  alias, tag, directive, complex key or merge key (`& * ! % ? <<`): no YAML 1.1 / 1.2
  difference in line breaks, and no node shared or reshaped on the way;
- every key of every mapping is a string to both readers (quoted, or plain and shaped like a
  field name: `true`, `1`, `~` and the like are read as something else), and no mapping holds a
  key twice (ruamel.yaml refuses the whole text then, and reports no position at all);
- the path steps into mappings by name and into sequences by index, as `locate_in_tree` does,
  and does not end on an empty value (`key:` alone), which the two readers place differently.

Anything else answers None, and the caller asks ruamel.yaml (tests/test_fast_positions.py
compares the two on every path of many documents).
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import yaml

_CLoader: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Composer(_CLoader):  # type: ignore[misc]
    """libyaml's composer without tags: it calls back into Python to resolve the tag of every
    node, which costs more than composing, and positions need none (plain keys are judged by
    their text below)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        nothing: dict[Any, None] = {}
        self.descend_resolver = nothing.get  # C builtins taking the same arguments
        self.ascend_resolver = tuple

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        return ""


_DOUBTFUL_TEXT = re.compile(r"[^\x20-\x7e\n]|[&*!%?]|<<")
# A plain key both readers take as a string: a field name or a label key. Plain keys that YAML
# 1.1 or 1.2 resolves to another type (`true`, `null`, `1`, `.5`, `<<`, `=`) never start with a
# letter or underscore, apart from the words below. A quoted key is always a string (a tag,
# which could make it something else, sends the whole text to ruamel.yaml).
_PLAIN_STRING_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_./-]*")
_WORDS_READ_AS_OTHER_TYPES = frozenset(
    {"true", "false", "yes", "no", "on", "off", "y", "n", "null"}
)


# The node trees of the texts located last. A tree is about 30 KB for a 40-line profile: kept
# for every profile of a large run they would hold most of its memory (and slow the garbage
# collector down), while a profile's positions are asked for within a few steps of each other.
# A tree dropped here is composed again if asked for once more.
_RECENT: OrderedDict[FastStream, list[Any]] = OrderedDict()
_RECENT_LIMIT = 64


class FastStream:
    """The composed documents of one text, or None for a text where ruamel.yaml must answer."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._usable = _DOUBTFUL_TEXT.search(text) is None

    def _documents(self) -> list[Any] | None:
        if not self._usable:
            return None
        nodes = _RECENT.get(self)
        if nodes is not None:
            _RECENT.move_to_end(self)
            return nodes
        try:
            nodes = list(yaml.compose_all(self._text, Loader=_Composer))
        except yaml.YAMLError:
            nodes = None  # ruamel.yaml decides what an unreadable text means
        if nodes is None or not all(map(_plain_keys_once, nodes)):
            self._usable = False
            return None
        _RECENT[self] = nodes
        if len(_RECENT) > _RECENT_LIMIT:
            _RECENT.popitem(last=False)
        return nodes

    def locate(
        self, document: int, path: Sequence[str | int], *, at_key: bool = False
    ) -> tuple[int, int] | None:
        """0-based (line, column) of `path` (or of its deepest existing part, or of the
        document's start), exactly as ruamel.yaml reports it; None when in doubt."""
        nodes = self._documents()
        if nodes is None or document >= len(nodes):
            return None
        root = nodes[document]
        if not isinstance(root, yaml.MappingNode):
            return None  # an empty or scalar document: ruamel.yaml builds no positions for it
        position = (root.start_mark.line, root.start_mark.column)
        node: Any = root
        for index, part in enumerate(path):
            last = index == len(path) - 1
            if isinstance(node, yaml.MappingNode):
                if not isinstance(part, str):
                    break  # every key is a string (checked above), as in ruamel.yaml's tree
                found = _entry(node, part)
                if found is None:
                    break
                key, value = found
                if not (last and at_key) and _empty(value):
                    return None
                mark = key.start_mark if (last and at_key) else value.start_mark
                position, node = (mark.line, mark.column), value
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
                if part < 0:
                    return None
                if part >= len(node.value):
                    break
                item = node.value[part]
                if _empty(item):
                    return None
                position, node = (item.start_mark.line, item.start_mark.column), item
            else:
                break
        return position


def _entry(node: yaml.MappingNode, name: str) -> tuple[Any, Any] | None:
    for key, value in node.value:
        if key.value == name:
            return key, value
    return None


def _empty(node: Any) -> bool:
    """An empty plain value (`key:` with nothing after it): libyaml marks it where the
    indicator ends, ruamel.yaml where the next token starts."""
    return isinstance(node, yaml.ScalarNode) and not node.style and node.value == ""


def _plain_keys_once(root: Any) -> bool:
    """Whether every mapping in the document has string keys only, each once (walked without
    recursion: a document may be nested deeper than Python's stack)."""
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key, value in node.value:
                if not isinstance(key, yaml.ScalarNode):
                    return False
                # libyaml gives a plain scalar the style "", PyYAML's Python parser None.
                if (not key.style and not _plain_string(key.value)) or key.value in seen:
                    return False
                seen.add(key.value)
                stack.append(value)
    return True


def _plain_string(text: str) -> bool:
    return _PLAIN_STRING_KEY.fullmatch(text) is not None and (
        text.lower() not in _WORDS_READ_AS_OTHER_TYPES
    )
