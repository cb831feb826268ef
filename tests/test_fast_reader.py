"""The fast manifest reader answers only when it reads exactly what loader.py reads."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ingressgen.validation.reading import fast_reader
from ingressgen.validation.reading.documents import Document
from ingressgen.validation.reading.fast_reader import read_documents
from ingressgen.validation.reading.loader import read_yaml

REPOSITORY = Path(__file__).resolve().parent.parent


def slow(text: str) -> list[Document] | None:
    """What loader.py reads, or None when it refuses the text."""
    try:
        return read_yaml(text.encode())
    except yaml.YAMLError:
        return None


def same(fast: list[Document], slow: list[Document] | None) -> bool:
    """The same documents, index, line and value, down to key order and int-versus-bool: the
    caller skips empty documents, so their line does not matter."""

    def shown(documents: list[Document]) -> list[tuple[int, int, str]]:
        return [(d.position, d.line, repr(d.value)) for d in documents if d.value is not None]

    return slow is not None and shown(fast) == shown(slow)


@pytest.mark.parametrize(
    "text",
    [
        "a: yes\n",  # a bool in YAML 1.1, a string in 1.2
        "a: off\n",
        "a: 0644\n",  # octal in 1.1: 420, not 644
        "a: -012\n",
        "a: 0o17\n",  # a string in 1.1
        "a: 1e3\n",  # a string in 1.1, a float in 1.2
        "a: 0.5\n",  # floats are left to loader.py whatever their form
        "a: _1\n",  # text for go-yaml, 1 for yaml-rs
        "- 010\n",
        "a: 99999999999999999999\n",  # a float for go-yaml, every digit for yaml-rs
        "a: y\n",  # a bool for kubectl
        "1: a\n",  # keys become strings in loader.py
        "on: a\n",
        "a: !!str 3\n",
        "a: &x b\nc: *x\n",
        "base: &b {x: 1}\nd:\n  <<: *b\n",
        "a: {b: 1}\n",
        "a: [1, 2]\n",
        "? a\n: b\n",
        "a : b\n",
        "%YAML 1.1\n---\na: 1\n",
        "a: 1\n...\n",
        "--- |\n  text\n",
        "---a: 1\n",
        "a:\tb\n",
        "a: b\r\nc: d\r\n",
        'a: "\\/"\n',  # an escape YAML 1.2 has and 1.1 refuses
        "\ufeffa: 1\n",
        "a: b\u2028c\n",  # a line break in YAML 1.1 only
        "a: b\x85c\n",
        "a: \x07\n",
        "a: 1\na: 2\n",  # a duplicate key: loader.py refuses it, with its line
        "a: [\n",
        "a: |\n  no line break at the end",
        "a: |\n  \n",  # yaml-rs reads a line break here, YAML an empty string
    ],
)
def test_anything_read_differently_is_left_to_the_loader(text: str) -> None:
    assert read_documents(text.encode()) is None


def test_text_that_is_not_utf8_is_left_to_the_loader() -> None:
    assert read_documents("a: b\n".encode("utf-16")) is None
    assert read_documents(b"a: \xff\n") is None


@pytest.mark.parametrize(
    "text",
    [
        "",
        "# only a comment\n",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  PORT: '8080'\n",
        'env:\n  - name: DEBUG\n    value: "true"\n  - name: EMPTY\n    value: ""\n',
        "a: ~\nb: null\nc:\nd: true\ne: False\nf: -3\ng: +4\nh: 1_000\ni: 0\n",
        "a: 1:20\nb: =\nc: a_1\nd: 9223372036854775807\n",  # text for kubectl and yaml-rs
        "when: 2024-11-27\nat: 2024-11-27T23:59:59Z\n",
        "text: |\n  line one\n    indented\n\n  last\nfolded: >-\n  a\n  b\n",
        "plain: a\n  continued\nquoted: 'it''s'\nempty: {}\nnone: []\n",
        "name: caf\u00e9 \u2603\n",
        "image: registry.example.com/app:1.0.1\nhost: app-1.example.com\nurl: http://x:80/y\n",
        "  indented: root\n  second: key\n",
        "- a\n- b: c\n  d: e\n",
        "# header\n\n---\na: 1\n--- # second\n\n# comment\nb: 2\n---\n---\nc: 3\n",
        "a: 1\n---\n",
        "---\n",
        "a: 1\n---   \nb: 2",
    ],
)
def test_reads_what_the_loader_reads(text: str) -> None:
    fast = read_documents(text.encode())
    assert fast is not None, "expected the fast path to take this text"
    assert same(fast, slow(text))


def test_documents_count_empty_ones_and_start_at_their_first_content_line() -> None:
    text = "# header\n---\n---\n\n# about b\nb: 2\n"
    assert read_documents(text.encode()) == [Document(0, 0, None), Document(1, 6, {"b": 2})]


def test_validate_imports_pyyaml_only_for_texts_the_fast_reader_leaves(tmp_path: Path) -> None:
    """PyYAML's import is a tenth of a `validate` run on the benchmark corpus."""
    (tmp_path / "fast.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n")
    (tmp_path / "slow.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n")
    program = (
        "import sys\n"
        "from pathlib import Path\n"
        "from ingressgen.validation.manifests import validate_manifests\n"
        "run = validate_manifests([Path(sys.argv[1])], '1.33')\n"
        "print(sum(len(f.objects) for f in run.files), 'yaml' in sys.modules)\n"
    )

    def objects_and_pyyaml(path: Path) -> str:
        command = [sys.executable, "-c", program, str(path)]
        return subprocess.run(command, capture_output=True, text=True, check=True).stdout.split()

    assert objects_and_pyyaml(tmp_path / "fast.yaml") == ["1", "False"]
    (tmp_path / "slow.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n")
    assert objects_and_pyyaml(tmp_path / "slow.yaml") == ["1", "True"]


