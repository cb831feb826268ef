"""Fuzzing: valid profiles and manifests, mutated (cut short, nested deep, given huge scalars,
wrong types at any path, random bytes, random Unicode), never make the tool crash. Every run
ends with exit 0, 1 or 2, no traceback, and messages of bounded length.

The CLI runs in-process (as users run it, minus the process start). The number of examples
comes from tests/hypothesis_profiles.py: more in CI, fewer locally. Every crash this found is
fixed, and kept as an example below (`@example`) or in test_hostile_*.py.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import example, given
from hypothesis import strategies as st

from ingressgen.cli import main
from tests.conftest import CLOUDFLARE_PROFILE, METALLB_PROFILE, working_folder
from tests.hypothesis_profiles import FUZZ

LONGEST_LINE = 2500  # messages cut values at 200 characters and themselves at 2,000

MANIFESTS: list[dict[str, Any]] = [
    {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "chat", "namespace": "apps", "labels": {"app": "chat"}},
        "spec": {
            "type": "LoadBalancer",
            "selector": {"app": "chat"},
            "ports": [{"name": "ws", "port": 80, "targetPort": 8080, "protocol": "TCP"}],
        },
    },
    {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "chat"},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "chat"}},
            "template": {
                "metadata": {"labels": {"app": "chat"}},
                "spec": {
                    "containers": [
                        {
                            "name": "chat",
                            "image": "example/chat:1.0",
                            "args": ["--port=8080"],
                            "ports": [{"containerPort": 8080}],
                            "resources": {"limits": {"memory": "256Mi", "cpu": "500m"}},
                        }
                    ]
                },
            },
        },
    },
    {
        "apiVersion": "v1",
        "kind": "List",
        "items": [
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}, "data": {"k": "v"}}
        ],
    },
    {
        "apiVersion": "metallb.io/v1beta1",
        "kind": "IPAddressPool",
        "metadata": {"name": "public", "namespace": "metallb-system"},
        "spec": {"addresses": ["203.0.113.0/28"]},
    },
]

ODD_VALUES = [
    None, True, False, 0, -1, 2**63, -(2**70), 1.5, float("inf"), "", "x", "0x1F", "1:20",
    "yes", "~", [], {}, [1, [2, [3]]], {"a": {"b": None}}, ["x"] * 50,
]  # fmt: skip


@pytest.fixture(scope="module")
def folder() -> Iterator[Path]:
    with working_folder("ingressgen-fuzz-") as path:
        yield path


def run_cli(*args: str) -> tuple[int, str, str]:
    """Exit code, stdout and stderr, the CLI run in this process."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(list(args))
        except SystemExit as exited:
            code = exited.code if isinstance(exited.code, int) else 1
        else:  # pragma: no cover - main always exits
            code = 0
    return code, out.getvalue(), err.getvalue()


def assert_no_crash(code: int, out: str, err: str, *, json_report: bool = False) -> None:
    """Exit 0, 1 or 2, no traceback, and no message longer than messages are cut to (in a JSON
    report, its "message" fields: the objects' names and kinds there are data, kept whole)."""
    assert code in (0, 1, 2), err[-3000:]
    assert "Traceback" not in err and "internal error" not in err, err[-3000:]
    lines = err.splitlines()
    if json_report and out.startswith("{"):
        lines += list(_messages(json.loads(out)))
    else:
        lines += out.splitlines()
    longest = max((len(line) for line in lines), default=0)
    assert longest <= LONGEST_LINE, f"a message of {longest} characters"


def _messages(report: Any) -> Iterator[str]:
    if isinstance(report, dict):
        for key, value in report.items():
            if key == "message" and isinstance(value, str):
                yield value
            else:
                yield from _messages(value)
    elif isinstance(report, list):
        for value in report:
            yield from _messages(value)


# ---------------------------------------------------------------- mutations


