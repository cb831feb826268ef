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
        "port: 1:20\n",
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


def test_the_committed_and_benchmark_profiles_read_the_same(tmp_path: Path) -> None:
    """Most take the fast path; a flow list (`addresses: ["10.0.0.0/16"]`) sends a text to
    ProfileLoader, as fast_reader.py leaves every non-empty flow collection to PyYAML."""
    import sys

    sys.path.insert(0, str(BENCH))
    from corpus import generate

    generate(tmp_path, 6)
    files = [*sorted((REPOSITORY / "profiles").glob("*.yaml")), *sorted(tmp_path.glob("*.yaml"))]
    texts = [file.read_text(encoding="utf-8") for file in files]
    assert all(map(agrees, texts))
    fast = [text for text in texts if read_profile_documents(text) is not None]
    assert len(fast) * 2 >= len(texts)


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
