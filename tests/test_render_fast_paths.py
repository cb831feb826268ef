"""The shortcuts `render` takes for speed change nothing it writes or reports."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingressgen import loading, names, pipeline, profile_rules, rendering
from tests.conftest import Result

REPOSITORY = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPOSITORY / "bench"))
from corpus import generate  # noqa: E402


def files_of(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.mark.usefixtures("private_cache")
def test_fast_and_slow_reading_render_the_same_bytes_and_notes(
    workdir: Path, run: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    generate(workdir / "corpus", 30)
    shutil.copytree(REPOSITORY / "profiles", workdir / "committed")
    results = {}
    for name, threshold in (("fast", 0), ("slow", 10**9)):
        monkeypatch.setattr(loading, "FAST_READING_FROM", threshold)
        monkeypatch.setattr(pipeline, "FAST_READING_FROM", threshold)
        result = run("render", "corpus", "committed", "--out", name)
        assert result.code == 0, result.err
        results[name] = (files_of(workdir / name), result.err)
    assert results["fast"] == results["slow"]


@pytest.mark.usefixtures("private_cache")
def test_compiled_templates_are_cached_and_a_torn_entry_is_recompiled(
    workdir: Path, run: Callable[..., Result], private_cache: Path
) -> None:
    shutil.copy(REPOSITORY / "profiles/messaging-service.yaml", workdir / "one.yaml")
    rendering.environment.cache_clear()
    assert run("render", "one.yaml", "--out", "first").code == 0
    entries = sorted((private_cache / "ingressgen" / "templates").rglob("*"))
    compiled = [entry for entry in entries if entry.is_file()]
    assert compiled
    for entry in compiled:
        entry.write_bytes(entry.read_bytes()[:20])  # as if a crash had cut it short
    rendering.environment.cache_clear()
    assert run("render", "one.yaml", "--out", "second").code == 0
    assert files_of(workdir / "first") == files_of(workdir / "second")
    rendering.environment.cache_clear()


@pytest.mark.parametrize(
    "value",
    [
        "-----BEGIN RSA PRIVATE KEY-----",
        "eyJhIjoi" + "A" * 30,
        "AKIA" + "A" * 16,
        "PassWord = hunter22",
        "api-key: abcdef",
    ],
)
def test_the_secret_prefilter_finds_every_shape(value: str) -> None:
    assert profile_rules._ANY_SECRET_SHAPE.search(value)
    assert any(shape.search(value) for _, shape in profile_rules.SECRET_SHAPES)


_SECRETISH = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "-----BEGIN RSA PRIVATE KEY-----",
                "eyJhIjoi" + "A" * 20,
                "AKIA",
                "A" * 16,
                "password",
                "token: ",
                "=",
                ":",
                " ",
                "abcd",
                "x",
                "é",
            ]
        ),
        st.text(max_size=4),
    ),
    max_size=6,
).map("".join)


@settings(max_examples=1000, deadline=None)
@given(st.lists(_SECRETISH, max_size=5))
def test_the_joined_secret_search_misses_no_value(values: list[str]) -> None:
    """One search over a profile's values joined by NUL finds whatever a search of each value
    would: it may only add false alarms, which the search value by value then settles."""
    if any(profile_rules._ANY_SECRET_SHAPE.search(value) for value in values):
        assert profile_rules._ANY_SECRET_SHAPE.search(profile_rules.JOINT.join(values))


@settings(max_examples=1000, deadline=None)
@given(
    st.one_of(
        st.text(max_size=12),
        st.text(alphabet="0123456789.:abcdef%", max_size=20),
        st.ip_addresses().map(str),
    )
)
def test_the_ip_address_shortcut_agrees_with_ipaddress(value: str) -> None:
    import ipaddress

    try:
        ipaddress.ip_address(value)
        expected = True
    except ValueError:
        expected = False
    assert names.is_ip_address(value) == expected
