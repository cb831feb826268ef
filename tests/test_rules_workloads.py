"""The workload rules (validation/rules/workloads.py): Deployments, pod templates and
PodDisruptionBudgets.

For each rule, a case it must accept and a case it must refuse.
"""

from __future__ import annotations

import pytest

from tests.rules_helpers import (
    CONTAINER,
    CONTAINER_PATH,
    DELETE,
    DEPLOYMENT,
    OK,
    PDB,
    POD,
    V35,
    Case,
    case_ids,
    check_case,
    p,
    patched,
)

CASES: list[Case] = [
    ("workload-selector", V35, DEPLOYMENT, OK),
    ("workload-selector", V35, patched(DEPLOYMENT, spec__selector=DELETE), p("spec", "selector")),
    ("workload-selector", V35, patched(DEPLOYMENT, spec__selector={}), p("spec", "selector")),
    (
        "workload-selector",
        V35,
        patched(DEPLOYMENT, spec__selector={"matchLabels": {"app": "api"}}),
        p("spec", "template", "metadata", "labels"),
    ),
    (
        "workload-selector",
        V35,
        patched(
            DEPLOYMENT,
            spec__selector={
                "matchExpressions": [{"key": "tier", "operator": "In", "values": ["front"]}]
            },
        ),
        OK,
    ),
    (
        "workload-selector",
        V35,
        patched(
            DEPLOYMENT,
            spec__selector={
                "matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["front"]}]
            },
        ),
        p("spec", "template", "metadata", "labels"),
    ),
    (
        "workload-selector",
        V35,
        patched(
            DEPLOYMENT, spec__selector={"matchExpressions": [{"key": "tier", "operator": "In"}]}
        ),
        p("spec", "selector", "matchExpressions", 0, "values"),
    ),
    (
        "workload-selector",
        V35,
        patched(
            DEPLOYMENT,
            spec__selector={
                "matchExpressions": [{"key": "tier", "operator": "Exists", "values": ["x"]}]
            },
        ),
        p("spec", "selector", "matchExpressions", 0, "values"),
    ),
    (
        "workload-selector",
        V35,
        patched(
            DEPLOYMENT,
            spec__selector={
                "matchExpressions": [{"key": "tier", "operator": "in", "values": ["front"]}]
            },
        ),
        p("spec", "selector", "matchExpressions", 0, "operator"),
    ),
    (
        "workload-selector",
        V35,
        patched(DEPLOYMENT, **{"spec.template.metadata.labels": {"app": "web", "t": "-x"}}),
        p("spec", "template", "metadata", "labels", "t"),
    ),
    (
        "deployment-spec",
        V35,
        patched(DEPLOYMENT, spec__minReadySeconds=10, spec__progressDeadlineSeconds=11),
        OK,
    ),
    ("deployment-spec", V35, patched(DEPLOYMENT, spec__replicas=-1), p("spec", "replicas")),
    (
        "deployment-spec",
        V35,
        patched(DEPLOYMENT, spec__minReadySeconds=10, spec__progressDeadlineSeconds=10),
        p("spec", "progressDeadlineSeconds"),
    ),
    (
        "deployment-spec",
        V35,
        patched(DEPLOYMENT, spec__revisionHistoryLimit=-1),
        p("spec", "revisionHistoryLimit"),
    ),
    ("deployment-strategy", V35, patched(DEPLOYMENT, spec__strategy={"type": "Recreate"}), OK),
    (
        "deployment-strategy",
        V35,
        patched(
            DEPLOYMENT, spec__strategy={"rollingUpdate": {"maxSurge": "200%", "maxUnavailable": 0}}
        ),
        OK,
    ),
    (
        "deployment-strategy",
        V35,
        patched(DEPLOYMENT, spec__strategy={"type": "BlueGreen"}),
        p("spec", "strategy", "type"),
    ),
    (
        "deployment-strategy",
        V35,
        patched(DEPLOYMENT, spec__strategy={"type": "Recreate", "rollingUpdate": {}}),
        p("spec", "strategy", "rollingUpdate"),
    ),
    (
        "deployment-strategy",
        V35,
        patched(DEPLOYMENT, spec__strategy={"rollingUpdate": {"maxUnavailable": "110%"}}),
        p("spec", "strategy", "rollingUpdate", "maxUnavailable"),
    ),
    (
        "deployment-strategy",
        V35,
        patched(DEPLOYMENT, spec__strategy={"rollingUpdate": {"maxSurge": "25"}}),
        p("spec", "strategy", "rollingUpdate", "maxSurge"),
    ),
    (
        "deployment-strategy",
        V35,
        patched(DEPLOYMENT, spec__strategy={"rollingUpdate": {"maxSurge": -1}}),
        p("spec", "strategy", "rollingUpdate", "maxSurge"),
    ),
    (
        "deployment-strategy",
        V35,
        patched(
            DEPLOYMENT, spec__strategy={"rollingUpdate": {"maxSurge": "0%", "maxUnavailable": 0}}
        ),
        p("spec", "strategy", "rollingUpdate", "maxUnavailable"),
    ),
    ("pod-containers", V35, DEPLOYMENT, OK),
    (
        "pod-containers",
        V35,
        patched(DEPLOYMENT, **{f"{CONTAINER}.name": DELETE}),
        p(*CONTAINER_PATH, "name"),
    ),
    (
        "pod-containers",
        V35,
        patched(DEPLOYMENT, **{f"{CONTAINER}.name": "Web"}),
        p(*CONTAINER_PATH, "name"),
    ),
    (
        "pod-containers",
        V35,
        patched(DEPLOYMENT, **{f"{POD}.initContainers": [{"name": "web", "image": "busybox"}]}),
        p(*CONTAINER_PATH, "name"),
    ),
    (
        "pod-containers",
        V35,
        patched(DEPLOYMENT, **{f"{CONTAINER}.image": DELETE}),
        p(*CONTAINER_PATH, "image"),
    ),
    (
        "pod-containers",
        V35,
        patched(DEPLOYMENT, **{f"{CONTAINER}.image": "  "}),
        p(*CONTAINER_PATH, "image"),
    ),
    (
        "pod-containers",
        V35,
        patched(DEPLOYMENT, **{f"{CONTAINER}.imagePullPolicy": "IfNotPresent"}),
        OK,
    ),
    (
        "pod-containers",
        V35,
        patched(DEPLOYMENT, **{f"{CONTAINER}.imagePullPolicy": "always"}),
        p(*CONTAINER_PATH, "imagePullPolicy"),
    ),
    (
        "pod-containers",
        V35,
        patched(DEPLOYMENT, **{f"{POD}.containers": []}),
        p("spec", "template", "spec", "containers"),
    ),
    ("pod-container-ports", V35, patched(DEPLOYMENT, **{f"{CONTAINER}.ports.0.hostPort": 0}), OK),
    *[
        (
            "pod-container-ports",
            V35,
            patched(DEPLOYMENT, **{f"{CONTAINER}.ports.0.{field}": value}),
            p(*CONTAINER_PATH, "ports", 0, field),
        )
        for field, value in (
            ("containerPort", 0),
            ("containerPort", 70000),
            ("hostPort", 70000),
            ("protocol", "tcp"),
            ("name", "HTTP"),
            ("name", "a-very-long-name"),
        )
    ],
    (
        "pod-container-ports",
        V35,
        patched(
            DEPLOYMENT,
            **{
                f"{CONTAINER}.ports": [
                    {"name": "http", "containerPort": 80},
                    {"name": "http", "containerPort": 81},
                ]
            },
        ),
        p(*CONTAINER_PATH, "ports", 1, "name"),
    ),
    *[
        ("pod-env", version, patched(DEPLOYMENT, **{f"{CONTAINER}.env.0.name": name}), OK)
        for version, name in (
            ("1.31", "MY_VAR"),
            ("1.31", "my.var-x"),
            ("1.32", "MY VAR"),
            ("1.32", "1ABC"),
        )
    ],
    *[
        (
            "pod-env",
            version,
            patched(DEPLOYMENT, **{f"{CONTAINER}.env.0.name": name}),
            p(*CONTAINER_PATH, "env", 0, "name"),
        )
        for version, name in (
            ("1.31", "MY VAR"),
            ("1.31", "1ABC"),
            ("1.31", ".."),
            ("1.32", "A=B"),
            ("1.32", ""),
            ("1.32", "caf\u00e9"),
        )
    ],
    # ---- PodDisruptionBudget ----
    ("pdb-spec", V35, PDB, OK),
    ("pdb-spec", V35, patched(PDB, spec__minAvailable="50%"), OK),
    ("pdb-spec", V35, patched(PDB, spec__maxUnavailable=1), p("spec")),
    ("pdb-spec", V35, patched(PDB, spec__minAvailable="150%"), p("spec", "minAvailable")),
    ("pdb-spec", V35, patched(PDB, spec__minAvailable=-1), p("spec", "minAvailable")),
    ("pdb-spec", V35, patched(PDB, spec__minAvailable="50"), p("spec", "minAvailable")),
    (
        "pdb-spec",
        V35,
        patched(PDB, spec__selector={"matchExpressions": [{"key": "a", "operator": "In"}]}),
        p("spec", "selector", "matchExpressions", 0, "values"),
    ),
    ("pdb-spec", V35, patched(PDB, spec__unhealthyPodEvictionPolicy="AlwaysAllow"), OK),
    (
        "pdb-spec",
        V35,
        patched(PDB, spec__unhealthyPodEvictionPolicy="Never"),
        p("spec", "unhealthyPodEvictionPolicy"),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=case_ids(CASES))
def test_rule(case: Case) -> None:
    check_case(case)
