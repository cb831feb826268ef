"""kubeconform's findings keep their detail: the real binary against the embedded backend.

The real kubeconform v0.7.0 (../shared/bin or PATH) runs over prepared local schema folders
only (see kubeconform.py), never the network. Both backends must flag the same fields, at the
same lines and columns, on the same hand-written bad manifests; the messages are each backend's
own. The parser of kubeconform's messages is also tested on text it printed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ingressgen.validation.findings import KUBECONFORM_RULE, SCHEMA_RULE
from ingressgen.validation.schemas import kubeconform
from ingressgen.validation.schemas.kubeconform_report import SchemaError, message_errors
from tests.conftest import Result, reference_binary, widget_crd, write

REAL = reference_binary("kubeconform")
needs_real = pytest.mark.skipif(
    REAL is None,
    reason="kubeconform is neither on PATH nor in ../shared/bin (it is not installable on these "
    "machines: not on PyPI, Debian or npm)",
)

# Each file: several objects, several errors per object.
BAD_MANIFESTS = {
    "service-and-deployment.yaml": """\
apiVersion: v1
kind: Service
metadata:
  name: web
  labels:
    tier: 3
spec:
  bogus: 1
  ports:
  - port: "80"
    protocol: TCP
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  replicas: "3"
  template:
    spec:
      containers:
      - image: x
        imagePolicy: Always
""",
    "pod.yaml": """\
apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  containers:
  - name: a
    image: x
    ports:
    - containerPort: "80"
      protocol: 5
    resources:
      limits:
        cpu: [1]
""",
    "widgets.yaml": """\
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w1
spec:
  colour: green
  size: big
---
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w2
spec:
  colour: red
  size: 2
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: c
data:
  count: 1
extra: true
""",
}


def _flagged(result: Result, rule: str) -> set[tuple[str, str, str, int, int]]:
    """(file, object, field, line, column) of every finding of the rule in a JSON report."""
    report = json.loads(result.out)
    return {
        (Path(file["path"]).name, obj["name"], error["path"], error["line"], error["column"])
        for file in report["files"]
        for obj in file["objects"]
        for error in obj["errors"]
        if error["rule"] == rule
    }


@needs_real
@pytest.mark.usefixtures("private_cache")
def test_both_backends_flag_the_same_fields_at_the_same_places(
    workdir: Path, run: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KUBECONFORM", str(REAL))
    crd = widget_crd(colour={"type": "string", "enum": ["red", "blue"]}, size={"type": "integer"})
    write(workdir, {"crd.yaml": crd, **{f"m/{name}": text for name, text in BAD_MANIFESTS.items()}})
    common = ("validate", "m", "--crd", "crd.yaml", "-o", "json")
    embedded = run(*common, "--validator", "embedded")
    through_kubeconform = run(*common, "--validator", "kubeconform")
    assert embedded.code == through_kubeconform.code == 1, through_kubeconform.err
    ours = _flagged(embedded, SCHEMA_RULE)
    theirs = _flagged(through_kubeconform, KUBECONFORM_RULE)
    assert theirs == ours
    expected = {
        ("service-and-deployment.yaml", "web", "metadata.labels.tier", 6, 11),  # wrong type
        ("service-and-deployment.yaml", "web", "spec", 8, 3),  # unknown field (strict)
        ("service-and-deployment.yaml", "web", "spec.ports[0].port", 10, 11),
        ("service-and-deployment.yaml", "d", "spec", 18, 3),  # missing required selector
        ("service-and-deployment.yaml", "d", "spec.replicas", 18, 13),
        ("pod.yaml", "p", "spec.containers[0].ports[0].containerPort", 10, 22),
        ("pod.yaml", "p", "spec.containers[0].resources.limits.cpu", 14, 14),  # oneOf
        ("widgets.yaml", "w1", "spec.colour", 6, 11),  # enum
        ("widgets.yaml", "w1", "spec.size", 7, 9),
        ("widgets.yaml", "c", "data.count", 22, 10),
        ("widgets.yaml", "c", "", 17, 1),  # an unknown top-level field
    }
    assert expected <= theirs, sorted(theirs)
    assert not any(name == "w2" for _, name, *_ in theirs)
    messages = [
        e["message"]
        for file in json.loads(through_kubeconform.out)["files"]
        for obj in file["objects"]
        for e in obj["errors"]
        if e["rule"] == KUBECONFORM_RULE
    ]
    assert "got string, want integer" in messages
    assert not any(m == "validation failed" or "jsonschema" in m for m in messages)
    again = run(*common, "--validator", "kubeconform")
    assert again.out == through_kubeconform.out  # kubeconform's own order varies; ours does not


@needs_real
@pytest.mark.usefixtures("private_cache")
def test_both_backends_refuse_integers_out_of_their_go_range(
    workdir: Path, run: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The prepared folders kubeconform reads carry the same int32/int64 bounds as the
    embedded bundles for int32 fields, so `replicas: 2147483648` is refused whichever backend
    runs; and the largest int64 stays valid under both (kubeconform compares float64s, so it
    gets no int64 bound)."""
    monkeypatch.setenv("KUBECONFORM", str(REAL))
    write(
        workdir,
        {
            "d.yaml": """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: d, generation: 9223372036854775807}
spec:
  replicas: 2147483648
  selector: {matchLabels: {app: d}}
  template:
    metadata: {labels: {app: d}}
    spec:
      containers: [{name: d, image: x, ports: [{containerPort: 2147483647}]}]
"""
        },
    )
    embedded = run("validate", "d.yaml", "-o", "json", "--validator", "embedded")
    through_kubeconform = run("validate", "d.yaml", "-o", "json", "--validator", "kubeconform")
    assert embedded.code == through_kubeconform.code == 1, through_kubeconform.err
    ours = {e[2:] for e in _flagged(embedded, SCHEMA_RULE)}
    theirs = {e[2:] for e in _flagged(through_kubeconform, KUBECONFORM_RULE)}
    assert theirs == ours == {("spec.replicas", 5, 13)}


