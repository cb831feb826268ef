"""The metadata rules (validation/rules/meta.py): names, namespaces, labels, annotations.

For each rule, a case it must accept and a case it must refuse.
"""

from __future__ import annotations

import pytest

from tests.rules_helpers import (
    CONFIGMAP,
    DELETE,
    OK,
    SERVICE,
    V35,
    V36,
    Case,
    case_ids,
    check_case,
    p,
    patched,
)

CASES: list[Case] = [
    ("metadata-name", V35, SERVICE, OK),
    ("metadata-name", V35, patched(SERVICE, metadata__name="1abc"), p("metadata", "name")),
    ("metadata-name", V36, patched(SERVICE, metadata__name="1abc"), OK),
    ("metadata-name", V36, patched(SERVICE, metadata__name="a.b"), p("metadata", "name")),
    ("metadata-name", V36, patched(SERVICE, metadata__name="a" * 64), p("metadata", "name")),
    ("metadata-name", V35, patched(CONFIGMAP, metadata__name="a.b.c"), OK),
    ("metadata-name", V35, patched(CONFIGMAP, metadata__name="UPPER"), p("metadata", "name")),
    ("metadata-name", V35, patched(CONFIGMAP, metadata__name=DELETE), p("metadata", "name")),
    (
        "metadata-name",
        V35,
        patched(SERVICE, metadata__name=DELETE, metadata__generateName="web-"),
        OK,
    ),
    (
        "metadata-name",
        V35,
        patched(SERVICE, metadata__name=DELETE, metadata__generateName="Web-"),
        p("metadata", "generateName"),
    ),
    (
        "metadata-name",
        V35,
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a.b"}},
        p("metadata", "name"),
    ),
    (
        "metadata-name",
        V35,
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": {"name": "system:aggregate-to-view"},
        },
        OK,
    ),
    (
        "metadata-name",
        V35,
        {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "Bad_Name"}},
        p("metadata", "name"),
    ),
    ("metadata-namespace", V35, SERVICE, OK),
    (
        "metadata-namespace",
        V35,
        patched(SERVICE, metadata__namespace="Apps"),
        p("metadata", "namespace"),
    ),
    (
        "metadata-namespace",
        V35,
        patched(SERVICE, metadata__namespace="a.b"),
        p("metadata", "namespace"),
    ),
    (
        "metadata-labels",
        V35,
        patched(SERVICE, metadata__labels={"app.kubernetes.io/name": "x", "e": ""}),
        OK,
    ),
    (
        "metadata-labels",
        V35,
        patched(SERVICE, metadata__labels={"Example.com/a": "x"}),
        p("metadata", "labels", "Example.com/a"),
    ),
    (
        "metadata-labels",
        V35,
        patched(SERVICE, metadata__labels={"a": "-x"}),
        p("metadata", "labels", "a"),
    ),
    (
        "metadata-labels",
        V35,
        patched(SERVICE, metadata__labels={"a": "x" * 64}),
        p("metadata", "labels", "a"),
    ),
    (
        "metadata-annotations",
        V35,
        patched(SERVICE, metadata__annotations={"Example.com/abc": "x"}),
        OK,
    ),
    (
        "metadata-annotations",
        V35,
        patched(SERVICE, metadata__annotations={"a/b/c": "x"}),
        p("metadata", "annotations", "a/b/c"),
    ),
    (
        "metadata-annotations",
        V35,
        patched(SERVICE, metadata__annotations={"k": "x" * (262144 - 1)}),
        OK,
    ),
    (
        "metadata-annotations",
        V35,
        patched(SERVICE, metadata__annotations={"k": "x" * 262144}),
        p("metadata", "annotations"),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=case_ids(CASES))
def test_rule(case: Case) -> None:
    check_case(case)
