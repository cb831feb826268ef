"""Positions from PyYAML's C composer answer only when they are exactly ruamel.yaml's."""

from __future__ import annotations

import marshal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from ingressgen.fast_positions import FastStream, skeletons
from ingressgen.yaml_io import ParsedStream, SourcePositions, _start, locate_in_tree

REPOSITORY = Path(__file__).resolve().parent.parent
Path_ = tuple[str | int, ...]


def ruamel_documents(text: str) -> list[Any]:
    try:
        return list(YAML(typ="rt").load_all(text))
    except YAMLError:
        return []


def ruamel_locate(documents: list[Any], index: int, path: Path_, at_key: bool) -> Any:
    """What SourcePositions answered before the fast path: ruamel.yaml alone."""
    if index >= len(documents) or documents[index] is None:
        return None
    root = documents[index]
    return locate_in_tree(root, path, at_key=at_key) or _start(root)


def paths(node: Any, prefix: Path_ = ()) -> Iterator[Path_]:
    """Every path of the tree, plus paths that leave it (a missing key, an index too far)."""
    yield prefix
    yield (*prefix, "missing")
    yield (*prefix, 7)
    if isinstance(node, CommentedMap):
        for key, value in node.items():
            if isinstance(key, str | int):
                yield from paths(value, (*prefix, key))
                yield (*prefix, key, "deeper", 0)
    elif isinstance(node, CommentedSeq):
        for index, item in enumerate(node):
            yield from paths(item, (*prefix, index))
        yield (*prefix, len(node))


def compare(text: str) -> int:
    """Check every path of every document; return how many the fast path answered."""
    documents = ruamel_documents(text)
    fast = FastStream(text)
    ready = skeletons(text)
    # The skeletons as render's worker hands them over (prefetch.py): through marshal.
    carried = FastStream(text, marshal.loads(marshal.dumps(ready))) if ready is not None else None
    stream = ParsedStream(text)
    answered = 0
    for index in range(len(documents) + 1):
        for path in set(paths(documents[index])) if index < len(documents) else {()}:
            for at_key in (False, True):
                quick = fast.locate(index, path, at_key=at_key)
                if carried is not None:
                    assert carried.locate(index, path, at_key=at_key) == quick, (text, path)
                if quick is not None:
                    answered += 1
                    assert quick == ruamel_locate(documents, index, path, at_key), (text, path)
                through = stream.locate(index, path, at_key=at_key)
                assert through == ruamel_locate(documents, index, path, at_key), (text, path)
    return answered


def repository_texts() -> list[Path]:
    folders = [REPOSITORY / "profiles", REPOSITORY / "tests", REPOSITORY / "integrations"]
    return sorted(p for folder in folders for p in folder.rglob("*.y*ml") if p.is_file())


@pytest.mark.parametrize("file", repository_texts(), ids=lambda p: p.name)
def test_every_yaml_file_of_the_repository(file: Path) -> None:
    compare(file.read_text(encoding="utf-8", errors="replace"))


def test_the_committed_profiles_take_the_fast_path() -> None:
    """The point of it: plain profiles never wait for ruamel.yaml."""
    profiles = sorted((REPOSITORY / "profiles").glob("*.yaml"))
    assert profiles
    for profile in profiles:
        assert compare(profile.read_text(encoding="utf-8")) > 0, profile


@pytest.mark.parametrize(
    "text",
    [
        "a: &x 1\nb: *x\n",  # aliases share nodes
        "a: !!str 1\n",  # tags
        "? a\n: 1\n",  # complex keys
        "base: &b {x: 1}\nd:\n  <<: *b\n",  # merge keys
        "a: 1\na: 2\n",  # ruamel.yaml refuses duplicate keys: no position at all
        "a: 1\n'a': 2\n",
        "1: a\n",  # an int key in both readers
        "true: a\n",
        "on: a\n",  # a bool in YAML 1.1, a string in 1.2
        "a:\tb\n",
        "a: b\r\nc: d\r\n",
        "a: caf\u00e9\n",
        "a: x\u2028y\n",  # a line break in YAML 1.1 only
        "- a\n- b\n",  # a sequence document
        "just text\n",
        "",
        "a: [1, 2\n",  # not YAML
    ],
)
def test_doubtful_texts_are_left_to_ruamel(text: str) -> None:
    assert compare(text) == 0
    assert FastStream(text).locate(0, ("a",)) is None


