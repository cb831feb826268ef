"""The quoting filter: any string round-trips through YAML 1.1 and 1.2 readers unchanged."""

from __future__ import annotations

import io

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from ingressgen.yaml_scalars import (
    YamlText,
    block,
    document,
    double_quoted,
    is_plain_safe,
    quoted,
    scalar,
)

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


# A shared cloudflared config is a YAML document inside a ConfigMap value: both levels must hold.


def _config_like(value: str) -> dict[str, object]:
    return {
        "tunnel": value,
        "no-autoupdate": True,
        "ingress": [
            {"hostname": "a.example.com", "path": "^/socket\\.io(/|$)", "service": value},
            {"originRequest": {"httpHostHeader": value, "keepAliveConnections": 100}},
            {"service": "http_status:404"},
        ],
        "empty": {},
        value: [value, 8080],
    }


def _through_configmap(config: dict[str, object]) -> str:
    """The config as `configmap.yaml.j2` writes it, and the text a reader gets back out."""
    rendered = f"data:\n  config.yaml: {block(document(config), 4)}\nafter: 1\n"
    assert rendered.startswith("data:\n  config.yaml: |"), rendered
    outer_pyyaml, outer_ruamel = _pyyaml(rendered), _ruamel(rendered)
    assert outer_pyyaml == outer_ruamel
    assert isinstance(outer_pyyaml, dict) and outer_pyyaml["after"] == 1
    text = outer_pyyaml["data"]["config.yaml"]
    assert isinstance(text, str)
    return text


@pytest.mark.parametrize("value", TRICKY)
def test_a_config_document_is_a_literal_block_and_reads_back_equal(value: str) -> None:
    config = _config_like(value)
    text = _through_configmap(config)
    assert text == document(config)
    # cloudflared reads it with yaml.v3 (YAML 1.2, as ruamel here); PyYAML reads YAML 1.1.
    assert _ruamel(text) == config
    assert _pyyaml(text) == config


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text_in_a_config_document_stays_literal_and_equal(value: str) -> None:
    config = _config_like(value)
    text = _through_configmap(config)
    assert _ruamel(text) == config and _pyyaml(text) == config
    # One line per entry: no scalar spans lines, not even by U+0085, U+2028 or U+2029.
    assert len(text.splitlines()) == len(document(_config_like("x")).splitlines())


def test_a_path_with_a_dot_no_longer_turns_the_config_into_one_quoted_line() -> None:
    config = {"ingress": [{"path": "^/socket\\.io(/|$)"}, {"service": "http_status:404"}]}
    assert block(document(config), 4) == (
        '|\n    ingress:\n      - path: "^/socket\\\\.io(/|$)"\n      - service: "http_status:404"'
    )


@pytest.mark.parametrize("text", ["0a1b", "a0b1", "1e3", "0o17"])
def test_quoted_is_double_quoted_whatever_the_first_character(text: str) -> None:
    assert quoted(text) == f'"{text}"'
    assert _pyyaml(f"k: {quoted(text)}") == {"k": text} == _ruamel(f"k: {quoted(text)}")


# The fast paths decide by one regular expression what the character loops decide one by one:
# texts drawn mostly from the ASCII edge (quotes, backslashes, DEL, controls) and a little
# beyond must get the same answer either way.
_EDGE_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0, max_codepoint=0x7F),
        st.sampled_from(['"', "\\", "\n", " ", "\x7f", "\x85", "\u2028", "é", "\ufeff"]),
    )
)


@settings(max_examples=500, deadline=None)
@given(_EDGE_TEXT, st.booleans())
def test_double_quoting_fast_path_matches_the_character_loop(text: str, visible: bool) -> None:
    from ingressgen.yaml_scalars import _double_quoted_each

    assert double_quoted(text, visible=visible) == _double_quoted_each(text, visible)


@settings(max_examples=500, deadline=None)
@given(_EDGE_TEXT)
def test_literal_block_fast_path_matches_the_character_loop(text: str) -> None:
    from ingressgen.yaml_scalars import _LITERAL_ASCII, _literal_block_holds_each

    if _LITERAL_ASCII.fullmatch(text):
        assert _literal_block_holds_each(text)
