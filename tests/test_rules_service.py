"""The Service rules (validation/rules/service.py).

For each rule, a case it must accept and a case it must refuse.
"""

from __future__ import annotations

import pytest

from ingressgen.validation.findings import WARNING
from ingressgen.validation.rules import check_object
from tests.rules_helpers import (
    DELETE,
    LB,
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
]


@pytest.mark.parametrize("case", CASES, ids=case_ids(CASES))
def test_rule(case: Case) -> None:
    check_case(case)


def test_node_port_range_is_only_a_warning() -> None:
    findings = check_object(patched(LB, **{"spec.ports.0.nodePort": 8080}), "1.35")
    assert [f.severity for f in findings] == [WARNING]
