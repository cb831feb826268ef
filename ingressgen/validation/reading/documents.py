"""What a manifest file holds, as the readers return it; and JSON files, read as JSON.

Kept apart from the YAML readers so that `validate` imports PyYAML only when a text needs it.
JSON files are read with the json module: YAML 1.1 would read `1e3` as a string.
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple


class Document(NamedTuple):
    position: int  # index in the stream, empty documents included
    line: int  # 1-based line where its content starts
    value: Any


class JSONDuplicateKey(ValueError):
    pass


def _refuse_duplicate_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise JSONDuplicateKey(f"duplicate key {key!r}; a key may appear only once")
        result[key] = value
    return result


def read_json(data: bytes | str) -> list[Document]:
    """The one JSON value of a .json file (raises ValueError, json.JSONDecodeError included)."""
    return [Document(0, 1, json.loads(data, object_pairs_hook=_refuse_duplicate_pairs))]


def looks_like_json(data: bytes | str) -> bool:
    head = data.lstrip()[:1]
    return head in (b"{", b"[", "{", "[")
