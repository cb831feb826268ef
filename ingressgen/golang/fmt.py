"""Go's %q verb, for repeating Go's error messages word for word."""

from __future__ import annotations


def quote(text: str) -> str:
    """Go's %q for the ASCII strings the Go ports report."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in escaped) + '"'
