"""`extends:` overlays: a profile that holds only what it changes, on top of a base file.

Mappings merge deeply, lists and scalars replace, `null` removes a key; chains are allowed. Each
layer keeps its own source positions, so an error points at the file and line where the value
was written, in the base or in the overlay.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingressgen.errors import InputError, Location, Problem
from ingressgen.profile import BASE_KIND, PROFILE_KIND
from ingressgen.yaml_io import SourcePositions

EXTENDS = "extends"
EXTENDS_RULE = "profile-extends-invalid"


@dataclass(frozen=True)
class Document:
    """One document of a YAML file, with the means to point back into it."""

    file: Path
    display: str
    index: int
    data: Any
    positions: SourcePositions

    @property
    def own_kind(self) -> Any:
        return self.data.get("kind") if isinstance(self.data, dict) else None

    def locate(self, path: Sequence[str | int]) -> Location:
        return self.positions.locate(path)


@dataclass(frozen=True)
class Resolved:
    data: Any  # the merged document, `extends` removed
    layers: tuple[Document, ...]  # the overlay first, then each base down the chain


def merge(base: Any, overlay: Any) -> Any:
    """`overlay` on top of `base`: mappings merge deeply, anything else replaces, None removes."""
    if not (isinstance(base, dict) and isinstance(overlay, dict)):
        return overlay
    result = dict(base)
    for key, value in overlay.items():
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict):
            below = result.get(key)
            result[key] = merge(below if isinstance(below, dict) else {}, value)
        else:
            result[key] = value
    return result


def resolve(
    document: Document, read_base: Callable[[Path, Document], Document], root: Path
) -> Resolved:
    """Follow `extends` from `document` down to a document without one and merge the chain.

    `read_base(path, by)` reads the one document of a base file (InputError located at `by`'s
    `extends` when it cannot); `root` is the repository that every base must lie in.
    """
    layers = [document]
    seen: list[str] = []  # resolved only for an overlay: most profiles extend nothing
    while isinstance(layers[-1].data, dict) and EXTENDS in layers[-1].data:
        current = layers[-1]
        if not seen:
            seen.append(os.path.realpath(document.file))
        target = _base_path(current, root)
        real = os.path.realpath(target)
        if real in seen:
            start = seen.index(real)
            chain = " -> ".join([d.display for d in layers[start:]] + [layers[start].display])
            raise _error(current, f"extends makes a cycle: {chain}; a base may not extend itself")
        seen.append(real)
        layers.append(read_base(target, current))
    if len(layers) == 1:
        # Nothing merged: the document itself, which no one changes (a caller that sets
        # --exposure copies it first, see `private_copy`); copying 1,000 profiles cost 5% of
        # loading them.
        return Resolved(document.data, (document,))
    # A copy: the documents are shared by every profile built on them.
    data: Any = private_copy(_resolved_data_of(layers))
    if isinstance(data, dict) and document.own_kind is None:
        # The overlay is what renders: a ServiceProfileBase below it does not make it a base.
        data["kind"] = PROFILE_KIND
    return Resolved(data, tuple(layers))


def private_copy(value: Any) -> Any:
    """A copy of a document's data that its owner may change without touching the document."""
    return _copy(value, {})


def _copy(value: Any, memo: dict[int, Any]) -> Any:
    """copy.deepcopy for what YAML builds, several times faster: mappings and lists are copied
    (a node that aliases share stays shared), immutable scalars kept, anything else deep-copied."""
    kind = value.__class__
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if id(value) in memo:
        return memo[id(value)]
    if kind is dict:
        mapping: dict[Any, Any] = {}
        memo[id(value)] = mapping
        for key, item in value.items():
            mapping[key] = _copy(item, memo)
        return mapping
    if kind is list:
        items: list[Any] = []
        memo[id(value)] = items
        items.extend(_copy(item, memo) for item in value)
        return items
    return copy.deepcopy(value, memo)


def check_renames(resolved: Resolved) -> list[Problem]:
    """An overlay of a full ServiceProfile must change its name or namespace: the base renders
    as itself too, and both would write one out/<namespace>/<name>/."""
    overlay = resolved.layers[0]
    if len(resolved.layers) < 2 or resolved.layers[1].own_kind == BASE_KIND:
        return []
    base = resolved.layers[1]
    base_data = _resolved_data_of(resolved.layers[1:])
    mine, theirs = _folder(resolved.data), _folder(base_data)
    if mine is None or mine != theirs:
        return []
    message = (
        f"it extends {base.display}, a {PROFILE_KIND} that renders as itself into "
        f"out/{mine[0]}/{mine[1]}/: change metadata.name or metadata.namespace here, or make the "
        f"base a {BASE_KIND}"
    )
    return [Problem(overlay.locate((EXTENDS,)), message, (EXTENDS,), "profile-folder-shared")]


def _resolved_data_of(layers: Sequence[Document]) -> Any:
    data: Any = _without_extends(layers[-1].data)
    for layer in reversed(layers[:-1]):
        data = merge(data, _without_extends(layer.data))
    return data


