"""Files that would crash, hang or exhaust `validate`: each is a finding for that file, exit 1,
in bounded time and memory. Run in a child process: a regression here is a segmentation fault
or a hang, which must fail one test, not end the whole run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ingressgen.validation.reading.fast_reader import read_documents
from ingressgen.validation.reading.files import MAX_FILE_BYTES

SERVICE = """apiVersion: v1
kind: Service
metadata:
  name: ok
spec:
  ports:
  - port: 80
"""


def validate(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ingressgen", "validate", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_nested_one_line_sequences_are_an_error_not_a_crash(tmp_path: Path) -> None:
    # 40 KB: yaml-rs recursed once per level and the process died (exit 139).
    (tmp_path / "deep.yaml").write_text("- " * 20_000 + "x\n")
    (tmp_path / "good.yaml").write_text(SERVICE)
    result = validate(".", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "deep.yaml:1:" in result.stdout and "nested more than 128 levels" in result.stdout
    assert "1 files could not be read" in result.stdout and "1 valid" in result.stdout


def test_only_one_line_nesting_leaves_the_fast_reader() -> None:
    """Container arguments (`- --port=8080`) keep the fast path; `- - x` goes to PyYAML."""
    args = "args:\n- --port=8080\n- -v\n- '-'\n"
    assert read_documents(args) is not None
    assert read_documents("- - x\n") is None
    assert read_documents("-\t- x\n") is None


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.yaml")
    (tmp_path / "good.yaml").write_text(SERVICE)
    for args in ((".",), ("pipe.yaml",)):
        result = validate(*args, cwd=tmp_path)
        assert result.returncode == 1
        assert "pipe.yaml: not a regular file" in result.stdout


def test_a_device_is_never_read(tmp_path: Path) -> None:
    (tmp_path / "zero.yaml").symlink_to("/dev/zero")
    named = validate("zero.yaml", cwd=tmp_path)
    assert named.returncode == 1 and "zero.yaml: not a regular file" in named.stdout
    # In a folder, links are skipped, as render skips linked profiles.
    (tmp_path / "good.yaml").write_text(SERVICE)
    walked = validate(".", cwd=tmp_path)
    assert walked.returncode == 0 and "zero.yaml" not in walked.stdout


def test_a_file_over_the_limit_is_refused_unread(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    with big.open("wb") as handle:  # sparse: no disk is spent on it
        handle.truncate(MAX_FILE_BYTES + 1)
    result = validate("big.yaml", cwd=tmp_path)
    assert result.returncode == 1
    assert "big.yaml: larger than 64 MiB" in result.stdout


@pytest.mark.parametrize(
    "text",
    [
        "apiVersion: v1\nkind: List\nitems: 5\n",
        "kind: [a]\n",
        "apiVersion: [v1]\nkind: {a: b}\nmetadata: 7\n",
        # Found by the fuzzer: a rule compared the kind, a list, with a set of names.
        "apiVersion: v1\nkind: [Service]\nmetadata: {name: chat}\nspec: {ports: [{port: 80}]}\n",
    ],
)
def test_odd_shapes_are_findings_not_bugs(tmp_path: Path, text: str) -> None:
    (tmp_path / "odd.yaml").write_text(text)
    result = validate("odd.yaml", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "odd.yaml:" in result.stdout and "internal error" not in result.stderr


def _indented(levels: int, entry: str) -> str:
    return "".join(" " * i + entry + "\n" for i in range(levels)) + " " * levels + "x: 1\n"


@pytest.mark.parametrize(
    ("name", "text", "where"),
    [
        # ruamel.yaml (positions for messages) recursed past Python's limit from ~200 levels.
        ("block.yaml", "kind: ConfigMap\ndeep:\n" + _indented(200, " a:"), "block.yaml:130:"),
        ("dashes.yaml", "kind: ConfigMap\ndeep:\n" + _indented(200, " -"), "dashes.yaml:130:"),
        ("flow.yaml", "kind: ConfigMap\ndeep: " + "[" * 5000 + "]" * 5000, "flow.yaml:2:135"),
        # The json module raised RecursionError.
        ("deep.json", "[" * 100_000 + "]" * 100_000, "deep.json:1:129"),
        ("tabs.json", '{"a":\t' * 300 + "1" + "}" * 300, "tabs.json:1:"),
    ],
)
def test_deep_nesting_is_a_finding_located_where_it_passes_the_limit(
    tmp_path: Path, name: str, text: str, where: str
) -> None:
    (tmp_path / name).write_text(text)
    result = validate(name, cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert f"{where}" in result.stdout and "nested more than 128 levels deep" in result.stdout


def test_deep_json_on_standard_input_is_a_finding(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ingressgen", "validate", "-"],
        input="[" * 100_000 + "]" * 100_000,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    assert "<stdin>:1:129: nested more than 128 levels deep" in result.stdout


def test_nesting_up_to_the_limit_is_read_and_located(tmp_path: Path) -> None:
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  bogus: 1\nx:\n"
    (tmp_path / "ok.yaml").write_text(text + _indented(120, " a:"))
    result = validate("ok.yaml", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "ok.yaml:4:3: ConfigMap/a: metadata: Additional properties" in result.stdout


def test_max_file_size_lowers_and_raises_the_limit(tmp_path: Path) -> None:
    (tmp_path / "svc.yaml").write_text(SERVICE)
    lowered = validate("svc.yaml", "--max-file-size", "64", cwd=tmp_path)
    assert lowered.returncode == 1
    assert "svc.yaml: larger than 64 bytes, the most --max-file-size" in lowered.stdout
    assert validate("svc.yaml", "--max-file-size", "1KiB", cwd=tmp_path).returncode == 0
    big = tmp_path / "big.yaml"
    with big.open("wb") as handle:  # sparse, and never read: only its size is looked at
        handle.truncate(MAX_FILE_BYTES + 1)
    raised = validate("big.yaml", "--max-file-size", "65MiB", cwd=tmp_path)
    assert "larger than" not in raised.stdout


@pytest.mark.parametrize("size", ["0", "12 parsecs", "-5", "2000GiB"])
def test_max_file_size_refuses_what_is_not_a_size(tmp_path: Path, size: str) -> None:
    result = validate("x.yaml", "--max-file-size", size, cwd=tmp_path)
    assert result.returncode == 2 and "--max-file-size" in result.stderr


def test_a_crd_file_is_read_like_a_manifest(tmp_path: Path) -> None:
    (tmp_path / "svc.yaml").write_text(SERVICE)
    os.mkfifo(tmp_path / "pipe.yaml")
    piped = validate("svc.yaml", "--crd", "pipe.yaml", cwd=tmp_path)
    assert piped.returncode == 2 and "pipe.yaml: not a regular file" in piped.stderr
    schema = "{type: object, properties: {a: " * 300 + "{type: string}" + "}}" * 300
    crd = (
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n"
        f"spec:\n  versions:\n  - schema:\n      openAPIV3Schema: {schema}\n"
    )
    (tmp_path / "deep-crd.yaml").write_text(crd)
    deep = validate("svc.yaml", "--crd", "deep-crd.yaml", cwd=tmp_path)
    assert deep.returncode == 2, deep.stderr
    assert "deep-crd.yaml:6:" in deep.stderr and "nested more than 128 levels" in deep.stderr


@pytest.mark.parametrize(
    "api_version_and_kind",
    [
        # Found by the fuzzer: the kind's schema file name grew past the system's limit.
        f"apiVersion: {'x' * 300}\nkind: Service\n",
        # The parts of a kind become file names (its schema, its cache entry): never a path.
        "apiVersion: v1\nkind: ../../../../../tmp/evil\n",
        "apiVersion: ../../x/v1\nkind: Widget\n",
    ],
)
def test_a_kind_that_is_no_name_has_no_schema(tmp_path: Path, api_version_and_kind: str) -> None:
    (tmp_path / "odd.yaml").write_text(api_version_and_kind + "metadata:\n  name: a\n")
    result = validate("odd.yaml", "--validator", "embedded", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "no schema for" in result.stdout and "internal error" not in result.stderr


def test_init_from_service_reads_only_regular_files(tmp_path: Path) -> None:
    """`init --from-service /dev/zero` read until the memory ran out."""
    os.mkfifo(tmp_path / "pipe.yaml")
    for name in ("/dev/zero", "pipe.yaml"):
        result = subprocess.run(
            [sys.executable, "-m", "ingressgen", "init", "--from-service", name],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 2
        assert f"error: {name}: not a regular file" in result.stderr
