"""Reading profiles through yaml-rs where it provably reads what `ProfileLoader` reads.

`ProfileLoader` (yaml_io.py) parses in C but builds every value through PyYAML's Python
constructor, about 0.6 ms a profile. The manifest reader `validation/reading/fast_reader.py`
already answers only for texts on which yaml-rs and PyYAML's YAML 1.1 reading agree (no
`0644`, no `on`, no float, no tag, anchor or merge key, only string keys, no duplicate key),
checked by its differential tests; for profiles it also takes one-line flow lists of plain
words and quoted strings (`addresses: ["10.0.0.0/16"]`), which both versions read alike.
A profile needs three things more, because `ProfileLoader` is stricter and builds dates:

- no text that looks like a date (`2024-01-01`): PyYAML builds a `date` from it, unquoted;
- no digit followed by `_`: both read `1_000` as 1000, which `ProfileLoader` refuses (it takes
  integers written in plain decimal only);
- no integer of 20 digits or more: `ProfileLoader` refuses more than 20, yaml-rs takes any;
- nothing deeper than 32 levels nor larger than 50,000 values: half of `ProfileLoader`'s
  limits, so a document it would refuse always goes to it;
- every string one that YAML 1.1 would also read as a string if it were written plain: the
  manifest reader trusts what kubectl (go-yaml v2) reads as text, and go-yaml reads `1:20` and
  `=` as text where YAML 1.1 reads a base-60 integer and a value tag, which `ProfileLoader`
  refuses. (A quoted `"1:20"` is sent to `ProfileLoader` too: slower, never different.)

Anything else returns None and the caller reads the text with `ProfileLoader`, which stays the
authority for every refusal and its message (tests/test_fast_profiles.py compares the two).
"""

from __future__ import annotations

import functools
import re
from typing import Any

import yaml

from ingressgen.validation.reading import fast_reader

_DATE_OR_GROUPED_DIGITS = re.compile(r"[0-9]{4}-[0-9]|[0-9]_")
_MAX_DEPTH = 32
_MAX_VALUES = 50_000
_MAX_INT = 10**19  # 19 digits at most: far from ProfileLoader's 20


def read_profile_documents(text: str) -> list[Any] | None:
    """Every document of `text` (None for an empty one) as `yaml.load_all(text,
    Loader=ProfileLoader)` returns them, or None when this reader cannot be sure of that."""
    if _DATE_OR_GROUPED_DIGITS.search(text):
        return None
    documents = fast_reader.read_documents(text, simple_flow_lists=True)
    if documents is None:
        return None
    values: list[Any] = [None] * (documents[-1].position + 1 if documents else 0)
    for document in documents:
        if not _within_limits(document.value):
            return None
        values[document.position] = document.value
    return values


def _within_limits(root: Any) -> bool:
    """Whether a document stays within half of ProfileLoader's limits and every string in it
    (keys too) is one YAML 1.1 reads alike. Walked level by level, each value looked at once
    by its exact type (yaml-rs builds nothing else): render's worker reads 1,000 profiles
    while the first process imports, and a slower walk made the first process wait for it."""
    count, depth, level = 0, 1, [root]
    while level:
        if depth > _MAX_DEPTH:
            return False
        below: list[Any] = []
        for value in level:
            count += 1
            kind = value.__class__
            if kind is dict:
                count += len(value)  # the keys, which ProfileLoader counts as values too
                for key in value:
                    if key.__class__ is str and not _plain_text_in_yaml_1_1(key):
                        return False
                below.extend(value.values())
            elif kind is list:
                below.extend(value)
            elif kind is str:
                if not _plain_text_in_yaml_1_1(value):
                    return False
            elif kind is int and abs(value) >= _MAX_INT:
                return False
        if count > _MAX_VALUES:
            return False
        level, depth = below, depth + 1
    return True


_STR_TAG = "tag:yaml.org,2002:str"
_RESOLVER = yaml.resolver.Resolver()


@functools.lru_cache(maxsize=65_536)
def _plain_text_in_yaml_1_1(text: str) -> bool:
    """Whether a string from yaml-rs is one `ProfileLoader` returns too: PyYAML's YAML 1.1
    resolver reads it, written plain, as a string; or yaml-rs itself would not read it plain as
    a string, so it was quoted (`kubernetesVersion: "1.34"`) and is a string to both. Cached:
    profiles repeat the same keys and words."""
    resolved: str = _RESOLVER.resolve(yaml.ScalarNode, text, (True, False))  # type: ignore[no-untyped-call]
    return resolved == _STR_TAG or fast_reader.was_quoted(text, unreadable_plain=True)
