"""A fast path for reading manifests: yaml-rs, trusted only where it must agree with `loader.py`.

Reading YAML is most of what `validate` does, and PyYAML spends that time building a Python
object for every node. yaml-rs (Rust) builds the values directly and reads the benchmark corpus
about seven times faster. But it reads YAML 1.2, while kubectl (go-yaml v2, see `goyaml.py`)
and `loader.py` do not: `on` is a bool there and a string here, `0644` is 420 there and 644
here, `_1` is text there and 1 here. So this reader answers only when nothing in the text can be
read two ways:

- the text has none of the constructs that the two readings differ on or that `loader.py`
  treats specially (see `_has_risky_syntax`);
- no number is written with a leading zero or underscore, no value is a float, and every
  integer fits in 64 bits;
- every key is a string, and every string is one that both readers return as a string.

Anything else returns None, and the caller reads the text with `loader.py`, which stays the
authority for every verdict, error message and position. `tests/test_fast_reader.py` compares
the two readers on generated texts, and `tests/test_kubectl_reading.py` both with kubectl.
Without yaml-rs (an exotic platform with no wheel), every text goes to `loader.py`: slower,
never different.
"""

from __future__ import annotations

import re
from types import ModuleType
from typing import Any

from ingressgen.validation.reading.documents import Document
from ingressgen.validation.reading.goyaml import reads_as_other_than_text

yaml_rs: ModuleType | None
try:
    import yaml_rs
except ImportError:  # pragma: no cover - every supported platform has a wheel
    yaml_rs = None

# Characters that send a text to loader.py wherever they are: control characters PyYAML
# refuses, tabs and carriage returns (the versions differ on where tabs may separate tokens)
# and backslashes (YAML 1.2 has escapes that 1.1 refuses).
_RISKY_ASCII = re.compile(r"[\x00-\x09\x0b-\x1f\x7f\\]")
# In non-ASCII text also: line breaks in YAML 1.1 only, the byte-order mark, C1 controls and
# the non-characters PyYAML refuses.
_RISKY_NON_ASCII = re.compile("[\x80-\x9f\u2028\u2029\ufeff\ufffe\uffff]")
# Where a token can start (after a space or a line break): a tag (!), an anchor (&), an alias
# (*), a complex key (?) or a value indicator after a space (`key : value`).
_TOKEN_INDICATOR = re.compile(r"[ \n](?:[!&*]|[?:](?![^ \n]))")
_TOKEN_INDICATOR_FIRST = ("!", "&", "*", "? ", ": ")
# A flow collection that is not empty: `{}` and `[]` read the same in both versions.
_FLOW_CONTENT = re.compile(r"\{(?!\})|\[(?!\])")
# A flow list on one line, after a value indicator or an entry dash, of double-quoted strings
# without escapes and plain words that cannot hold an indicator (no `,:#[]{}` or space), and
# nothing after it but spaces or a comment: YAML 1.1 and 1.2 read the same list. (The words are
# still checked one by one, as every value is.)
_FLOW_WORD = r'(?:"[^"\\\n]*"|[A-Za-z0-9][A-Za-z0-9._/-]*)'
_SIMPLE_FLOW_LIST = re.compile(
    rf"(?<=[:-] )\[ *(?:{_FLOW_WORD} *(?:, *{_FLOW_WORD} *)*)?\](?= *(?:#[^\n]*)?(?:\n|$))"
)
# A number with a leading zero: octal in YAML 1.1 (`0644` is 420), decimal in 1.2 (644).
_LEADING_ZERO = re.compile(r"0(?<![0-9A-Za-z._]0)[0-9A-Za-z_]")
# `---` that is not a whole document-start line, a document end `...`, or a directive.
# A sequence opened inside a sequence entry on one line (`- - x`): yaml-rs recurses once per
# level and crashes the process (a segmentation fault, not an exception) near 20,000 levels,
# which 40 KB of text reach; PyYAML refuses such depth with an error. Real manifests nest
# sequences by indentation, so they keep the fast path.
_NESTED_DASHES = re.compile(r"-[ \t]+-[ \t\r\n]")
# A number after an underscore: yaml-rs reads `_1` as 1, go-yaml as text.
_UNDERSCORE_NUMBER = re.compile(r"(?:^|[ ])_[_0-9]", re.MULTILINE)
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_RISKY_LINE_START = re.compile(r"^(?:---(?!(?:[ ]+(?:#.*)?)?$)|\.\.\.|%)", re.MULTILINE)
_DOCUMENT_START = re.compile(r"^---(?:[ ]+(?:#.*)?)?$\n?", re.MULTILINE)
# The first line of a document's content: not blank, not a comment.
_CONTENT_LINE = re.compile(r"^[ ]*[^ \n#]", re.MULTILINE)

