"""HorizontalPodAutoscaler rules (ingressgen/validation/rules/autoscaling.py) on both sides."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingressgen.validation.rules import check_object
from tests.rules_helpers import (
    DELETE,
    VERSIONS,
    Case,
    case_id,
    check_case,
    json_values,
    mangle,
    p,
    patched,
)

HPA: dict[str, Any] = {
    "apiVersion": "autoscaling/v2",
    "kind": "HorizontalPodAutoscaler",
    "metadata": {"name": "web", "namespace": "apps"},
    "spec": {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
        "minReplicas": 2,
        "maxReplicas": 10,
        "metrics": [
            {
                "type": "Resource",
                "resource": {
                    "name": "cpu",
                    "target": {"type": "Utilization", "averageUtilization": 70},
                },
            },
            {
                "type": "Resource",
                "resource": {
                    "name": "memory",
                    "target": {"type": "AverageValue", "averageValue": "500Mi"},
                },
            },
            {
                "type": "Pods",
                "pods": {
                    "metric": {"name": "requests_per_second"},
                    "target": {"type": "AverageValue", "averageValue": "1k"},
                },
            },
            {
                "type": "Object",
                "object": {
                    "describedObject": {
                        "apiVersion": "networking.k8s.io/v1",
                        "kind": "Ingress",
                        "name": "web",
                    },
                    "metric": {"name": "requests-per-second"},
                    "target": {"type": "Value", "value": "10k"},
                },
            },
            {
                "type": "External",
                "external": {
                    "metric": {
                        "name": "queue_messages_ready",
                        "selector": {"matchLabels": {"queue": "work"}},
                    },
                    "target": {"type": "AverageValue", "averageValue": 30},
                },
            },
            {
                "type": "ContainerResource",
                "containerResource": {
                    "name": "cpu",
                    "container": "application",
                    "target": {"type": "Utilization", "averageUtilization": 60},
                },
            },
        ],
        "behavior": {
            "scaleDown": {
                "stabilizationWindowSeconds": 300,
                "policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}],
            },
            "scaleUp": {
                "selectPolicy": "Max",
                "policies": [
                    {"type": "Pods", "value": 4, "periodSeconds": 15},
                    {"type": "Percent", "value": 100, "periodSeconds": 15},
                ],
            },
        },
    },
}
HPA_V1: dict[str, Any] = {
    "apiVersion": "autoscaling/v1",
    "kind": "HorizontalPodAutoscaler",
    "metadata": {"name": "web", "namespace": "apps"},
    "spec": {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
        "minReplicas": 1,
        "maxReplicas": 5,
        "targetCPUUtilizationPercentage": 80,
    },
}
M = "spec.metrics"
V35 = "1.35"
OK = None


def metric(index: int, *rest: str | int) -> tuple[str | int, ...]:
    return ("spec", "metrics", index, *rest)


CASES: list[Case] = [
    # ---- replicas and target ----
    ("hpa-spec", V35, HPA, OK),
    ("hpa-spec", V35, HPA_V1, OK),
    ("hpa-spec", V35, patched(HPA, spec__minReplicas=DELETE), OK),
    ("hpa-spec", V35, patched(HPA, spec__minReplicas=0), p("spec", "minReplicas")),
    ("hpa-spec", V35, patched(HPA_V1, spec__minReplicas=0), p("spec", "minReplicas")),
    ("hpa-spec", V35, patched(HPA, spec__maxReplicas=0), p("spec", "maxReplicas")),
    ("hpa-spec", V35, patched(HPA, spec__minReplicas=10, spec__maxReplicas=10), OK),
    ("hpa-spec", V35, patched(HPA, spec__minReplicas=11), p("spec", "maxReplicas")),
    (
        "hpa-spec",
        V35,
        patched(HPA, spec__scaleTargetRef={"kind": "Deployment"}),
        p("spec", "scaleTargetRef", "name"),
    ),
    (
        "hpa-spec",
        V35,
        patched(HPA, spec__scaleTargetRef={"kind": "Deployment", "name": "apps/web"}),
        p("spec", "scaleTargetRef", "name"),
    ),
    # ---- metrics ----
    ("hpa-metrics", V35, HPA, OK),
    ("hpa-metrics", V35, HPA_V1, OK),
    (
        "hpa-metrics",
        V35,
        patched(HPA, **{f"{M}.0.resource.target.averageUtilization": 0}),
        metric(0, "resource", "target", "averageUtilization"),
    ),
    (
        "hpa-metrics",
        V35,
        patched(HPA_V1, spec__targetCPUUtilizationPercentage=0),
        p("spec", "targetCPUUtilizationPercentage"),
    ),
    (
        "hpa-metrics",
        V35,
        patched(HPA, **{f"{M}.1.resource.target.averageValue": "0"}),
        metric(1, "resource", "target", "averageValue"),
    ),
    (
        "hpa-metrics",
        V35,
        patched(HPA, **{f"{M}.1.resource.target.averageValue": "500MB"}),
        metric(1, "resource", "target", "averageValue"),
    ),
    (
        "hpa-metrics",
        V35,
        patched(HPA, **{f"{M}.3.object.target.value": "-1"}),
        metric(3, "object", "target", "value"),
    ),
    (
        "hpa-metrics",
        V35,
        patched(HPA, **{f"{M}.0.type": "Pods"}),
        metric(0, "pods"),
    ),
    ("hpa-metrics", V35, patched(HPA, **{f"{M}.0.type": "resource"}), metric(0, "type")),
    ("hpa-metrics", V35, patched(HPA, **{f"{M}.0.type": DELETE}), metric(0, "type")),
    (
        "hpa-metrics",
        V35,
        patched(
            HPA,
            **{
                f"{M}.0.pods": {
                    "metric": {"name": "x"},
                    "target": {"type": "AverageValue", "averageValue": 1},
                }
            },
        ),
        metric(0, "pods"),
    ),
    (
        "hpa-metrics",
        V35,
        patched(HPA, **{f"{M}.0.resource.target": {"type": "Utilization"}}),
        metric(0, "resource", "target", "averageUtilization"),
    ),
    (
        "hpa-metrics",
        V35,
        patched(HPA, **{f"{M}.0.resource.target.averageValue": "100m"}),
        metric(0, "resource", "target", "averageValue"),
    ),
    (
        "hpa-metrics",
        V35,
        patched(HPA, **{f"{M}.0.resource.target.type": "Percent"}),
        metric(0, "resource", "target", "type"),
    ),
    (
        "hpa-metrics",
        V35,
        patched(HPA, **{f"{M}.2.pods.target": {"type": "Value", "value": 5}}),
        metric(2, "pods", "target", "averageValue"),
    ),
    (
        "hpa-metrics",
        V35,
        patched(HPA, **{f"{M}.4.external.target.value": 100}),
        metric(4, "external", "target", "value"),
    ),
    (
        "hpa-metrics",
        V35,
        patched(HPA, **{f"{M}.3.object.describedObject": {"kind": "Ingress"}}),
        metric(3, "object", "describedObject", "name"),
    ),
    (
        "hpa-metrics",
        V35,
        patched(HPA, **{f"{M}.2.pods.metric": {}}),
        metric(2, "pods", "metric", "name"),
    ),
    (
        "hpa-metrics",
        V35,
        patched(HPA, **{f"{M}.5.containerResource.container": DELETE}),
        metric(5, "containerResource", "container"),
    ),
    # ---- behavior ----
    ("hpa-behavior", V35, HPA, OK),
    (
        "hpa-behavior",
        V35,
        patched(HPA, **{"spec.behavior.scaleDown.stabilizationWindowSeconds": 3601}),
        p("spec", "behavior", "scaleDown", "stabilizationWindowSeconds"),
    ),
    (
        "hpa-behavior",
        V35,
        patched(HPA, **{"spec.behavior.scaleUp.selectPolicy": "Maximum"}),
        p("spec", "behavior", "scaleUp", "selectPolicy"),
    ),
    (
        "hpa-behavior",
        V35,
        patched(HPA, **{"spec.behavior.scaleUp.policies": []}),
        p("spec", "behavior", "scaleUp", "policies"),
    ),
    ("hpa-behavior", V35, patched(HPA, **{"spec.behavior.scaleUp.policies": DELETE}), OK),
    (
        "hpa-behavior",
        V35,
        patched(HPA, **{"spec.behavior.scaleUp.policies.0.value": 0}),
        p("spec", "behavior", "scaleUp", "policies", 0, "value"),
    ),
    (
        "hpa-behavior",
        V35,
        patched(HPA, **{"spec.behavior.scaleUp.policies.1.periodSeconds": 1801}),
        p("spec", "behavior", "scaleUp", "policies", 1, "periodSeconds"),
    ),
    (
        "hpa-behavior",
        V35,
        patched(HPA, **{"spec.behavior.scaleUp.policies.1.type": "Replicas"}),
        p("spec", "behavior", "scaleUp", "policies", 1, "type"),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_rule(case: Case) -> None:
    check_case(case)


@pytest.mark.parametrize("obj", [HPA, HPA_V1], ids=lambda o: o["apiVersion"])
def test_the_example_objects_are_valid_everywhere(obj: dict[str, Any]) -> None:
    for version in VERSIONS:
        assert check_object(obj, version) == [], version


def test_a_custom_resource_called_hpa_is_not_checked() -> None:
    custom = patched(HPA, apiVersion="example.com/v1", spec__minReplicas=0)
    assert check_object(custom, V35) == []


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from([HPA, HPA_V1]),
    st.lists(
        st.tuples(
            st.sampled_from(
                [
                    "spec",
                    "spec.metrics",
                    "spec.behavior",
                    "spec.behavior.scaleUp",
                    "spec.scaleTargetRef",
                ]
            ),
            json_values,
        ),
        max_size=3,
    ),
)
def test_rules_never_crash_on_malformed_objects(
    base: dict[str, Any], replacements: list[tuple[str, Any]]
) -> None:
    check_object(mangle(base, replacements), V35)
