"""Every API-server rule on both sides: a case it must accept and a case it must refuse.

Each case names the rule, the Kubernetes version, the object and either None (the rule must not
fire) or the field path it must report. A meta-test checks that every registered rule has cases
on both sides.
"""

from __future__ import annotations

import base64
import copy
import importlib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingressgen.validation.findings import WARNING
from ingressgen.validation.rules import all_rules, check_object
from tests.conftest import REPO

DELETE = object()


def patched(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """Copy of `base` with dotted paths set ("spec.ports.0.name"); DELETE removes a key.

    Double underscores in a keyword stand for dots, so `spec__type="X"` sets spec.type.
    """
    data = copy.deepcopy(base)
    for dotted, value in changes.items():
        *parents, last = dotted.replace("__", ".").split(".")
        node: Any = data
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
        if isinstance(node, list):
            node[int(last)] = value
        elif value is DELETE:
            node.pop(last, None)
        else:
            node[last] = value
    return data


SERVICE: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "Service",
    "metadata": {"name": "web", "namespace": "apps", "labels": {"app": "web"}},
    "spec": {
        "selector": {"app": "web"},
        "ports": [{"name": "http", "protocol": "TCP", "port": 80, "targetPort": 8080}],
    },
}
LB = patched(SERVICE, spec__type="LoadBalancer")
INGRESS: dict[str, Any] = {
    "apiVersion": "networking.k8s.io/v1",
    "kind": "Ingress",
    "metadata": {"name": "web", "namespace": "apps"},
    "spec": {
        "ingressClassName": "nginx",
        "rules": [
            {
                "host": "web.example.com",
                "http": {
                    "paths": [
                        {
                            "path": "/",
                            "pathType": "Prefix",
                            "backend": {"service": {"name": "web", "port": {"number": 80}}},
                        }
                    ]
                },
            }
        ],
    },
}
PATH0 = "spec.rules.0.http.paths.0"
CONFIGMAP: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "ConfigMap",
    "metadata": {"name": "settings", "namespace": "apps"},
    "data": {"config.yaml": "a: 1\n"},
}
DEPLOYMENT: dict[str, Any] = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web", "namespace": "apps"},
    "spec": {
        "replicas": 2,
        "selector": {"matchLabels": {"app": "web"}},
        "template": {
            "metadata": {"labels": {"app": "web", "tier": "front"}},
            "spec": {
                "containers": [
                    {
                        "name": "web",
                        "image": "nginx:1.27",
                        "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
                        "env": [{"name": "PORT", "value": "8080"}],
                    }
                ]
            },
        },
    },
}
POD = "spec.template.spec"
CONTAINER = f"{POD}.containers.0"
CONTAINER_PATH = ("spec", "template", "spec", "containers", 0)
PDB: dict[str, Any] = {
    "apiVersion": "policy/v1",
    "kind": "PodDisruptionBudget",
    "metadata": {"name": "web", "namespace": "apps"},
    "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "web"}}},
}


def p(*parts: str | int) -> tuple[str | int, ...]:
    return parts


V35, V36 = "1.35", "1.36"
OK = None

