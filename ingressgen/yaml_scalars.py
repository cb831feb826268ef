"""Values as YAML text: the only way a profile's data reaches a template's output.

A value is emitted plain only when it is a string that every YAML 1.1 and 1.2
reader takes for that same string (a conservative pattern, no reserved words);
everything else becomes a double-quoted scalar with YAML's own escapes. JSON
escapes are not enough: YAML folds U+0085 and refuses surrogate-pair escapes.
"""

from __future__ import annotations

import re
from typing import Any

# Plain (unquoted) only: starts with a letter, then letters, digits, '-', '_',
# with '.' or '/' between such runs. No ':', '#', spaces or other indicators.
_PLAIN_SAFE = re.compile(r"[A-Za-z][A-Za-z0-9_-]*([./][A-Za-z0-9_-]+)*")
# Words YAML 1.1 resolves to booleans or null (1.2 is a subset of these).
_RESERVED_WORDS = frozenset(
    {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf"}
)

_NAMED_ESCAPES = {
    "\0": "\\0",
    "\a": "\\a",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\v": "\\v",
    "\f": "\\f",
    "\r": "\\r",
    "\x1b": "\\e",
    '"': '\\"',
    "\\": "\\\\",
    "\x85": "\\N",
    "\xa0": "\\_",
    "\u2028": "\\L",
    "\u2029": "\\P",
}


class YamlText(str):
    """Text that is already valid YAML for its position; templates may print only this."""

    __slots__ = ()


def _needs_escape(char: str) -> bool:
    code = ord(char)
    if 0x20 <= code <= 0x7E:
        return char in '"\\'
    # Printable per YAML 1.2 (c-printable), minus the line and paragraph separators,
    # NEL and the BOM, which some readers treat as breaks or markers.
    if code in (0x85, 0xA0, 0x2028, 0x2029, 0xFEFF):
        return True
    return not (0xA0 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or 0x10000 <= code <= 0x10FFFF)


def _escape(char: str) -> str:
    named = _NAMED_ESCAPES.get(char)
    if named is not None:
        return named
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02X}"
    if code <= 0xFFFF:
        return f"\\u{code:04X}"
    return f"\\U{code:08X}"


def double_quoted(text: str) -> str:
    return '"' + "".join(_escape(c) if _needs_escape(c) else c for c in text) + '"'


def is_plain_safe(text: str) -> bool:
    return bool(_PLAIN_SAFE.fullmatch(text)) and text.lower() not in _RESERVED_WORDS


def scalar(value: Any) -> YamlText:
    """One value as a YAML scalar (flow context, a single line)."""
    if isinstance(value, bool):
        return YamlText("true" if value else "false")
    if isinstance(value, int):
        return YamlText(str(value))
    if value is None:
        return YamlText("null")
    if isinstance(value, str):
        return YamlText(value if is_plain_safe(value) else double_quoted(value))
    raise TypeError(f"cannot emit a {type(value).__name__} as a YAML scalar")


def _literal_block_safe(text: str) -> bool:
    if not text.strip() or text[0] == " " or text.startswith("\n"):
        return False
    for char in text:
        if char == "\n":
            continue
        if _needs_escape(char) or not (char.isprintable() or char == " "):
            return False
    return all(line == line.rstrip(" ") for line in text.split("\n"))


def block(text: str, indent: int) -> YamlText:
    """Multi-line text as a literal block scalar indented by `indent` spaces, for reviewers.

    Falls back to a double-quoted scalar whenever a literal block could not hold
    the text exactly (leading spaces, control characters, trailing blanks).
    """
    if not isinstance(text, str):
        raise TypeError("block() takes text")
    if not _literal_block_safe(text):
        return YamlText(double_quoted(text))
    body = text.rstrip("\n")
    trailing = len(text) - len(body)
    chomping = {0: "-", 1: ""}.get(trailing, "+")
    pad = " " * indent
    lines = [pad + line if line else "" for line in body.split("\n")]
    extra = [""] * (trailing - 1) if trailing > 1 else []
    return YamlText("|" + chomping + "\n" + "\n".join(lines + extra))
