"""StatefulSet, DaemonSet and ReplicaSet rules (ingressgen/validation/rules/apps.py) on both
sides, and the selector and template rules they share with Deployment."""

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
from tests.test_rules_pods import STATEFULSET

DAEMONSET: dict[str, Any] = {
    "apiVersion": "apps/v1",
    "kind": "DaemonSet",
    "metadata": {"name": "node-exporter", "namespace": "monitoring"},
    "spec": {
        "selector": {"matchLabels": {"app": "node-exporter"}},
        "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "10%"}},
        "template": {
            "metadata": {"labels": {"app": "node-exporter"}},
            "spec": {
                "hostNetwork": True,
                "containers": [
                    {
                        "name": "node-exporter",
                        "image": "quay.io/prometheus/node-exporter:v1.8.2",
                        "ports": [{"name": "metrics", "containerPort": 9100}],
                        "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}},
                    }
                ],
                "tolerations": [{"operator": "Exists"}],
            },
        },
    },
}
REPLICASET: dict[str, Any] = {
    "apiVersion": "apps/v1",
    "kind": "ReplicaSet",
    "metadata": {"name": "frontend", "namespace": "apps"},
    "spec": {
        "replicas": 3,
        "selector": {
            "matchExpressions": [{"key": "tier", "operator": "In", "values": ["frontend"]}]
        },
        "template": {
            "metadata": {"labels": {"tier": "frontend"}},
            "spec": {"containers": [{"name": "php", "image": "php:8.3-apache"}]},
        },
    },
}
RU = "spec.updateStrategy.rollingUpdate"
RU_PATH = p("spec", "updateStrategy", "rollingUpdate")
V26, V33, V35 = "1.26", "1.33", "1.35"
OK = None