@pytest.mark.parametrize("lead", ["", "# comment\n", "first: document\n"])
@pytest.mark.parametrize("per_piece", [1, 2, 4, 7])
def test_pieces_of_a_stream_read_as_the_whole_stream(lead: str, per_piece: int) -> None:
    text = lead + "".join(f"---\n# {i}\nname: app-{i}\nport: {i}\n" for i in range(23))
    pieces = fast_reader.stream_pieces(text, per_piece)
    assert pieces is not None and pieces[0][0] == 0 and pieces[-1][1] == len(text)
    read = []
    for start, end, first, line in pieces:
        for document in read_documents(text[start:end]) or []:
            if document.value is not None:
                read.append(
                    Document(document.position + first, document.line + line - 1, document.value)
                )
    assert read == [d for d in read_yaml(text) if d.value is not None]


def test_streams_that_must_be_read_whole_are_not_cut() -> None:
    assert fast_reader.stream_pieces("a: 1\n", 1) is None
    assert fast_reader.stream_pieces("---\na: 1\n", 1) is None
    assert fast_reader.stream_pieces("%YAML 1.1\n---\na: 1\n---\nb: 2\n", 1) is None
    assert fast_reader.stream_pieces("a: 1\n...\n---\nb: 2\n", 1) is None


def test_without_yaml_rs_every_text_goes_to_the_loader(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fast_reader, "yaml_rs", None)
    assert read_documents(b"a: 1\n") is None


def test_the_benchmark_corpus_takes_the_fast_path() -> None:
    """bench/bench_validate.py measures this path: every manifest of its corpus must take it."""
    sys.path.insert(0, str(REPOSITORY / "bench"))
    try:
        from manifest_corpus import KINDS
    finally:
        sys.path.pop(0)
    for template in KINDS.values():
        text = template.format(i=7, team=3)
        fast = read_documents(text.encode())
        assert fast is not None, text
        assert same(fast, slow(text))


def test_the_committed_output_takes_the_fast_path() -> None:
    """What ingressgen renders is read fast when a pipeline validates it, and read the same."""
    paths = sorted((REPOSITORY / "out").rglob("*.yaml"))
    assert paths
    for path in paths:
        text = path.read_text()
        fast = read_documents(text.encode())
        assert fast is not None, path
        assert same(fast, slow(text)), path