def paths_of(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value in a document, the root's () included."""
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found.extend(paths_of(child, (*prefix, key)))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found.extend(paths_of(child, (*prefix, index)))
    return found


def replaced(document: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    copy: Any = dict(document) if isinstance(document, dict) else list(document)
    copy[path[0]] = replaced(document[path[0]], path[1:], new)
    return copy


def nested(value: Any, levels: int, as_list: bool) -> Any:
    for _ in range(levels):
        value = [value] if as_list else {"n": value}
    return value


@st.composite
def mutated_document(draw: st.DrawFn, documents: list[dict[str, Any]]) -> Any:
    """A document with one value replaced: by an odd value of any type, a huge scalar, or the
    value itself nested deep."""
    document = draw(st.sampled_from(documents))
    path = draw(st.sampled_from(paths_of(document)))
    current: Any = document
    for part in path:
        current = current[part]
    new = draw(
        st.one_of(
            st.sampled_from(ODD_VALUES),
            st.integers(min_value=1, max_value=200_000).map(lambda n: "x" * n),
            st.integers(min_value=1, max_value=300).map(lambda n: nested(current, n, True)),
            st.integers(min_value=1, max_value=300).map(lambda n: nested(current, n, False)),
            st.text(max_size=30),
        )
    )
    return replaced(document, path, new)


def as_yaml(document: Any) -> str:
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=10_000)


@st.composite
def mutated_text(
    draw: st.DrawFn, documents: list[dict[str, Any]], most_digits: int = 6000
) -> bytes:
    """The YAML text of a document (maybe already mutated), then changed as text: cut short,
    bytes or Unicode put in, a number made thousands of digits long, brackets opened deep."""
    text = as_yaml(draw(st.one_of(st.sampled_from(documents), mutated_document(documents))))
    data = text.encode()
    where = draw(st.integers(min_value=0, max_value=len(data)))
    change = draw(st.sampled_from(["cut", "bytes", "unicode", "digits", "brackets", "none"]))
    if change == "cut":
        return data[:where]
    if change == "bytes":
        return data[:where] + draw(st.binary(min_size=1, max_size=40)) + data[where:]
    if change == "unicode":
        inserted = draw(st.text(min_size=1, max_size=40)).encode("utf-8", "surrogatepass")
        return data[:where] + inserted + data[where:]
    if change == "digits":
        digits = draw(st.integers(min_value=1, max_value=most_digits))
        return data.replace(b": ", b": " + b"9" * digits + b" #", 1)
    if change == "brackets":
        depth = draw(st.integers(min_value=1, max_value=3000))
        return data[:where] + b"[" * depth + data[where:]
    return data


# ---------------------------------------------------------------- profiles

PROFILES = [METALLB_PROFILE, CLOUDFLARE_PROFILE]


@FUZZ
@given(data=mutated_text(PROFILES))
@example(data=b"- " * 20_000 + b"x\n")
@example(data=as_yaml(METALLB_PROFILE).encode().replace(b"port: 8080", b"port: " + b"9" * 5000))
@example(data=b"\xff\xfe" + as_yaml(METALLB_PROFILE).encode("utf-16-le"))
def test_a_mutated_profile_never_crashes_render(folder: Path, data: bytes) -> None:
    (folder / "profile.yaml").write_bytes(data)
    shutil.rmtree(folder / "out", ignore_errors=True)
    code, out, err = run_cli("render", "profile.yaml", "--out", "out")
    assert_no_crash(code, out, err)
    if code == 2:
        assert not (folder / "out").exists()


@FUZZ
@given(document=mutated_document(PROFILES))
def test_a_profile_with_a_wrong_value_anywhere_never_crashes(folder: Path, document: Any) -> None:
    (folder / "profile.yaml").write_text(as_yaml(document))
    shutil.rmtree(folder / "out", ignore_errors=True)
    code, out, err = run_cli("render", "profile.yaml", "--out", "out", "-o", "json")
    assert_no_crash(code, out, err, json_report=True)


# ---------------------------------------------------------------- manifests


# Integers past Python's 4,300-digit conversion limit included: the readers refuse them as
# kubectl does (more digits than a float64 holds) before any conversion.
@FUZZ
@given(data=mutated_text(MANIFESTS))
@example(data=b"apiVersion: v1\nkind: List\nitems: 5\n")
@example(data=b"kind: [a]\n")
@example(data=b"metadata:\n  name: 0x" + b"f" * 3600 + b"\n")
@example(data=b"".join(b" " * i + b"a:\n" for i in range(300)) + b" " * 300 + b"b: 1\n")
def test_a_mutated_manifest_never_crashes_validate(folder: Path, data: bytes) -> None:
    (folder / "manifest.yaml").write_bytes(data)
    code, out, err = run_cli("validate", "manifest.yaml", "--validator", "embedded")
    assert_no_crash(code, out, err)


@FUZZ
@given(document=mutated_document(MANIFESTS), output=st.sampled_from(["text", "json", "github"]))
def test_a_mutated_json_manifest_never_crashes_validate(
    folder: Path, document: Any, output: str
) -> None:
    (folder / "manifest.json").write_text(json.dumps(document))
    code, out, err = run_cli("validate", "manifest.json", "--validator", "embedded", "-o", output)
    assert_no_crash(code, out, err, json_report=output == "json")
