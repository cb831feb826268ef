"""What a manifest file holds, as the readers return it; and JSON files, read as JSON.

Kept apart from the YAML readers so that `validate` imports PyYAML only when a text needs it.
JSON files are read with the json module: YAML 1.1 would read `1e3` as a string.
"""

from __future__ import annotations

import json
import math
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


class JSONNumberTooLarge(ValueError):
    """A number no Kubernetes field holds: kubectl's JSON decoder refuses it too."""


# More digits than any int64 or float64 needs, far below Python's int-string limit (4,300).
_MAX_JSON_DIGITS = 400


def _integer(text: str) -> int:
    if len(text) > _MAX_JSON_DIGITS:
        raise JSONNumberTooLarge(
            f"an integer of {len(text)} digits: more than any Kubernetes field holds"
        )
    return int(text)


def _float(text: str) -> int | float:
    """As kubectl sends it: an integral float is written as an integer (`1.0` reaches the API
    server as 1), see goyaml.json_number."""
    number = float(text)
    if not math.isfinite(number):
        raise JSONNumberTooLarge(f"{text[:40]}: beyond the range of a float64, which kubectl uses")
    return int(number) if number.is_integer() and abs(number) < 1e21 else number


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON (Python's json module accepts it, kubectl does not)")


def read_json(data: bytes | str) -> list[Document]:
    """The one JSON value of a .json file (raises ValueError, json.JSONDecodeError included)."""
    value = json.loads(
        data,
        object_pairs_hook=_refuse_duplicate_pairs,
        parse_int=_integer,
        parse_float=_float,
        parse_constant=_refuse_constant,
    )
    return [Document(0, 1, value)]


def looks_like_json(data: bytes | str) -> bool:
    head = data.lstrip()[:1]
    return head in (b"{", b"[", "{", "[")
