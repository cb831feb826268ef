"""The profile's JSON Schema as editors read it: pydantic's schema plus an example per field.

Descriptions live beside each field in the models; examples are documentation only, so they
live here, keyed by the schema's own names (`Definition.property`), and a test keeps the table
and the models in step: every property of the schema has a description and an example, and no
example names a property that no longer exists.
"""

from __future__ import annotations

from typing import Any

TOP = "ServiceProfile"  # the schema's root object

EXAMPLES: dict[str, list[Any]] = {
    f"{TOP}.apiVersion": ["ingressgen.dev/v1alpha1"],
    f"{TOP}.kind": ["ServiceProfile"],
    f"{TOP}.metadata": [{"name": "messaging-service", "namespace": "messaging"}],
    f"{TOP}.spec": [
        {
            "exposure": "metallb",
            "service": {"name": "messaging-service", "port": 8080, "selector": {"app": "chat"}},
        }
    ],
    "Metadata.name": ["messaging-service"],
    "Metadata.namespace": ["messaging"],
    "Metadata.labels": [{"team": "chat"}],
    "Metadata.annotations": [{"ingressgen.dev/ignore": "metallb-l2-single-node"}],
    "Spec.exposure": ["metallb", "cloudflare-tunnel"],
    "Spec.kubernetesVersion": ["1.34"],
    "Spec.hostname": ["messaging.example.com"],
    "Spec.protocol": ["websocket", "http", "grpc", "tcp"],
    "Spec.service": [{"name": "messaging-service", "port": 8080, "selector": {"app": "chat"}}],
    "Spec.websocket": [{"path": "/ws", "heartbeatSeconds": 30, "sessionAffinity": True}],
    "Spec.cloudflareTunnel": [
        {"mode": "cloudflared", "tunnel": "edge", "credentialsSecret": "edge-credentials"}
    ],
    "Spec.metallb": [{"addressPool": "public", "addresses": ["203.0.113.10-203.0.113.20"]}],
    "ServiceRef.name": ["messaging-service"],
    "ServiceRef.port": [8080],
    "ServiceRef.targetPort": [8080, "ws"],
    "ServiceRef.selector": [{"app": "chat"}],
    "ServiceRef.replicas": [3],
    "WebSocket.path": ["/ws"],
    "WebSocket.heartbeatSeconds": [30],
    "WebSocket.sessionAffinity": [True],
    "WebSocket.delivery": ["at-least-once", "at-most-once", "exactly-once"],
    "CloudflareTunnel.mode": ["cloudflared", "ingress-controller", "operator"],
    "CloudflareTunnel.tunnel": ["edge"],
    "CloudflareTunnel.tunnelKind": ["ClusterTunnel", "Tunnel"],
    "CloudflareTunnel.originTLS": [False],
    "CloudflareTunnel.credentialsSecret": ["edge-credentials"],
    "CloudflareTunnel.namespace": ["cloudflared"],
    "CloudflareTunnel.replicas": [2],
    "CloudflareTunnel.image": ["cloudflare/cloudflared:2026.8.2"],
    "CloudflareTunnel.ingressClassName": ["cloudflare-tunnel"],
    "CloudflareTunnel.idleTimeoutSeconds": [100],
    "CloudflareTunnel.clusterDomain": ["cluster.local"],
    "CloudflareTunnel.controllerVersion": ["0.1.0"],
    "CloudflareTunnel.originCA": [{"secret": "origin-ca", "key": "ca.crt"}],
    "OriginCA.secret": ["origin-ca"],
    "OriginCA.configMap": ["origin-ca-bundle"],
    "OriginCA.key": ["ca.crt"],
    "CloudflareTunnel.originRequest": [{"connectTimeout": "10s", "noTLSVerify": False}],
    "OriginRequest.connectTimeout": ["30s"],
    "OriginRequest.tlsTimeout": ["10s"],
    "OriginRequest.tcpKeepAlive": ["30s"],
    "OriginRequest.noHappyEyeballs": [False],
    "OriginRequest.keepAliveConnections": [100],
    "OriginRequest.keepAliveTimeout": ["1m30s"],
    "OriginRequest.httpHostHeader": ["messaging.internal"],
    "OriginRequest.originServerName": ["messaging.internal"],
    "OriginRequest.matchSNItoHost": [True],
    "OriginRequest.caPool": ["/etc/cloudflared/origin-ca/ca.crt"],
    "OriginRequest.noTLSVerify": [False],
    "OriginRequest.disableChunkedEncoding": [False],
    "OriginRequest.bastionMode": [False],
    "OriginRequest.proxyAddress": ["127.0.0.1"],
    "OriginRequest.proxyPort": [1080],
    "OriginRequest.proxyType": ["socks"],
    "OriginRequest.ipRules": [[{"prefix": "10.0.0.0/8", "ports": [8080], "allow": True}]],
    "OriginRequest.http2Origin": [True],
    "OriginRequest.access": [{"required": True, "teamName": "example", "audTag": ["aud-tag"]}],
    "AccessSettings.required": [True],
    "AccessSettings.teamName": ["example"],
    "AccessSettings.audTag": [["0123456789abcdef"]],
    "AccessSettings.environment": ["fed"],
    "IPRule.prefix": ["10.0.0.0/8"],
    "IPRule.ports": [[8080, 8443]],
    "IPRule.allow": [True],
    "MetalLB.namespace": ["metallb-system"],
    "MetalLB.version": ["0.15.2"],
    "MetalLB.addressPool": ["public"],
    "MetalLB.createPool": [True],
    "MetalLB.addresses": [["203.0.113.10-203.0.113.20", "2001:db8::/120"]],
    "MetalLB.loadBalancerIPs": [["203.0.113.12"]],
    "MetalLB.advertisement": ["l2", "bgp"],
    "MetalLB.externalTrafficPolicy": ["Local", "Cluster"],
    "MetalLB.sessionAffinityTimeoutSeconds": [10800],
    "MetalLB.serviceName": ["messaging-lb"],
    "MetalLB.allocateLoadBalancerNodePorts": [False],
    "MetalLB.loadBalancerClass": ["metallb.io/metallb"],
    "MetalLB.sharedIPKey": ["edge"],
    "MetalLB.autoAssign": [False],
    "MetalLB.avoidBuggyIPs": [True],
    "MetalLB.restrictToNamespace": [True],
    "MetalLB.nodeSelectors": [[{"matchLabels": {"node-role.kubernetes.io/edge": ""}}]],
    "MetalLB.interfaces": [["eth0"]],
    "MetalLB.aggregationLength": [32],
    "MetalLB.aggregationLengthV6": [128],
    "MetalLB.localPref": [100],
    "MetalLB.communities": [["64512:100", "large:64512:1:1"]],
    "MetalLB.peers": [
        [{"name": "tor", "myASN": 64512, "peerASN": 64513, "peerAddress": "10.0.0.1"}]
    ],
    "BGPPeer.name": ["tor"],
    "BGPPeer.myASN": [64512],
    "BGPPeer.peerASN": [64513],
    "BGPPeer.dynamicASN": ["external"],
    "BGPPeer.peerAddress": ["10.0.0.1"],
    "BGPPeer.peerPort": [179],
    "BGPPeer.sourceAddress": ["10.0.0.10"],
    "BGPPeer.routerID": ["10.0.0.10"],
    "BGPPeer.holdTime": ["90s"],
    "BGPPeer.keepaliveTime": ["30s"],
    "BGPPeer.connectTime": ["10s"],
    "BGPPeer.ebgpMultiHop": [False],
    "BGPPeer.passwordSecret": ["tor-bgp-password"],
    "BGPPeer.bfdProfile": ["fast"],
    "BGPPeer.nodeSelectors": [[{"matchLabels": {"rack": "r1"}}]],
    "BGPPeer.vrf": ["red"],
    "BGPPeer.enableGracefulRestart": [True],
    "BGPPeer.dualStackAddressFamily": [True],
    "LabelSelector.matchLabels": [{"rack": "r1"}],
    "LabelSelector.matchExpressions": [[{"key": "rack", "operator": "In", "values": ["r1", "r2"]}]],
    "LabelSelectorRequirement.key": ["rack"],
    "LabelSelectorRequirement.operator": ["In", "NotIn", "Exists", "DoesNotExist"],
    "LabelSelectorRequirement.values": [["r1", "r2"]],
}


def profile_schema() -> dict[str, Any]:
    """The schema `ingressgen schema` prints and `schema/profile.schema.json` holds."""
    from ingressgen.overlays import schema_with_overlays
    from ingressgen.profile import Profile

    schema = Profile.model_json_schema(by_alias=True)
    for owner, properties in _properties(schema):
        for name, definition in properties.items():
            # pydantic titles each field after its Python name ("Avoidbuggyips"), and editors
            # show the title as the hover's heading; without it they show the key as written.
            definition.pop("title", None)
            examples = EXAMPLES.get(f"{owner}.{name}")
            if examples is not None:
                definition["examples"] = examples
    # Overlays and bases get the same fields, examples included, with nothing required.
    return schema_with_overlays(schema)


def _properties(schema: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(definition name, its properties) for the root and every definition."""
    found = [(TOP, schema.get("properties", {}))]
    found.extend((name, d.get("properties", {})) for name, d in schema.get("$defs", {}).items())
    return found
