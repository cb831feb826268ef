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


# Printable ASCII without '"' and '\\': nothing in it is escaped, in either mode.
_NOTHING_TO_ESCAPE = re.compile(r"[ !#-\[\]-~]*")
# Printable ASCII and line breaks: every character a literal block holds as it is.
_LITERAL_ASCII = re.compile(r"[\n -~]*")


def double_quoted(text: str, *, visible: bool = False) -> str:
    """`visible`: also escape what Python would not print (format, private-use, unassigned)."""
    if _NOTHING_TO_ESCAPE.fullmatch(text):
        return f'"{text}"'
    return _double_quoted_each(text, visible)


def _double_quoted_each(text: str, visible: bool) -> str:
    """double_quoted, deciding character by character."""
    return (
        '"'
        + "".join(
            _escape(c) if _needs_escape(c) or (visible and not (c.isprintable() or c == " ")) else c
            for c in text
        )
        + '"'
    )


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


def quoted(value: str) -> YamlText:
    """Always a double-quoted scalar, whatever the first character: stable diffs for hashes."""
    if not isinstance(value, str):
        raise TypeError("quoted() takes text")
    return YamlText(double_quoted(value))


def _literal_block_safe(text: str) -> bool:
    if not text.strip() or text[0] == " " or text.startswith("\n"):
        return False
    if not (_LITERAL_ASCII.fullmatch(text) or _literal_block_holds_each(text)):
        return False
    return all(line == line.rstrip(" ") for line in text.split("\n"))


def _literal_block_holds_each(text: str) -> bool:
    """Whether a literal block holds every character of `text` as it is, one by one."""
    for char in text:
        if char in '\n"\\':
            continue  # a literal block holds quotes and backslashes as they are
        if _needs_escape(char) or not (char.isprintable() or char == " "):
            return False
    return True


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


def document(value: dict[str, Any]) -> str:
    """A YAML document in block style, every key and scalar quoted as `scalar` does, one a line.

    The text holds printable characters and '\\n' only (anything else is escaped inside a
    double-quoted scalar, which is what `block` asks of a literal block) and no trailing spaces,
    so `block` always writes it as a literal block: a reviewer sees one line per changed entry.
    Every reader, YAML 1.1 or 1.2, reads it back equal: `0o17` and `1e3` are quoted, U+0085,
    U+2028 and U+2029 escaped.
    """
    lines: list[str] = []
    _emit(value, 0, lines)
    return "\n".join(lines) + "\n"


def _flow(value: Any) -> str:
    if isinstance(value, str):
        # Quoted: every character the literal block around the document can hold, nothing
        # invisible.
        return value if is_plain_safe(value) else double_quoted(value, visible=True)
    if isinstance(value, dict) and not value:
        return "{}"
    if isinstance(value, list) and not value:
        return "[]"
    return scalar(value)


def _emit(value: Any, indent: int, lines: list[str]) -> None:
    pad = " " * indent
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, dict | list) and item:
                lines.append(f"{pad}{_flow(key)}:")
                _emit(item, indent + 2, lines)
            else:
                lines.append(f"{pad}{_flow(key)}: {_flow(item)}")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict | list) and item:
                nested: list[str] = []
                _emit(item, indent + 2, nested)
                nested[0] = f"{pad}- {nested[0][indent + 2 :]}"
                lines.extend(nested)
            else:
                lines.append(f"{pad}- {_flow(item)}")
    else:
        raise TypeError(f"document() takes a mapping, not a {type(value).__name__}")
