"""Every profile constraint refuses its bad value with a file:line:col message naming the field."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingressgen.errors import InputError
from ingressgen.loading import LoadOptions, load_profile_file, load_profiles
from ingressgen.pipeline import check_profile
from tests.conftest import cloudflare_profile, dump, metallb_profile

LOCATED = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<path>[^ ]+): (?P<msg>.+)$")


def _errors(tmp_path: Path, data: dict[str, Any] | str, **options: Any) -> list[str]:
    file = tmp_path / "profile.yaml"
    file.write_text(data if isinstance(data, str) else dump(data))
    try:
        loaded = load_profile_file(file, LoadOptions(base_dir=tmp_path, **options))
    except InputError as error:
        return [str(p) for p in error.problems]
    assert loaded is not None
    problems = check_profile(loaded)
    assert problems, "the profile loaded and passed every check"
    return [str(p) for p in InputError(problems=problems).problems]


BAD_VALUES = [
    # (profile, field path in the message, fragment of the message)
    (metallb_profile(**{"metadata.name": "1chat"}), "metadata.name", "DNS-1035"),
    (metallb_profile(**{"metadata.name": "Chat"}), "metadata.name", "DNS-1035"),
    (metallb_profile(**{"metadata.name": "a" * 64}), "metadata.name", "63"),
    (
        metallb_profile(**{"metadata.namespace": "apps.prod"}),
        "metadata.namespace",
        "DNS-1123 label",
    ),
    (metallb_profile(**{"metadata.labels": {"bad key!": "x"}}), "metadata.labels", "label key"),
    (metallb_profile(**{"metadata.labels": {"k": "-bad"}}), "metadata.labels", "label value"),
    (
        metallb_profile(**{"metadata.annotations": {"a/b/c": "x"}}),
        "metadata.annotations",
        "annotation key",
    ),
    (
        metallb_profile(**{"metadata.annotations": {"big": "x" * 300000}}),
        "metadata.annotations",
        "262144",
    ),
    (metallb_profile(**{"spec.exposure": "nginx"}), "spec.exposure", "expected one of"),
    (metallb_profile(**{"spec.kubernetesVersion": 1.34}), "spec.kubernetesVersion", "quoted"),
    (metallb_profile(**{"spec.kubernetesVersion": "1.20"}), "spec.kubernetesVersion", "1.25"),
    (metallb_profile(**{"spec.hostname": "Chat.example.com"}), "spec.hostname", "lower-case"),
    (metallb_profile(**{"spec.hostname": "203.0.113.1"}), "spec.hostname", "never an IP"),
    (metallb_profile(**{"spec.hostname": "chat.example.com:443"}), "spec.hostname", "port"),
    (metallb_profile(**{"spec.hostname": "*.*.example.com"}), "spec.hostname", "'*.'"),
    (metallb_profile(**{"spec.protocol": "udp"}), "spec.protocol", "expected one of"),
    (
        metallb_profile(**{"spec.service.port": 0}),
        "spec.service.port",
        "0 is not a valid port (1..65535)",
    ),
    (metallb_profile(**{"spec.service.port": 65536}), "spec.service.port", "(1..65535)"),
    (metallb_profile(**{"spec.service.port": "8080"}), "spec.service.port", "whole number"),
    (metallb_profile(**{"spec.service.port": True}), "spec.service.port", "whole number"),
    (
        metallb_profile(**{"spec.service.targetPort": "8080"}),
        "spec.service.targetPort",
        "without quotes",
    ),
    (
        metallb_profile(**{"spec.service.targetPort": "Web_Port"}),
        "spec.service.targetPort",
        "port name",
    ),
    (metallb_profile(**{"spec.service.targetPort": 70000}), "spec.service.targetPort", "1..65535"),
    (metallb_profile(**{"spec.service.name": "Svc"}), "spec.service.name", "DNS-1035"),
    (
        metallb_profile(**{"spec.service.selector": {}}),
        "spec.service.selector",
        "must not be empty",
    ),
    (
        metallb_profile(**{"spec.service.selector": None}),
        "spec.service.selector",
        "required when exposure is metallb",
    ),
    (metallb_profile(**{"spec.service.replicas": 0}), "spec.service.replicas", "replica count"),
    (metallb_profile(**{"spec.websocket.path": "ws"}), "spec.websocket.path", "starting with '/'"),
    (metallb_profile(**{"spec.websocket.path": "/a//b"}), "spec.websocket.path", "'//'"),
    (metallb_profile(**{"spec.websocket.path": "/a/.."}), "spec.websocket.path", "'/..'"),
    (metallb_profile(**{"spec.websocket.path": "/a b"}), "spec.websocket.path", "no spaces"),
    (
        metallb_profile(**{"spec.websocket.heartbeatSeconds": 0}),
        "spec.websocket.heartbeatSeconds",
        "1..3600",
    ),
    (
        metallb_profile(**{"spec.websocket.sessionAffinity": "yes"}),
        "spec.websocket.sessionAffinity",
        "true or false",
    ),
    (
        metallb_profile(**{"spec.protocol": "http"}),
        "spec.websocket",
        "only allowed with protocol: websocket",
    ),
    (
        metallb_profile(**{"spec.metallb": None}),
        "spec.metallb",
        "required when exposure is metallb",
    ),
    (metallb_profile(**{"spec.metallb.addressPool": None}), "spec.metallb.addressPool", "required"),
    (
        metallb_profile(**{"spec.metallb.addressPool": "Public"}),
        "spec.metallb.addressPool",
        "DNS-1123 subdomain",
    ),
    (
        metallb_profile(**{"spec.metallb.namespace": "MetalLB"}),
        "spec.metallb.namespace",
        "DNS-1123 label",
    ),
    (metallb_profile(**{"spec.metallb.version": "0.14"}), "spec.metallb.version", "X.Y.Z"),
    (
        metallb_profile(**{"spec.metallb.addresses": ["203.0.113.10"]}),
        "spec.metallb.addresses[0]",
        "bare IP",
    ),
    (
        metallb_profile(**{"spec.metallb.addresses": ["203.0.113.300/32"]}),
        "spec.metallb.addresses[0]",
        "invalid CIDR",
    ),
    (
        metallb_profile(**{"spec.metallb.addresses": ["10.0.0.9-10.0.0.1"]}),
        "spec.metallb.addresses[0]",
        "after the end",
    ),
    (
        metallb_profile(**{"spec.metallb.addresses": None, "spec.metallb.createPool": True}),
        "spec.metallb.addresses",
        "required when createPool",
    ),
    (
        metallb_profile(**{"spec.metallb.loadBalancerIPs": ["203.0.113.99"]}),
        "spec.metallb.loadBalancerIPs[0]",
        "outside the pool",
    ),
    (
        metallb_profile(**{"spec.metallb.loadBalancerIPs": ["203.0.113.1", "203.0.113.2"]}),
        "spec.metallb.loadBalancerIPs",
        "at most one per IP family",
    ),
    (
        metallb_profile(**{"spec.metallb.loadBalancerIPs": ["not-an-ip"]}),
        "spec.metallb.loadBalancerIPs[0]",
        "not an IP",
    ),
    (
        metallb_profile(**{"spec.metallb.advertisement": "ospf"}),
        "spec.metallb.advertisement",
        "expected one of",
    ),
    (
        metallb_profile(**{"spec.metallb.externalTrafficPolicy": "local"}),
        "spec.metallb.externalTrafficPolicy",
        "expected one of",
    ),
    (
        metallb_profile(
            **{
                "spec.websocket.sessionAffinity": True,
                "spec.metallb.sessionAffinityTimeoutSeconds": 86401,
            }
        ),
        "spec.metallb.sessionAffinityTimeoutSeconds",
        "1..86400",
    ),
    (
        metallb_profile(**{"spec.metallb.sessionAffinityTimeoutSeconds": 60}),
        "spec.metallb.sessionAffinityTimeoutSeconds",
        "sessionAffinity: true",
    ),
    (
        metallb_profile(**{"spec.metallb.serviceName": "x" * 64}),
        "spec.metallb.serviceName",
        "DNS-1035",
    ),
    (metallb_profile(**{"metadata.name": "a" * 61}), "metadata.name", "derived Service name"),
    (
        metallb_profile(**{"metadata.labels": {"app.kubernetes.io/managed-by": "me"}}),
        'metadata.labels["app.kubernetes.io/managed-by"]',
        "set by ingressgen",
    ),
    (
        metallb_profile(**{"metadata.annotations": {"metallb.io/address-pool": "x"}}),
        'metadata.annotations["metallb.io/address-pool"]',
        "set by ingressgen",
    ),
    (
        cloudflare_profile(**{"spec.hostname": None}),
        "spec.hostname",
        "required when exposure is cloudflare-tunnel",
    ),
    (cloudflare_profile(**{"spec.cloudflareTunnel": None}), "spec.cloudflareTunnel", "required"),
    (
        cloudflare_profile(**{"spec.cloudflareTunnel.tunnel": None}),
        "spec.cloudflareTunnel.tunnel",
        "required in cloudflared mode",
    ),
    (
        cloudflare_profile(**{"spec.cloudflareTunnel.tunnel": "t" * 60}),
        "spec.cloudflareTunnel.tunnel",
        "derived object name",
    ),
    (
        cloudflare_profile(**{"spec.cloudflareTunnel.tunnel": "!!!"}),
        "spec.cloudflareTunnel.tunnel",
        "derived object name",
    ),
    (
        cloudflare_profile(**{"spec.cloudflareTunnel.credentialsSecret": None}),
        "spec.cloudflareTunnel.credentialsSecret",
        "never generates secrets",
    ),
    (
        cloudflare_profile(**{"spec.cloudflareTunnel.credentialsSecret": "Creds"}),
        "spec.cloudflareTunnel.credentialsSecret",
        "DNS-1123 subdomain",
    ),
    (
        cloudflare_profile(**{"spec.cloudflareTunnel.mode": "sidecar"}),
        "spec.cloudflareTunnel.mode",
        "expected one of",
    ),
    (
        cloudflare_profile(**{"spec.cloudflareTunnel.replicas": 26}),
        "spec.cloudflareTunnel.replicas",
        "1..25",
    ),
    (
        cloudflare_profile(**{"spec.cloudflareTunnel.image": "cloudflare/cloudflared"}),
        "spec.cloudflareTunnel.image",
        "no tag",
    ),
    (
        cloudflare_profile(**{"spec.cloudflareTunnel.image": "cloudflare/cloudflared:latest"}),
        "spec.cloudflareTunnel.image",
        "latest",
    ),
    (
        cloudflare_profile(**{"spec.cloudflareTunnel.namespace": "Edge"}),
        "spec.cloudflareTunnel.namespace",
        "DNS-1123 label",
    ),
    (
        cloudflare_profile(**{"spec.cloudflareTunnel.ingressClassName": "Bad"}),
        "spec.cloudflareTunnel.ingressClassName",
        "DNS-1123 subdomain",
    ),
    (
        cloudflare_profile(**{"spec.cloudflareTunnel.idleTimeoutSeconds": 0}),
        "spec.cloudflareTunnel.idleTimeoutSeconds",
        "1..86400",
    ),
    (
        cloudflare_profile(**{"spec.cloudflareTunnel.clusterDomain": "Cluster.Local"}),
        "spec.cloudflareTunnel.clusterDomain",
        "DNS-1123 subdomain",
    ),
    (
        cloudflare_profile(**{"spec.cloudflareTunnel.originRequest": {"connectTimeout": 30}}),
        "spec.cloudflareTunnel.originRequest.connectTimeout",
        "Go duration",
    ),
    (
        cloudflare_profile(**{"spec.cloudflareTunnel.originRequest": {"noTlsVerify": True}}),
        "spec.cloudflareTunnel.originRequest.noTlsVerify",
        "did you mean 'noTLSVerify'",
    ),
    (
        cloudflare_profile(**{"spec.protocol": "grpc", "spec.websocket": None}),
        "spec.protocol",
        "TLS",
    ),
    # Cloudflare Tunnel fields added with the three complete modes (issue 3)
    (
        cloudflare_profile(**{"spec.cloudflareTunnel.originTLS": "yes"}),
        "spec.cloudflareTunnel.originTLS",
        "true or false",
    ),
    (
        cloudflare_profile(**{"spec.cloudflareTunnel.tunnelKind": "Cluster"}),
        "spec.cloudflareTunnel.tunnelKind",
        "expected one of",
    ),
    (
        cloudflare_profile(
            **{
                "spec.protocol": "tcp",
                "spec.websocket": None,
                "spec.cloudflareTunnel.originTLS": True,
            }
        ),
        "spec.cloudflareTunnel.originTLS",
        "protocol tcp",
    ),
    (
        cloudflare_profile(
            **{
                "spec.protocol": "grpc",
                "spec.websocket": None,
                "spec.cloudflareTunnel.originTLS": True,
                "spec.cloudflareTunnel.originRequest": {"http2Origin": False},
            }
        ),
        "spec.cloudflareTunnel.originRequest.http2Origin",
        "contradicts protocol grpc",
    ),
    (
        cloudflare_profile(**{"spec.cloudflareTunnel.originRequest": {"http2Origin": True}}),
        "spec.cloudflareTunnel.originRequest.http2Origin",
        "only to a TLS origin",
    ),
    (
        cloudflare_profile(**{"spec.cloudflareTunnel.originRequest": {"bastionMode": True}}),
        "spec.cloudflareTunnel.originRequest.bastionMode",
        "jump host",
    ),
    (
        cloudflare_profile(
            **{
                "spec.cloudflareTunnel": {
                    "mode": "ingress-controller",
                    "originRequest": {"caPool": "/etc/ca.pem"},
                }
            }
        ),
        "spec.cloudflareTunnel.originRequest.caPool",
        "no annotation for originRequest.caPool",
    ),
    (
        cloudflare_profile(
            **{
                "spec.cloudflareTunnel": {
                    "mode": "ingress-controller",
                    "originRequest": {"access": {"required": True}},
                }
            }
        ),
        "spec.cloudflareTunnel.originRequest.access",
        "no annotation",
    ),
    (
        cloudflare_profile(
            **{
                "spec.cloudflareTunnel": {
                    "mode": "ingress-controller",
                    "originRequest": {"connectTimeout": "1500ms"},
                }
            }
        ),
        "spec.cloudflareTunnel.originRequest.connectTimeout",
        "whole seconds",
    ),
    (
        cloudflare_profile(
            **{
                "spec.cloudflareTunnel": {
                    "mode": "ingress-controller",
                    "originRequest": {"keepAliveTimeout": "0"},
                }
            }
        ),
        "spec.cloudflareTunnel.originRequest.keepAliveTimeout",
        "positive duration",
    ),
    (
        cloudflare_profile(
            **{
                "spec.cloudflareTunnel": {
                    "mode": "ingress-controller",
                    "originRequest": {"originServerName": "chat.internal"},
                }
            }
        ),
        "spec.cloudflareTunnel.originRequest.originServerName",
        "https backends only",
    ),
    (
        cloudflare_profile(**{"spec.cloudflareTunnel": {"mode": "operator", "tunnel": "edge"}}),
        "spec.cloudflareTunnel.tunnelKind",
        "required in operator mode",
    ),
    (
        cloudflare_profile(
            **{"spec.cloudflareTunnel": {"mode": "operator", "tunnelKind": "Tunnel"}}
        ),
        "spec.cloudflareTunnel.tunnel",
        "required in operator mode",
    ),
    (
        cloudflare_profile(
            **{
                "spec.cloudflareTunnel": {
                    "mode": "operator",
                    "tunnel": "Edge_Tunnel",
                    "tunnelKind": "Tunnel",
                }
            }
        ),
        "spec.cloudflareTunnel.tunnel",
        "DNS-1123 subdomain",
    ),
    (
        cloudflare_profile(
            **{
                "spec.cloudflareTunnel": {
                    "mode": "operator",
                    "tunnel": "edge",
                    "tunnelKind": "ClusterTunnel",
                    "originRequest": {"connectTimeout": "10s"},
                }
            }
        ),
        "spec.cloudflareTunnel.originRequest.connectTimeout",
        "TunnelBinding has no field",
    ),
    (
        cloudflare_profile(
            **{
                "spec.cloudflareTunnel": {
                    "mode": "operator",
                    "tunnel": "edge",
                    "tunnelKind": "ClusterTunnel",
                    "originRequest": {"caPool": "/etc/ca.pem"},
                }
            }
        ),
        "spec.cloudflareTunnel.originRequest.caPool",
        "originCaPool",
    ),
    (
        cloudflare_profile(
            **{
                "spec.cloudflareTunnel": {
                    "mode": "operator",
                    "tunnel": "edge",
                    "tunnelKind": "ClusterTunnel",
                    "originRequest": {"proxyAddress": "::ffff:10.0.0.1"},
                }
            }
        ),
        "spec.cloudflareTunnel.originRequest.proxyAddress",
        "without an embedded IPv4",
    ),
    (metallb_profile(**{"spec.servce": {"port": 1}}), "spec.servce", "did you mean 'service'"),
    (metallb_profile(**{"apiVersion": "v1"}), "apiVersion", "ingressgen.dev/v1alpha1"),
    (metallb_profile(**{"kind": "Service"}), "kind", "ServiceProfile"),
    # MetalLB fields added with the complete L4 exposure (issue 4)
    (
        metallb_profile(**{"spec.metallb.allocateLoadBalancerNodePorts": "no"}),
        "spec.metallb.allocateLoadBalancerNodePorts",
        "true or false",
    ),
    (
        metallb_profile(**{"spec.metallb.loadBalancerClass": "metal lb"}),
        "spec.metallb.loadBalancerClass",
        "qualified name",
    ),
    (metallb_profile(**{"spec.metallb.sharedIPKey": ""}), "spec.metallb.sharedIPKey", "non-empty"),
    (
        metallb_profile(**{"spec.metallb.sharedIPKey": "a key"}),
        "spec.metallb.sharedIPKey",
        "without spaces",
    ),
    (metallb_profile(**{"spec.metallb.autoAssign": "false"}), "spec.metallb.autoAssign", "true or"),
    (
        metallb_profile(**{"spec.metallb.avoidBuggyIPs": 1}),
        "spec.metallb.avoidBuggyIPs",
        "true or false",
    ),
    (
        metallb_profile(**{"spec.metallb.restrictToNamespace": "yes"}),
        "spec.metallb.restrictToNamespace",
        "true or false",
    ),
    (
        metallb_profile(**{"spec.metallb.nodeSelectors": []}),
        "spec.metallb.nodeSelectors",
        "must not be empty",
    ),
    (
        metallb_profile(**{"spec.metallb.nodeSelectors": [{"matchLabels": {"bad key!": "x"}}]}),
        "spec.metallb.nodeSelectors[0].matchLabels",
        "label key",
    ),
    (
        metallb_profile(
            **{
                "spec.metallb.nodeSelectors": [
                    {"matchExpressions": [{"key": "z", "operator": "in"}]}
                ]
            }
        ),
        "spec.metallb.nodeSelectors[0].matchExpressions[0].operator",
        "expected one of",
    ),
    (
        metallb_profile(**{"spec.metallb.nodeSelectors": [{"matchLabel": {"a": "b"}}]}),
        "spec.metallb.nodeSelectors[0].matchLabel",
        "did you mean 'matchLabels'",
    ),
    (
        metallb_profile(**{"spec.metallb.interfaces": ["eth0/1"]}),
        "spec.metallb.interfaces[0]",
        "interface name",
    ),
    (
        metallb_profile(**{"spec.metallb.interfaces": ["a-very-long-name0"]}),
        "spec.metallb.interfaces[0]",
        "1 to 15 characters",
    ),
    (
        metallb_profile(
            **{"spec.metallb.advertisement": "bgp", "spec.metallb.aggregationLength": 33}
        ),
        "spec.metallb.aggregationLength",
        "1..32",
    ),
    (
        metallb_profile(
            **{"spec.metallb.advertisement": "bgp", "spec.metallb.aggregationLengthV6": 129}
        ),
        "spec.metallb.aggregationLengthV6",
        "1..128",
    ),
    (
        metallb_profile(**{"spec.metallb.advertisement": "bgp", "spec.metallb.localPref": -1}),
        "spec.metallb.localPref",
        "0..2147483647",
    ),
    (
        metallb_profile(
            **{"spec.metallb.advertisement": "bgp", "spec.metallb.communities": ["65536:1"]}
        ),
        "spec.metallb.communities[0]",
        "0..65535",
    ),
    (
        metallb_profile(
            **{"spec.metallb.advertisement": "bgp", "spec.metallb.communities": ["65000:+1"]}
        ),
        "spec.metallb.communities[0]",
        "0..65535",
    ),
    (
        metallb_profile(
            **{
                "spec.metallb.advertisement": "bgp",
                "spec.metallb.communities": ["large:1:2:4294967296"],
            }
        ),
        "spec.metallb.communities[0]",
        "0..4294967295",
    ),
    (
        metallb_profile(
            **{"spec.metallb.advertisement": "bgp", "spec.metallb.communities": ["big:1:2:3"]}
        ),
        "spec.metallb.communities[0]",
        "large:X:Y:Z",
    ),
    (
        metallb_profile(
            **{"spec.metallb.advertisement": "bgp", "spec.metallb.communities": ["1:2:3"]}
        ),
        "spec.metallb.communities[0]",
        "alias",
    ),
    (
        metallb_profile(
            **{"spec.metallb.advertisement": "bgp", "spec.metallb.communities": ["no export"]}
        ),
        "spec.metallb.communities[0]",
        "no spaces",
    ),
    (
        metallb_profile(
            **{
                "spec.metallb.advertisement": "bgp",
                "spec.metallb.peers": [
                    {
                        "name": "tor",
                        "myASN": 64512,
                        "peerASN": 64513,
                        "peerAddress": "10.0.0.1",
                        "password": "hunter2",
                    }
                ],
            }
        ),
        "spec.metallb.peers[0].password",
        "did you mean 'passwordSecret'",
    ),
    (
        metallb_profile(
            **{
                "spec.metallb.advertisement": "bgp",
                "spec.metallb.peers": [{"name": "tor", "myASN": 0, "peerAddress": "10.0.0.1"}],
            }
        ),
        "spec.metallb.peers[0].myASN",
        "AS number",
    ),
    (
        metallb_profile(
            **{
                "spec.metallb.advertisement": "bgp",
                "spec.metallb.peers": [{"name": "tor", "peerASN": 1, "peerAddress": "10.0.0.1"}],
            }
        ),
        "spec.metallb.peers[0].myASN",
        "required field is missing",
    ),
    (
        metallb_profile(
            **{
                "spec.metallb.advertisement": "bgp",
                "spec.metallb.peers": [
                    {"name": "tor", "myASN": 1, "peerASN": 2, "peerAddress": "10.0.0"}
                ],
            }
        ),
        "spec.metallb.peers[0].peerAddress",
        "not an IP",
    ),
    (
        metallb_profile(
            **{
                "spec.metallb.advertisement": "bgp",
                "spec.metallb.peers": [
                    {
                        "name": "tor",
                        "myASN": 1,
                        "peerASN": 2,
                        "peerAddress": "10.0.0.1",
                        "peerPort": 16385,
                    }
                ],
            }
        ),
        "spec.metallb.peers[0].peerPort",
        "1..16384",
    ),
    (
        metallb_profile(
            **{
                "spec.metallb.advertisement": "bgp",
                "spec.metallb.peers": [
                    {
                        "name": "tor",
                        "myASN": 1,
                        "peerASN": 2,
                        "peerAddress": "10.0.0.1",
                        "holdTime": "90",
                    }
                ],
            }
        ),
        "spec.metallb.peers[0].holdTime",
        "a duration such as '90s'",
    ),
    (
        metallb_profile(
            **{
                "spec.metallb.advertisement": "bgp",
                "spec.metallb.peers": [
                    {
                        "name": "tor",
                        "myASN": 1,
                        "peerASN": 2,
                        "peerAddress": "10.0.0.1",
                        "passwordSecret": "BGP_Secret",
                    }
                ],
            }
        ),
        "spec.metallb.peers[0].passwordSecret",
        "DNS-1123 subdomain",
    ),
    (
        metallb_profile(
            **{
                "spec.metallb.advertisement": "bgp",
                "spec.metallb.peers": [
                    {
                        "name": "tor",
                        "myASN": 1,
                        "dynamicASN": "ibgp",
                        "peerAddress": "10.0.0.1",
                    }
                ],
            }
        ),
        "spec.metallb.peers[0].dynamicASN",
        "expected one of",
    ),
]


@pytest.mark.parametrize(
    ("data", "field", "fragment"), BAD_VALUES, ids=[b[1] + ":" + b[2][:20] for b in BAD_VALUES]
)
def test_bad_value_is_refused_with_a_located_message(
    tmp_path: Path, data: dict[str, Any], field: str, fragment: str
) -> None:
    errors = _errors(tmp_path, data)
    matching = [e for e in errors if LOCATED.match(e) and LOCATED.match(e)["path"] == field]  # type: ignore[index]
    assert matching, f"no located error for {field}: {errors}"
    assert any(fragment in e for e in matching), errors


def test_the_issue_example_reads_exactly(tmp_path: Path) -> None:
    text = dump(metallb_profile(**{"spec.service.port": 0}))
    line = text.splitlines().index("    port: 0") + 1
    assert _errors(tmp_path, text) == [
        f"{(tmp_path / 'profile.yaml').as_posix()}:{line}:11: spec.service.port: "
        "0 is not a valid port (1..65535)"
    ]


def test_unknown_field_points_at_the_key(tmp_path: Path) -> None:
    text = dump(metallb_profile(**{"spec.service.prot": 1}))
    line = text.splitlines().index("    prot: 1") + 1
    (error,) = _errors(tmp_path, text)
    assert f":{line}:5: spec.service.prot: unknown field 'prot' (did you mean 'port'?)" in error


def test_missing_field_points_at_its_parent(tmp_path: Path) -> None:
    text = dump(metallb_profile(**{"spec.service.port": None}))
    line = text.splitlines().index("  service:") + 1
    (error,) = _errors(tmp_path, text)
    assert f":{line + 1}:" in error and "spec.service.port: required field is missing" in error


def test_duplicate_keys_are_refused(tmp_path: Path) -> None:
    text = dump(metallb_profile()).replace(
        "  protocol: websocket\n", "  protocol: websocket\n  protocol: http\n"
    )
    (error,) = _errors(tmp_path, text)
    assert "duplicate key 'protocol'" in error and re.search(r":\d+:3: ", error)


def test_syntax_error_is_located(tmp_path: Path) -> None:
    (error,) = _errors(tmp_path, "apiVersion: [unclosed\n")
    assert "not valid YAML" in error and re.search(r"profile.yaml:\d+:\d+:", error)


def test_two_documents_in_one_file_are_refused(tmp_path: Path) -> None:
    (error,) = _errors(tmp_path, dump(metallb_profile()) + "---\n" + dump(metallb_profile()))
    assert "exactly one" in error


def test_all_errors_of_a_file_are_reported_sorted_by_line(tmp_path: Path) -> None:
    errors = _errors(tmp_path, metallb_profile(**{"metadata.name": "Bad", "spec.service.port": 0}))
    assert len(errors) == 2 and "metadata.name" in errors[0] and "spec.service.port" in errors[1]


def test_exposure_override_applies_that_exposures_rules(tmp_path: Path) -> None:
    errors = _errors(tmp_path, metallb_profile(), exposure="cloudflare-tunnel")
    assert any("spec.cloudflareTunnel" in e for e in errors)


def test_good_profiles_load(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(dump(metallb_profile()))
    (tmp_path / "b.yaml").write_text(dump(cloudflare_profile(**{"metadata.name": "chat2"})))
    (tmp_path / ".hidden.yaml").write_text("not: a profile")
    (tmp_path / "notes.txt").write_text("ignored")
    result = load_profiles([tmp_path], LoadOptions(base_dir=tmp_path))
    assert [p.id for p in result.profiles] == ["a.yaml", "b.yaml"]
    assert result.profiles[0].profile.spec.metallb is not None


def test_base_profiles_are_never_rendered(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(dump(metallb_profile()))
    (tmp_path / "base.yaml").write_text(dump({**metallb_profile(), "kind": "ServiceProfileBase"}))
    result = load_profiles([tmp_path], LoadOptions(base_dir=tmp_path))
    assert [p.id for p in result.profiles] == ["a.yaml"]
    assert any("ServiceProfileBase" in n.message for n in result.notes)


def test_symlinked_profiles_are_not_followed(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "a.yaml").write_text(dump(metallb_profile()))
    (tmp_path / "dir").mkdir()
    (tmp_path / "dir" / "link.yaml").symlink_to(tmp_path / "real" / "a.yaml")
    (tmp_path / "dir" / "b.yaml").write_text(dump(metallb_profile(**{"metadata.name": "b"})))
    result = load_profiles([tmp_path / "dir"], LoadOptions(base_dir=tmp_path))
    assert [p.id for p in result.profiles] == ["dir/b.yaml"]


def test_missing_path_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        load_profiles([tmp_path / "nope.yaml"], LoadOptions(base_dir=tmp_path))


_SEGMENTS = st.sampled_from(["a", "b", "..", ".", "", "profiles", "x.yaml", "é"])


@settings(max_examples=400, deadline=None)
@given(
    st.lists(_SEGMENTS, min_size=1, max_size=6),
    st.booleans(),
    st.sampled_from(["", "sub", "..", "sub/deeper", "/"]),
)
def test_path_forms_match_the_os_path_calls(segments: list[str], absolute: bool, base: str) -> None:
    """PathForms reads the working directory once and slices instead of calling relpath: the
    ids and displayed paths must stay what os.path.abspath and relpath give."""
    import os

    from ingressgen.loading import PathForms

    text = "/".join(segments)
    path = Path(("/" if absolute else "") + text)
    base_dir = Path(os.getcwd(), base) if base != "/" else Path("/")
    forms = PathForms(base_dir)
    assert forms.absolute(path) == os.path.abspath(path)
    expected_id = Path(os.path.relpath(os.path.abspath(path), os.path.abspath(base_dir)))
    assert forms.profile_id(path) == expected_id.as_posix()
    relative = os.path.relpath(os.path.abspath(path))
    shown = path.as_posix() if relative.startswith("..") else Path(relative).as_posix()
    assert forms.display(path) == shown
