"""What explain says about each rule beyond its finding: a title, the fix, and the profile field
the risk belongs to (located in the profile when the finding itself carries no location)."""

from __future__ import annotations

from typing import NamedTuple

from ingressgen.findings import PROFILE_RULES


class Explanation(NamedTuple):
    title: str
    field: tuple[str, ...]
    fix: str


RECONNECT = (
    "make the client reconnect with exponential backoff and jitter, and resume from the last "
    "acknowledged message"
)

CATALOG: dict[str, Explanation] = {
    "exposure-not-public": Explanation(
        "No public exposure",
        ("spec", "metallb", "addresses"),
        "give the pool a routable public address (or forward one to it), or expose the "
        "service through Cloudflare Tunnel",
    ),
    "websocket-heartbeat-vs-idle-cut": Explanation(
        "Cloudflare cuts idle WebSockets",
        ("spec", "websocket", "heartbeatSeconds"),
        "ping from the application at most every 0.6 x idleTimeoutSeconds and set "
        "websocket.heartbeatSeconds to that interval; or use MetalLB, which has no idle cut",
    ),
    "cloudflare-restarts-drop-websockets": Explanation(
        "Cloudflare restarts and cloudflared rollouts drop WebSockets",
        ("spec", "exposure"),
        RECONNECT,
    ),
    "websocket-affinity-not-per-client": Explanation(
        "No per-client session affinity",
        ("spec", "websocket", "sessionAffinity"),
        "keep session state out of the pods (a shared store), or use MetalLB with "
        "externalTrafficPolicy Local, whose Service keeps ClientIP affinity",
    ),
    "websocket-delivery-undeclared": Explanation(
        "Message loss during reconnects",
        ("spec", "websocket", "delivery"),
        "decide the guarantee and declare it as websocket.delivery (at-most-once, "
        "at-least-once with acknowledgements and replay, or exactly-once with idempotent ids)",
    ),
    "cloudflared-single-replica": Explanation(
        "One cloudflared replica",
        ("spec", "cloudflareTunnel", "replicas"),
        "run at least 2 replicas (the default), which also gets a PodDisruptionBudget",
    ),
    "metallb-failover-resets-connections": Explanation(
        "MetalLB failover resets connections",
        ("spec", "metallb", "advertisement"),
        RECONNECT,
    ),
    "metallb-l2-single-node": Explanation(
        "L2 mode: one node carries all traffic",
        ("spec", "metallb", "advertisement"),
        "size that node for the whole load, or announce with BGP (advertisement: bgp) to spread it",
    ),
    "metallb-cluster-policy-hides-client-ip": Explanation(
        "externalTrafficPolicy Cluster hides client IPs",
        ("spec", "metallb", "externalTrafficPolicy"),
        "set externalTrafficPolicy: Local (the default) to keep client IPs and per-client affinity",
    ),
    "metallb-tls-passthrough": Explanation(
        "The workload terminates TLS",
        ("spec", "exposure"),
        "serve TLS from the workload (or a sidecar) if clients need it",
    ),
    "metallb-workload-tls-certificate": Explanation(
        "TLS terminated by the workload under L4 passthrough",
        ("spec", "hostname"),
        "give the workload a certificate for the hostname (e.g. cert-manager with a DNS-01 "
        "issuer) and serve wss:// from it",
    ),
    "client-endpoint-switch": Explanation(
        "Switch the client URL",
        ("spec", "hostname"),
        "point the clients' base URL at the new endpoint and ship that change",
    ),
    "websocket-upgrade-test": Explanation(
        "Test the WebSocket upgrade",
        ("spec", "websocket", "path"),
        "run the upgrade test after applying the manifests and before switching clients",
    ),
    "metallb-version-unset": Explanation(
        "MetalLB version unknown",
        ("spec", "metallb"),
        "set spec.metallb.version to the MetalLB running in the cluster",
    ),
    "metallb-shared-ip-not-forced": Explanation(
        "Shared IP not forced",
        ("spec", "metallb", "sharedIPKey"),
        "pin the same loadBalancerIPs on every Service that must share the IP",
    ),
    "metallb-load-balancer-class": Explanation(
        "loadBalancerClass needs a matching MetalLB",
        ("spec", "metallb", "loadBalancerClass"),
        "start MetalLB with the same --lb-class, or remove loadBalancerClass",
    ),
    "metallb-bgp-needs-frr": Explanation(
        "Needs MetalLB's FRR mode",
        ("spec", "metallb"),
        "run MetalLB in FRR or FRR-K8s mode, or drop the setting",
    ),
    "metallb-community-alias": Explanation(
        "Community alias needs a Community object",
        ("spec", "metallb", "communities"),
        "create the Community object in MetalLB's namespace, or write the community as AA:NN",
    ),
    "cloudflare-tcp-needs-access": Explanation(
        "TCP through a tunnel needs cloudflared access",
        ("spec", "protocol"),
        "have clients run 'cloudflared access tcp', or expose TCP through MetalLB",
    ),
    "cloudflare-controller-unanchored-path": Explanation(
        "Unanchored path in the ingress controller",
        ("spec", "websocket", "path"),
        "use mode cloudflared, which anchors the path itself",
    ),
    "cloudflare-setting-ignored": Explanation(
        "Setting ignored in this mode",
        ("spec", "cloudflareTunnel"),
        "remove the setting or change the mode",
    ),
    "cloudflare-tunnel-membership": Explanation(
        "Tunnel membership change restarts cloudflared",
        ("spec", "cloudflareTunnel", "tunnel"),
        "apply during a quiet period; clients must reconnect",
    ),
    "cloudflare-route-shadowed": Explanation(
        "Route shadowed by another binding",
        ("spec", "websocket", "path"),
        "make the routes disjoint (hostname or path)",
    ),
    "profile-base-not-rendered": Explanation(
        "Base profile", ("kind",), "nothing to do: it is used by the profiles that extend it"
    ),
}


def explanation(rule: str) -> Explanation:
    """The catalog entry, or one made from the rule's summary for a rule it does not list."""
    found = CATALOG.get(rule)
    if found is not None:
        return found
    return Explanation(PROFILE_RULES[rule].summary, ("spec",), "see the message")
