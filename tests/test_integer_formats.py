"""Integers as the API server takes them: int32 and int64 fields refuse values out of their Go
type's range, and no number, however long, is a crash (exit 3) or a message printed whole."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from ingressgen.validation.reading.documents import JSONNumberTooLarge, read_json
from ingressgen.validation.schemas.bundles import with_integer_bounds
from tests.conftest import Result, write

Run = Callable[..., Result]
pytestmark = pytest.mark.usefixtures("no_kubeconform")

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  generation: {generation}
spec:
  replicas: {replicas}
  selector:
    matchLabels: {{app: web}}
  template:
    metadata:
      labels: {{app: web}}
    spec:
      terminationGracePeriodSeconds: {grace}
      containers:
      - name: web
        image: nginx:1.27
"""


def deployment(replicas: str = "2", generation: str = "1", grace: str = "30") -> str:
    return DEPLOYMENT.format(replicas=replicas, generation=generation, grace=grace)


def test_the_limits_of_each_go_type_are_valid(workdir: Path, run: Run) -> None:
    write(workdir, {"d.yaml": deployment("2147483647", "9223372036854775807", "0x7fffffff")})
    result = run("validate", "d.yaml")
    assert result.code == 0, result.out


@pytest.mark.parametrize(
    ("values", "line", "message"),
    [
        (
            {"replicas": "2147483648"},
            7,
            "spec.replicas: 2147483648 is out of range for an int32 field "
            "(-2147483648..2147483647)",
        ),
        (
            {"replicas": "-0x80000001"},
            7,
            "spec.replicas: -2147483649 is out of range for an int32 field",
        ),
        (
            {"generation": "9223372036854775808"},
            5,
            "metadata.generation: 9223372036854775808 is out of range for an int64 field "
            "(-9223372036854775808..9223372036854775807)",
        ),
        (
            # More than int64 and uint64: go-yaml reads a float, kubectl sends its digits.
            {"grace": "99999999999999999999"},
            14,
            "spec.template.spec.terminationGracePeriodSeconds: 100000000000000000000 is out of "
            "range for an int64 field",
        ),
    ],
)
def test_out_of_range_is_a_located_finding_naming_field_and_range(
    workdir: Path, run: Run, values: dict[str, str], line: int, message: str
) -> None:
    write(workdir, {"d.yaml": deployment(**values)})
    result = run("validate", "d.yaml")
    assert result.code == 1
    assert f"d.yaml:{line}:" in result.out and message in result.out, result.out


def test_bounds_go_only_on_integer_formats() -> None:
    schema = {
        "properties": {
            "a": {"type": ["integer", "null"], "format": "int32"},
            "b": {"type": "integer", "format": "int64", "maximum": 10},
            "c": {"type": "string", "format": "int32"},
            "format": {"type": "integer"},
        }
    }
    bounded = with_integer_bounds(schema)["properties"]
    assert (bounded["a"]["minimum"], bounded["a"]["maximum"]) == (-(2**31), 2**31 - 1)
    assert (bounded["b"]["minimum"], bounded["b"]["maximum"]) == (-(2**63), 10)
    assert "maximum" not in bounded["c"] and "maximum" not in bounded["format"]


HUGE = "9" * 5000


def test_a_huge_number_is_a_finding_located_and_cut(workdir: Path, run: Run) -> None:
    """Over Python's int-string limit: go-yaml keeps such a number as text, so does ingressgen,
    and the schema refuses text where an integer is wanted, quoting it cut."""
    write(workdir, {"d.yaml": deployment(HUGE)})
    result = run("validate", "d.yaml")
    assert result.code == 1 and "Traceback" not in result.err
    assert "d.yaml:7:13: Deployment/web: spec.replicas: " in result.out, result.out
    assert all(len(line) < 400 for line in result.out.splitlines()), result.out


@pytest.mark.parametrize(
    "text",
    [
        "{apiVersion: v1, kind: ConfigMap, metadata: {name: a}, data: {a: %s}}\n",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  a: -%s\n  b: 0x%s\n",
    ],
)
def test_a_huge_number_where_text_is_wanted_is_text(workdir: Path, run: Run, text: str) -> None:
    """kubectl sends such a number as a string, which a ConfigMap takes."""
    write(workdir, {"c.yaml": text.replace("%s", HUGE)})
    result = run("validate", "c.yaml")
    assert result.code == 0, result.out + result.err


def test_json_numbers_kubectl_refuses_are_refused(workdir: Path, run: Run) -> None:
    with pytest.raises(JSONNumberTooLarge):
        read_json(b'{"a": ' + HUGE.encode() + b"}")
    with pytest.raises(JSONNumberTooLarge):
        read_json(b'{"a": 1e400}')
    with pytest.raises(ValueError, match="NaN is not JSON"):
        read_json(b'{"a": NaN}')
    [document] = read_json(b'{"a": 1.0, "b": 1e3, "c": 1.5}')
    assert document.value == {"a": 1, "b": 1000, "c": 1.5}
    assert isinstance(document.value["a"], int)
    write(workdir, {"h.json": '{"apiVersion": "v1", "kind": "ConfigMap", "data": {"a": %s}}'})
    (workdir / "h.json").write_text((workdir / "h.json").read_text().replace("%s", HUGE))
    result = run("validate", "h.json")
    assert result.code == 1 and "an integer of 5000 digits" in result.out


def test_json_with_a_huge_number_on_standard_input_is_refused_as_json(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """kubectl reads `{...}` as JSON; the YAML reading (a string) must not make it valid."""
    text = '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}, "data": {"a": '
    data = (text + HUGE + "}}").encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    result = run("validate", "-")
    assert result.code == 1 and "an integer of 5000 digits" in result.out


CRD = """apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  names: {kind: Widget, plural: widgets, singular: widget, listKind: WidgetList}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {type: integer, maximum: %s}
"""


def test_a_crd_with_a_huge_number_is_bad_input_with_a_short_message(
    workdir: Path, run: Run
) -> None:
    """kubectl sends the number as text, which the API server refuses in a schema: exit 2."""
    write(workdir, {"crd.yaml": CRD.replace("%s", HUGE), "w.yaml": "apiVersion: example.com/v1\n"})
    result = run("validate", "--crd", "crd.yaml", "w.yaml")
    assert result.code == 2 and "Traceback" not in result.err
    assert "properties.spec.properties.size.maximum: " in result.err, result.err
    assert len(result.err) < 600, result.err
