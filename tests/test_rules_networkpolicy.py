"""NetworkPolicy rules (ingressgen/validation/rules/networkpolicy.py) on both sides, with the
cases k8s_validation_rules.md section 6 lists."""

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

POLICY: dict[str, Any] = {
    "apiVersion": "networking.k8s.io/v1",
    "kind": "NetworkPolicy",
    "metadata": {"name": "api", "namespace": "apps"},
    "spec": {
        "podSelector": {"matchLabels": {"app": "api"}},
        "policyTypes": ["Ingress", "Egress"],
        "ingress": [
            {
                "from": [
                    {"ipBlock": {"cidr": "172.17.0.0/16", "except": ["172.17.1.0/24"]}},
                    {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "web"}}},
                    {
                        "namespaceSelector": {"matchLabels": {"team": "a"}},
                        "podSelector": {
                            "matchExpressions": [{"key": "role", "operator": "Exists"}]
                        },
                    },
                    {"podSelector": {}},
                ],
                "ports": [
                    {"protocol": "TCP", "port": 6379},
                    {"port": "http"},
                    {"protocol": "UDP", "port": 32000, "endPort": 32768},
                ],
            }
        ],
        "egress": [
            {"to": [{"ipBlock": {"cidr": "2001:db8::/32", "except": ["2001:db8:1::/48"]}}]},
            {"ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]},
        ],
    },
}
DENY_ALL: dict[str, Any] = {
    "apiVersion": "networking.k8s.io/v1",
    "kind": "NetworkPolicy",
    "metadata": {"name": "default-deny", "namespace": "apps"},
    "spec": {"podSelector": {}, "policyTypes": ["Ingress"]},
}
FROM = "spec.ingress.0.from"
PORTS = "spec.ingress.0.ports"


def peer(index: int, *rest: str | int) -> tuple[str | int, ...]:
    return ("spec", "ingress", 0, "from", index, *rest)


def port(index: int, *rest: str | int) -> tuple[str | int, ...]:
    return ("spec", "ingress", 0, "ports", index, *rest)


V35, V36 = "1.35", "1.36"
OK = None

