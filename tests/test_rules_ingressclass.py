"""IngressClass rules (ingressgen/validation/rules/ingressclass.py) on both sides, with the cases
k8s_validation_rules.md section 5 lists."""

from __future__ import annotations

from typing import Any

import pytest

from ingressgen.validation.rules import check_object
from tests.rules_helpers import DELETE, VERSIONS, Case, case_id, check_case, p, patched

CLASS: dict[str, Any] = {
    "apiVersion": "networking.k8s.io/v1",
    "kind": "IngressClass",
    "metadata": {
        "name": "nginx",
        "annotations": {"ingressclass.kubernetes.io/is-default-class": "true"},
    },
    "spec": {"controller": "k8s.io/ingress-nginx"},
}
WITH_PARAMETERS = patched(
    CLASS,
    spec__parameters={
        "apiGroup": "k8s.example.com",
        "kind": "IngressParameters",
        "name": "external-lb",
        "scope": "Namespace",
        "namespace": "external-configuration",
    },
)
CLUSTER_PARAMETERS = patched(
    CLASS,
    spec__parameters={
        "apiGroup": "k8s.example.net",
        "kind": "ClusterIngressParameter",
        "name": "lb",
    },
)
PARAMS = p("spec", "parameters")
V35 = "1.35"
OK = None

CASES: list[Case] = [
    ("ingressclass-controller", V35, CLASS, OK),
    ("ingressclass-controller", V35, patched(CLASS, spec__controller="example.com/ingress/v2"), OK),
    (
        "ingressclass-controller",
        V35,
        patched(CLASS, spec__controller=DELETE),
        p("spec", "controller"),
    ),
    (
        "ingressclass-controller",
        V35,
        patched(CLASS, spec__controller="nginx"),
        p("spec", "controller"),
    ),
    (
        "ingressclass-controller",
        V35,
        patched(CLASS, spec__controller="example.com/"),
        p("spec", "controller"),
    ),
    (
        "ingressclass-controller",
        V35,
        patched(CLASS, spec__controller="Example.com/ingress"),
        p("spec", "controller"),
    ),
    (
        "ingressclass-controller",
        V35,
        patched(CLASS, spec__controller="example.com/ingress controller"),
        p("spec", "controller"),
    ),
    (
        "ingressclass-controller",
        V35,
        patched(CLASS, spec__controller="example.com/" + "a" * 238),
        OK,
    ),
    (
        "ingressclass-controller",
        V35,
        patched(CLASS, spec__controller="example.com/" + "a" * 239),
        p("spec", "controller"),
    ),
    ("ingressclass-parameters", V35, CLASS, OK),
    ("ingressclass-parameters", V35, WITH_PARAMETERS, OK),
    ("ingressclass-parameters", V35, CLUSTER_PARAMETERS, OK),
    (
        "ingressclass-parameters",
        V35,
        patched(CLUSTER_PARAMETERS, spec__parameters__name=DELETE),
        (*PARAMS, "name"),
    ),
    (
        "ingressclass-parameters",
        V35,
        patched(CLUSTER_PARAMETERS, spec__parameters__kind="a/b"),
        (*PARAMS, "kind"),
    ),
    (
        "ingressclass-parameters",
        V35,
        patched(CLUSTER_PARAMETERS, spec__parameters__apiGroup="K8s.Example.net"),
        (*PARAMS, "apiGroup"),
    ),
    (
        "ingressclass-parameters",
        V35,
        patched(CLUSTER_PARAMETERS, spec__parameters__scope="cluster"),
        (*PARAMS, "scope"),
    ),
    (
        "ingressclass-parameters",
        V35,
        patched(WITH_PARAMETERS, spec__parameters__namespace=DELETE),
        (*PARAMS, "namespace"),
    ),
    (
        "ingressclass-parameters",
        V35,
        patched(WITH_PARAMETERS, spec__parameters__namespace="a.b"),
        (*PARAMS, "namespace"),
    ),
    (
        # scope defaults to Cluster, which takes no namespace, not even ""
        "ingressclass-parameters",
        V35,
        patched(CLUSTER_PARAMETERS, spec__parameters__namespace=""),
        (*PARAMS, "namespace"),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_rule(case: Case) -> None:
    check_case(case)


@pytest.mark.parametrize("obj", [CLASS, WITH_PARAMETERS, CLUSTER_PARAMETERS])
def test_the_example_objects_are_valid_everywhere(obj: dict[str, Any]) -> None:
    for version in VERSIONS:
        assert check_object(obj, version) == [], version


@pytest.mark.parametrize("value", [None, 5, [], {"a": 1}, "", "/", "a/b/c"])
def test_rules_never_crash_on_malformed_values(value: Any) -> None:
    check_object(patched(CLASS, spec__controller=value, spec__parameters=value), V35)
    check_object(patched(WITH_PARAMETERS, spec__parameters__scope=value), V35)
