"""Manifests are read as the real kubectl reads them: a differential test.

kubectl turns YAML into JSON with go-yaml v2 (sigs.k8s.io/yaml) before the API server sees it;
ingressgen's two readers (the fast one, yaml-rs, and PyYAML with `goyaml.py`) must give the
same JSON value, or refuse what kubectl refuses. One `kubectl label --local -o json` run (no
cluster needed) reads every case: thousands of plain scalars, as values and as keys, in one
object, and generated whole documents, one file each.
"""

from __future__ import annotations

import itertools
import json
import random
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from ingressgen.validation.reading.fast_reader import read_documents
from ingressgen.validation.reading.files import Unreadable, parse
from ingressgen.validation.reading.goyaml import key_text, plain_scalar
from ingressgen.validation.reading.loader import read_yaml

KUBECTL = shutil.which("kubectl")
pytestmark = pytest.mark.skipif(KUBECTL is None, reason="kubectl is not on PATH")

_BOOLS = [
    form
    for word in ("y", "n", "yes", "no", "on", "off", "true", "false")
    for form in {word, word.capitalize(), word.upper(), word[:-1] + word[-1].upper()}
]
HAND_SCALARS = [
    *_BOOLS,
    *("null", "Null", "NULL", "nULL", "~", "", "none", "None"),
    *("0", "-0", "+0", "7", "010", "0644", "-012", "08", "09.5", "0o17", "0O17", "0o8"),
    *("0x1F", "0X1f", "-0x1F", "+0x1F", "0x", "0xg", "0x_1F", "0b101", "0B1", "-0b101", "0b2"),
    *("1_000", "1__0", "_1", "1_", "+_1", "1_000.5", "0_7", "0b_1"),
    *("9223372036854775807", "9223372036854775808", "-9223372036854775808"),
    *("-9223372036854775809", "18446744073709551615", "18446744073709551616"),
    *("+18446744073709551615", "99999999999999999999", "0xFFFFFFFFFFFFFFFFF", "9" * 400),
    "1" * 5000,
    *("1:20", "190:20:30", "1:20.5", "-1:20", "1:60"),
    *("1e3", "1E3", "1e+3", "1e-3", "1.0e3", "1.5e3", "1.e3", ".5", "+.5", "-.5", "0.0", "-0.0"),
    *("1.", "1.5", "0.1", "1e-400", "1e400", "1e21", "1e20", "123456789.125", "6.02e23", "1e"),
    *(".5_0", "._5", ".5e3", ".e3", ".", "..", "...", "0.", "-.5e-3", "1.2.3", "e3"),
    *(".inf", ".Inf", ".INF", "+.inf", "-.inf", "-.Inf", ".nan", ".NaN", ".NAN", ".nAn"),
    *("inf", "-inf", "nan", "NaN", "Infinity", "+Infinity"),
    *("2024-01-01", "2024-1-1", "2024-01-01T10:00:00Z", "2024-01-01 10:00:00"),
    *("2001-12-14t21:59:43.10-05:00", "20240101", "2024-13-45"),
    *("=", "<<", "a", "a_b", "1a", "+", "-1-", "--1", "0x1G", "1.2e3.4", "x: y"),
]
GENERATED_ALPHABET = "019_+-.xobeE:~"


def plain_scalars() -> list[str]:
    """The hand table, every short text over a number-like alphabet, and longer random ones;
    only texts that YAML reads as one plain scalar of exactly that text."""
    rng = random.Random(12)
    texts = list(HAND_SCALARS)
    for length in (1, 2, 3):
        texts.extend(
            "".join(chars) for chars in itertools.product(GENERATED_ALPHABET, repeat=length)
        )
    texts.extend("".join(rng.choices(GENERATED_ALPHABET, k=rng.randint(4, 9))) for _ in range(600))
    return [text for text in dict.fromkeys(texts) if _is_one_plain_scalar(text)]


