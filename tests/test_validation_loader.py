"""The manifest reader: PyYAML's answers where Kubernetes agrees, Kubernetes' where it does not."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from ingressgen.validation.reading.documents import read_json
from ingressgen.validation.reading.loader import read_yaml
from ingressgen.validation.reading.positions import StreamPositions
from ingressgen.yaml_io import StrictLoader

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.sampled_from(["yes", "on", "0o17", "0x1f", "1e3", "~", "null", "2024-01-01", "1_000"])
)
documents = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(documents, st.booleans())
def test_reads_what_pyyaml_reads(document: Any, flow: bool) -> None:
    """For anything PyYAML dumps (strings that look like other types are quoted), both agree."""
    text = yaml.safe_dump(document, default_flow_style=flow, allow_unicode=True)
    [ours] = read_yaml(text)
    assert ours.value == yaml.load(text, Loader=StrictLoader)


def test_plain_scalars_resolve_like_yaml_1_1() -> None:
    text = "a: yes\nb: 0o17\nc: 0x1f\nd: ~\ne: 1_000\nf: '1'\ng: 1.5\nh: .inf\ni: !!str 3\n"
    [document] = read_yaml(text)
    assert document.value == yaml.load(text, Loader=StrictLoader)


def test_timestamps_stay_strings_as_the_api_server_reads_them() -> None:
    [document] = read_yaml("when: 2024-01-01\nat: 2024-01-01T10:00:00Z\n")
    assert document.value == {"when": "2024-01-01", "at": "2024-01-01T10:00:00Z"}


def test_keys_become_strings() -> None:
    [document] = read_yaml("1: a\ntrue: b\n~: c\n1.5: d\n")
    assert document.value == {"1": "a", "true": "b", "null": "c", "1.5": "d"}


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("a: 1\nb: 2\na: 3\n", 3),
        ("spec:\n  x: 1\n  x: 1\n", 3),
        ("- {a: 1, a: 2}\n", 1),
        ("1: a\n'1': b\n", 2),  # the same key once both are strings
    ],
)
def test_duplicate_keys_are_refused_with_their_line(text: str, line: int) -> None:
    with pytest.raises(yaml.MarkedYAMLError) as raised:
        read_yaml(text)
    assert "duplicate key" in str(raised.value)
    assert raised.value.problem_mark is not None
    assert raised.value.problem_mark.line + 1 == line


def test_merge_keys_merge_and_explicit_keys_win() -> None:
    text = "base: &b {a: 1, b: 2}\nuse:\n  <<: *b\n  b: 3\n"
    [document] = read_yaml(text)
    assert document.value["use"] == {"a": 1, "b": 3}


def test_aliases_are_shared() -> None:
    [document] = read_yaml("a: &x [1, 2]\nb: *x\n")
    assert document.value["a"] is document.value["b"]


def test_recursive_aliases_are_refused() -> None:
    with pytest.raises(yaml.YAMLError, match="recursive"):
        read_yaml("a: &x\n  b: *x\n")


def test_alias_bombs_are_refused() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 8):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    with pytest.raises(yaml.YAMLError, match="aliases expand"):
        read_yaml("\n".join(lines) + "\n")


def test_unknown_tags_are_errors() -> None:
    with pytest.raises(yaml.YAMLError):
        read_yaml("a: !Ref b\n")


def test_documents_keep_their_index_and_line() -> None:
    text = "---\n# nothing\n---\na: 1\n---\n\nb: 2\n"
    documents = read_yaml(text)
    assert [(d.position, d.line, d.value) for d in documents] == [
        (0, 3, None),
        (1, 4, {"a": 1}),
        (2, 7, {"b": 2}),
    ]


def test_json_is_read_as_json() -> None:
    [document] = read_json(b'{"a": 1e3, "b": [1, 2]}')
    assert document.value == {"a": 1000.0, "b": [1, 2]}
    with pytest.raises(ValueError, match="duplicate key 'a'"):
        read_json(b'{"a": 1, "a": 2}')


def test_positions_point_at_fields_in_multi_document_streams() -> None:
    text = "a: 1\n---\nkind: List\nitems:\n  - metadata:\n      name: x\n"
    positions = StreamPositions("f.yaml", text)
    location = positions.locate(1, ("items", 0, "metadata", "name"))
    assert location is not None and (location.line, location.column) == (6, 13)
    deepest = positions.locate(1, ("items", 0, "spec", "ports"))
    assert deepest is not None and deepest.line == 5
    assert positions.locate(5, ("a",)) is None


def test_positions_count_a_header() -> None:
    positions = StreamPositions("out/f.yaml", "a:\n  b: 1\n", line_offset=3)
    location = positions.locate(0, ("a", "b"))
    assert location is not None and location.line == 5
