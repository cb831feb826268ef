"""How deep a YAML or JSON text nests, measured before any recursive reader sees it.

yaml-rs, ruamel.yaml (which finds positions for messages), the json module and parts of the
checks recurse once per level: a file of a few KB nested thousands of levels deep crashes the
process or raises RecursionError. So every text is measured first:

- a bound read off the raw text settles almost every file at the cost of two byte counts and a
  regex: a block level needs a column of indentation (or a `- ` / `? ` on the line) for every
  two levels, a flow level needs a `[` or `{`;
- only a text whose bound is over the limit is measured exactly, with the event stream of
  PyYAML's parser, which is a state machine (it does not recurse) and stops at the first level
  past the limit;
- JSON that this parser cannot read is measured by its brackets outside strings.
"""

from __future__ import annotations

import re

# A line whose leading indentation and sequence or key indicators run this long.
_LEADING_RUN = b"^[ \t?-]{%d,}"
# An indicator is one only when whitespace follows it: `- --port` chains nothing.
_CHAIN_HINTS = (b"- - ", b"- -\n", b"- -\r", b"- -\t", b"-  ", b"-\t", b"? ", b"?\t")
_DOCUMENT_START = re.compile(rb"^---(?=[ \t\r\n]|$)", re.MULTILINE)
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


class TooDeep(Exception):
    """The text nests deeper than the limit; `line` and `column` (1-based) are where."""

    def __init__(self, limit: int, line: int, column: int) -> None:
        super().__init__(f"nested more than {limit} levels deep")
        self.limit, self.line, self.column = limit, line, column


def check_depth(data: bytes | str, limit: int) -> None:
    """Raise TooDeep when `data` nests deeper than `limit` levels; return when it does not, or
    when it is not readable YAML at all (the reader that follows reports that)."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    if not _may_exceed(raw, limit):
        return
    import yaml  # only for the rare text the bound does not settle: `validate` seldom needs it

    try:
        _measure_events(raw, limit)
    except yaml.YAMLError:
        _measure_brackets(raw, limit)  # JSON with tabs, or broken: the brackets still tell


def _may_exceed(raw: bytes, limit: int) -> bool:
    """Whether `raw` could nest deeper than `limit`. Each flow level takes an opening bracket;
    each block level a column of indentation or an indicator at the start of its line, and two
    levels can share one (`key:` then `-` under it at the same column), plus the mapping and
    the value that end a line."""
    flow = raw.count(b"[") + raw.count(b"{")
    if flow > limit:
        # No flow collection spans two documents: in a long stream, count per document.
        flow = max(part.count(b"[") + part.count(b"{") for part in _DOCUMENT_START.split(raw))
        if flow > limit:
            return True
    run = max((limit - flow - 2) // 2, 1)
    indentation = b" " * run
    if raw.startswith(indentation) or b"\n" + indentation in raw:
        return True
    # Two indicators on one line (`- - x`, `-   ? x`) always leave one of these behind; only
    # then is the slower search for a long leading run worth it.
    if any(hint in raw for hint in _CHAIN_HINTS):
        return re.search(_LEADING_RUN % run, raw, re.MULTILINE) is not None
    return False


def _measure_events(raw: bytes, limit: int) -> None:
    import yaml

    depth = 0
    for event in yaml.parse(raw, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > limit:
                mark = event.start_mark
                line, column = (mark.line, mark.column) if mark else (0, 0)
                raise TooDeep(limit, line + 1, column + 1)
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        elif isinstance(event, yaml.DocumentEndEvent):
            depth = 0


def _measure_brackets(raw: bytes, limit: int) -> None:
    text = raw.decode("utf-8", "replace")
    # Strings are blanked (their line breaks kept) so that positions stay right.
    blanked = _JSON_STRING.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), text)
    depth = 0
    for bracket in _BRACKET.finditer(blanked):
        if bracket.group() in "[{":
            depth += 1
            if depth > limit:
                line = blanked.count("\n", 0, bracket.start()) + 1
                column = bracket.start() - (blanked.rfind("\n", 0, bracket.start()) + 1) + 1
                raise TooDeep(limit, line, column)
        else:
            depth = max(depth - 1, 0)
