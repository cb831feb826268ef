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

import functools
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


# A document's positions, as small tuples (all a position needs, and what marshal can carry from
# render's worker, prefetch.py):
#   (MAPPING, line, column, {key: (key line, key column, value)})
#   (SEQUENCE, line, column, (item, ...))
#   (SCALAR, line, column, empty)  where empty: a plain `key:` with nothing after it
Skeleton = tuple[Any, ...]
MAPPING, SEQUENCE, SCALAR = 0, 1, 2

# The skeletons of the texts located last. A node tree is about 30 KB for a 40-line profile:
# kept for every profile of a large run they would hold most of its memory (and slow the garbage
# collector down), while a profile's positions are asked for within a few steps of each other.
# A skeleton dropped here is composed again if asked for once more.
_RECENT: OrderedDict[FastStream, list[Skeleton]] = OrderedDict()
_RECENT_LIMIT = 64


def skeletons(text: str) -> list[Skeleton] | None:
    """The skeleton of every document of `text`, or None for a text where ruamel.yaml must
    answer."""
    if _DOUBTFUL_TEXT.search(text) is not None:
        return None
    try:
        nodes = list(yaml.compose_all(text, Loader=_Composer))
    except yaml.YAMLError:
        return None  # ruamel.yaml decides what an unreadable text means
    found = []
    for node in nodes:
        skeleton = _skeleton(node)
        if skeleton is None:
            return None
        found.append(skeleton)
    return found


class FastStream:
    """The positions of one text's documents, or None for a text where ruamel.yaml must answer.

    `ready`: the text's skeletons, computed ahead (by render's worker), used instead of composing
    the text again."""

    def __init__(self, text: str, ready: list[Skeleton] | None = None) -> None:
        self._text = text
        self._ready = ready
        self._usable = ready is not None or _DOUBTFUL_TEXT.search(text) is None

    def _documents(self) -> list[Skeleton] | None:
        if self._ready is not None:
            return self._ready
        if not self._usable:
            return None
        found = _RECENT.get(self)
        if found is not None:
            _RECENT.move_to_end(self)
            return found
        found = skeletons(self._text)
        if found is None:
            self._usable = False
            return None
        _RECENT[self] = found
        if len(_RECENT) > _RECENT_LIMIT:
            _RECENT.popitem(last=False)
        return found

    def locate(
        self, document: int, path: Sequence[str | int], *, at_key: bool = False
    ) -> tuple[int, int] | None:
        """0-based (line, column) of `path` (or of its deepest existing part, or of the
        document's start), exactly as ruamel.yaml reports it; None when in doubt."""
        documents = self._documents()
        if documents is None or document >= len(documents):
            return None
        node = documents[document]
        if node[0] != MAPPING:
            return None  # an empty or scalar document: ruamel.yaml builds no positions for it
        position = (node[1], node[2])
        for index, part in enumerate(path):
            last = index == len(path) - 1
            kind, _, _, content = node
            if kind == MAPPING:
                if not isinstance(part, str):
                    break  # every key is a string (checked above), as in ruamel.yaml's tree
                entry = content.get(part)
                if entry is None:
                    break
                key_line, key_column, value = entry
                if last and at_key:
                    position = (key_line, key_column)
                elif _empty(value):
                    return None
                else:
                    position = (value[1], value[2])
                node = value
            elif kind == SEQUENCE and isinstance(part, int):
                if part < 0:
                    return None
                if part >= len(content):
                    break
                node = content[part]
                if _empty(node):
                    return None
                position = (node[1], node[2])
            else:
                break
        return position


def _skeleton(root: Any) -> Skeleton | None:
    """A node tree's skeleton, built children first without recursion (a document may be
    nested deeper than Python's stack); None when a mapping has a key that is not a plain
    string to both readers, or a key twice (ruamel.yaml then answers, or refuses the text).
    One walk does both: render's worker composes 1,000 profiles' positions while the first
    process imports, and two walks made the first process wait for it."""
    mapping_node, sequence_node, scalar_node = yaml.MappingNode, yaml.SequenceNode, yaml.ScalarNode
    built: dict[int, Skeleton] = {}
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, children_built = stack.pop()
        mark = node.start_mark
        kind = node.__class__
        if kind is mapping_node:
            if not children_built:
                stack.append((node, True))
                stack.extend((value, False) for _, value in node.value)
                continue
            entries: dict[str, tuple[int, int, Skeleton]] = {}
            for key, value in node.value:
                # libyaml gives a plain scalar the style "", PyYAML's Python parser None.
                if key.__class__ is not scalar_node:
                    return None
                name = key.value
                if (not key.style and not _plain_string(name)) or name in entries:
                    return None
                key_mark = key.start_mark
                entries[name] = (key_mark.line, key_mark.column, built.pop(id(value)))
            built[id(node)] = (MAPPING, mark.line, mark.column, entries)
        elif kind is sequence_node:
            if not children_built:
                stack.append((node, True))
                stack.extend((item, False) for item in node.value)
                continue
            items = tuple(built.pop(id(item)) for item in node.value)
            built[id(node)] = (SEQUENCE, mark.line, mark.column, items)
        else:
            # libyaml gives a plain scalar the style "": an empty plain value (`key:` alone) is
            # marked where the indicator ends, by ruamel.yaml where the next token starts.
            empty = not node.style and node.value == ""
            built[id(node)] = (SCALAR, mark.line, mark.column, empty)
    return built[id(root)]


def _empty(node: Skeleton) -> bool:
    return node[0] == SCALAR and bool(node[3])


@functools.lru_cache(maxsize=4096)  # profiles repeat the same keys
def _plain_string(text: str) -> bool:
    return _PLAIN_STRING_KEY.fullmatch(text) is not None and (
        text.lower() not in _WORDS_READ_AS_OTHER_TYPES
    )
