"""The pod spec rules (ingressgen/validation/rules/pods.py) on both sides, on every kind that
carries a pod spec, and the version in force for StatefulSets."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingressgen.validation.rules import check_object
from tests.rules_helpers import (
    DELETE,
    DEPLOYMENT,
    VERSIONS,
    Case,
    case_id,
    check_case,
    json_values,
    mangle,
    p,
    patched,
)

POD: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "web", "namespace": "apps", "labels": {"app": "web"}},
    "spec": {
        "containers": [
            {
                "name": "web",
                "image": "nginx:1.27",
                "ports": [{"name": "http", "containerPort": 8080}],
                "env": [
                    {"name": "MODE", "value": "production"},
                    {
                        "name": "POD_NAME",
                        "value": "",
                        "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}},
                    },
                    {
                        "name": "PASSWORD",
                        "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}},
                    },
                ],
                "envFrom": [{"configMapRef": {"name": "settings"}}],
                "resources": {
                    "requests": {"cpu": "250m", "memory": "128Mi", "example.com/gpu": 1},
                    "limits": {"cpu": 1, "memory": "256Mi", "example.com/gpu": "1"},
                },
                "volumeMounts": [
                    {"name": "config", "mountPath": "/etc/web"},
                    {"name": "cache", "mountPath": "/var/cache/web"},
                    {"name": "config", "mountPath": "/etc/other", "subPath": "other"},
                ],
                "livenessProbe": {"httpGet": {"path": "/healthz", "port": "http"}},
                "readinessProbe": {"tcpSocket": {"port": 8080}, "periodSeconds": 5},
                "startupProbe": {"exec": {"command": ["true"]}, "failureThreshold": 30},
                "lifecycle": {"preStop": {"sleep": {"seconds": 5}}},
            }
        ],
        "volumes": [
            {"name": "config", "configMap": {"name": "settings"}},
            {"name": "cache", "emptyDir": {"sizeLimit": "1Gi"}},
            {"name": "scratch"},
        ],
    },
}
C = "spec.containers.0"
CP = p("spec", "containers", 0)
JOB: dict[str, Any] = {
    "apiVersion": "batch/v1",
    "kind": "Job",
    "metadata": {"name": "migrate", "namespace": "apps"},
    "spec": {
        "backoffLimit": 2,
        "template": {
            "spec": {
                "restartPolicy": "Never",
                "containers": [{"name": "migrate", "image": "app:1.0", "args": ["migrate"]}],
            }
        },
    },
}
JOB_POD = "spec.template.spec"
CRONJOB: dict[str, Any] = {
    "apiVersion": "batch/v1",
    "kind": "CronJob",
    "metadata": {"name": "report", "namespace": "apps"},
    "spec": {
        "schedule": "0 3 * * *",
        "jobTemplate": {
            "spec": {
                "template": {
                    "spec": {
                        "restartPolicy": "OnFailure",
                        "containers": [{"name": "report", "image": "app:1.0"}],
                    }
                }
            }
        },
    },
}
CRON_POD = "spec.jobTemplate.spec.template.spec"
CRON_POD_PATH = p("spec", "jobTemplate", "spec", "template", "spec")
STATEFULSET: dict[str, Any] = {
    "apiVersion": "apps/v1",
    "kind": "StatefulSet",
    "metadata": {"name": "db", "namespace": "apps"},
    "spec": {
        "serviceName": "db",
        "replicas": 3,
        "selector": {"matchLabels": {"app": "db"}},
        "template": {
            "metadata": {"labels": {"app": "db"}},
            "spec": {
                "containers": [
                    {
                        "name": "postgres",
                        "image": "postgres:17",
                        "volumeMounts": [{"name": "data", "mountPath": "/var/lib/postgresql"}],
                    }
                ]
            },
        },
        "volumeClaimTemplates": [
            {
                "metadata": {"name": "data"},
                "spec": {
                    "accessModes": ["ReadWriteOnce"],
                    "resources": {"requests": {"storage": "10Gi"}},
                },
            }
        ],
    },
}
STS_POD = "spec.template.spec"
STS_POD_PATH = p("spec", "template", "spec")
DEP_POD_PATH = p("spec", "template", "spec")
V33, V34, V35 = "1.33", "1.34", "1.35"
OK = None


def probe(**handlers: Any) -> dict[str, Any]:
    return dict(handlers)


CASES: list[Case] = [
    # ---- probes and lifecycle hooks: exactly one handler ----
    ("pod-probes", V35, POD, OK),
    ("pod-probes", V35, DEPLOYMENT, OK),
    (
        "pod-probes",
        V35,
        patched(POD, **{f"{C}.livenessProbe": {"periodSeconds": 10}}),
        p(*CP, "livenessProbe"),
    ),
    (
        "pod-probes",
        V35,
        patched(
            POD,
            **{
                f"{C}.readinessProbe": {
                    "httpGet": {"path": "/", "port": 80},
                    "tcpSocket": {"port": 80},
                }
            },
        ),
        p(*CP, "readinessProbe", "tcpSocket"),
    ),
    (
        "pod-probes",
        V35,
        patched(POD, **{f"{C}.readinessProbe": {"grpc": {"port": 9090}}}),
        OK,
    ),
    (
        # sleep is a lifecycle handler, not a probe handler
        "pod-probes",
        V35,
        patched(POD, **{f"{C}.livenessProbe": {"sleep": {"seconds": 1}}}),
        p(*CP, "livenessProbe"),
    ),
    (
        "pod-probes",
        V35,
        patched(
            POD,
            **{
                f"{C}.lifecycle": {
                    "postStart": {"exec": {"command": ["a"]}, "sleep": {"seconds": 1}}
                }
            },
        ),
        p(*CP, "lifecycle", "postStart", "sleep"),
    ),
    (
        "pod-probes",
        V35,
        patched(POD, **{f"{C}.lifecycle": {"preStop": {}}}),
        p(*CP, "lifecycle", "preStop"),
    ),
    (
        "pod-probes",
        V35,
        patched(
            POD, **{f"{C}.lifecycle": {"preStop": {"exec": {"command": ["nginx", "-s", "quit"]}}}}
        ),
        OK,
    ),
    (
        "pod-probes",
        V35,
        patched(POD, **{f"{C}.startupProbe": {"exec": {"command": []}}}),
        p(*CP, "startupProbe", "exec", "command"),
    ),
    (
        "pod-probes",
        V35,
        patched(POD, **{f"{C}.livenessProbe.httpGet.port": 0}),
        p(*CP, "livenessProbe", "httpGet", "port"),
    ),
    (
        "pod-probes",
        V35,
        patched(POD, **{f"{C}.livenessProbe.httpGet.port": "8080"}),
        p(*CP, "livenessProbe", "httpGet", "port"),
    ),
    (
        "pod-probes",
        V35,
        patched(POD, **{f"{C}.livenessProbe.httpGet.scheme": "https"}),
        p(*CP, "livenessProbe", "httpGet", "scheme"),
    ),
    (
        "pod-probes",
        V35,
        patched(POD, **{f"{C}.livenessProbe.successThreshold": 2}),
        p(*CP, "livenessProbe", "successThreshold"),
    ),
    ("pod-probes", V35, patched(POD, **{f"{C}.readinessProbe.successThreshold": 2}), OK),
    ("pod-probes", V35, patched(POD, **{f"{C}.livenessProbe.successThreshold": 0}), OK),
    (
        "pod-probes",
        V35,
        patched(POD, **{f"{C}.readinessProbe.timeoutSeconds": -1}),
        p(*CP, "readinessProbe", "timeoutSeconds"),
    ),
    (
        "pod-probes",
        V35,
        patched(POD, **{f"{C}.readinessProbe.terminationGracePeriodSeconds": 10}),
        p(*CP, "readinessProbe", "terminationGracePeriodSeconds"),
    ),
    (
        "pod-probes",
        V35,
        patched(POD, **{f"{C}.livenessProbe.terminationGracePeriodSeconds": 0}),
        p(*CP, "livenessProbe", "terminationGracePeriodSeconds"),
    ),
    (
        "pod-probes",
        V35,
        patched(CRONJOB, **{f"{CRON_POD}.containers.0.livenessProbe": {}}),
        p(*CRON_POD_PATH, "containers", 0, "livenessProbe"),
    ),
    # ---- env: value xor valueFrom, one source ----
    ("pod-env-source", V35, POD, OK),
    (
        "pod-env-source",
        V35,
        patched(POD, **{f"{C}.env.0.valueFrom": {"configMapKeyRef": {"name": "c", "key": "k"}}}),
        p(*CP, "env", 0, "valueFrom"),
    ),
    (
        "pod-env-source",
        V35,
        patched(POD, **{f"{C}.env.2.valueFrom": {}}),
        p(*CP, "env", 2, "valueFrom"),
    ),
    (
        "pod-env-source",
        V35,
        patched(
            POD,
            **{
                f"{C}.env.2.valueFrom.fieldRef": {"fieldPath": "metadata.name"},
            },
        ),
        p(*CP, "env", 2, "valueFrom"),
    ),
    (
        "pod-env-source",
        V35,
        patched(POD, **{f"{C}.env.2.valueFrom.secretKeyRef": None}),
        p(*CP, "env", 2, "valueFrom"),
    ),
    (
        "pod-env-source",
        V35,
        patched(POD, **{f"{C}.envFrom.0.secretRef": {"name": "s"}}),
        p(*CP, "envFrom", 0),
    ),
    (
        "pod-env-source",
        V35,
        patched(POD, **{f"{C}.envFrom": [{"prefix": "A_"}]}),
        p(*CP, "envFrom", 0),
    ),
    # ---- resources ----
    ("pod-resources", V35, POD, OK),
    (
        "pod-resources",
        V35,
        patched(POD, **{f"{C}.resources.limits.memory": "256mb"}),
        p(*CP, "resources", "limits", "memory"),
    ),
    (
        "pod-resources",
        V35,
        patched(POD, **{f"{C}.resources.limits.memory": "1 Gi"}),
        p(*CP, "resources", "limits", "memory"),
    ),
    ("pod-resources", V35, patched(POD, **{f"{C}.resources.limits.memory": " 1Gi "}), OK),
    (
        "pod-resources",
        V35,
        patched(POD, **{f"{C}.resources.limits.cpu": 0.5, f"{C}.resources.requests.cpu": "0.25"}),
        OK,
    ),
    ("pod-resources", V35, patched(POD, **{f"{C}.resources.requests.memory": "1e3"}), OK),
    (
        "pod-resources",
        V35,
        patched(POD, **{f"{C}.resources.requests.memory": "512Mi"}),
        p(*CP, "resources", "requests", "memory"),
    ),
    (
        # 1000m is 1: equal, not greater
        "pod-resources",
        V35,
        patched(POD, **{f"{C}.resources.requests.cpu": "1000m"}),
        OK,
    ),
    (
        "pod-resources",
        V35,
        patched(POD, **{f"{C}.resources.requests.cpu": "1001m"}),
        p(*CP, "resources", "requests", "cpu"),
    ),
    (
        "pod-resources",
        V35,
        patched(POD, **{f"{C}.resources.requests.cpu": "-1"}),
        p(*CP, "resources", "requests", "cpu"),
    ),
    (
        # a limit alone is fine: the request is defaulted to it
        "pod-resources",
        V35,
        patched(POD, **{f"{C}.resources.requests": {"cpu": "250m", "memory": "128Mi"}}),
        OK,
    ),
    (
        "pod-resources",
        V35,
        patched(
            POD,
            **{
                f"{C}.resources": {
                    "requests": {"example.com/gpu": 2},
                    "limits": {"example.com/gpu": 1},
                }
            },
        ),
        p(*CP, "resources", "requests", "example.com/gpu"),
    ),
    (
        # less than the limit is refused too for an extended resource
        "pod-resources",
        V35,
        patched(
            POD,
            **{
                f"{C}.resources": {
                    "requests": {"example.com/gpu": 1},
                    "limits": {"example.com/gpu": 2},
                }
            },
        ),
        p(*CP, "resources", "requests", "example.com/gpu"),
    ),
    (
        "pod-resources",
        V35,
        patched(POD, **{f"{C}.resources": {"requests": {"example.com/gpu": 1}}}),
        p(*CP, "resources", "limits"),
    ),
    (
        "pod-resources",
        V35,
        patched(POD, **{f"{C}.resources": {"limits": {"example.com/gpu": 1}}}),
        OK,
    ),
    (
        "pod-resources",
        V35,
        patched(POD, **{f"{C}.resources": {"limits": {"example.com/gpu": "500m"}}}),
        p(*CP, "resources", "limits", "example.com/gpu"),
    ),
    (
        "pod-resources",
        V35,
        patched(POD, **{f"{C}.resources": {"limits": {"gpu": 1}}}),
        p(*CP, "resources", "limits", "gpu"),
    ),
    (
        "pod-resources",
        V35,
        patched(POD, **{f"{C}.resources": {"limits": {"hugepages-2Mi": "64Mi"}}}),
        p(*CP, "resources"),
    ),
    (
        "pod-resources",
        V35,
        patched(POD, **{f"{C}.resources": {"limits": {"hugepages-2Mi": "64Mi", "memory": "1Gi"}}}),
        OK,
    ),
    (
        "pod-resources",
        V35,
        patched(POD, **{"spec.volumes.1.emptyDir.sizeLimit": "1GB"}),
        p("spec", "volumes", 1, "emptyDir", "sizeLimit"),
    ),
    (
        "pod-resources",
        V35,
        patched(POD, **{"spec.overhead": {"cpu": "250m", "memory": "1,2Gi"}}),
        p("spec", "overhead", "memory"),
    ),
    (
        "pod-resources",
        V35,
        patched(JOB, **{f"{JOB_POD}.containers.0.resources.limits.memory": "64MB"}),
        p("spec", "template", "spec", "containers", 0, "resources", "limits", "memory"),
    ),
    # ---- volumes ----
    ("pod-volumes", V35, POD, OK),
    (
        "pod-volumes",
        V35,
        patched(POD, **{"spec.volumes.0.secret": {"secretName": "tls"}}),
        p("spec", "volumes", 0, "configMap"),
    ),
    (
        "pod-volumes",
        V35,
        patched(POD, **{"spec.volumes.2.name": "config"}),
        p("spec", "volumes", 2, "name"),
    ),
    (
        "pod-volumes",
        V35,
        patched(POD, **{"spec.volumes.2.name": "Scratch"}),
        p("spec", "volumes", 2, "name"),
    ),
    (
        "pod-volumes",
        V35,
        patched(POD, **{"spec.volumes.2.name": DELETE}),
        p("spec", "volumes", 2, "name"),
    ),
    # ---- volume mounts ----
    ("pod-volume-mounts", V35, POD, OK),
    ("pod-volume-mounts", V35, STATEFULSET, OK),
    (
        "pod-volume-mounts",
        V35,
        patched(POD, **{f"{C}.volumeMounts.1.name": "tmp"}),
        p(*CP, "volumeMounts", 1, "name"),
    ),
    (
        "pod-volume-mounts",
        V35,
        patched(POD, **{f"{C}.volumeMounts.2.mountPath": "/etc/web"}),
        p(*CP, "volumeMounts", 2, "mountPath"),
    ),
    (
        # the same path in two containers is fine
        "pod-volume-mounts",
        V35,
        patched(
            POD,
            **{
                "spec.initContainers": [
                    {
                        "name": "init",
                        "image": "busybox",
                        "volumeMounts": [{"name": "config", "mountPath": "/etc/web"}],
                    }
                ]
            },
        ),
        OK,
    ),
    (
        "pod-volume-mounts",
        V35,
        patched(POD, **{f"{C}.volumeMounts.0.mountPath": ""}),
        p(*CP, "volumeMounts", 0, "mountPath"),
    ),
    (
        "pod-volume-mounts",
        V35,
        patched(STATEFULSET, **{f"{STS_POD}.containers.0.volumeMounts.0.name": "logs"}),
        p(*STS_POD_PATH, "containers", 0, "volumeMounts", 0, "name"),
    ),
    (
        # before 1.34 the API server did not validate a StatefulSet's pod template
        "pod-volume-mounts",
        V33,
        patched(STATEFULSET, **{f"{STS_POD}.containers.0.volumeMounts.0.name": "logs"}),
        OK,
    ),
    (
        "pod-containers",
        V33,
        patched(STATEFULSET, **{f"{STS_POD}.containers.0.image": DELETE}),
        OK,
    ),
    (
        "pod-containers",
        V34,
        patched(STATEFULSET, **{f"{STS_POD}.containers.0.image": DELETE}),
        p(*STS_POD_PATH, "containers", 0, "image"),
    ),
    # ---- container names: unique across init, regular and ephemeral containers ----
    (
        "pod-containers",
        V35,
        patched(POD, **{"spec.ephemeralContainers": [{"name": "web", "image": "busybox"}]}),
        p("spec", "ephemeralContainers", 0, "name"),
    ),
    (
        "pod-containers",
        V35,
        patched(POD, **{"spec.ephemeralContainers": [{"name": "debugger", "image": "busybox"}]}),
        OK,
    ),
    # ---- restart policy ----
    ("pod-restart-policy", V35, POD, OK),
    ("pod-restart-policy", V35, patched(POD, **{"spec.restartPolicy": "OnFailure"}), OK),
    (
        "pod-restart-policy",
        V35,
        patched(POD, **{"spec.restartPolicy": "always"}),
        p("spec", "restartPolicy"),
    ),
    (
        "pod-restart-policy",
        V35,
        patched(DEPLOYMENT, **{"spec.template.spec.restartPolicy": "Always"}),
        OK,
    ),
    (
        "pod-restart-policy",
        V35,
        patched(DEPLOYMENT, **{"spec.template.spec.restartPolicy": "Never"}),
        p(*DEP_POD_PATH, "restartPolicy"),
    ),
    (
        # apps validation always checked this, even for StatefulSets before 1.34
        "pod-restart-policy",
        V33,
        patched(STATEFULSET, **{f"{STS_POD}.restartPolicy": "OnFailure"}),
        p(*STS_POD_PATH, "restartPolicy"),
    ),
    (
        "pod-restart-policy",
        V35,
        patched(DEPLOYMENT, **{"spec.template.spec.activeDeadlineSeconds": 60}),
        p(*DEP_POD_PATH, "activeDeadlineSeconds"),
    ),
    ("pod-restart-policy", V35, JOB, OK),
    ("pod-restart-policy", V35, CRONJOB, OK),
    (
        "pod-restart-policy",
        V35,
        patched(JOB, **{f"{JOB_POD}.restartPolicy": DELETE}),
        p("spec", "template", "spec", "restartPolicy"),
    ),
    (
        "pod-restart-policy",
        V35,
        patched(CRONJOB, **{f"{CRON_POD}.restartPolicy": "Always"}),
        p(*CRON_POD_PATH, "restartPolicy"),
    ),
    (
        "pod-restart-policy",
        V35,
        patched(
            JOB,
            **{
                f"{JOB_POD}.restartPolicy": "OnFailure",
                "spec.podFailurePolicy": {
                    "rules": [
                        {"action": "FailJob", "onExitCodes": {"operator": "In", "values": [42]}}
                    ]
                },
            },
        ),
        p("spec", "template", "spec", "restartPolicy"),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_rule(case: Case) -> None:
    check_case(case)


POD_RULES = (
    "pod-probes",
    "pod-env-source",
    "pod-resources",
    "pod-volumes",
    "pod-volume-mounts",
    "pod-restart-policy",
    "pod-containers",
    "pod-container-ports",
    "pod-env",
)


@pytest.mark.parametrize(
    "obj", [POD, JOB, CRONJOB, STATEFULSET, DEPLOYMENT], ids=lambda o: o["kind"]
)
def test_the_example_objects_are_valid_everywhere(obj: dict[str, Any]) -> None:
    for version in VERSIONS:
        assert check_object(obj, version) == [], version


def test_messages_say_what_would_be_valid() -> None:
    [memory] = check_object(patched(POD, **{f"{C}.resources.limits.memory": "256mb"}), V35)
    assert memory.message.startswith("'256mb' is not valid: expected a quantity")
    assert "did you mean 256M or 256Mi?" in memory.message
    [limit] = check_object(patched(POD, **{f"{C}.resources.requests.memory": "512Mi"}), V35)
    assert "must be less than or equal to the memory limit" in limit.message
    [both] = check_object(
        patched(
            POD,
            **{
                f"{C}.lifecycle": {
                    "postStart": {"exec": {"command": ["a"]}, "httpGet": {"port": 80}}
                }
            },
        ),
        V35,
    )
    assert both.message == "may not specify more than 1 handler type: exec is already set"


def test_pod_rules_follow_the_pod_template_of_every_kind() -> None:
    """The same broken container is found in each kind's own pod spec path."""
    broken = {"name": "x", "image": "x", "livenessProbe": {}}
    for obj, path in (
        (POD, p("spec", "containers", 0, "livenessProbe")),
        (JOB, p("spec", "template", "spec", "containers", 0, "livenessProbe")),
        (CRONJOB, (*CRON_POD_PATH, "containers", 0, "livenessProbe")),
        (DEPLOYMENT, p("spec", "template", "spec", "containers", 0, "livenessProbe")),
    ):
        containers_path = ".".join(str(part) for part in path[:-2])
        found = check_object(patched(obj, **{containers_path: [broken]}), V35)
        assert [f.path for f in found if f.rule == "pod-probes"] == [path], obj["kind"]


SHAPES = [POD, JOB, CRONJOB, STATEFULSET, DEPLOYMENT]
PLACES = [
    "spec",
    "spec.containers",
    "spec.volumes",
    "spec.template.spec",
    "spec.template.spec.containers",
    "spec.jobTemplate.spec.template.spec",
    "spec.volumeClaimTemplates",
    "spec.containers.0",
]


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(SHAPES),
    st.lists(st.tuples(st.sampled_from(PLACES), json_values), max_size=3),
)
def test_rules_never_crash_on_malformed_objects(
    base: dict[str, Any], replacements: list[tuple[str, Any]]
) -> None:
    obj = mangle(base, replacements)
    for version in ("1.31", "1.34"):
        check_object(obj, version)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["limits", "requests"]), json_values)
def test_resource_values_of_any_type_never_crash(field: str, value: Any) -> None:
    obj = patched(POD, **{f"{C}.resources.{field}": {"cpu": value, "example.com/x": value}})
    check_object(obj, "1.35")
