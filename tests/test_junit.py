"""`-o junit`: well-formed XML of the shape GitLab, Jenkins and Azure read, for validate and
render, deterministic, with user text (control characters included) that cannot break it."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import Result, metallb_profile, write

Run = Callable[..., Result]

# The common JUnit shape (the Ant/Jenkins XSD, as GitLab and Azure read it): the elements this
# report may hold, under which parent, with which attributes; the required ones first.
SHAPE: dict[str, tuple[str | None, set[str], set[str]]] = {
    "testsuites": (None, set(), {"name", "tests", "failures", "errors", "skipped"}),
    "testsuite": ("testsuites", {"name", "tests", "failures", "errors"}, {"skipped"}),
    "testcase": ("testsuite", {"name", "classname"}, {"file", "line"}),
    "failure": ("testcase", {"message"}, {"type"}),
    "error": ("testcase", {"message"}, {"type"}),
    "skipped": ("testcase", set(), {"message"}),
    "system-out": ("testcase", set(), set()),
}
COUNTED = {"failures": "failure", "errors": "error", "skipped": "skipped"}

BAD_FILES = {
    "m/a.yaml": """\
apiVersion: v1
kind: Service
metadata:
  name: "we\\x1b]0;pwned\\x07b\\0<&>]]>"
spec:
  ports:
  - port: "80"
  bogus: 1
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: ok
data:
  k: v
""",
    "m/b.yaml": "a: [\n",
    "m/c.yaml": "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n",
}


def check_shape(root: ET.Element) -> None:
    """Every element where the schema allows it, with its required attributes only those it
    knows, counts that add up, integers where integers go."""
    parents = {child: parent for parent in root.iter() for child in parent}
    for element in root.iter():
        parent, required, optional = SHAPE[element.tag]
        assert (parents[element].tag if element in parents else None) == parent
        assert required <= set(element.attrib) <= required | optional, element.attrib
        for name in ("tests", "failures", "errors", "skipped", "line"):
            if name in element.attrib:
                assert element.attrib[name].isdigit()
    for suite in [root, *root.iter("testsuite")]:
        cases = list(suite.iter("testcase"))
        assert int(suite.attrib["tests"]) == len(cases)
        for attribute, tag in COUNTED.items():
            assert int(suite.attrib[attribute]) == sum(1 for c in cases if c.find(tag) is not None)


def test_validate_junit_has_one_suite_per_file_and_one_case_per_object(
    workdir: Path, run: Run
) -> None:
    write(workdir, BAD_FILES)
    result = run("validate", "m", "-o", "junit", "--skip-kind", "Widget")
    assert result.code == 1  # the same exit code as every format
    assert result.out.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    root = ET.fromstring(result.out)
    check_shape(root)
    assert root.attrib["name"] == "ingressgen validate"
    suites = {s.attrib["name"]: s for s in root.iter("testsuite")}
    assert list(suites) == ["m/a.yaml", "m/b.yaml", "m/c.yaml"]

    service, configmap = suites["m/a.yaml"].findall("testcase")
    assert service.attrib["file"] == "m/a.yaml" and service.attrib["line"] == "1"
    assert configmap.attrib == {
        "classname": "m/a.yaml",
        "name": "ConfigMap/ok",
        "file": "m/a.yaml",
        "line": "10",
    }
    assert list(configmap) == []  # a passing test
    failure = service.find("failure")
    assert failure is not None and failure.attrib["type"] == "schema"
    body = (failure.text or "").splitlines()
    assert any(line.startswith("m/a.yaml:7:11: ") and "spec.ports[0].port" in line for line in body)
    assert any(line.startswith("m/a.yaml:6:3: ") and "bogus" in line for line in body)
    assert any("(metadata-name)" in line for line in body)
    # Control characters are written as text; markup characters survive the round trip.
    assert "\\u001b]0;pwned\\u0007b\\u0000<&>]]>" in service.attrib["name"]
    assert "\x1b" not in result.out and "\x00" not in result.out and "\x07" not in result.out

    [unreadable] = suites["m/b.yaml"].findall("testcase")
    error = unreadable.find("error")
    assert error is not None and "not valid YAML" in error.attrib["message"]
    assert (error.text or "").startswith("m/b.yaml:2:")
    [widget] = suites["m/c.yaml"].findall("testcase")
    assert widget.find("skipped") is not None
    assert root.attrib["failures"] == "1" and root.attrib["errors"] == "1"
    assert run("validate", "m", "-o", "junit", "--skip-kind", "Widget").out == result.out


def test_validate_junit_of_valid_manifests_passes(workdir: Path, run: Run) -> None:
    write(workdir, {"m/c.yaml": BAD_FILES["m/a.yaml"].split("---\n")[1]})
    result = run("validate", "m", "-o", "junit")
    assert result.code == 0
    root = ET.fromstring(result.out)
    check_shape(root)
    assert (root.attrib["tests"], root.attrib["failures"], root.attrib["errors"]) == ("1", "0", "0")


def test_render_junit_reports_profile_errors_at_the_profile(workdir: Path, run: Run) -> None:
    write(workdir, {"p/a.yaml": metallb_profile(**{"spec.service.port": 0})})
    result = run("render", "p", "-o", "junit")
    assert result.code == 2
    root = ET.fromstring(result.out)
    check_shape(root)
    [suite] = root.iter("testsuite")
    assert suite.attrib["name"] == "profile p/a.yaml"
    [case] = suite.iter("testcase")
    assert case.attrib["name"] == "profile-invalid" and int(case.attrib["line"]) > 0
    failure = case.find("failure")
    assert failure is not None and "port" in failure.attrib["message"]
    assert not (workdir / "out").exists()


def test_render_junit_covers_objects_findings_and_drift(workdir: Path, run: Run) -> None:
    write(workdir, {"p/a.yaml": metallb_profile()})
    rendered = run("render", "p", "-o", "junit")
    assert rendered.code == 0, rendered.err
    root = ET.fromstring(rendered.out)
    check_shape(root)
    names = [s.attrib["name"] for s in root.iter("testsuite")]
    assert names[0] == "profile p/a.yaml"  # findings below high: output, not failures
    generated = [n for n in names if n.startswith("out/")]
    assert generated and all(Path(workdir, n).is_file() for n in generated)
    assert root.attrib["failures"] == "0"

    kustomization = next(workdir.glob("out/**/kustomization.yaml"))
    kustomization.unlink()
    checked = run("render", "p", "--check", "-o", "junit")
    assert checked.code == 1
    root = ET.fromstring(checked.out)
    check_shape(root)
    [drift] = [s for s in root.iter("testsuite") if s.attrib["name"] == "drift (render --check)"]
    [case] = drift.iter("testcase")
    assert case.attrib["name"] == kustomization.relative_to(workdir).as_posix()
    failure = case.find("failure")
    assert failure is not None and failure.attrib["type"] == "drift"
    assert failure.attrib["message"].startswith("missing: ")
    assert run("render", "p", "--check", "-o", "junit").out == checked.out


@pytest.mark.parametrize("text", ["\x00", "\x1f", "\x7f", "\ufffe", "\ud800"])
def test_every_character_xml_cannot_hold_is_written_as_text(text: str) -> None:
    from ingressgen.junit import _clean

    cleaned = _clean(f"a{text}b")
    assert cleaned == f"a\\u{ord(text):04x}b"
    ET.fromstring(f"<x>{cleaned}</x>")
