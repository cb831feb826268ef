"""The quoting filter: any string round-trips through YAML 1.1 and 1.2 readers unchanged."""

from __future__ import annotations

import io

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from ingressgen.yaml_scalars import YamlText, block, double_quoted, is_plain_safe, scalar

TRICKY = [
    "",
    "on",
    "Yes",
    "NO",
    "null",
    "~",
    "true",
    "8080",
    "0o17",
    "0x1F",
    "1e3",
    "1:30",
    "2024-01-01",
    ".inf",
    "- item",
    "key: value",
    "# comment",
    "a #b",
    "&anchor",
    "*alias",
    "!tag",
    "|",
    ">",
    "'single'",
    '"double"',
    "back\\slash",
    "{a: 1}",
    "[1, 2]",
    "line\nbreak",
    "tab\there",
    "\x85 next line",
    "\u2028 line separator",
    "\u2029 paragraph",
    "\ufeff bom",
    "\x7f del",
    "\x9b csi",
    "\x00 nul",
    "emoji \U0001f600",
    "astral \U00010000 and \U0010fffd",
    "\ud7ff edge",
    "trailing space ",
    " leading space",
    "---",
    "...",
    "%YAML",
    "@at",
    "`tick",
    "nbsp\xa0here",
    "café",
]


def _pyyaml(text: str) -> object:
    return yaml.safe_load(text)


def _ruamel(text: str) -> object:
    return YAML(typ="safe", pure=True).load(io.StringIO(text))


@pytest.mark.parametrize("value", TRICKY)
def test_tricky_strings_round_trip(value: str) -> None:
    document = f"key: {scalar(value)}\n"
    assert _pyyaml(document) == {"key": value}
    assert _ruamel(document) == {"key": value}


@settings(max_examples=400, deadline=None)
@given(st.text())
def test_any_text_round_trips_as_a_scalar(value: str) -> None:
    document = f"a:\n  key: {scalar(value)}\n  after: 1\n"
    assert _pyyaml(document) == {"a": {"key": value, "after": 1}}
    assert _ruamel(document) == {"a": {"key": value, "after": 1}}


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text_round_trips_as_a_block(value: str) -> None:
    document = f"a:\n  key: {block(value, 4)}\n  after: 1\n"
    assert _pyyaml(document) == {"a": {"key": value, "after": 1}}
    assert _ruamel(document) == {"a": {"key": value, "after": 1}}


def test_block_keeps_readable_text_literal() -> None:
    text = "tunnel: x\ningress:\n  - service: http_status:404\n"
    rendered = block(text, 4)
    assert rendered.startswith("|\n    tunnel: x\n")


def test_surrogates_never_reach_the_output_unescaped() -> None:
    assert double_quoted("\ud800") == '"\\uD800"'


def test_plain_only_for_unambiguous_words() -> None:
    assert is_plain_safe("messaging-service")
    assert is_plain_safe("app.kubernetes.io/name")
    for word in ("on", "yes", "n", "null", "8080", "a:b", "a b", "", "-a"):
        assert not is_plain_safe(word)


def test_numbers_and_booleans_stay_typed() -> None:
    assert scalar(8080) == "8080"
    assert scalar(True) == "true"
    assert scalar(None) == "null"
    assert isinstance(scalar("x"), YamlText)
    with pytest.raises(TypeError):
        scalar(1.5)