def test_a_located_profile_error_is_unchanged(tmp_path: Path) -> None:
    text = "apiVersion: v1\nspec:\n  ports:\n    - port: 80\n      name: web\n"
    positions = SourcePositions("p.yaml", text)
    located = positions.locate(("spec", "ports", 0, "name"))
    assert (located.line, located.column) == (5, 13)
    key = positions.locate(("spec", "ports", 0, "name"), at_key=True)
    assert (key.line, key.column) == (5, 7)


# ---- generated documents: every style a profile may be written in ----

_names = st.sampled_from(
    ["a", "spec", "metadata", "name", "app.kubernetes.io/name", "x_y", "port", "yes", "1", "null"]
)
_plain = st.sampled_from(
    ["web", "8080", "true", "1.5", "", "~", "a b", "10.0.0.0/16", "x-y", "0x1F", "https://h/p"]
)


def _scalar(value: str) -> st.SearchStrategy[str]:
    return st.sampled_from([value, f'"{value}"', f"'{value}'"])


def _key(name: str) -> st.SearchStrategy[str]:
    return st.sampled_from([name, f'"{name}"', f"'{name}'"])


@st.composite
def _block(draw: st.DrawFn, indent: int, depth: int) -> str:
    pad = " " * indent
    kind = draw(st.sampled_from(["map", "seq", "flow"] if depth < 3 else ["map"]))
    lines: list[str] = []
    if kind == "flow":
        items = draw(st.lists(_plain, min_size=0, max_size=3))
        return " [" + ", ".join(items) + "]\n"
    count = draw(st.integers(1, 4))
    for _ in range(count):
        if draw(st.booleans()) and draw(st.booleans()):
            lines.append(pad + "# a comment\n")
        if draw(st.integers(0, 5)) == 0:
            lines.append("\n")
        head = f"{pad}- " if kind == "seq" else pad + draw(_key(draw(_names))) + ":"
        nested = depth < 3 and draw(st.integers(0, 2)) == 0
        if nested and kind == "map":
            sub_indent = indent + draw(st.sampled_from([0, 2, 4]))
            lines.append(head + "\n" + draw(_block(sub_indent, depth + 1)).lstrip("\n"))
        elif nested:
            lines.append(head + "\n" + draw(_block(indent + 2, depth + 1)))
        elif draw(st.integers(0, 6)) == 0:
            lines.append(head + " |\n" + pad + "  line one\n" + pad + "  line two\n")
        else:
            value = draw(_plain)
            text = draw(_scalar(value)) if value else ""
            comment = " # why" if draw(st.integers(0, 4)) == 0 else ""
            sep = " " if text or kind == "seq" else ""
            lines.append(f"{head}{sep}{text}{comment}\n")
    return "".join(lines)


@st.composite
def _stream(draw: st.DrawFn) -> str:
    documents = draw(st.lists(_block(0, 0), min_size=1, max_size=3))
    start = draw(st.sampled_from(["", "---\n", "# header\n"]))
    return start + "---\n".join(d if not d.startswith(" [") else "a:" + d for d in documents)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_stream())
def test_generated_documents(text: str) -> None:
    compare(text)


def test_a_tree_dropped_from_the_recent_ones_is_composed_again() -> None:
    from ingressgen import fast_positions

    first = FastStream("a:\n  b: 1\n")
    assert first.locate(0, ("a", "b")) == (1, 5)
    for index in range(fast_positions._RECENT_LIMIT + 5):
        FastStream(f"k{index}: v\n").locate(0, (f"k{index}",))
    assert first not in fast_positions._RECENT
    assert first.locate(0, ("a", "b")) == (1, 5)
    assert len(fast_positions._RECENT) <= fast_positions._RECENT_LIMIT
