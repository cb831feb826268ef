"""The fast profile reader answers only when ProfileLoader reads the same values and refuses
nothing: every refusal and its message stay ProfileLoader's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ingressgen.fast_profiles import read_profile_documents
from ingressgen.yaml_io import ProfileLoader
from tests.test_fast_reader import (
    ORDINARY_WORDS,
    TRICKY_WORDS,
    nodes,
    ordinary_keys,
    streams,
)

REPOSITORY = Path(__file__).resolve().parent.parent
BENCH = REPOSITORY / "bench"


def slow(text: str) -> list[Any] | None:
    """What ProfileLoader reads, or None when it refuses the text."""
    try:
        return list(yaml.load_all(text, Loader=ProfileLoader))
    except yaml.YAMLError:
        return None


def agrees(text: str) -> bool:
    """False only when the fast reader answers something else than ProfileLoader; True when
    it agrees or leaves the text to ProfileLoader."""
    fast = read_profile_documents(text)
    if fast is None:
        return True
    expected = slow(text)
    if expected is None:
        return False

    def shown(documents: list[Any]) -> list[tuple[int, str]]:
        # repr tells 1 from True and keeps key order; empty documents are skipped by callers.
        return [(i, repr(d)) for i, d in enumerate(documents) if d is not None]

    return shown(fast) == shown(expected)


@pytest.mark.parametrize(
    "text",
    [
        "port: 1_000\n",  # 1000 to both readers, refused by ProfileLoader
        "port: 0x1F\n",
        "port: 017\n",
        "port: 1:20\n",  # text to go-yaml (the manifest reader's trust), base 60 to YAML 1.1
        "a: =\n",  # text to go-yaml, the value tag to YAML 1.1
        "a: 1:20:30.5\n",  # a base-60 float to YAML 1.1
        "on: yes\n",
        "when: 2024-01-01\n",  # a date to PyYAML
        "port: 123456789012345678901\n",  # 21 digits: refused
        "port: 1.5\n",
        "a: &x 1\nb: *x\n",
        "a: 1\na: 2\n",
        "a: " + "[" * 40 + "]" * 40 + "\n",
        "a:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 40)) + "  " * 40 + "v: 1\n",
    ],
)
def test_what_profile_loader_refuses_or_reads_otherwise_goes_to_it(text: str) -> None:
    assert read_profile_documents(text) is None
    assert agrees(text)


@pytest.mark.parametrize(
    "text",
    ["port: 8080\nflag: True\nnothing: ~\nname: web\n", "a: 1\n---\nb:\n- x\n", "", "---\n"],
)
def test_plain_profiles_take_the_fast_path(text: str) -> None:
    assert read_profile_documents(text) is not None
    assert agrees(text)


@pytest.mark.parametrize(
    "text",
    [
        'a: ["x\\n"]\n',  # an escape
        "a: [x y]\n",  # a space in a plain word
        "a: [a] x\n",  # something after the list
        "a: [a,]\n",
        "a: [a, [b]]\n",  # nested
        "a: {b: c}\n",  # a flow mapping
        "a: [\n  b]\n",  # over two lines
        "a: [1.5]\n",
        "a: [0644]\n",
        "a: [on]\n",
        "a: [2024-01-01]\n",
        "a: [1_000]\n",
    ],
)
def test_flow_lists_other_than_simple_ones_go_to_profile_loader(text: str) -> None:
    assert read_profile_documents(text) is None
    assert agrees(text)


@pytest.mark.parametrize(
    "text",
    ['a: ["10.0.0.0/16"]\n', 'a: ["x", b, 1, true, null]  # c\n', "- [a]\n", "a: [ b ]\n"],
)
def test_simple_flow_lists_take_the_fast_path(text: str) -> None:
    assert read_profile_documents(text) is not None
    assert agrees(text)


def test_the_committed_and_benchmark_profiles_read_the_same(tmp_path: Path) -> None:
    """And all take the fast path, one-line flow lists (`addresses: ["10.0.0.0/16"]`) too."""
    import sys

    sys.path.insert(0, str(BENCH))
    from corpus import generate

    generate(tmp_path, 6)
    files = [*sorted((REPOSITORY / "profiles").glob("*.yaml")), *sorted(tmp_path.glob("*.yaml"))]
    texts = [file.read_text(encoding="utf-8") for file in files]
    assert all(map(agrees, texts))
    assert all(read_profile_documents(text) is not None for text in texts)


PROFILE_WORDS = [
    *TRICKY_WORDS,
    *("1_000", "+1_0", "-0", "+0", "00", "True", "tRuE", "FALSE", "2024-1-1", "9999-9"),
    *("12345678901234567890", "1234567890123456789", "-1234567890123456789", "1e3", "0.0"),
]
profile_trees = nodes(
    ordinary_keys | st.sampled_from(["true", "1", "null", "on"]),
    st.sampled_from(PROFILE_WORDS) | st.sampled_from(ORDINARY_WORDS),
).filter(lambda node: node[0] != "scalar")


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(streams(profile_trees))
@example("a: 1_000\n")
@example("a: 2024-01-01\n")
def test_generated_streams_read_the_same_or_go_to_profile_loader(text: str) -> None:
    assert agrees(text)


@st.composite
def flow_list_texts(draw: st.DrawFn) -> str:
    """Profiles whose values include one-line flow lists of every kind of word and style."""
    lines = []
    for index in range(draw(st.integers(1, 4))):
        words = draw(st.lists(st.sampled_from(PROFILE_WORDS + ORDINARY_WORDS), max_size=4))
        styled = [
            draw(st.sampled_from([w, f'"{w}"', f"'{w}'"])) if "\n" not in w else f'"{w}"'
            for w in words
        ]
        spaces = draw(st.sampled_from(["", " ", "  "]))
        body = ("," + spaces).join(styled)
        tail = draw(st.sampled_from(["", " ", " # note", "x"]))
        lines.append(f"k{index}: [{spaces}{body}{spaces}]{tail}")
    return "\n".join(lines) + "\n"


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(flow_list_texts())
def test_generated_flow_lists_read_the_same_or_go_to_profile_loader(text: str) -> None:
    assert agrees(text)


def _within_limits_value_by_value(root: Any) -> bool:
    """The limit walk as first written, value by value from a stack: the oracle for the
    level-by-level walk fast_profiles now takes."""
    from ingressgen import fast_profiles as fp

    stack: list[tuple[Any, int]] = [(root, 1)]
    count = 0
    while stack:
        value, depth = stack.pop()
        count += 1
        if depth > fp._MAX_DEPTH or count > fp._MAX_VALUES:
            return False
        if isinstance(value, dict):
            count += len(value)
            stack.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)
        elif isinstance(value, int) and not isinstance(value, bool) and abs(value) >= fp._MAX_INT:
            return False
        if isinstance(value, dict):
            if not all(fp._plain_text_in_yaml_1_1(k) for k in value if isinstance(k, str)):
                return False
        elif isinstance(value, str) and not fp._plain_text_in_yaml_1_1(value):
            return False
    return True


_LIMIT_SCALARS = st.one_of(
    st.sampled_from(["a", "on", "1:20", "=", "x y", "", "~", "0x1"]),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.booleans(),
    st.none(),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    document=st.recursive(
        _LIMIT_SCALARS,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4),
            st.dictionaries(st.sampled_from(["a", "b", "on", "1:20", "k"]), inner, max_size=3),
        ),
        max_leaves=40,
    ),
    depth=st.integers(min_value=2, max_value=6),
    values=st.integers(min_value=3, max_value=60),
)
def test_the_limit_walk_agrees_with_the_value_by_value_walk(
    document: Any, depth: int, values: int
) -> None:
    from ingressgen import fast_profiles as fp

    # Small limits, so that both walks often reach them.
    saved = fp._MAX_DEPTH, fp._MAX_VALUES
    fp._MAX_DEPTH, fp._MAX_VALUES = depth, values
    try:
        assert fp._within_limits(document) == _within_limits_value_by_value(document)
    finally:
        fp._MAX_DEPTH, fp._MAX_VALUES = saved