# (rule, version, object, None or the path the rule reports)
CASES: list[tuple[str, str, dict[str, Any], tuple[str | int, ...] | None]] = [
    # ---- metadata ----
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
    # ---- Service ----
    ("service-type", V35, patched(SERVICE, spec__type="NodePort"), OK),
    ("service-type", V35, patched(SERVICE, spec__type="Loadbalancer"), p("spec", "type")),
    ("service-type", V35, patched(LB, spec__clusterIP="None"), p("spec", "clusterIP")),
    ("service-type", V35, patched(SERVICE, spec__clusterIP="None"), OK),
    ("service-ports", V35, SERVICE, OK),
    ("service-ports", V35, patched(SERVICE, spec__ports=[]), p("spec", "ports")),
    ("service-ports", V35, patched(SERVICE, spec__ports=[], spec__clusterIP="None"), OK),
    (
        "service-ports",
        V35,
        patched(
            SERVICE,
            spec__ports=DELETE,
            spec__type="ExternalName",
            spec__externalName="db.example.com",
        ),
        OK,
    ),
    (
        "service-ports",
        V35,
        patched(SERVICE, **{"spec.ports.0.port": 0}),
        p("spec", "ports", 0, "port"),
    ),
    (
        "service-ports",
        V35,
        patched(SERVICE, **{"spec.ports.0.port": 65536}),
        p("spec", "ports", 0, "port"),
    ),
    (
        "service-ports",
        V35,
        patched(SERVICE, **{"spec.ports.0.protocol": "tcp"}),
        p("spec", "ports", 0, "protocol"),
    ),
    (
        "service-ports",
        V35,
        patched(SERVICE, spec__ports=[{"name": "a", "port": 53}, {"name": "b", "port": 53}]),
        p("spec", "ports", 1),
    ),
    (
        "service-ports",
        V35,
        patched(
            SERVICE,
            spec__ports=[{"name": "a", "port": 53}, {"name": "b", "port": 53, "protocol": "UDP"}],
        ),
        OK,
    ),
    ("service-port-name", V35, patched(SERVICE, **{"spec.ports.0.name": DELETE}), OK),
    (
        "service-port-name",
        V35,
        patched(SERVICE, spec__ports=[{"name": "a", "port": 80}, {"port": 81}]),
        p("spec", "ports", 1, "name"),
    ),
    ("service-port-name", V35, patched(SERVICE, **{"spec.ports.0.name": "8080"}), OK),
    (
        "service-port-name",
        V35,
        patched(SERVICE, **{"spec.ports.0.name": "Web"}),
        p("spec", "ports", 0, "name"),
    ),
    (
        "service-port-name",
        V35,
        patched(SERVICE, spec__ports=[{"name": "a", "port": 80}, {"name": "a", "port": 81}]),
        p("spec", "ports", 1, "name"),
    ),
    ("service-target-port", V35, SERVICE, OK),
    ("service-target-port", V35, patched(SERVICE, **{"spec.ports.0.targetPort": "http"}), OK),
    ("service-target-port", V35, patched(SERVICE, **{"spec.ports.0.targetPort": 0}), OK),
    (
        "service-target-port",
        V35,
        patched(SERVICE, **{"spec.ports.0.targetPort": "8080"}),
        p("spec", "ports", 0, "targetPort"),
    ),
    (
        "service-target-port",
        V35,
        patched(SERVICE, **{"spec.ports.0.targetPort": 70000}),
        p("spec", "ports", 0, "targetPort"),
    ),
    (
        "service-target-port",
        V35,
        patched(SERVICE, **{"spec.ports.0.targetPort": "http_1"}),
        p("spec", "ports", 0, "targetPort"),
    ),
    (
        "service-target-port",
        V35,
        patched(SERVICE, **{"spec.ports.0.targetPort": "a-very-long-name"}),
        p("spec", "ports", 0, "targetPort"),
    ),
    (
        "service-app-protocol",
        V35,
        patched(SERVICE, **{"spec.ports.0.appProtocol": "kubernetes.io/ws"}),
        OK,
    ),
    (
        "service-app-protocol",
        V35,
        patched(SERVICE, **{"spec.ports.0.appProtocol": "a/b/c"}),
        p("spec", "ports", 0, "appProtocol"),
    ),
    (
        "service-node-port",
        V35,
        patched(SERVICE, spec__type="NodePort", **{"spec.ports.0.nodePort": 30080}),
        OK,
    ),
    (
        "service-node-port",
        V35,
        patched(SERVICE, **{"spec.ports.0.nodePort": 30080}),
        p("spec", "ports", 0, "nodePort"),
    ),
    (
        "service-node-port",
        V35,
        patched(
            SERVICE,
            spec__type="NodePort",
            spec__ports=[
                {"name": "a", "port": 80, "nodePort": 30080},
                {"name": "b", "port": 81, "nodePort": 30080},
            ],
        ),
        p("spec", "ports", 1, "nodePort"),
    ),
    ("service-node-port-range", V35, patched(LB, **{"spec.ports.0.nodePort": 32767}), OK),
    (
        "service-node-port-range",
        V35,
        patched(LB, **{"spec.ports.0.nodePort": 8080}),
        p("spec", "ports", 0, "nodePort"),
    ),
    (
        "service-session-affinity",
        V35,
        patched(
            SERVICE,
            spec__sessionAffinity="ClientIP",
            spec__sessionAffinityConfig={"clientIP": {"timeoutSeconds": 86400}},
        ),
        OK,
    ),
    (
        "service-session-affinity",
        V35,
        patched(
            SERVICE,
            spec__sessionAffinity="ClientIP",
            spec__sessionAffinityConfig={"clientIP": {"timeoutSeconds": 86401}},
        ),
        p("spec", "sessionAffinityConfig", "clientIP", "timeoutSeconds"),
    ),
    (
        "service-session-affinity",
        V35,
        patched(
            SERVICE,
            spec__sessionAffinity="ClientIP",
            spec__sessionAffinityConfig={"clientIP": {"timeoutSeconds": 0}},
        ),
        p("spec", "sessionAffinityConfig", "clientIP", "timeoutSeconds"),
    ),
    (
        "service-session-affinity",
        V35,
        patched(
            SERVICE,
            spec__sessionAffinity="None",
            spec__sessionAffinityConfig={"clientIP": {"timeoutSeconds": 0}},
        ),
        OK,
    ),
    (
        "service-session-affinity",
        V35,
        patched(SERVICE, spec__sessionAffinity="Sticky"),
        p("spec", "sessionAffinity"),
    ),
    ("service-traffic-policy", V35, patched(LB, spec__externalTrafficPolicy="Local"), OK),
    (
        "service-traffic-policy",
        V35,
        patched(SERVICE, spec__externalTrafficPolicy="Local"),
        p("spec", "externalTrafficPolicy"),
    ),
    (
        "service-traffic-policy",
        V35,
        patched(SERVICE, spec__externalTrafficPolicy="Local", spec__externalIPs=["192.0.2.10"]),
        OK,
    ),
    (
        "service-traffic-policy",
        V35,
        patched(LB, spec__externalTrafficPolicy="local"),
        p("spec", "externalTrafficPolicy"),
    ),
    (
        "service-traffic-policy",
        V35,
        patched(LB, spec__externalTrafficPolicy="Cluster", spec__healthCheckNodePort=30100),
        p("spec", "healthCheckNodePort"),
    ),
    (
        "service-traffic-policy",
        V35,
        patched(LB, spec__externalTrafficPolicy="Local", spec__healthCheckNodePort=30100),
        OK,
    ),
    ("service-traffic-policy", V35, patched(SERVICE, spec__internalTrafficPolicy="Local"), OK),
    (
        "service-traffic-policy",
        V35,
        patched(SERVICE, spec__internalTrafficPolicy="Nearby"),
        p("spec", "internalTrafficPolicy"),
    ),
    (
        "service-load-balancer-fields",
        V35,
        patched(LB, spec__loadBalancerSourceRanges=["10.0.0.0/8"]),
        OK,
    ),
    (
        "service-load-balancer-fields",
        V35,
        patched(SERVICE, spec__loadBalancerSourceRanges=["10.0.0.0/8"]),
        p("spec", "loadBalancerSourceRanges"),
    ),
    (
        "service-load-balancer-fields",
        V35,
        patched(
            SERVICE,
            spec__type="NodePort",
            metadata__annotations={
                "service.beta.kubernetes.io/load-balancer-source-ranges": "10.0.0.0/8"
            },
        ),
        p("metadata", "annotations", "service.beta.kubernetes.io/load-balancer-source-ranges"),
    ),
    (
        "service-load-balancer-fields",
        V35,
        patched(SERVICE, spec__allocateLoadBalancerNodePorts=False),
        p("spec", "allocateLoadBalancerNodePorts"),
    ),
    (
        "service-load-balancer-fields",
        V35,
        patched(LB, spec__loadBalancerClass="example.com/internal"),
        OK,
    ),
    (
        "service-load-balancer-fields",
        V35,
        patched(LB, spec__loadBalancerClass="a/b/c"),
        p("spec", "loadBalancerClass"),
    ),
    (
        "service-load-balancer-fields",
        V35,
        patched(SERVICE, spec__type="NodePort", spec__loadBalancerClass="example.com/internal"),
        p("spec", "loadBalancerClass"),
    ),
    (
        "service-source-ranges",
        V36,
        patched(LB, spec__loadBalancerSourceRanges=["10.0.0.0/8", " 192.0.2.0/24 "]),
        OK,
    ),
    ("service-source-ranges", V35, patched(LB, spec__loadBalancerSourceRanges=["10.1.2.3/8"]), OK),
    (
        "service-source-ranges",
        V36,
        patched(LB, spec__loadBalancerSourceRanges=["10.1.2.3/8"]),
        p("spec", "loadBalancerSourceRanges", 0),
    ),
    ("service-source-ranges", V35, patched(LB, spec__loadBalancerSourceRanges=["010.0.0.0/8"]), OK),
    (
        "service-source-ranges",
        V36,
        patched(LB, spec__loadBalancerSourceRanges=["010.0.0.0/8"]),
        p("spec", "loadBalancerSourceRanges", 0),
    ),
    ("service-source-ranges", V35, patched(LB, spec__loadBalancerSourceRanges=["10.0.0.0/08"]), OK),
    (
        "service-source-ranges",
        V36,
        patched(LB, spec__loadBalancerSourceRanges=["10.0.0.0/08"]),
        p("spec", "loadBalancerSourceRanges", 0),
    ),
    (
        "service-source-ranges",
        V35,
        patched(LB, spec__loadBalancerSourceRanges=["::ffff:1.1.1.0/120"]),
        OK,
    ),
    (
        "service-source-ranges",
        V36,
        patched(LB, spec__loadBalancerSourceRanges=["::ffff:1.1.1.0/120"]),
        p("spec", "loadBalancerSourceRanges", 0),
    ),
    (
        "service-source-ranges",
        V36,
        patched(LB, spec__loadBalancerSourceRanges=["2001:DB8::/64"]),
        OK,
    ),
    (
        "service-source-ranges",
        V35,
        patched(LB, spec__loadBalancerSourceRanges=["10.0.0.0"]),
        p("spec", "loadBalancerSourceRanges", 0),
    ),
    (
        "service-source-ranges",
        V35,
        patched(LB, spec__loadBalancerSourceRanges=["1.2.3.4/33"]),
        p("spec", "loadBalancerSourceRanges", 0),
    ),
    (
        "service-source-ranges",
        V35,
        patched(
            LB,
            metadata__annotations={
                "service.beta.kubernetes.io/load-balancer-source-ranges": "10.0.0.0/8, nope"
            },
        ),
        p("metadata", "annotations", "service.beta.kubernetes.io/load-balancer-source-ranges"),
    ),
    (
        "service-source-ranges",
        V35,
        patched(
            LB,
            metadata__annotations={
                "service.beta.kubernetes.io/load-balancer-source-ranges": "10.0.0.0/8, 192.0.2.0/24"
            },
        ),
        OK,
    ),
    (
        "service-external-name",
        V35,
        patched(SERVICE, spec__type="ExternalName", spec__externalName="db.example.com."),
        OK,
    ),
    (
        "service-external-name",
        V35,
        patched(SERVICE, spec__type="ExternalName"),
        p("spec", "externalName"),
    ),
    (
        "service-external-name",
        V35,
        patched(SERVICE, spec__type="ExternalName", spec__externalName="db_example"),
        p("spec", "externalName"),
    ),
    (
        "service-external-name",
        V35,
        patched(
            SERVICE,
            spec__type="ExternalName",
            spec__externalName="db.example.com",
            spec__clusterIP="10.0.0.1",
        ),
        p("spec", "clusterIP"),
    ),
    (
        "service-external-ips",
        V36,
        patched(SERVICE, spec__externalIPs=["192.0.2.10", "2001:db8::1"]),
        OK,
    ),
    *[
        (
            "service-external-ips",
            V35,
            patched(SERVICE, spec__externalIPs=[bad]),
            p("spec", "externalIPs", 0),
        )
        for bad in (
            "127.0.0.1",
            "169.254.1.1",
            "0.0.0.0",
            "fe80::1",
            "224.0.0.5",
            "ff02::1",
            "::1",
            "bogus",
            "fe80::1%eth0",
        )
    ],
    ("service-external-ips", V35, patched(SERVICE, spec__externalIPs=["010.1.1.1"]), OK),
    (
        "service-external-ips",
        V36,
        patched(SERVICE, spec__externalIPs=["010.1.1.1"]),
        p("spec", "externalIPs", 0),
    ),
    ("service-external-ips", V35, patched(SERVICE, spec__externalIPs=["::ffff:192.0.2.1"]), OK),
    (
        "service-external-ips",
        V36,
        patched(SERVICE, spec__externalIPs=["::ffff:192.0.2.1"]),
        p("spec", "externalIPs", 0),
    ),
    ("service-selector", V35, SERVICE, OK),
    (
        "service-selector",
        V35,
        patched(SERVICE, spec__selector={"a b": "x"}),
        p("spec", "selector", "a b"),
    ),
    # ---- Ingress ----
    ("ingress-rules-or-default", V35, INGRESS, OK),
    (
        "ingress-rules-or-default",
        V35,
        patched(
            INGRESS,
            spec__rules=DELETE,
            spec__defaultBackend={"service": {"name": "web", "port": {"number": 80}}},
        ),
        OK,
    ),
    ("ingress-rules-or-default", V35, patched(INGRESS, spec__rules=[]), p("spec")),
    *[
        ("ingress-host", V35, patched(INGRESS, **{"spec.rules.0.host": good}), OK)
        for good in ("a.example.com", "*.example.com", "1.2.3", "a" * 64 + ".example.com")
    ],
    *[
        (
            "ingress-host",
            V35,
            patched(INGRESS, **{"spec.rules.0.host": bad}),
            p("spec", "rules", 0, "host"),
        )
        for bad in (
            "1.2.3.4",
            "010.001.002.003",
            "::1",
            "*",
            "*.*.example.com",
            "f*.example.com",
            "*bar.com",
            "example.com:443",
            "Example.com",
            "example.com.",
            "https://example.com",
        )
    ],
    ("ingress-paths", V35, INGRESS, OK),
    *[
        (
            "ingress-paths",
            V35,
            patched(INGRESS, **{f"{PATH0}.path": good, f"{PATH0}.pathType": kind}),
            OK,
        )
        for good, kind in (
            ("/.well-known", "Exact"),
            ("/foo/..bar", "Prefix"),
            ("", "ImplementationSpecific"),
            ("/([a-z0-9]*)[", "ImplementationSpecific"),
        )
    ],
    *[
        (
            "ingress-paths",
            V35,
            patched(INGRESS, **{f"{PATH0}.path": bad, f"{PATH0}.pathType": kind}),
            p("spec", "rules", 0, "http", "paths", 0, "path"),
        )
        for bad, kind in (
            ("ws", "Prefix"),
            ("", "Exact"),
            ("/a//b", "Prefix"),
            ("/a/./b", "Prefix"),
            ("/a/../b", "Exact"),
            ("/a%2Fb", "Prefix"),
            ("/a%2fb", "Prefix"),
            ("/a/..", "Prefix"),
            ("/a/.", "Exact"),
            ("ws", "ImplementationSpecific"),
        )
    ],
    (
        "ingress-paths",
        V35,
        patched(INGRESS, **{f"{PATH0}.pathType": DELETE}),
        p("spec", "rules", 0, "http", "paths", 0, "pathType"),
    ),
    (
        "ingress-paths",
        V35,
        patched(INGRESS, **{f"{PATH0}.pathType": "prefix"}),
        p("spec", "rules", 0, "http", "paths", 0, "pathType"),
    ),
    (
        "ingress-paths",
        V35,
        patched(INGRESS, **{"spec.rules.0.http.paths": []}),
        p("spec", "rules", 0, "http", "paths"),
    ),
    ("ingress-backend", V35, INGRESS, OK),
    ("ingress-backend", V36, patched(INGRESS, **{f"{PATH0}.backend.service.name": "1abc"}), OK),
    (
        "ingress-backend",
        V35,
        patched(INGRESS, **{f"{PATH0}.backend.service.name": "1abc"}),
        p("spec", "rules", 0, "http", "paths", 0, "backend", "service", "name"),
    ),
    (
        "ingress-backend",
        V35,
        patched(INGRESS, **{f"{PATH0}.backend.service.port": {"name": "http", "number": 80}}),
        p("spec", "rules", 0, "http", "paths", 0, "backend", "service", "port"),
    ),
    (
        "ingress-backend",
        V35,
        patched(INGRESS, **{f"{PATH0}.backend.service.port": {"number": 0}}),
        p("spec", "rules", 0, "http", "paths", 0, "backend", "service", "port"),
    ),
    (
        "ingress-backend",
        V35,
        patched(INGRESS, **{f"{PATH0}.backend.service.port": {"name": "http"}}),
        OK,
    ),
    (
        "ingress-backend",
        V35,
        patched(INGRESS, **{f"{PATH0}.backend.service.port": {"name": "HTTP"}}),
        p("spec", "rules", 0, "http", "paths", 0, "backend", "service", "port", "name"),
    ),
    (
        "ingress-backend",
        V35,
        patched(INGRESS, **{f"{PATH0}.backend.service.port": {"number": 70000}}),
        p("spec", "rules", 0, "http", "paths", 0, "backend", "service", "port", "number"),
    ),
    (
        "ingress-backend",
        V35,
        patched(INGRESS, **{f"{PATH0}.backend.resource": {"kind": "Bucket", "name": "b"}}),
        p("spec", "rules", 0, "http", "paths", 0, "backend"),
    ),
    (
        "ingress-backend",
        V35,
        patched(
            INGRESS,
            **{
                f"{PATH0}.backend": {
                    "resource": {"apiGroup": "example.com", "kind": "Bucket", "name": "b"}
                }
            },
        ),
        OK,
    ),
    (
        "ingress-backend",
        V35,
        patched(INGRESS, **{f"{PATH0}.backend": {"resource": {"kind": "Bucket"}}}),
        p("spec", "rules", 0, "http", "paths", 0, "backend", "resource", "name"),
    ),
    (
        "ingress-backend",
        V35,
        patched(INGRESS, spec__defaultBackend={"service": {"name": "web"}}),
        p("spec", "defaultBackend", "service", "port"),
    ),
    (
        "ingress-tls",
        V35,
        patched(
            INGRESS,
            spec__tls=[
                {"hosts": ["a.example.com", "*.example.com", "192.0.2.1"], "secretName": "tls"}
            ],
        ),
        OK,
    ),
    ("ingress-tls", V35, patched(INGRESS, spec__tls=[{}]), OK),
    (
        "ingress-tls",
        V35,
        patched(INGRESS, spec__tls=[{"hosts": ["Bad_host"]}]),
        p("spec", "tls", 0, "hosts", 0),
    ),
    (
        "ingress-tls",
        V35,
        patched(INGRESS, spec__tls=[{"secretName": "Bad"}]),
        p("spec", "tls", 0, "secretName"),
    ),
    ("ingress-class-name", V35, INGRESS, OK),
    (
        "ingress-class-name",
        V35,
        patched(INGRESS, spec__ingressClassName=""),
        p("spec", "ingressClassName"),
    ),
    (
        "ingress-class-name",
        V35,
        patched(INGRESS, spec__ingressClassName="Nginx"),
        p("spec", "ingressClassName"),
    ),
    (
        "ingress-class-name",
        V35,
        patched(INGRESS, metadata__annotations={"kubernetes.io/ingress.class": "traefik"}),
        p("spec", "ingressClassName"),
    ),
    (
        "ingress-class-name",
        V35,
        patched(INGRESS, metadata__annotations={"kubernetes.io/ingress.class": "nginx"}),
        OK,
    ),
    # ---- ConfigMap ----
    ("configmap-keys", V35, patched(CONFIGMAP, data={"config.yaml": "", "A_b-c": ""}), OK),
    *[
        ("configmap-keys", V35, patched(CONFIGMAP, data={bad: ""}), p("data", bad))
        for bad in ("a b", ".", "..", "..x", "a/b", "k" * 254)
    ],
    (
        "configmap-keys",
        V35,
        patched(CONFIGMAP, data={"k": ""}, binaryData={"k": ""}),
        p("binaryData", "k"),
    ),
    ("configmap-size", V35, patched(CONFIGMAP, data={"a": "x" * (1024 * 1024)}), OK),
    ("configmap-size", V35, patched(CONFIGMAP, data={"a": "x" * (1024 * 1024 + 1)}), p()),
    (
        "configmap-size",
        V35,
        patched(
            CONFIGMAP,
            data={"a": "x" * 1024 * 1023},
            binaryData={"b": base64.b64encode(b"y" * 1025).decode()},
        ),
        p(),
    ),
    (
        "configmap-size",
        V35,
        patched(
            CONFIGMAP,
            data={"a": "x" * 1024 * 1023},
            binaryData={"b": base64.b64encode(b"y" * 1024).decode()},
        ),
        OK,
    ),
    # ---- Deployment, pod templates ----
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


def _case_id(case: tuple[str, str, dict[str, Any], Any]) -> str:
    rule, version, _, expected = case
    return f"{rule}-{version}-{'ok' if expected is None else 'bad'}"


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_rule(case: tuple[str, str, dict[str, Any], tuple[str | int, ...] | None]) -> None:
    rule, version, obj, expected = case
    fired = [f for f in check_object(obj, version) if f.rule == rule]
    if expected is None:
        assert fired == [], fired
    else:
        assert expected in [f.path for f in fired], fired
        assert all(f.message for f in fired)


def _cases_of_every_rule_module() -> list[tuple[str, str, dict[str, Any], Any]]:
    """These cases and the CASES of each tests/test_rules_<module>.py."""
    cases = list(CASES)
    for path in sorted(Path(__file__).parent.glob("test_rules_*.py")):
        cases += getattr(importlib.import_module(f"tests.{path.stem}"), "CASES", [])
    return cases


def test_every_rule_is_tested_on_both_sides() -> None:
    cases = _cases_of_every_rule_module()
    accepted = {rule for rule, _, _, expected in cases if expected is None}
    refused = {rule for rule, _, _, expected in cases if expected is not None}
    ids = {rule.id for rule in all_rules()}
    assert ids - accepted == set(), "rules without a case they accept"
    assert ids - refused == set(), "rules without a case they refuse"
    assert (accepted | refused) - ids == set(), "cases for rules that do not exist"


def test_every_rule_documents_itself() -> None:
    for rule in all_rules():
        assert len(rule.doc) > 40, rule.id
        assert rule.severity in ("error", "warning")


def test_the_readme_lists_every_rule() -> None:
    readme = (REPO / "README.md").read_text()
    table = readme.split("### The rules", 1)[1].split("###", 1)[0]
    listed = {line.split("`")[1] for line in table.splitlines() if line.startswith("| `")}
    assert listed == {rule.id for rule in all_rules()}


def test_the_example_objects_are_valid_everywhere() -> None:
    for obj in (SERVICE, LB, INGRESS, CONFIGMAP, DEPLOYMENT, PDB):
        for version in ("1.25", "1.31", "1.32", "1.35", "1.36", "1.37"):
            assert check_object(obj, version) == [], (obj["kind"], version)


def test_node_port_range_is_only_a_warning() -> None:
    findings = check_object(patched(LB, **{"spec.ports.0.nodePort": 8080}), "1.35")
    assert [f.severity for f in findings] == [WARNING]


def test_messages_say_what_would_be_valid() -> None:
    [finding] = check_object(patched(SERVICE, metadata__name="1abc"), "1.35")
    assert finding.message.startswith("'1abc' is not valid: expected a DNS-1035 label")
    assert "1.36" in finding.message
    [cidr] = check_object(patched(LB, spec__loadBalancerSourceRanges=["10.1.2.3/8"]), "1.36")
    assert "did you mean 10.0.0.0/8?" in cidr.message


def test_rules_only_apply_to_their_group() -> None:
    """A custom resource that happens to be called Service is not a core Service."""
    custom = patched(SERVICE, apiVersion="serving.knative.dev/v1", spec={"template": {}})
    assert [f.rule for f in check_object(custom, "1.35")] == []


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(["name", "spec", "ports", "port", "x", "0"]), children, max_size=3
        )
    ),
    max_leaves=12,
)
SHAPES = [SERVICE, INGRESS, CONFIGMAP, DEPLOYMENT, PDB]


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(SHAPES),
    st.lists(st.tuples(st.sampled_from(["metadata", "spec", "data"]), json_values), max_size=3),
)
def test_rules_never_crash_on_malformed_objects(
    base: dict[str, Any], replacements: list[tuple[str, Any]]
) -> None:
    """Schema-invalid input (any type anywhere) gives findings or none, never an exception."""
    obj = copy.deepcopy(base)
    for key, value in replacements:
        obj[key] = value
    for version in ("1.31", "1.36"):
        check_object(obj, version)