# Strings from yaml-rs that loader.py returns as the same strings, and those it may not:
# manifests repeat the same keys and values thousands of times.
_trusted_strings: set[str] = set()
_distrusted_strings: set[str] = set()
_CACHE_LIMIT = 100_000


def read_documents(
    data: bytes | str, *, syntax_checked: bool = False, simple_flow_lists: bool = False
) -> list[Document] | None:
    """The documents of `data` as `loader.read_yaml` would return them, or None when this
    reader cannot be sure of that (then the caller must use `loader.read_yaml`).

    `syntax_checked`: `data` is a piece from `stream_pieces`, which checked the whole stream's
    syntax already (what a stream may not contain, its pieces do not either).
    `simple_flow_lists`: also read texts whose only flow collections are one-line lists of
    quoted strings and plain words (`addresses: ["10.0.0.0/16", b]`), which both versions
    read alike (used for profiles; see `_SIMPLE_FLOW_LIST`)."""
    if yaml_rs is None:
        return None
    try:
        text = data if isinstance(data, str) else data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not syntax_checked and _has_risky_syntax(text, simple_flow_lists):
        return None
    documents: list[Document] = []
    counted, lines = 0, 1  # line breaks are counted once, from document to document
    for start, end, explicit in _document_spans(text):
        content = _CONTENT_LINE.search(text, start, end)
        if content is None and not explicit:
            continue  # comments before the first `---`: PyYAML sees no document there
        try:
            value = yaml_rs.loads(text[start:end], parse_datetime=False)
        except (ValueError, TypeError):
            return None  # loader.py gives the error, with its position
        if not _reads_the_same(value):
            return None
        line = 0
        if content:
            lines += text.count("\n", counted, content.start())
            counted, line = content.start(), lines
        documents.append(Document(len(documents), line, value))
    return documents


def stream_pieces(text: str, documents_per_piece: int) -> list[tuple[int, int, int, int]] | None:
    """A long stream cut into pieces of whole documents, each a stream of its own, so that two
    processes can share it: (start, end, index of its first document, its first line).

    None when the stream must be read whole: one document, or syntax that loader.py reads (a
    directive or a `...` could tie documents together)."""
    if "---" not in text or _has_risky_syntax(text):
        return None
    markers = [marker.start() for marker in _DOCUMENT_START.finditer(text)]
    # The text before the first `---` is a document only if it has content.
    before = 1 if markers[0] > 0 and _CONTENT_LINE.search(text, 0, markers[0]) else 0
    cuts = [
        (start, number + before)
        for number, start in enumerate(markers)
        if number + before > 0 and (number + before) % documents_per_piece == 0
    ]
    pieces: list[tuple[int, int, int, int]] = []
    start, first, line = 0, 0, 1
    for cut, index in cuts:
        pieces.append((start, cut, first, line))
        line += text.count("\n", start, cut)
        start, first = cut, index
    pieces.append((start, len(text), first, line))
    return pieces if len(pieces) > 1 else None


