"""Line and column of a field inside a manifest, found only when a finding needs them.

The fast loader keeps no positions; when something is wrong, the file's text is read once more
with ruamel.yaml's round-trip loader, which remembers where every key and item is.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from ingressgen.errors import Location
from ingressgen.validation.reading.goyaml import key_text, plain_scalar
from ingressgen.yaml_io import locate_in_tree

_LONG_DIGITS = re.compile(r"[0-9]{4000,}")


class StreamPositions:
    """Positions in one YAML (or JSON) stream of documents."""

    def __init__(
        self, file: str, text: str | bytes | Callable[[], bytes], *, line_offset: int = 0
    ) -> None:
        self._file = file
        self._text = text  # or how to read it again, when it is only needed on the error path
        self._offset = line_offset  # lines before the text in the file shown (a header)
        self._documents: list[Any] | None = None

    def _load(self) -> list[Any]:
        if self._documents is None:
            # Imported here: ruamel.yaml is only needed when something is wrong.
            from ruamel.yaml import YAML
            from ruamel.yaml.error import YAMLError

            try:
                text = self._text() if callable(self._text) else self._text
                if isinstance(text, bytes):
                    text = text.decode("utf-8", "replace")
                # ruamel turns digits into an int, which Python refuses past 4,300 digits; as
                # letters of the same length they keep every position.
                text = _LONG_DIGITS.sub(lambda digits: "x" * len(digits[0]), text)
                self._documents = list(YAML(typ="rt").load_all(text))
            except (YAMLError, ValueError, OSError):
                self._documents = []  # positions unknown: callers fall back to the object's start
        return self._documents

    def locate(self, document: int, path: Sequence[str | int]) -> Location | None:
        """The position of the value at `path` (or its deepest existing part), or None."""
        documents = self._load()
        if document >= len(documents):
            return None
        position = locate_in_tree(documents[document], _as_written(documents[document], path))
        if position is None:
            return None
        line, column = position
        return Location(self._file, line + 1 + self._offset, column + 1)


def _as_written(root: Any, path: Sequence[str | int]) -> list[Any]:
    """`path` with each key as ruamel holds it: the path has kubectl's keys (`y:` is "true",
    `1.0:` is "1"), ruamel the keys as YAML 1.2 reads them ("y", 1.0)."""
    written: list[Any] = []
    node = root
    for part in path:
        if isinstance(node, dict):
            if part not in node:
                part = next((key for key in node if _kubectl_key(key) == part), part)
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            node = None
        written.append(part)
    return written


def _kubectl_key(key: Any) -> str | None:
    if isinstance(key, str):
        return key_text(plain_scalar(key)) if key else None
    if isinstance(key, bool | int | float):
        return key_text(key)
    return None
