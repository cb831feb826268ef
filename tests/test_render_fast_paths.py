"""The shortcuts `render` takes for speed change nothing it writes or reports."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from ingressgen import loading, pipeline, profile_rules, rendering
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