CASES: list[Case] = [
    # ---- StatefulSet ----
    ("statefulset-spec", V35, STATEFULSET, OK),
    ("statefulset-spec", V35, patched(STATEFULSET, spec__replicas=-1), p("spec", "replicas")),
    (
        "statefulset-spec",
        V35,
        patched(STATEFULSET, spec__minReadySeconds=-1),
        p("spec", "minReadySeconds"),
    ),
    ("statefulset-spec", V35, patched(STATEFULSET, spec__podManagementPolicy="Parallel"), OK),
    (
        "statefulset-spec",
        V35,
        patched(STATEFULSET, spec__podManagementPolicy="parallel"),
        p("spec", "podManagementPolicy"),
    ),
    (
        "statefulset-spec",
        V35,
        patched(STATEFULSET, spec__ordinals={"start": -1}),
        p("spec", "ordinals", "start"),
    ),
    (
        "statefulset-spec",
        V35,
        patched(
            STATEFULSET,
            spec__persistentVolumeClaimRetentionPolicy={
                "whenDeleted": "Delete",
                "whenScaled": "Retain",
            },
        ),
        OK,
    ),
    (
        "statefulset-spec",
        V35,
        patched(STATEFULSET, spec__persistentVolumeClaimRetentionPolicy={"whenDeleted": "Remove"}),
        p("spec", "persistentVolumeClaimRetentionPolicy", "whenDeleted"),
    ),
    # before 1.27 the API server drops the field (StatefulSetAutoDeletePVC off)
    (
        "statefulset-spec",
        V26,
        patched(STATEFULSET, spec__persistentVolumeClaimRetentionPolicy={"whenDeleted": "Remove"}),
        OK,
    ),
    ("statefulset-update-strategy", V35, STATEFULSET, OK),
    (
        "statefulset-update-strategy",
        V35,
        patched(
            STATEFULSET,
            spec__updateStrategy={"type": "RollingUpdate", "rollingUpdate": {"partition": 2}},
        ),
        OK,
    ),
    (
        "statefulset-update-strategy",
        V35,
        patched(STATEFULSET, spec__updateStrategy={"rollingUpdate": {"partition": -1}}),
        p("spec", "updateStrategy", "rollingUpdate", "partition"),
    ),
    (
        "statefulset-update-strategy",
        V35,
        patched(STATEFULSET, spec__updateStrategy={"type": "OnDelete", "rollingUpdate": {}}),
        p("spec", "updateStrategy", "rollingUpdate"),
    ),
    (
        "statefulset-update-strategy",
        V35,
        patched(STATEFULSET, spec__updateStrategy={"type": "OnDelete"}),
        OK,
    ),
    (
        "statefulset-update-strategy",
        V35,
        patched(STATEFULSET, spec__updateStrategy={"type": "Recreate"}),
        p("spec", "updateStrategy", "type"),
    ),
    # ---- DaemonSet ----
    ("daemonset-update-strategy", V35, DAEMONSET, OK),
    ("daemonset-update-strategy", V35, patched(DAEMONSET, spec__updateStrategy=DELETE), OK),
    (
        "daemonset-update-strategy",
        V35,
        patched(DAEMONSET, spec__updateStrategy={"type": "OnDelete"}),
        OK,
    ),
    (
        "daemonset-update-strategy",
        V35,
        patched(DAEMONSET, spec__updateStrategy={"type": "Recreate"}),
        p("spec", "updateStrategy", "type"),
    ),
    (
        # maxUnavailable defaults to 1: surging needs maxUnavailable: 0
        "daemonset-update-strategy",
        V35,
        patched(DAEMONSET, **{RU: {"maxSurge": 1}}),
        p(*RU_PATH, "maxSurge"),
    ),
    (
        "daemonset-update-strategy",
        V35,
        patched(DAEMONSET, **{RU: {"maxSurge": "25%", "maxUnavailable": 0}}),
        OK,
    ),
    (
        "daemonset-update-strategy",
        V35,
        patched(DAEMONSET, **{RU: {"maxUnavailable": 0}}),
        p(*RU_PATH, "maxUnavailable"),
    ),
    (
        "daemonset-update-strategy",
        V35,
        patched(DAEMONSET, **{RU: {"maxUnavailable": "110%"}}),
        p(*RU_PATH, "maxUnavailable"),
    ),
    (
        "daemonset-update-strategy",
        V35,
        patched(DAEMONSET, **{RU: {"maxUnavailable": -1}}),
        p(*RU_PATH, "maxUnavailable"),
    ),
    (
        "daemonset-update-strategy",
        V35,
        patched(DAEMONSET, **{RU: {"maxUnavailable": "1"}}),
        p(*RU_PATH, "maxUnavailable"),
    ),
    ("daemonset-spec", V35, DAEMONSET, OK),
    ("daemonset-spec", V35, patched(DAEMONSET, spec__revisionHistoryLimit=0), OK),
    (
        "daemonset-spec",
        V35,
        patched(DAEMONSET, spec__minReadySeconds=-10),
        p("spec", "minReadySeconds"),
    ),
    (
        "daemonset-spec",
        V35,
        patched(DAEMONSET, spec__revisionHistoryLimit=-1),
        p("spec", "revisionHistoryLimit"),
    ),
    # ---- ReplicaSet ----
    ("replicaset-spec", V35, REPLICASET, OK),
    ("replicaset-spec", V35, patched(REPLICASET, spec__replicas=-2), p("spec", "replicas")),
    (
        "replicaset-spec",
        V35,
        patched(REPLICASET, spec__minReadySeconds=-1),
        p("spec", "minReadySeconds"),
    ),
    # ---- the rules they share with Deployment ----
    ("workload-selector", V35, DAEMONSET, OK),
    ("workload-selector", V35, REPLICASET, OK),
    (
        "workload-selector",
        V35,
        patched(DAEMONSET, **{"spec.template.metadata.labels": {"app": "other"}}),
        p("spec", "template", "metadata", "labels"),
    ),
    ("workload-selector", V35, patched(STATEFULSET, spec__selector={}), p("spec", "selector")),
    (
        "pod-restart-policy",
        V35,
        patched(DAEMONSET, **{"spec.template.spec.activeDeadlineSeconds": 30}),
        p("spec", "template", "spec", "activeDeadlineSeconds"),
    ),
    (
        "pod-restart-policy",
        V35,
        patched(REPLICASET, **{"spec.template.spec.restartPolicy": "OnFailure"}),
        p("spec", "template", "spec", "restartPolicy"),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_rule(case: Case) -> None:
    check_case(case)


@pytest.mark.parametrize("obj", [STATEFULSET, DAEMONSET, REPLICASET], ids=lambda o: o["kind"])
def test_the_example_objects_are_valid_everywhere(obj: dict[str, Any]) -> None:
    for version in VERSIONS:
        assert check_object(obj, version) == [], version


def test_a_statefulset_pod_template_is_checked_from_1_34() -> None:
    broken = patched(
        STATEFULSET, **{"spec.template.spec.containers.0.resources": {"limits": {"memory": "1GB"}}}
    )
    assert [f.rule for f in check_object(broken, V33)] == []
    assert [f.rule for f in check_object(broken, "1.34")] == ["pod-resources"]


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from([STATEFULSET, DAEMONSET, REPLICASET]),
    st.lists(
        st.tuples(
            st.sampled_from(
                [
                    "spec",
                    "spec.updateStrategy",
                    RU,
                    "spec.ordinals",
                    "spec.persistentVolumeClaimRetentionPolicy",
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
    for version in (V26, V35):
        check_object(mangle(base, replacements), version)