def _folder(data: Any) -> tuple[Any, Any] | None:
    metadata = data.get("metadata") if isinstance(data, dict) else None
    if not isinstance(metadata, dict):
        return None
    return (metadata.get("namespace"), metadata.get("name"))


def _without_extends(data: Any) -> Any:
    if isinstance(data, dict) and EXTENDS in data:
        return {k: v for k, v in data.items() if k != EXTENDS}
    return data


def _base_path(document: Document, root: Path) -> Path:
    value = document.data[EXTENDS]
    hint = "a relative path to the base profile file, e.g. ../base/chat.yaml"
    if not isinstance(value, str) or not value.strip():
        raise _error(document, f"{value!r} is not valid; expected {hint}")
    if os.path.isabs(value):
        raise _error(document, f"{value!r} is an absolute path; expected {hint}")
    target = Path(os.path.normpath(document.file.parent / value))
    real_root = os.path.realpath(root)
    real = os.path.realpath(target)
    if real != real_root and not real.startswith(real_root.rstrip(os.sep) + os.sep):
        raise _error(
            document,
            f"{value!r} lies outside the repository ({root.as_posix()}); a base must be a file "
            "of the same repository, so that every checkout renders the same bytes",
        )
    if not target.is_file() or target.is_symlink():
        what = "a link, which is not followed" if target.is_symlink() else "no such file"
        raise _error(document, f"{value!r}: {what}; expected {hint}")
    return target


def _error(document: Document, message: str) -> InputError:
    location = document.locate((EXTENDS,))
    return InputError(problems=[Problem(location, message, (EXTENDS,), EXTENDS_RULE)])


class LayeredPositions(SourcePositions):
    """Positions in a merged profile: each field is located in the layer that wrote it."""

    def __init__(self, layers: Sequence[Document]) -> None:
        top = layers[0].positions
        super().__init__(top.file, "")
        self._layers = tuple(layers)

    def locate(self, path: Sequence[str | int], *, at_key: bool = False) -> Location:
        best, depth = self._layers[0], -1
        for layer in self._layers:
            found = _depth(layer.data, path)
            if found == len(path):
                return layer.positions.locate(path, at_key=at_key)
            if found > depth:
                best, depth = layer, found
        return best.positions.locate(path, at_key=at_key)


def _depth(data: Any, path: Sequence[str | int]) -> int:
    """How many parts of `path` exist in `data`."""
    node = data
    for count, part in enumerate(path):
        in_mapping = isinstance(node, dict) and isinstance(part, str) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if not (in_mapping or in_list):
            return count
        node = node[part]
    return len(path)


def schema_with_overlays(schema: dict[str, Any]) -> dict[str, Any]:
    """The profile's JSON Schema, also accepting overlays and bases (for editors): a document
    with `extends`, or of kind ServiceProfileBase, is checked field by field with nothing
    required and `null` allowed (it removes a key); any other document is a full profile."""
    root_keys = ("type", "properties", "required", "additionalProperties")
    full_root = {key: schema[key] for key in root_keys if key in schema}
    partial_root: dict[str, Any] = _partial(full_root)
    partial_root["properties"][EXTENDS] = {
        "type": "string",
        "description": "Relative path of the base profile file this overlay changes.",
        "examples": ["../base/chat-gateway.yaml"],
    }
    partial_root["properties"]["kind"] = {
        "enum": [PROFILE_KIND, BASE_KIND],
        "description": f"{PROFILE_KIND}: an overlay (with extends), rendered once merged onto "
        f"its base; {BASE_KIND}: a base that may be incomplete and is never rendered on its own.",
        "examples": [BASE_KIND, PROFILE_KIND],
    }
    defs = schema.get("$defs", {})
    result = {key: value for key, value in schema.items() if key not in (*root_keys, "$defs")}
    result["$defs"] = {**defs, **{f"{name}Partial": _partial(d) for name, d in defs.items()}}
    result["type"] = "object"
    result["if"] = {
        "anyOf": [
            {"required": [EXTENDS]},
            {"required": ["kind"], "properties": {"kind": {"const": BASE_KIND}}},
        ]
    }
    result["then"] = partial_root
    result["else"] = full_root
    return result


def _partial(node: Any) -> Any:
    if isinstance(node, list):
        return [_partial(item) for item in node]
    if not isinstance(node, dict):
        return node
    result: dict[str, Any] = {}
    for key, value in node.items():
        if key == "required":
            continue
        if key == "$ref" and isinstance(value, str) and value.startswith("#/$defs/"):
            result[key] = value + "Partial"
        elif key == "properties" and isinstance(value, dict):
            result[key] = {name: _nullable(_partial(sub)) for name, sub in value.items()}
        else:
            result[key] = _partial(value)
    return result


# Editors show the description and examples of the property itself, not of an anyOf branch.
_LIFTED = ("description", "examples")


def _nullable(node: dict[str, Any]) -> dict[str, Any]:
    """`node` or null (null removes the key from the base), documented like `node`."""
    lifted = {key: node.pop(key) for key in _LIFTED if key in node}
    return {"anyOf": [node, {"type": "null"}], **lifted}