CASES: list[Case] = [
    # ---- pod selector ----
    ("networkpolicy-pod-selector", V35, POLICY, OK),
    ("networkpolicy-pod-selector", V35, DENY_ALL, OK),
    (
        "networkpolicy-pod-selector",
        V35,
        patched(POLICY, spec__podSelector={"matchExpressions": [{"key": "app", "operator": "In"}]}),
        p("spec", "podSelector", "matchExpressions", 0, "values"),
    ),
    (
        "networkpolicy-pod-selector",
        V35,
        patched(POLICY, spec__podSelector={"matchLabels": {"app": "-api"}}),
        p("spec", "podSelector", "matchLabels", "app"),
    ),
    # ---- peers ----
    ("networkpolicy-peers", V35, POLICY, OK),
    ("networkpolicy-peers", V35, patched(POLICY, **{f"{FROM}.3": {}}), peer(3)),
    (
        "networkpolicy-peers",
        V35,
        patched(POLICY, **{f"{FROM}.0.podSelector": {}}),
        peer(0),
    ),
    (
        "networkpolicy-peers",
        V35,
        patched(
            POLICY,
            **{
                f"{FROM}.1.namespaceSelector": {
                    "matchExpressions": [{"key": "x", "operator": "Exists", "values": ["a"]}]
                }
            },
        ),
        peer(1, "namespaceSelector", "matchExpressions", 0, "values"),
    ),
    # ---- ipBlock ----
    ("networkpolicy-ip-block", V35, POLICY, OK),
    ("networkpolicy-ip-block", V36, POLICY, OK),
    (
        "networkpolicy-ip-block",
        V35,
        patched(POLICY, **{f"{FROM}.0.ipBlock.cidr": "10.0.0.0/33"}),
        peer(0, "ipBlock", "cidr"),
    ),
    (
        "networkpolicy-ip-block",
        V35,
        patched(POLICY, **{f"{FROM}.0.ipBlock.cidr": "10.0.0/8"}),
        peer(0, "ipBlock", "cidr"),
    ),
    (
        "networkpolicy-ip-block",
        V35,
        patched(POLICY, **{f"{FROM}.0.ipBlock": {"except": ["10.0.0.0/8"]}}),
        peer(0, "ipBlock", "cidr"),
    ),
    # host bits: accepted before 1.36, refused from 1.36 (StrictIPCIDRValidation)
    (
        "networkpolicy-ip-block",
        V35,
        patched(POLICY, **{f"{FROM}.0.ipBlock.cidr": "172.17.0.1/16"}),
        OK,
    ),
    (
        "networkpolicy-ip-block",
        V36,
        patched(POLICY, **{f"{FROM}.0.ipBlock.cidr": "172.17.0.1/16"}),
        peer(0, "ipBlock", "cidr"),
    ),
    (
        "networkpolicy-ip-block",
        V35,
        patched(POLICY, **{f"{FROM}.0.ipBlock.except": ["10.1.0.0/24"]}),
        peer(0, "ipBlock", "except", 0),
    ),
    (
        # equal, not a strict subset
        "networkpolicy-ip-block",
        V35,
        patched(POLICY, **{f"{FROM}.0.ipBlock.except": ["172.17.0.0/16"]}),
        peer(0, "ipBlock", "except", 0),
    ),
    (
        "networkpolicy-ip-block",
        V35,
        patched(POLICY, **{f"{FROM}.0.ipBlock.except": ["172.16.0.0/12"]}),
        peer(0, "ipBlock", "except", 0),
    ),
    (
        "networkpolicy-ip-block",
        V35,
        patched(POLICY, **{f"{FROM}.0.ipBlock.except": ["2001:db8::/48"]}),
        peer(0, "ipBlock", "except", 0),
    ),
    (
        "networkpolicy-ip-block",
        V35,
        patched(POLICY, **{f"{FROM}.0.ipBlock.except": ["172.17.1.0/24", "172.17.300.0/24"]}),
        peer(0, "ipBlock", "except", 1),
    ),
    ("networkpolicy-ip-block", V35, patched(POLICY, **{f"{FROM}.0.ipBlock.cidr": "0.0.0.0/0"}), OK),
    # ---- ports ----
    ("networkpolicy-ports", V35, POLICY, OK),
    (
        "networkpolicy-ports",
        V35,
        patched(POLICY, **{f"{PORTS}.0.protocol": "tcp"}),
        port(0, "protocol"),
    ),
    (
        "networkpolicy-ports",
        V35,
        patched(POLICY, **{f"{PORTS}.0.protocol": "ICMP"}),
        port(0, "protocol"),
    ),
    ("networkpolicy-ports", V35, patched(POLICY, **{f"{PORTS}.0.port": 0}), port(0, "port")),
    ("networkpolicy-ports", V35, patched(POLICY, **{f"{PORTS}.0.port": 65536}), port(0, "port")),
    ("networkpolicy-ports", V35, patched(POLICY, **{f"{PORTS}.0.port": "6379"}), port(0, "port")),
    ("networkpolicy-ports", V35, patched(POLICY, **{f"{PORTS}.0.port": DELETE}), OK),
    (
        "networkpolicy-ports",
        V35,
        patched(POLICY, **{f"{PORTS}.2.endPort": 31999}),
        port(2, "endPort"),
    ),
    ("networkpolicy-ports", V35, patched(POLICY, **{f"{PORTS}.2.endPort": 32000}), OK),
    (
        "networkpolicy-ports",
        V35,
        patched(POLICY, **{f"{PORTS}.2.endPort": 70000}),
        port(2, "endPort"),
    ),
    ("networkpolicy-ports", V35, patched(POLICY, **{f"{PORTS}.1.endPort": 90}), port(1, "endPort")),
    (
        "networkpolicy-ports",
        V35,
        patched(POLICY, **{f"{PORTS}.2.port": DELETE}),
        port(2, "endPort"),
    ),
    (
        "networkpolicy-ports",
        V35,
        patched(POLICY, **{"spec.egress.1.ports.0.port": "dns_udp"}),
        p("spec", "egress", 1, "ports", 0, "port"),
    ),
    # ---- policy types ----
    ("networkpolicy-policy-types", V35, POLICY, OK),
    ("networkpolicy-policy-types", V35, patched(POLICY, spec__policyTypes=DELETE), OK),
    # duplicates are not refused
    (
        "networkpolicy-policy-types",
        V35,
        patched(POLICY, spec__policyTypes=["Egress", "Egress"]),
        OK,
    ),
    (
        "networkpolicy-policy-types",
        V35,
        patched(POLICY, spec__policyTypes=["ingress"]),
        p("spec", "policyTypes", 0),
    ),
    (
        "networkpolicy-policy-types",
        V35,
        patched(POLICY, spec__policyTypes=["Ingress", "Egress", "Ingress"]),
        p("spec", "policyTypes"),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_rule(case: Case) -> None:
    check_case(case)


@pytest.mark.parametrize("obj", [POLICY, DENY_ALL], ids=lambda o: o["metadata"]["name"])
def test_the_example_objects_are_valid_everywhere(obj: dict[str, Any]) -> None:
    for version in VERSIONS:
        assert check_object(obj, version) == [], version


def test_messages_say_what_would_be_valid() -> None:
    [finding] = check_object(patched(POLICY, **{f"{FROM}.0.ipBlock.cidr": "10.0.0.0/33"}), V35)
    assert finding.message.startswith("'10.0.0.0/33' must be a valid CIDR")
    [finding] = check_object(patched(POLICY, **{f"{FROM}.0.ipBlock.cidr": "172.17.0.1/16"}), V36)
    assert "did you mean 172.17.0.0/16?" in finding.message


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(
                [
                    "spec",
                    "spec.ingress",
                    FROM,
                    f"{FROM}.0",
                    f"{FROM}.0.ipBlock",
                    PORTS,
                    "spec.policyTypes",
                ]
            ),
            json_values
            | st.sampled_from(["10.0.0.0/8", "::ffff:10.0.0.0/104", "1.2.3.4/40", "x/8"]),
        ),
        max_size=3,
    ),
)
def test_rules_never_crash_on_malformed_objects(replacements: list[tuple[str, Any]]) -> None:
    for version in (V35, V36):
        check_object(mangle(POLICY, replacements), version)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(
        [
            "10.0.0.0/8",
            "10.0.0.1/8",
            "::ffff:10.0.0.0/104",
            "2001:db8::/32",
            "0.0.0.0/0",
            "010.0.0.0/8",
        ]
    ),
    st.sampled_from(
        [
            "10.1.0.0/16",
            "::ffff:10.1.0.0/112",
            "10.0.0.0/8",
            "2001:db8:1::/48",
            "1.2.3.4/32",
            "10.1.0.0/016",
        ]
    ),
)
def test_except_checks_never_crash(cidr: str, entry: str) -> None:
    obj = patched(POLICY, **{f"{FROM}.0.ipBlock": {"cidr": cidr, "except": [entry]}})
    for version in (V35, V36):
        check_object(obj, version)