def _is_one_plain_scalar(text: str) -> bool:
    try:
        node = yaml.compose(f"v: {text}\n", Loader=yaml.CSafeLoader)
        key_node = yaml.compose(f"{text}: v\n", Loader=yaml.CSafeLoader)
    except yaml.YAMLError:
        return False
    if node is None or key_node is None or len(node.value) != 1 or len(key_node.value) != 1:
        return False
    (_, value), (key, _) = node.value[0], key_node.value[0]
    plain = isinstance(value, yaml.ScalarNode) and not value.style and value.value == text
    return plain and isinstance(key, yaml.ScalarNode) and not key.style and key.value == text


def _object_text(name: str, body_lines: list[str]) -> str:
    head = ["apiVersion: v1", "kind: ConfigMap", "metadata:", f"  name: {name}"]
    return "\n".join(head + body_lines) + "\n"


def _value_text(text: str) -> str:
    return _object_text("value", ["data:", f"  v: {text}"])


def _key_text(text: str) -> str:
    return _object_text("key", ["data:", f"  {text}: v"])


def kubectl_objects(files: list[Path]) -> tuple[dict[str, Any], str]:
    """Every object kubectl read from the files, by name (its label removed), and its errors."""
    assert KUBECTL is not None
    command = [KUBECTL, "label", "--local", "-o", "json", "x=y"]
    for file in files:
        command += ["-f", str(file)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    objects: dict[str, Any] = {}
    decoder, output = json.JSONDecoder(), done.stdout.strip()
    position = 0
    while position < len(output):
        obj, end = decoder.raw_decode(output, position)
        position = end + len(output[end:]) - len(output[end:].lstrip())
        obj["metadata"]["labels"].pop("x")
        if not obj["metadata"]["labels"]:
            del obj["metadata"]["labels"]
        objects[obj["metadata"]["name"]] = obj
    if not objects and done.returncode != 0 and "error parsing" not in done.stderr:
        pytest.skip(f"kubectl label --local does not work here: {done.stderr.strip()[:200]}")
    return objects, done.stderr


def comparable(value: Any) -> str:
    """JSON text that tells true from 1 and 1 from 1.0, with numbers beyond 2**53 as floats:
    kubectl reads those back through a float64 before printing them."""

    def normal(item: Any) -> Any:
        if isinstance(item, bool) or item is None or isinstance(item, str):
            return item
        if isinstance(item, int | float) and abs(item) >= 2**53:
            return float(item)
        if isinstance(item, list):
            return [normal(child) for child in item]
        if isinstance(item, dict):
            return {key: normal(child) for key, child in item.items()}
        return item

    return json.dumps(normal(value), sort_keys=True)


def our_readings(text: str) -> Iterator[tuple[str, Any]]:
    """(reader, value or the exception) for the PyYAML reader, the fast reader when it answers,
    and `parse`, which `validate` uses."""
    try:
        yield "pyyaml", [d.value for d in read_yaml(text) if d.value is not None]
    except yaml.YAMLError as error:
        yield "pyyaml", error
    fast = read_documents(text)
    if fast is not None:
        yield "fast", [d.value for d in fast if d.value is not None]
    try:
        yield "parse", [d.value for d in parse("f.yaml", text.encode()) if d.value is not None]
    except Unreadable as error:
        yield "parse", error


@pytest.fixture(scope="module")
def scalar_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every scalar in one object for kubectl (values in a list, keys in a list of one-key
    mappings), except those our reader refuses: one file each, so kubectl says which it
    refuses."""
    folder = tmp_path_factory.mktemp("scalars")
    scalars = plain_scalars()
    accepted_values, accepted_keys, refused = [], [], {}
    for index, text in enumerate(scalars):
        for role, document in (("value", _value_text(text)), ("key", _key_text(text))):
            try:
                read_yaml(document)
            except yaml.YAMLError:
                path = folder / f"refused-{role}-{index}.yaml"
                path.write_text(document)
                refused[(role, text)] = path
                continue
            (accepted_values if role == "value" else accepted_keys).append(text)
    lines = ["data:", "  values:"]
    lines += [f"  - {text}" for text in accepted_values]
    lines += ["  keys:"] + [f"  - {text}: {number}" for number, text in enumerate(accepted_keys)]
    batch = folder / "batch.yaml"
    batch.write_text(_object_text("scalars", lines))
    objects, errors = kubectl_objects([batch, *refused.values()])
    assert "scalars" in objects, errors
    data = objects["scalars"]["data"]
    keys = [next(iter(pair)) for pair in sorted(data["keys"], key=lambda p: next(iter(p.values())))]
    return {
        "values": dict(zip(accepted_values, data["values"], strict=True)),
        "keys": dict(zip(accepted_keys, keys, strict=True)),
        "refused": refused,
        "errors": errors,
        "count": len(scalars),
    }


def test_the_table_is_large_and_covers_the_forms_the_issue_names(scalar_files: Any) -> None:
    assert scalar_files["count"] > 3000
    for text in ("y", "n", "Y", "0o17", "1:20", "1e3", "1.0e3", "0.0", "=", "<<", "~"):
        assert text in scalar_files["values"] or ("value", text) in scalar_files["refused"]


def test_scalars_read_as_kubectl_reads_them(scalar_files: Any) -> None:
    wrong = []
    for text, expected in scalar_files["values"].items():
        for reader, got in our_readings(_value_text(text)):
            if isinstance(got, Exception) or comparable(got[0]["data"]["v"]) != comparable(
                expected
            ):
                wrong.append((reader, text[:40], expected, got))
    assert not wrong, wrong[:20]


def test_keys_become_the_strings_kubectl_makes(scalar_files: Any) -> None:
    wrong = []
    for text, expected in scalar_files["keys"].items():
        for reader, got in our_readings(_key_text(text)):
            if isinstance(got, Exception) or list(got[0]["data"]) != [expected]:
                wrong.append((reader, text[:40], expected, got))
    assert not wrong, wrong[:20]


def test_what_ingressgen_refuses_kubectl_refuses(scalar_files: Any) -> None:
    """`.inf` and `.nan` values, null keys: kubectl cannot make JSON of them either."""
    refused = scalar_files["refused"]
    assert ("value", ".inf") in refused and ("key", "~") in refused
    for (_, _), path in refused.items():
        assert f"error parsing {path}" in scalar_files["errors"], path.read_text()


# Whole documents: hand-written ones with the constructs manifests use, and generated ones.
HAND_DOCUMENTS = [
    "data:\n  a: &x y\n  b: *x\n  c: &m {k: on}\n  d: *m\n",
    "data:\n  base: &b {a: 1, b: 2}\n  use:\n    <<: *b\n    b: 3\n",
    "data:\n  m: {a: 1, <<: {a: 2, b: 3}, b: 4}\n  l: {<<: [{a: 1}, {a: 2, b: 2}], c: 0}\n",
    "data:\n  a: 1 # a comment\n  # another\n  b: 'y' # quoted\n",
    'data: {a: "1e3", b: 1e3, c: [y, "n", off], d: {? x : 1}}\n',
    "data:\n  text: |\n    line\n    on\n  folded: >-\n    a\n    b\n  keep: |+\n    x\n\n",
    "data:\n  a: !!str 0o17\n  b: !!float 3\n  c: !Custom {x: 1}\n  d: !!binary aGk=\n",
    "data:\n  a: \"tab\\there \\u00e9 \\x41\"\n  b: 'it''s'\n  c: \"\\N\\_\"\n",
    "data:\n  a: 2024-01-01\n  b: 2024-01-01T10:00:00Z\n  c: 1:20\n  d: =\n  e: 0644\n",
    "data:\n  a:\n  b: ~\n  c: null\n  '': empty key\n  'null': quoted\n",
    "spec:\n  replicas: 0x10\n  ports:\n  - port: 8_080\n    name: y\n",
]


def _document(name: str, body: str) -> str:
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n{body}"


WORDS = [
    *("y", "No", "ON", "true", "~", "", "0", "-3", "0644", "0o17", "0x1F", "1_000", "_1"),
    *("1:20", "1e3", "1.5", "0.0", ".5", "=", "2024-01-01", "8080", "a b", "a:b", "a #b"),
    *("caf\u00e9", "-", "x\ny", "99999999999999999999", "{a}", "[1]", "'", '"', "*a", "&a"),
]
STYLES = ["plain", "plain", "plain", "single", "double", "literal", "folded"]


def _scalar(rng: random.Random, word: str, indent: int) -> str:
    style = rng.choice(STYLES)
    if style == "single":
        return "'" + word.replace("'", "''").replace("\n", "\n\n" + " " * indent) + "'"
    if style == "double":
        return json.dumps(word)
    if style in ("literal", "folded"):
        body = "\n".join(" " * indent + line for line in word.split("\n"))
        return ("|" if style == "literal" else ">") + rng.choice(["", "-", "+"]) + "\n" + body
    return word


def _tree(rng: random.Random, depth: int, indent: int) -> list[str]:
    """Block lines of a mapping; its keys differ once kubectl has read them (kubectl keeps the
    last of two equal keys silently, ingressgen refuses them: compared apart)."""
    lines, keys = [], set()
    for _ in range(rng.randint(1, 4)):
        key = _scalar(rng, rng.choice(WORDS[:20]), indent + 2).split("\n")[0]
        if key.startswith(("|", ">")):
            key = "k"
        read = key_text(plain_scalar(key)) if key[:1] not in ("'", '"') else key[1:-1]
        if read in keys:
            continue
        keys.add(read)
        head = " " * indent + f"{key}:"
        if depth > 0 and rng.random() < 0.3:
            lines += [head, *_tree(rng, depth - 1, indent + 2)]
        elif rng.random() < 0.2:
            items = ", ".join(json.dumps(w) if rng.random() < 0.5 else "y" for w in WORDS[:5])
            lines.append(f"{head} [{items}]")
        else:
            lines.append(f"{head} {_scalar(rng, rng.choice(WORDS), indent + 2)}")
    return lines


def generated_documents(count: int) -> list[str]:
    rng = random.Random(7)
    return ["data:\n" + "\n".join(_tree(rng, 2, 2)) + "\n" for _ in range(count)]


def test_whole_documents_read_as_kubectl_reads_them(tmp_path: Path) -> None:
    bodies = HAND_DOCUMENTS + generated_documents(300)
    files = []
    for index, body in enumerate(bodies):
        path = tmp_path / f"d{index}.yaml"
        text = _document(f"d{index}", body)
        if index % 3 == 0:  # a multi-document stream, and a List, as kubectl users write them
            text = f"# lead\n---\n{text}---\n" + _document(f"d{index}-b", "data: {}\n")
        elif index % 3 == 1:
            inner = "\n".join("  " + line for line in text.splitlines())
            text = "apiVersion: v1\nkind: List\nitems:\n-" + inner[1:] + "\n"
        path.write_text(text)
        files.append(path)
    objects, errors = kubectl_objects(files)
    wrong = []
    for index, path in enumerate(files):
        text = path.read_text()
        theirs = None if f"error parsing {path}" in errors else objects.get(f"d{index}")
        for reader, got in our_readings(text):
            if isinstance(got, Exception):
                # A key written twice: kubectl keeps the last; ingressgen says so (a finding).
                if theirs is not None and "duplicate key" not in str(got):
                    wrong.append((reader, text, "refused", str(got)[:200]))
                continue
            ours = got[0]["items"][0] if got[0]["kind"] == "List" else got[0]
            if theirs is None or comparable(ours) != comparable(theirs):
                wrong.append((reader, text, theirs, ours))
    assert not wrong, wrong[:5]
    assert len(objects) > 200  # most generated documents are valid: the test compares values


def test_kubectl_output_reads_back_as_the_strings_it_holds() -> None:
    """What `kubectl create ... --dry-run=client -o yaml` writes (go-yaml quotes what it would
    read as something else) reads back as the same strings, and is valid."""
    assert KUBECTL is not None
    values = [text for text in HAND_SCALARS if len(text) < 100] + ["a: b", "#x", "x\ny", " y"]
    command = [KUBECTL, "create", "configmap", "literals", "--dry-run=client", "-o", "yaml"]
    command += [f"--from-literal=k{index}={text}" for index, text in enumerate(values)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        pytest.skip(f"kubectl create --dry-run=client does not work here: {done.stderr[:200]}")
    expected = {f"k{index}": text for index, text in enumerate(values)}
    for reader, got in our_readings(done.stdout):
        assert not isinstance(got, Exception), (reader, got)
        assert got[0]["data"] == expected, reader
