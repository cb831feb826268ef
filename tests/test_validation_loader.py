"""The manifest reader: PyYAML's parser, kubectl's reading (go-yaml v2, then JSON)."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from ingressgen.validation.reading.documents import read_json
from ingressgen.validation.reading.goyaml import json_number
from ingressgen.validation.reading.loader import read_yaml
from ingressgen.validation.reading.positions import StreamPositions

scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
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


def as_kubectl_sends(value: Any) -> Any:
    """A value after kubectl's trip through JSON: integral floats become integers."""
    if isinstance(value, float):
        return json_number(value)
    if isinstance(value, list):
        return [as_kubectl_sends(item) for item in value]
    if isinstance(value, dict):
        return {key: as_kubectl_sends(item) for key, item in value.items()}
    return value


@settings(max_examples=300, deadline=None)
@given(documents, st.booleans())
def test_reads_what_was_dumped_with_every_string_quoted(document: Any, flow: bool) -> None:
    """Quoted strings are strings; the numbers, bools and nulls PyYAML writes read as kubectl
    reads them (a float like 1.0 reaches the API server as the integer 1)."""
    text = yaml.dump(document, default_flow_style=flow, allow_unicode=True, default_style='"')
    [ours] = read_yaml(text)
    expected = as_kubectl_sends(document)
    assert ours.value == expected
    # True is not 1, and 1 is not 1.0
    assert json.dumps(ours.value, sort_keys=True) == json.dumps(expected, sort_keys=True)


def test_plain_scalars_resolve_as_kubectl_reads_them() -> None:
    text = (
        "a: yes\nb: 0o17\nc: 0x1f\nd: ~\ne: 1_000\nf: '1'\ng: 1.5\nh: 1e3\ni: !!str 3\n"
        "j: y\nk: 1:20\nl: =\nm: 0.0\nnn: 0644\no: 08\np: !Ref x\nq: !!float 2\n"
    )
    [document] = read_yaml(text)
    assert document.value == {
        **{"a": True, "b": 15, "c": 31, "d": None, "e": 1000, "f": "1", "g": 1.5, "h": 1000},
        **{"i": "3", "j": True, "k": "1:20", "l": "=", "m": 0, "nn": 420, "o": 8, "p": "x"},
        "q": 2,
    }
    assert isinstance(document.value["m"], int) and isinstance(document.value["q"], int)


def test_timestamps_stay_strings_as_the_api_server_reads_them() -> None:
    [document] = read_yaml("when: 2024-01-01\nat: 2024-01-01T10:00:00Z\n")
    assert document.value == {"when": "2024-01-01", "at": "2024-01-01T10:00:00Z"}


def test_keys_become_strings_as_kubectl_makes_them() -> None:
    [document] = read_yaml("1: a\ny: b\n1.5: d\n1e6: e\n0x10: f\n.inf: g\n-0.0: h\n")
    expected = {"1": "a", "true": "b", "1.5": "d", "1e+06": "e", "16": "f", ".inf": "g", "-0": "h"}
    assert document.value == expected
    with pytest.raises(yaml.MarkedYAMLError, match=r"duplicate key 'true' \(kubectl reads 'y' as"):
        read_yaml("true: b\ny: c\n")
    with pytest.raises(yaml.MarkedYAMLError, match="duplicate key '1'"):
        read_yaml("1: a\n1.0: b\n")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("a: .inf\n", "JSON cannot hold"),
        ("a: [-.Inf]\n", "JSON cannot hold"),
        ("a: .nan\n", "JSON cannot hold"),
        ("~: a\n", "kubectl cannot make it a JSON key"),
        ("9223372036854775808: a\n", "integer above"),
        ("a: !!int 1.5\n", "cannot be read as a !!int"),
        ("a: {<<: 3}\n", "merge key"),
        ("a: !!binary '%%%'\n", "not base64"),
    ],
)
def test_what_kubectl_refuses_is_refused_with_its_position(text: str, problem: str) -> None:
    with pytest.raises(yaml.MarkedYAMLError, match=problem) as raised:
        read_yaml(text)
    assert raised.value.problem_mark is not None and raised.value.problem_mark.line == 0


def test_huge_numbers_stay_text_as_go_yaml_keeps_them() -> None:
    """Beyond float64's range go-yaml keeps the text; Python's int-string limit is never met."""
    digits = "9" * 5000
    [document] = read_yaml(f"a: {digits}\nb: 1e400\nc: 99999999999999999999\n")
    assert document.value == {"a": digits, "b": "1e400", "c": 10**20}


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


def test_merge_keys_apply_in_order_as_go_yaml_v2_applies_them() -> None:
    text = "base: &b {a: 1, b: 2}\nuse:\n  <<: *b\n  b: 3\n"
    [document] = read_yaml(text)
    assert document.value["use"] == {"a": 1, "b": 3}
    [document] = read_yaml("m: {a: 1, <<: {a: 2, b: 3}, b: 4}\nl: {<<: [{a: 1}, {a: 2, b: 2}]}\n")
    assert document.value == {"m": {"a": 2, "b": 4}, "l": {"a": 1, "b": 2}}


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


def test_unknown_tags_are_ignored_as_go_yaml_ignores_them() -> None:
    [document] = read_yaml("a: !Ref b\nc: !Thing {d: 1}\ne: !!set [1]\n")
    assert document.value == {"a": "b", "c": {"d": 1}, "e": [1]}


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


def test_positions_find_keys_kubectl_reads_otherwise() -> None:
    text = "data:\n  on:\n    x: 1\n  1.0: a\n  0x10: b\n"
    positions = StreamPositions("f.yaml", text)
    for path, line in ((("data", "true", "x"), 3), (("data", "1"), 4), (("data", "16"), 5)):
        location = positions.locate(0, path)
        assert location is not None and location.line == line, path


def test_positions_count_a_header() -> None:
    positions = StreamPositions("out/f.yaml", "a:\n  b: 1\n", line_offset=3)
    location = positions.locate(0, ("a", "b"))
    assert location is not None and location.line == 5