# The `msg` of invalid results as the real v0.7.0 printed them (the schema URL shortened).
PRINTED = (
    "problem validating schema. Check JSON formatting: jsonschema validation failed with "
    "'file:///cache/v1.34.0-local-strict/pod-v1.json#' - at '/spec/containers/0': validation "
    "failed   - at '/spec/containers/0/ports/0': validation failed     - at "
    "'/spec/containers/0/ports/0/containerPort': got string, want integer     - at "
    "'/spec/containers/0/ports/0/protocol': got number, want null or string   - at "
    "'/spec/containers/0/resources/limits/cpu': oneOf failed, none matched     - at "
    "'/spec/containers/0/resources/limits/cpu': got array, want null or string     - at "
    "'/spec/containers/0/resources/limits/cpu': got array, want null or number"
)
QUOTED = (
    "problem validating schema. Check JSON formatting: jsonschema validation failed with "
    "'file:///cache/configmap-v1.json#' - at '/metadata': validation failed   - at "
    "'/metadata/labels/a\\'b': got number, want null or string   - at "
    "'/metadata/labels/q~0~1': got boolean, want null or string   - at "
    "'/metadata/labels/x y\\n - at \\'z': got number, want null or string - at '/data/k': got "
    "number, want null or string"
)


def test_the_leaves_of_the_printed_tree_are_the_findings() -> None:
    assert message_errors(PRINTED) == [
        SchemaError("/spec/containers/0/ports/0/containerPort", "got string, want integer"),
        SchemaError("/spec/containers/0/ports/0/protocol", "got number, want null or string"),
        SchemaError(
            "/spec/containers/0/resources/limits/cpu",
            "oneOf failed, none matched: got array, want null or string; "
            "got array, want null or number",
        ),
    ]


def test_quoted_pointers_are_unquoted_and_become_field_paths() -> None:
    errors = message_errors(QUOTED)
    assert [e.pointer for e in errors] == [
        "/metadata/labels/a'b",
        "/metadata/labels/q~0~1",
        "/metadata/labels/x y\n - at 'z",
        "/data/k",
    ]
    obj = {"metadata": {"labels": {"q~/": True}}}
    assert kubeconform._field_path(errors[1].pointer, obj) == ("metadata", "labels", "q~/")


def test_a_message_without_a_tree_falls_back_to_validation_errors() -> None:
    result = {
        "status": "statusInvalid",
        "msg": "problem validating schema. Check JSON formatting: something else",
        "validationErrors": [{"path": "/spec", "msg": "validation failed"}],
    }
    [finding] = kubeconform.findings_for(result, {"spec": {}}, "1.34")
    assert finding.path == ("spec",) and finding.message == "validation failed"


def test_a_hostile_error_tree_is_read_in_bounded_time() -> None:
    """Millions of causes (a report within the 64 MiB cap): the first MAX_NODES are kept."""
    from ingressgen.validation.schemas.kubeconform_report import MAX_NODES

    errors = message_errors(" - at '/a': x" * 2_000_000 + "   - at '/b': " + "y" * 100_000)
    assert len(errors) == MAX_NODES and errors[0] == SchemaError("/a", "x")