def _has_risky_syntax(text: str, simple_flow_lists: bool = False) -> bool:
    if _RISKY_ASCII.search(text) or (not text.isascii() and _RISKY_NON_ASCII.search(text)):
        return True
    if "<<" in text or _LEADING_ZERO.search(text) or _NESTED_DASHES.search(text):
        return True
    underscores = " _" in text or "\n_" in text or text.startswith("_")
    if underscores and _UNDERSCORE_NUMBER.search(text):
        return True
    # A block scalar that ends the text without a line break: yaml-rs adds one, PyYAML not.
    if not text.endswith("\n") and ("|" in text or ">" in text):
        return True
    # Searching for one character is much faster than for a pattern: rule most texts out first.
    indicators = "!" in text or "&" in text or "*" in text or "?" in text
    if (indicators or " :" in text or "\n:" in text) and _TOKEN_INDICATOR.search(text):
        return True
    if text.startswith(_TOKEN_INDICATOR_FIRST) or text in ("?", ":"):
        return True
    flows = ("{" in text or "[" in text) and _FLOW_CONTENT.search(text)
    if flows and (not simple_flow_lists or _FLOW_CONTENT.search(_SIMPLE_FLOW_LIST.sub("", text))):
        return True
    # A line that starts with "-", "." or "%" is rare outside document markers.
    line_starts = "\n-" in text or "\n." in text or "\n%" in text
    if line_starts or text.startswith(("-", ".", "%")):
        return bool(_RISKY_LINE_START.search(text))
    return False


def _document_spans(text: str) -> list[tuple[int, int, bool]]:
    """(start, end, begins with `---`) of each document: a `---` line always starts a new one,
    even inside a scalar (YAML forbids the marker as content at the start of a line)."""
    if "---" not in text:
        return [(0, len(text), False)]
    spans: list[tuple[int, int, bool]] = []
    start, explicit = 0, False
    for marker in _DOCUMENT_START.finditer(text):
        if marker.start() > 0 or explicit:
            spans.append((start, marker.start(), explicit))
        start, explicit = marker.end(), True
    spans.append((start, len(text), explicit))
    return spans


def _reads_the_same(value: Any) -> bool:
    """Whether loader.py reads the same values: no float, only string keys, trusted strings,
    integers of 64 bits (yaml-rs keeps every digit of a larger one, go-yaml makes it a float).

    Written for speed, as it visits every value: strings seen before are one set lookup, and
    the keys of a mapping whose keys were all seen before are one set operation."""
    trusted = _trusted_strings
    pending = [value]
    while pending:
        item = pending.pop()
        kind = item.__class__
        if kind is dict:
            if not trusted.issuperset(item) and not all(map(_trust, item)):
                return False
            children = item.values()
        elif kind is list:
            children = item
        else:
            children = (item,)
        for child in children:
            kind = child.__class__
            if kind is str:
                if child not in trusted and not _trust(child):
                    return False
            elif kind is dict or kind is list:
                pending.append(child)
            elif kind is int:
                if child < _INT64_MIN or child > _INT64_MAX:
                    return False
            elif not (kind is bool or child is None):
                return False  # a float (exponent forms differ), or anything rarer
    return True


def _trust(value: Any) -> bool:
    """Whether a value is a string both readers return; remembered either way."""
    if value in _trusted_strings:
        return True
    if value.__class__ is not str or value in _distrusted_strings:
        return False
    if len(_trusted_strings) > _CACHE_LIMIT:
        _trusted_strings.clear()
        _distrusted_strings.clear()
    if _is_string_in_both(value):
        _trusted_strings.add(value)
        return True
    _distrusted_strings.add(value)
    return False


def _is_string_in_both(text: str) -> bool:
    """A string from yaml-rs is a string for loader.py too when kubectl reads the same text,
    unquoted, as a string; or when yaml-rs itself would not read it unquoted as a string, so
    that it was quoted or a block scalar, a string in both.

    Blank text is never trusted: yaml-rs reads a block scalar of blank lines as a line break
    where YAML (and PyYAML) read an empty string."""
    if text.isspace():
        return False
    if not reads_as_other_than_text(text):
        return True
    return was_quoted(text, unreadable_plain=False)


def was_quoted(text: str, *, unreadable_plain: bool) -> bool:
    """Whether a string yaml-rs returned must have been quoted (or a block scalar): yaml-rs
    would not read the same text written plain as a string. `unreadable_plain`: the answer
    when the text cannot be written plain at all."""
    assert yaml_rs is not None
    try:
        unquoted = yaml_rs.loads(f"value: {text}", parse_datetime=False)
    except (ValueError, TypeError):
        return unreadable_plain
    return not (isinstance(unquoted, dict) and isinstance(unquoted.get("value"), str))
