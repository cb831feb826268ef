"""ingressgen's own strict CRD schemas, and the CRD-to-strict-schema converter.

The corpus below is checked against the own schemas and, when the upstream CRD
files are available next to the repository, against the upstream CRD schemas
run through `strict_schema_from_crd_version`: both must give the expected verdict.

CEL rules (`x-kubernetes-validations`) are left aside: neither schema carries
them (ingressgen enforces them in code), so objects that only break a CEL rule
count as valid here.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema_rs
import kubernetes_validate
import pytest
import yaml

from ingressgen.validation.schemas import bundles
from ingressgen.validation.schemas.crd_registry import load_own_crd_schemas
from ingressgen.validation.schemas.crd_schema import (
    KUBERNETES_DEFINITIONS_URI,
    OBJECT_META_REF,
    iter_crd_versions,
    strict_schema_from_crd_version,
)

Key = tuple[str, str, str]  # (group, version, kind)

SHARED = Path(__file__).resolve().parents[2] / "shared"
UPSTREAM_CRDS = SHARED / "reference" / "crds"
UPSTREAM_FILES: dict[Key, str] = {
    ("metallb.io", "v1beta1", "IPAddressPool"): "metallb/metallb.io_ipaddresspools.yaml",
    ("metallb.io", "v1beta1", "L2Advertisement"): "metallb/metallb.io_l2advertisements.yaml",
    ("metallb.io", "v1beta1", "BGPAdvertisement"): "metallb/metallb.io_bgpadvertisements.yaml",
    ("metallb.io", "v1beta2", "BGPPeer"): "metallb/metallb.io_bgppeers.yaml",
    ("metallb.io", "v1beta1", "Community"): "metallb/metallb.io_communities.yaml",
    ("networking.cfargotunnel.com", "v1alpha1", "TunnelBinding"): (
        "cloudflare-operator/networking.cfargotunnel.com_tunnelbindings.yaml"
    ),
}
IPPOOL, L2ADV, BGPADV, BGPPEER, COMMUNITY, BINDING = UPSTREAM_FILES


# --------------------------------------------------------------------------- helpers


@functools.cache
def kubernetes_registry() -> jsonschema_rs.Registry:
    folder = Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema"
    path = folder / "v1.34.0-local-strict" / "_definitions.json"
    with path.open(encoding="utf-8") as handle:
        definitions = json.load(handle)
    return jsonschema_rs.Registry([(KUBERNETES_DEFINITIONS_URI, definitions)])


def compile_schema(schema: dict[str, Any], **options: Any) -> Any:
    return jsonschema_rs.validator_for(schema, registry=kubernetes_registry(), **options)


def upstream_available() -> bool:
    return UPSTREAM_CRDS.is_dir()


def require_upstream() -> None:
    if not upstream_available():
        pytest.skip(f"upstream CRD files not found at {UPSTREAM_CRDS}")


def upstream_strict_schema(key: Key) -> dict[str, Any]:
    group, version, kind = key
    with (UPSTREAM_CRDS / UPSTREAM_FILES[key]).open(encoding="utf-8") as handle:
        document = yaml.safe_load(handle)
    for crd_group, crd_kind, crd_version, schema in iter_crd_versions(document):
        if (crd_group, crd_version, crd_kind) == key:
            return strict_schema_from_crd_version(
                schema, api_version=f"{group}/{version}", kind=kind
            )
    raise LookupError(key)


@pytest.fixture(scope="module")
def own_validators() -> dict[Key, Any]:
    return {key: compile_schema(schema) for key, schema in load_own_crd_schemas().items()}


@pytest.fixture(scope="module")
def upstream_validators() -> dict[Key, Any]:
    require_upstream()
    return {key: compile_schema(upstream_strict_schema(key)) for key in UPSTREAM_FILES}


_DELETE = object()


def variant(base: dict[str, Any], *changes: tuple[str, Any]) -> dict[str, Any]:
    """Deep copy of base with dotted paths set (numeric parts index lists) or deleted."""
    result = copy.deepcopy(base)
    for dotted, value in changes:
        *parents, last = [int(p) if p.isdigit() else p for p in dotted.split(".")]
        node: Any = result
        for part in parents:
            node = node[part]
        if value is _DELETE:
            del node[last]
        else:
            node[last] = copy.deepcopy(value)
    return result


def manifest(api_version: str, kind: str, **body: Any) -> dict[str, Any]:
    metadata = {"name": "ingressgen-web", "namespace": "metallb-system"}
    return {"apiVersion": api_version, "kind": kind, "metadata": metadata, **body}


def selector(**labels: str) -> dict[str, Any]:
    return {"matchLabels": dict(labels)}


# --------------------------------------------------------------------------- examples

POOL = manifest(
    "metallb.io/v1beta1",
    "IPAddressPool",
    spec={
        "addresses": ["192.168.10.0/24", "192.168.9.1-192.168.9.5", "fc00:f853:ccd:e799::/124"],
        "autoAssign": False,
        "avoidBuggyIPs": True,
        "serviceAllocation": {
            "priority": 10,
            "namespaces": ["web"],
            "namespaceSelectors": [selector(team="web")],
            "serviceSelectors": [
                {"matchExpressions": [{"key": "app", "operator": "In", "values": ["web"]}]}
            ],
        },
    },
)
L2 = manifest(
    "metallb.io/v1beta1",
    "L2Advertisement",
    spec={
        "ipAddressPools": ["web-pool"],
        "ipAddressPoolSelectors": [selector(tier="edge")],
        "nodeSelectors": [selector(**{"kubernetes.io/hostname": "node-a"})],
        "interfaces": ["eth0"],
    },
)
BGP_AD = manifest(
    "metallb.io/v1beta1",
    "BGPAdvertisement",
    spec={
        "aggregationLength": 32,
        "aggregationLengthV6": 128,
        "localPref": 100,
        "communities": ["65535:65282", "large:64500:1:2", "no-advertise"],
        "ipAddressPools": ["web-pool"],
        "peers": ["router-a"],
        "nodeSelectors": [selector(rack="r1")],
    },
)
PEER = manifest(
    "metallb.io/v1beta2",
    "BGPPeer",
    spec={
        "myASN": 64500,
        "peerASN": 64501,
        "peerAddress": "10.0.0.1",
        "sourceAddress": "10.0.0.2",
        "peerPort": 179,
        "holdTime": "90s",
        "keepaliveTime": "30s",
        "routerID": "10.0.0.2",
        "nodeSelectors": [selector(rack="r1")],
        "passwordSecret": {"name": "bgp-auth", "namespace": "metallb-system"},
        "ebgpMultiHop": False,
    },
)
COMMUNITIES = manifest(
    "metallb.io/v1beta1",
    "Community",
    spec={
        "communities": [
            {"name": "no-advertise", "value": "65535:65282"},
            {"name": "vpn-only", "value": "large:64500:1:2"},
        ]
    },
)
TUNNEL_BINDING = {
    "apiVersion": "networking.cfargotunnel.com/v1alpha1",
    "kind": "TunnelBinding",
    "metadata": {"name": "web", "namespace": "web"},
    "subjects": [
        {
            "kind": "Service",
            "name": "web",
            "spec": {
                "fqdn": "web.example.com",
                "protocol": "http",
                "target": "http://web.web.svc:8080",
                "path": "^/ws(/|$)",
                "noTlsVerify": False,
            },
        }
    ],
    "tunnelRef": {"kind": "ClusterTunnel", "name": "edge", "disableDNSUpdates": False},
}
EXAMPLES: dict[Key, dict[str, Any]] = {
    IPPOOL: POOL,
    L2ADV: L2,
    BGPADV: BGP_AD,
    BGPPEER: PEER,
    COMMUNITY: COMMUNITIES,
    BINDING: TUNNEL_BINDING,
}

# --------------------------------------------------------------------------- corpus
# (case id, object, expected verdict)

Case = tuple[str, dict[str, Any], bool]

POOL_CASES: list[Case] = [
    ("full", POOL, True),
    ("minimal-range", variant(POOL, ("spec", {"addresses": ["10.0.0.1-10.0.0.5"]})), True),
    # Non-empty addresses and CIDR syntax are webhook checks, not schema checks.
    ("empty-addresses", variant(POOL, ("spec.addresses", [])), True),
    ("bad-cidr-text", variant(POOL, ("spec.addresses", ["not-a-cidr"])), True),
    (
        "status",
        variant(
            POOL,
            (
                "status",
                {"assignedIPv4": 1, "assignedIPv6": 0, "availableIPv4": 255, "availableIPv6": 0},
            ),
        ),
        True,
    ),
    (
        "exists-without-values",
        variant(
            POOL,
            (
                "spec.serviceAllocation.serviceSelectors.0.matchExpressions",
                [{"key": "app", "operator": "Exists"}],
            ),
        ),
        True,
    ),
    ("unknown-top", variant(POOL, ("data", {})), False),
    ("unknown-spec-protocol", variant(POOL, ("spec.protocol", "layer2")), False),
    ("unknown-nested", variant(POOL, ("spec.serviceAllocation.priorityClass", "x")), False),
    (
        "unknown-in-selector",
        variant(POOL, ("spec.serviceAllocation.namespaceSelectors.0.matchFields", [])),
        False,
    ),
    ("missing-spec", variant(POOL, ("spec", _DELETE)), False),
    ("missing-addresses", variant(POOL, ("spec.addresses", _DELETE)), False),
    ("addresses-string", variant(POOL, ("spec.addresses", "10.0.0.0/24")), False),
    ("address-int", variant(POOL, ("spec.addresses", [167772160])), False),
    ("autoassign-string", variant(POOL, ("spec.autoAssign", "false")), False),
    ("priority-string", variant(POOL, ("spec.serviceAllocation.priority", "1")), False),
    ("priority-fraction", variant(POOL, ("spec.serviceAllocation.priority", 1.5)), False),
    (
        "expression-without-operator",
        variant(
            POOL,
            ("spec.serviceAllocation.serviceSelectors.0.matchExpressions.0.operator", _DELETE),
        ),
        False,
    ),
    (
        "label-value-int",
        variant(POOL, ("spec.serviceAllocation.namespaceSelectors.0.matchLabels.team", 7)),
        False,
    ),
    ("status-incomplete", variant(POOL, ("status", {"assignedIPv4": 1})), False),
    ("wrong-api-version", variant(POOL, ("apiVersion", "metallb.io/v1alpha1")), False),
    ("wrong-kind", variant(POOL, ("kind", "AddressPool")), False),
    ("missing-api-version", variant(POOL, ("apiVersion", _DELETE)), False),
    ("missing-metadata", variant(POOL, ("metadata", _DELETE)), False),
    ("metadata-unknown-field", variant(POOL, ("metadata.nam", "x")), False),
    ("metadata-label-int", variant(POOL, ("metadata.labels", {"app": 1})), False),
    ("spec-null", variant(POOL, ("spec", None)), False),
]

PREFERRED = [{"weight": 50, "preference": selector(zone="a")}]
L2_CASES: list[Case] = [
    ("full", L2, True),
    ("no-spec", variant(L2, ("spec", _DELETE)), True),
    ("empty-spec", variant(L2, ("spec", {})), True),
    ("service-selectors", variant(L2, ("spec.serviceSelectors", [selector(app="web")])), True),
    # Unreleased (MetalLB main only) but part of the upstream schema.
    ("preferred-node-selectors", variant(L2, ("spec.preferredNodeSelectors", PREFERRED)), True),
    (
        "preferred-weight-1",
        variant(
            L2,
            ("spec.preferredNodeSelectors", PREFERRED),
            ("spec.preferredNodeSelectors.0.weight", 1),
        ),
        True,
    ),
    ("status-empty", variant(L2, ("status", {})), True),
    ("unknown-top", variant(L2, ("ipAddressPools", ["web-pool"])), False),
    ("unknown-spec", variant(L2, ("spec.protocol", "layer2")), False),
    (
        "preferred-weight-0",
        variant(
            L2,
            ("spec.preferredNodeSelectors", PREFERRED),
            ("spec.preferredNodeSelectors.0.weight", 0),
        ),
        False,
    ),
    (
        "preferred-weight-101",
        variant(
            L2,
            ("spec.preferredNodeSelectors", PREFERRED),
            ("spec.preferredNodeSelectors.0.weight", 101),
        ),
        False,
    ),
    (
        "preferred-weight-string",
        variant(
            L2,
            ("spec.preferredNodeSelectors", PREFERRED),
            ("spec.preferredNodeSelectors.0.weight", "50"),
        ),
        False,
    ),
    (
        "preferred-no-preference",
        variant(
            L2,
            ("spec.preferredNodeSelectors", PREFERRED),
            ("spec.preferredNodeSelectors.0.preference", _DELETE),
        ),
        False,
    ),
    (
        "preferred-unknown",
        variant(
            L2,
            ("spec.preferredNodeSelectors", PREFERRED),
            ("spec.preferredNodeSelectors.0.score", 3),
        ),
        False,
    ),
    ("interfaces-string", variant(L2, ("spec.interfaces", "eth0")), False),
    ("node-selectors-object", variant(L2, ("spec.nodeSelectors", selector(a="b"))), False),
    (
        "expression-values-string",
        variant(
            L2,
            (
                "spec.nodeSelectors",
                [{"matchExpressions": [{"key": "a", "operator": "In", "values": "b"}]}],
            ),
        ),
        False,
    ),
    ("status-field", variant(L2, ("status", {"announced": True})), False),
    ("wrong-api-version", variant(L2, ("apiVersion", "metallb.io/v1beta2")), False),
    ("metadata-name-int", variant(L2, ("metadata.name", 5)), False),
]

BGP_AD_CASES: list[Case] = [
    ("full", BGP_AD, True),
    ("no-spec", variant(BGP_AD, ("spec", _DELETE)), True),
    ("aggregation-1", variant(BGP_AD, ("spec.aggregationLength", 1)), True),
    # The schema has no minimum for the v6 length and no maximum for either.
    ("aggregation-v6-0", variant(BGP_AD, ("spec.aggregationLengthV6", 0)), True),
    ("aggregation-64", variant(BGP_AD, ("spec.aggregationLength", 64)), True),
    # format int32 is an annotation only; MetalLB's Go type is uint32.
    ("local-pref-uint32", variant(BGP_AD, ("spec.localPref", 4294967295)), True),
    # Breaks the serviceSelectors/aggregationLength CEL rule: valid for the schemas.
    (
        "cel-only-violation",
        variant(
            BGP_AD,
            ("spec.serviceSelectors", [selector(app="web")]),
            ("spec.aggregationLength", 24),
        ),
        True,
    ),
    ("aggregation-0", variant(BGP_AD, ("spec.aggregationLength", 0)), False),
    ("aggregation-negative", variant(BGP_AD, ("spec.aggregationLength", -1)), False),
    ("aggregation-string", variant(BGP_AD, ("spec.aggregationLength", "32")), False),
    ("communities-string", variant(BGP_AD, ("spec.communities", "65535:65282")), False),
    ("community-int", variant(BGP_AD, ("spec.communities", [65535])), False),
    ("local-pref-fraction", variant(BGP_AD, ("spec.localPref", 1.5)), False),
    ("peer-int", variant(BGP_AD, ("spec.peers", [1])), False),
    ("unknown-spec", variant(BGP_AD, ("spec.community", "x")), False),
    ("unknown-top", variant(BGP_AD, ("peers", ["a"])), False),
    ("status-field", variant(BGP_AD, ("status", {"x": 1})), False),
    ("kind-case", variant(BGP_AD, ("kind", "BgpAdvertisement")), False),
    ("match-labels-list", variant(BGP_AD, ("spec.nodeSelectors.0.matchLabels", ["a"])), False),
    ("missing-metadata", variant(BGP_AD, ("metadata", _DELETE)), False),
]

PEER_CASES: list[Case] = [
    ("full", PEER, True),
    ("minimal", variant(PEER, ("spec", {"myASN": 0})), True),
    # Upstream does not require spec on BGPPeer.
    ("no-spec", variant(PEER, ("spec", _DELETE)), True),
    ("asn-max", variant(PEER, ("spec.myASN", 4294967295), ("spec.peerASN", 4294967295)), True),
    (
        "dynamic-asn",
        variant(PEER, ("spec.peerASN", _DELETE), ("spec.dynamicASN", "external")),
        True,
    ),
    ("local-asn-1", variant(PEER, ("spec.localASN", 1)), True),
    ("port-16384", variant(PEER, ("spec.peerPort", 16384)), True),
    (
        "interface-frr-fields",
        variant(
            PEER,
            ("spec.peerAddress", _DELETE),
            ("spec.interface", "eth1"),
            ("spec.bfdProfile", "fast"),
            ("spec.vrf", "red"),
            ("spec.enableGracefulRestart", True),
            ("spec.disableMP", False),
            ("spec.dualStackAddressFamily", True),
        ),
        True,
    ),
    # Breaks the connectTime CEL rules (whole seconds, >= 1s): valid for the schemas.
    ("cel-only-violation", variant(PEER, ("spec.connectTime", "500ms")), True),
    ("missing-my-asn", variant(PEER, ("spec.myASN", _DELETE)), False),
    ("my-asn-negative", variant(PEER, ("spec.myASN", -1)), False),
    ("my-asn-too-big", variant(PEER, ("spec.myASN", 4294967296)), False),
    ("my-asn-fraction", variant(PEER, ("spec.myASN", 64500.5)), False),
    ("peer-asn-string", variant(PEER, ("spec.peerASN", "64501")), False),
    ("local-asn-0", variant(PEER, ("spec.localASN", 0)), False),
    ("port-0", variant(PEER, ("spec.peerPort", 0)), False),
    ("port-16385", variant(PEER, ("spec.peerPort", 16385)), False),
    ("dynamic-asn-enum", variant(PEER, ("spec.dynamicASN", "auto")), False),
    ("secret-unknown-field", variant(PEER, ("spec.passwordSecret.key", "password")), False),
    ("unknown-spec", variant(PEER, ("spec.peerASNs", [1])), False),
    ("multihop-string", variant(PEER, ("spec.ebgpMultiHop", "yes")), False),
    ("hold-time-int", variant(PEER, ("spec.holdTime", 90)), False),
    ("deprecated-v1beta1", variant(PEER, ("apiVersion", "metallb.io/v1beta1")), False),
    ("metadata-annotation-int", variant(PEER, ("metadata.annotations", {"a": 1})), False),
]

COMMUNITY_CASES: list[Case] = [
    ("full", COMMUNITIES, True),
    ("no-spec", variant(COMMUNITIES, ("spec", _DELETE)), True),
    ("empty-spec", variant(COMMUNITIES, ("spec", {})), True),
    ("empty-list", variant(COMMUNITIES, ("spec.communities", [])), True),
    # Neither name nor value is required by the schema.
    ("empty-item", variant(COMMUNITIES, ("spec.communities", [{}])), True),
    ("name-only", variant(COMMUNITIES, ("spec.communities", [{"name": "x"}])), True),
    ("status-empty", variant(COMMUNITIES, ("status", {})), True),
    ("unknown-item-field", variant(COMMUNITIES, ("spec.communities.0.community", "x")), False),
    ("value-int", variant(COMMUNITIES, ("spec.communities.0.value", 1234)), False),
    ("name-list", variant(COMMUNITIES, ("spec.communities.0.name", ["x"])), False),
    ("communities-object", variant(COMMUNITIES, ("spec.communities", {"x": "1:1"})), False),
    ("unknown-spec", variant(COMMUNITIES, ("spec.community", [])), False),
    ("unknown-top", variant(COMMUNITIES, ("communities", [])), False),
    ("status-field", variant(COMMUNITIES, ("status", {"x": 1})), False),
    ("missing-kind", variant(COMMUNITIES, ("kind", _DELETE)), False),
    ("missing-metadata", variant(COMMUNITIES, ("metadata", _DELETE)), False),
    ("wrong-api-version", variant(COMMUNITIES, ("apiVersion", "metallb.io/v1beta2")), False),
    ("metadata-string", variant(COMMUNITIES, ("metadata", "name")), False),
]

SUBJECT_SPEC = "subjects.0.spec"
BINDING_CASES: list[Case] = [
    ("full", TUNNEL_BINDING, True),
    (
        "minimal",
        variant(
            TUNNEL_BINDING,
            ("subjects", [{"name": "web"}]),
            ("tunnelRef", {"kind": "Tunnel", "name": "t"}),
        ),
        True,
    ),
    ("no-subjects-listed", variant(TUNNEL_BINDING, ("subjects", [])), True),
    # protocol is free text upstream.
    ("protocol-free-text", variant(TUNNEL_BINDING, (f"{SUBJECT_SPEC}.protocol", "quic")), True),
    ("proxy-ipv6", variant(TUNNEL_BINDING, (f"{SUBJECT_SPEC}.proxyAddress", "::1")), True),
    ("proxy-ipv4", variant(TUNNEL_BINDING, (f"{SUBJECT_SPEC}.proxyAddress", "10.0.0.1")), True),
    (
        "proxy-ipv6-full",
        variant(TUNNEL_BINDING, (f"{SUBJECT_SPEC}.proxyAddress", "fd00:1:2:3:4:5:6:7")),
        True,
    ),
    (
        "proxy-socks",
        variant(
            TUNNEL_BINDING,
            (f"{SUBJECT_SPEC}.proxyType", "socks"),
            (f"{SUBJECT_SPEC}.proxyPort", 65535),
        ),
        True,
    ),
    (
        "status",
        variant(
            TUNNEL_BINDING,
            (
                "status",
                {
                    "hostnames": "web.example.com",
                    "services": [{"hostname": "web.example.com", "target": "http://web:80"}],
                },
            ),
        ),
        True,
    ),
    ("spec-wrapper", variant(TUNNEL_BINDING, ("spec", {"subjects": []})), False),
    ("missing-tunnel-ref", variant(TUNNEL_BINDING, ("tunnelRef", _DELETE)), False),
    ("missing-subjects", variant(TUNNEL_BINDING, ("subjects", _DELETE)), False),
    ("tunnel-ref-no-kind", variant(TUNNEL_BINDING, ("tunnelRef.kind", _DELETE)), False),
    ("tunnel-ref-kind-case", variant(TUNNEL_BINDING, ("tunnelRef.kind", "tunnel")), False),
    ("tunnel-ref-unknown", variant(TUNNEL_BINDING, ("tunnelRef.namespace", "x")), False),
    ("subject-no-name", variant(TUNNEL_BINDING, ("subjects.0.name", _DELETE)), False),
    ("proxy-port-65536", variant(TUNNEL_BINDING, (f"{SUBJECT_SPEC}.proxyPort", 65536)), False),
    ("proxy-port-negative", variant(TUNNEL_BINDING, (f"{SUBJECT_SPEC}.proxyPort", -1)), False),
    ("proxy-type-enum", variant(TUNNEL_BINDING, (f"{SUBJECT_SPEC}.proxyType", "http")), False),
    (
        "proxy-hostname",
        variant(TUNNEL_BINDING, (f"{SUBJECT_SPEC}.proxyAddress", "localhost")),
        False,
    ),
    (
        "proxy-leading-zero",
        variant(TUNNEL_BINDING, (f"{SUBJECT_SPEC}.proxyAddress", "127.0.0.01")),
        False,
    ),
    (
        "proxy-v4-mapped",
        variant(TUNNEL_BINDING, (f"{SUBJECT_SPEC}.proxyAddress", "::ffff:10.0.0.1")),
        False,
    ),
    (
        "no-tls-verify-string",
        variant(TUNNEL_BINDING, (f"{SUBJECT_SPEC}.noTlsVerify", "false")),
        False,
    ),
    (
        "origin-request-unknown",
        variant(TUNNEL_BINDING, (f"{SUBJECT_SPEC}.originRequest", {})),
        False,
    ),
    (
        "status-hostnames-list",
        variant(TUNNEL_BINDING, ("status", {"hostnames": ["a"], "services": []})),
        False,
    ),
    ("wrong-group", variant(TUNNEL_BINDING, ("apiVersion", "cfargotunnel.com/v1alpha1")), False),
    ("metadata-unknown-field", variant(TUNNEL_BINDING, ("metadata.label", {})), False),
]

CORPUS: dict[Key, list[Case]] = {
    IPPOOL: POOL_CASES,
    L2ADV: L2_CASES,
    BGPADV: BGP_AD_CASES,
    BGPPEER: PEER_CASES,
    COMMUNITY: COMMUNITY_CASES,
    BINDING: BINDING_CASES,
}


def corpus_params() -> list[Any]:
    return [
        pytest.param(key, obj, expected, id=f"{key[2]}-{case_id}")
        for key, cases in CORPUS.items()
        for case_id, obj, expected in cases
    ]


# --------------------------------------------------------------------------- own schemas


def test_registry_finds_every_own_schema() -> None:
    assert set(load_own_crd_schemas()) == set(UPSTREAM_FILES)
    # The bundler finds a schema by its file name (<group>/<kind>_<version>.json) before it
    # reads it: a misnamed file would leave its kind without a schema.
    for key in UPSTREAM_FILES:
        assert bundles.bundled_schema("1.34", key) is not None, key
    assert bundles.bundled_schema("1.34", ("metallb.io", "v1beta1", "BGPPeer")) is None


def test_corpus_size() -> None:
    for key, cases in CORPUS.items():
        minimum = 10 if key == BINDING else 15
        assert len(cases) >= minimum, key
        assert {True, False} <= {expected for _, _, expected in cases}, key


@pytest.mark.parametrize("key", list(UPSTREAM_FILES), ids=lambda key: key[2])
def test_own_schema_compiles_and_accepts_example(key: Key, own_validators: dict[Key, Any]) -> None:
    schema = load_own_crd_schemas()[key]
    group, version, kind = key
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == (
        f"https://ingressgen.dev/schemas/crds/{group}/{kind.lower()}_{version}.json"
    )
    assert schema["properties"]["metadata"] == {"$ref": OBJECT_META_REF}
    assert "metadata" in schema["required"]
    own_validators[key].validate(EXAMPLES[key])


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


@pytest.mark.parametrize("key", list(UPSTREAM_FILES), ids=lambda key: key[2])
def test_own_schema_is_closed_and_self_contained(key: Key) -> None:
    for node in _walk(load_own_crd_schemas()[key]):
        if node.get("type") == "object":
            assert "additionalProperties" in node, node
        ref = node.get("$ref")
        if isinstance(ref, str):
            assert ref.startswith("#/$defs/") or ref == OBJECT_META_REF, ref
        assert not any(str(k).startswith("x-kubernetes-") for k in node), node


@pytest.mark.parametrize(("key", "obj", "expected"), corpus_params())
def test_own_schema_verdict(
    key: Key, obj: dict[str, Any], expected: bool, own_validators: dict[Key, Any]
) -> None:
    assert own_validators[key].is_valid(obj) is expected


# --------------------------------------------------------------------------- upstream


@pytest.mark.parametrize(("key", "obj", "expected"), corpus_params())
def test_upstream_schema_gives_same_verdict(
    key: Key,
    obj: dict[str, Any],
    expected: bool,
    own_validators: dict[Key, Any],
    upstream_validators: dict[Key, Any],
) -> None:
    own = own_validators[key].is_valid(obj)
    upstream = upstream_validators[key].is_valid(obj)
    assert own is upstream is expected


def _resolve(node: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node and node["$ref"].startswith("#/$defs/"):
        node = {**root["$defs"][node["$ref"].removeprefix("#/$defs/")], **node}
        del node["$ref"]
    return node


_COMPARED = ("type", "minimum", "maximum", "default")


def _assert_same_shape(own: Any, upstream: Any, root: dict[str, Any], path: str) -> None:
    if not isinstance(own, dict) or not isinstance(upstream, dict):
        assert own == upstream, path
        return
    own = _resolve(own, root)
    for keyword in _COMPARED:
        assert own.get(keyword) == upstream.get(keyword), f"{path}: {keyword}"
    assert set(own.get("enum", [])) == set(upstream.get("enum", [])), f"{path}: enum"
    assert set(own.get("required", [])) == set(upstream.get("required", [])), path
    assert ("pattern" in own) == ("pattern" in upstream), path
    assert set(own.get("properties", {})) == set(upstream.get("properties", {})), path
    for name, child in own.get("properties", {}).items():
        if name != "metadata":
            _assert_same_shape(child, upstream["properties"][name], root, f"{path}.{name}")
    for keyword in ("items", "additionalProperties"):
        assert (keyword in own) == (keyword in upstream), f"{path}: {keyword}"
        if keyword in own:
            _assert_same_shape(own[keyword], upstream[keyword], root, f"{path}[{keyword}]")


@pytest.mark.parametrize("key", list(UPSTREAM_FILES), ids=lambda key: key[2])
def test_own_schema_has_upstream_shape(key: Key) -> None:
    require_upstream()
    own = load_own_crd_schemas()[key]
    _assert_same_shape(own, upstream_strict_schema(key), own, key[2])


def test_proxy_address_pattern_matches_upstream(upstream_validators: dict[Key, Any]) -> None:
    own = compile_schema(load_own_crd_schemas()[BINDING])
    addresses = [
        "0.0.0.0", "255.255.255.255", "256.0.0.1", "1.2.3", "01.2.3.4", "1.2.3.4.5",
        "::", "::1", "1::", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8",
        "1::8", "1:2::7:8", "1:2:3:4:5:6:7:8:9", "1::2::3", "12345::", "g::1", ":1",
        "fe80::1%eth0", "", " 1.2.3.4", "1.2.3.4\n",
    ]  # fmt: skip
    for address in addresses:
        obj = variant(TUNNEL_BINDING, (f"{SUBJECT_SPEC}.proxyAddress", address))
        assert own.is_valid(obj) is upstream_validators[BINDING].is_valid(obj), address


# --------------------------------------------------------------------------- no fetching


def _refuse_fetch(uri: str) -> Any:
    raise RuntimeError(f"attempted to fetch {uri}")


def test_failing_retriever_is_really_consulted() -> None:
    with pytest.raises(
        Exception, match=re.escape("attempted to fetch https://example.invalid/x.json")
    ):
        compile_schema({"$ref": "https://example.invalid/x.json"}, retriever=_refuse_fetch)


@pytest.mark.parametrize("key", list(UPSTREAM_FILES), ids=lambda key: key[2])
def test_nothing_is_fetched(key: Key) -> None:
    schemas = [load_own_crd_schemas()[key]]
    if upstream_available():
        schemas.append(upstream_strict_schema(key))
    for schema in schemas:
        validator = compile_schema(schema, retriever=_refuse_fetch)
        assert validator.is_valid(EXAMPLES[key])
        assert not validator.is_valid(variant(EXAMPLES[key], ("metadata.bogus", 1)))


# --------------------------------------------------------------------------- converter


def convert(schema: dict[str, Any]) -> dict[str, Any]:
    return strict_schema_from_crd_version(schema, api_version="example.com/v1", kind="Widget")


def widget(**fields: Any) -> dict[str, Any]:
    return {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, **fields}


def spec_schema(**properties: Any) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "apiVersion": {"type": "string"},
            "kind": {"type": "string"},
            "metadata": {"type": "object"},
            "spec": {"type": "object", "properties": properties},
        },
    }


def test_converter_pins_identity_and_metadata() -> None:
    source = spec_schema(size={"type": "integer"})
    original = copy.deepcopy(source)
    strict = convert(source)
    assert source == original
    assert strict["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert strict["properties"]["apiVersion"] == {"type": "string", "enum": ["example.com/v1"]}
    assert strict["properties"]["kind"] == {"type": "string", "enum": ["Widget"]}
    assert strict["properties"]["metadata"] == {"$ref": OBJECT_META_REF}
    assert set(strict["required"]) == {"apiVersion", "kind", "metadata"}
    validator = compile_schema(strict)
    assert validator.is_valid(widget(spec={"size": 1}))
    assert not validator.is_valid(widget(spec={"size": 1}, extra=True))
    assert not validator.is_valid(widget(spec={"size": 1, "extra": True}))
    assert not validator.is_valid({**widget(), "kind": "Gadget"})
    assert not validator.is_valid({**widget(), "metadata": {"name": 1}})


def test_converter_open_root_stays_open() -> None:
    strict = convert({"type": "object", "x-kubernetes-preserve-unknown-fields": True})
    assert "additionalProperties" not in strict
    validator = compile_schema(strict)
    assert validator.is_valid(widget(data={"anything": 1}))
    assert not validator.is_valid({**widget(), "kind": "Gadget"})


def test_converter_nullable() -> None:
    strict = convert(
        spec_schema(
            note={"type": "string", "nullable": True},
            mode={"type": "string", "enum": ["a", "b"], "nullable": True},
        )
    )
    note = strict["properties"]["spec"]["properties"]["note"]
    assert note == {"type": ["string", "null"]}
    validator = compile_schema(strict)
    assert validator.is_valid(widget(spec={"note": None, "mode": None}))
    assert validator.is_valid(widget(spec={"note": "x", "mode": "a"}))
    assert not validator.is_valid(widget(spec={"note": 1}))
    assert not validator.is_valid(widget(spec={"mode": "c"}))


def test_converter_int_or_string() -> None:
    strict = convert(
        spec_schema(
            port={"x-kubernetes-int-or-string": True},
            surge={
                "x-kubernetes-int-or-string": True,
                "anyOf": [{"type": "integer"}, {"type": "string"}],
            },
        )
    )
    properties = strict["properties"]["spec"]["properties"]
    assert properties["port"] == {"type": ["integer", "string"]}
    assert "x-kubernetes-int-or-string" not in properties["surge"]
    validator = compile_schema(strict)
    for value in (8080, "http"):
        assert validator.is_valid(widget(spec={"port": value, "surge": value}))
    for value in (1.5, True, None, ["x"]):
        assert not validator.is_valid(widget(spec={"port": value}))
        assert not validator.is_valid(widget(spec={"surge": value}))


def test_converter_preserve_unknown_fields() -> None:
    strict = convert(
        spec_schema(
            config={
                "type": "object",
                "x-kubernetes-preserve-unknown-fields": True,
                "properties": {
                    "known": {"type": "string"},
                    "nested": {"type": "object", "properties": {"a": {"type": "string"}}},
                },
            },
            raw={"x-kubernetes-preserve-unknown-fields": True},
        )
    )
    config = strict["properties"]["spec"]["properties"]["config"]
    assert "additionalProperties" not in config
    assert config["properties"]["nested"]["additionalProperties"] is False
    validator = compile_schema(strict)
    assert validator.is_valid(widget(spec={"config": {"known": "x", "anything": [1, {"b": 2}]}}))
    assert validator.is_valid(widget(spec={"raw": {"a": 1}}))
    assert validator.is_valid(widget(spec={"raw": [1, 2]}))
    assert not validator.is_valid(widget(spec={"config": {"known": 1}}))
    assert not validator.is_valid(widget(spec={"config": {"nested": {"b": "x"}}}))


def test_converter_keeps_map_schemas() -> None:
    strict = convert(
        spec_schema(
            labels={"type": "object", "additionalProperties": {"type": "string"}},
            ports={
                "type": "object",
                "additionalProperties": {
                    "type": "object",
                    "properties": {"port": {"type": "integer"}},
                },
            },
        )
    )
    properties = strict["properties"]["spec"]["properties"]
    assert properties["labels"]["additionalProperties"] == {"type": "string"}
    assert properties["ports"]["additionalProperties"]["additionalProperties"] is False
    validator = compile_schema(strict)
    assert validator.is_valid(widget(spec={"labels": {"a": "b"}, "ports": {"web": {"port": 80}}}))
    assert not validator.is_valid(widget(spec={"labels": {"a": 1}}))
    assert not validator.is_valid(widget(spec={"ports": {"web": {"port": 80, "proto": "x"}}}))


def test_converter_drops_cel_and_kubernetes_extensions() -> None:
    cel = [{"rule": "self.size > 0", "message": "size must be positive"}]
    source = spec_schema(
        size={"type": "integer", "x-kubernetes-validations": cel},
        hosts={
            "type": "array",
            "items": {"type": "string"},
            "x-kubernetes-list-type": "atomic",
        },
        ref={"type": "object", "x-kubernetes-map-type": "atomic", "properties": {}},
    )
    source["properties"]["spec"]["x-kubernetes-validations"] = cel
    strict = convert(source)
    for node in _walk(strict):
        assert not any(str(k).startswith("x-kubernetes-") for k in node), node
    validator = compile_schema(strict)
    # The CEL rule is gone: a negative size passes the schema.
    assert validator.is_valid(widget(spec={"size": -1, "hosts": ["a", "a"]}))


def test_converter_list_type_set_means_unique_items() -> None:
    strict = convert(
        spec_schema(
            tags={"type": "array", "items": {"type": "string"}, "x-kubernetes-list-type": "set"}
        )
    )
    validator = compile_schema(strict)
    assert validator.is_valid(widget(spec={"tags": ["a", "b"]}))
    assert not validator.is_valid(widget(spec={"tags": ["a", "a"]}))


def test_converter_closes_propertyless_objects() -> None:
    strict = convert(spec_schema(extra={"type": "object"}))
    assert strict["properties"]["spec"]["properties"]["extra"]["additionalProperties"] is False
    validator = compile_schema(strict)
    assert validator.is_valid(widget(spec={"extra": {}}))
    assert not validator.is_valid(widget(spec={"extra": {"a": 1}}))


def test_converter_leaves_logical_branches_open() -> None:
    strict = convert(
        spec_schema(
            target={
                "type": "object",
                "properties": {"host": {"type": "string"}, "ip": {"type": "string"}},
                "oneOf": [
                    {"required": ["host"], "properties": {"host": {"minLength": 1}}},
                    {"required": ["ip"]},
                ],
            }
        )
    )
    validator = compile_schema(strict)
    assert validator.is_valid(widget(spec={"target": {"host": "a"}}))
    assert validator.is_valid(widget(spec={"target": {"ip": "10.0.0.1"}}))
    assert not validator.is_valid(widget(spec={"target": {"host": "a", "ip": "10.0.0.1"}}))
    assert not validator.is_valid(widget(spec={"target": {"host": "a", "port": 1}}))


def test_converter_embedded_resource() -> None:
    strict = convert(
        spec_schema(
            template={
                "type": "object",
                "x-kubernetes-embedded-resource": True,
                "properties": {"spec": {"type": "object", "properties": {}}},
            }
        )
    )
    validator = compile_schema(strict)
    embedded = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "spec": {}}
    assert validator.is_valid(widget(spec={"template": embedded}))
    assert not validator.is_valid(widget(spec={"template": {**embedded, "data": {}}}))
    assert not validator.is_valid(widget(spec={"template": {**embedded, "metadata": {"x": 1}}}))


def _crd(*versions: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {
            "group": "example.com",
            "names": {"kind": "Widget", "plural": "widgets"},
            "scope": "Namespaced",
            "versions": list(versions),
        },
    }


def test_iter_crd_versions_served_only() -> None:
    schema = {"type": "object"}
    document = _crd(
        {"name": "v1", "served": True, "storage": True, "schema": {"openAPIV3Schema": schema}},
        {"name": "v0", "served": False, "storage": False, "schema": {"openAPIV3Schema": schema}},
    )
    assert list(iter_crd_versions(document)) == [("example.com", "Widget", "v1", schema)]
    with pytest.raises(ValueError, match="not a CustomResourceDefinition"):
        list(iter_crd_versions({"kind": "ConfigMap"}))


def test_iter_crd_versions_on_upstream_bgppeer() -> None:
    require_upstream()
    with (UPSTREAM_CRDS / UPSTREAM_FILES[BGPPEER]).open(encoding="utf-8") as handle:
        document = yaml.safe_load(handle)
    found = [(group, kind, version) for group, kind, version, _ in iter_crd_versions(document)]
    assert found == [("metallb.io", "BGPPeer", "v1beta1"), ("metallb.io", "BGPPeer", "v1beta2")]


def test_every_upstream_crd_converts_and_compiles() -> None:
    require_upstream()
    compiled = 0
    for path in sorted(UPSTREAM_CRDS.glob("*/*.yaml")):
        with path.open(encoding="utf-8") as handle:
            document = yaml.safe_load(handle)
        for group, kind, version, schema in iter_crd_versions(document):
            strict = strict_schema_from_crd_version(
                schema, api_version=f"{group}/{version}", kind=kind
            )
            compile_schema(strict, retriever=_refuse_fetch)
            compiled += 1
    assert compiled >= len(UPSTREAM_FILES)