# Generated texts: mappings, lists and scalars written in every style, with the tokens on which
# YAML 1.1 and 1.2 disagree, comments, blank lines and document markers between documents.
TRICKY_WORDS = [
    *("yes", "No", "ON", "off", "y", "n", "true", "False", "TRUE", "null", "Null", "~", ""),
    *("0", "7", "-3", "+4", "010", "0644", "0o17", "0x1F", "0b101", "1_000", "1:20", "190:20:30"),
    *("1e3", "1.5e3", "1.5e+3", "0.5", ".5", "1.", ".inf", "-.Inf", ".NaN", "=", "<<"),
    *("_1", "1_", "+_1", "08", "99999999999999999999", "-9223372036854775809", "0x_1F"),
    *("2024-01-01", "2024-01-01T10:00:00Z", "8080", "a b", "a:b", "a #b", "http://x:80/"),
    *("caf\u00e9", "x\u2028y", "-", "--", "---", "...", "@x", "`x", "%x", "!x", "&x", "*x"),
    *("?x", "? x", ":x", "a: b", "{}", "[]", "{a: 1}", "[1, 2]", "a\\b", "\t", "'", '"'),
    *("a\nb", "a\n\nb", "\n", " ", " a", "a\n", "a\n\n", "  x\n y", "x\n  y\nz", "#x"),
]
# Words that mostly take the fast path, so that its answers get compared often.
ORDINARY_WORDS = [
    *("name", "app", "80", "8080", "-1", "true", "null", "", "a b", "x.y", "app-1", "v1", "/"),
    *("a\nb", "a\n\nb", " a", "a\n", "a\n\n", "  x\n y", "x\n  y\nz", "caf\u00e9", "*.a"),
]
any_words = st.sampled_from(TRICKY_WORDS) | st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=6
)
ordinary_words = st.sampled_from(ORDINARY_WORDS)
ordinary_keys = st.sampled_from(["name", "app", "a b", "x.y", "app-1", "k8s.io/name", "caf\u00e9"])


def scalar_text(word: str, style: str, indent: int = 0) -> str:
    """The word as a YAML scalar; lines after the first indented under the key."""
    if style == "single":
        word = "'" + word.replace("'", "''") + "'"
    elif style == "double":
        word = '"' + word.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return word.replace("\n", "\n" + " " * (indent + 2))


def node_lines(node: Any, indent: int) -> list[str]:
    """Block-style lines of a generated node (a list, a dict as a list of pairs, or a scalar)."""
    pad = " " * indent
    kind, content = node
    lines: list[str] = []
    if kind == "map":
        for (key, key_style), value in content:
            head = f"{pad}{scalar_text(key, key_style)}:"
            lines.extend(attach(head, value, indent))
    else:
        for value in content:
            lines.extend(attach(f"{pad}-", value, indent))
    return lines


def attach(head: str, value: Any, indent: int) -> list[str]:
    kind, content = value
    if kind == "scalar":
        word, style = content
        if style in BLOCK_HEADERS:
            body = (f"{' ' * (indent + 2)}{line}" for line in word.split("\n"))
            return [f"{head} {BLOCK_HEADERS[style]}", *body]
        return [f"{head} {scalar_text(word, style, indent)}"]
    return [head, *node_lines(value, indent + 2)]


BLOCK_HEADERS = {"literal": "|", "keep": "|+", "strip": "|-", "folded": ">", "folded+": ">+"}
styles = st.sampled_from(["plain", "plain", "single", "double", *BLOCK_HEADERS])
key_styles = st.sampled_from(["plain", "single", "double"])


def nodes(keys: st.SearchStrategy[str], words: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    return st.recursive(
        st.tuples(st.just("scalar"), st.tuples(words, styles)),
        lambda children: (
            st.tuples(
                st.just("map"),
                st.lists(st.tuples(st.tuples(keys, key_styles), children), min_size=1, max_size=4),
            )
            | st.tuples(st.just("list"), st.lists(children, min_size=1, max_size=4))
        ),
        max_leaves=12,
    )


any_trees = nodes(any_words, any_words).filter(lambda node: node[0] != "scalar")
ordinary_trees = nodes(ordinary_keys, ordinary_words).filter(lambda node: node[0] != "scalar")
separators = st.sampled_from(["---", "--- # next", "---  ", "# comment", "", "...", "---\n---"])


@st.composite
def streams(draw: st.DrawFn, trees: st.SearchStrategy[Any]) -> str:
    parts: list[str] = []
    for _ in range(draw(st.integers(1, 3))):
        if parts or draw(st.booleans()):
            parts.append(draw(separators))
        node = draw(trees)
        parts.extend(node_lines(node, draw(st.sampled_from([0, 0, 2]))))
    return "\n".join(parts) + draw(st.sampled_from(["\n", "\n", "", "\n\n"]))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(streams(any_trees))
@example("a: 0644\n")
@example('a: "0644"\nb: 0x1F\n')
@example("a: 1\n---\nb: [x]\n")
def test_generated_streams_read_the_same_or_go_to_the_loader(text: str) -> None:
    fast = read_documents(text.encode())
    if fast is not None:
        assert same(fast, slow(text)), (fast, slow(text))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(streams(ordinary_trees))
def test_generated_ordinary_streams_read_the_same_or_go_to_the_loader(text: str) -> None:
    fast = read_documents(text.encode())
    if fast is not None:
        assert same(fast, slow(text)), (fast, slow(text))
