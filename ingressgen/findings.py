"""Findings about profiles: what a user should know about a profile that renders.

Each finding belongs to a rule with an id and a level on the one scale every command uses:
`error` (cannot be rendered), then the seed's risk levels `critical`, `high`, `medium`, `low`,
and `info`. The table below is the rules' documentation; the README lists it and a test keeps
the two in step. No level blocks output except `error`; `--fail-on LEVEL` turns findings at or
above it into exit 1 after the output is written, `-q` hides `info`, and `--ignore RULE` or the
profile annotation `ingressgen.dev/ignore: "rule-a,rule-b"` silences a rule.

`PROBE_RULES` is its sibling for what `ingressgen probe` measures on a live endpoint: the same
ids and levels, so a probe result can be cited next to the profile finding it confirms or
refutes (`probe-idle-cut` beside `websocket-heartbeat-vs-idle-cut`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import IntEnum

from ingressgen.errors import Location

IGNORE_ANNOTATION = "ingressgen.dev/ignore"


class Level(IntEnum):
    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4
    ERROR = 5

    def __str__(self) -> str:
        return self.name.lower()

    @classmethod
    def named(cls, name: str) -> Level:
        return cls[name.upper()]


# The levels --fail-on takes, most severe first: an error always fails, so it is not one of them.
GATE_LEVELS = tuple(str(level) for level in sorted(Level, reverse=True) if level != Level.ERROR)


@dataclass(frozen=True)
class Rule:
    level: Level
    summary: str


# Every rule that yields profile findings, by id. Levels follow the seed's impact table: no
# public ingress is critical, Cloudflare's connection-duration limits high, missing affinity and
# message loss during reconnects medium.
PROFILE_RULES: Mapping[str, Rule] = {
    "profile-invalid": Rule(
        Level.ERROR,
        "a field or value of the profile is not valid, or its fields contradict each other (the "
        "message says which and what would be valid)",
    ),
    "profile-secret-value": Rule(
        Level.ERROR,
        "a profile value looks like a credential (a private key, a tunnel token, an access key, "
        "a password): secrets are referenced by Secret name, never written into out/",
    ),
    "profile-folder-shared": Rule(
        Level.ERROR, "two profiles have one namespace/name, so both would write one out/ folder"
    ),
    "profile-extends-invalid": Rule(
        Level.ERROR,
        "a profile's extends names no file, a file outside the repository, a file of several "
        "documents, or makes a cycle",
    ),
    "object-defined-twice": Rule(
        Level.ERROR, "two profiles generate one Kubernetes object with different content"
    ),
    "user-template": Rule(
        Level.ERROR,
        "a --templates template cannot be read or compiled, prints a value unquoted, fails, "
        "exceeds a limit, or renders other than the one planned object",
    ),
    "cloudflare-route-duplicate": Rule(
        Level.ERROR,
        "two profiles route one hostname and path on one tunnel (or IngressClass): only one "
        "service can be reached",
    ),
    "cloudflare-tunnel-disagreement": Rule(
        Level.ERROR,
        "profiles on one cloudflared tunnel disagree on its tunnel, namespace, credentials "
        "Secret, replicas or image",
    ),
    "cloudflared-rule-refused": Rule(
        Level.ERROR,
        "cloudflared would refuse the ingress rule made from the profile's values (its own "
        "validation, error code in the message)",
    ),
    "cloudflare-ca-pool-unmounted": Rule(
        Level.ERROR,
        "mode cloudflared: originRequest.caPool names a file nothing mounts; cloudflared exits at "
        "start and the whole tunnel goes down (use cloudflareTunnel.originCA)",
    ),
    "cloudflare-controller-too-old": Rule(
        Level.ERROR,
        "controllerVersion below 0.1.0: the STRRL controller reads no originRequest annotation "
        "(pkg/controller/well_known_annotations.go), so the setting would be dropped",
    ),
    "websocket-path-regex": Rule(
        Level.ERROR,
        "websocket.path holds a regular-expression operator ($ ( ) * +): it is a literal prefix "
        "that cloudflared mode escapes and anchors (cloudflared ingress/rule.go matches path as "
        "a regex)",
    ),
    "metallb-namespace-disagreement": Rule(
        Level.ERROR, "profiles put MetalLB's objects in different namespaces; MetalLB reads one"
    ),
    "metallb-pool-disagreement": Rule(
        Level.ERROR, "profiles that create one IPAddressPool define it differently"
    ),
    "metallb-peer-disagreement": Rule(
        Level.ERROR, "profiles that declare one BGPPeer define it differently"
    ),
    "metallb-frr-peer-conflict": Rule(
        Level.ERROR,
        "BGP peers that MetalLB's FRR modes refuse together: different routerIDs, different myASN "
        "in one VRF, or one peerAddress and VRF twice on the same nodes",
    ),
    "metallb-pool-overlap": Rule(
        Level.ERROR, "pool addresses overlap, within one pool or across pools; MetalLB refuses it"
    ),
    "metallb-pool-mismatch": Rule(
        Level.ERROR,
        "a pinned IP outside its pool or one that avoidBuggyIPs skips (.0, .255), or a Service "
        "in a namespace the pool does not serve: it would stay pending",
    ),
    "metallb-ip-sharing": Rule(
        Level.ERROR,
        "two Services pin one IP without meeting MetalLB's sharing rules: one stays pending",
    ),
    "cloudflare-route-shadowed": Rule(
        Level.HIGH,
        "an operator TunnelBinding's rule sorts first and matches every request of another "
        "profile's route, which can then never be reached",
    ),
    "cloudflare-grpc-needs-http2-transport": Rule(
        Level.HIGH,
        "protocol grpc through a controller's tunnel: its cloudflared must run with --protocol "
        "http2, since over QUIC it drops trailers (grpc-status); cloudflared "
        "connection/quic_connection.go AddTrailer",
    ),
    "dns-two-owners": Rule(
        Level.HIGH,
        "one hostname is exposed by MetalLB (ExternalDNS A records) and by Cloudflare Tunnel "
        "(a proxied CNAME) in one run: two DNS owners fight over it",
    ),
    "websocket-heartbeat-vs-idle-cut": Rule(
        Level.HIGH,
        "through Cloudflare, a WebSocket without a heartbeat at most 0.6 x idleTimeoutSeconds "
        "is cut when idle (about 100 s)",
    ),
    "cloudflare-restarts-drop-websockets": Rule(
        Level.HIGH,
        "Cloudflare's edge restarts and cloudflared rollouts drop open WebSockets: clients must "
        "reconnect",
    ),
    "metallb-failover-resets-connections": Rule(
        Level.MEDIUM,
        "MetalLB resets established connections when the announcing node or the BGP next hops "
        "change: clients of long-lived connections must reconnect",
    ),
    "metallb-cluster-policy-hides-client-ip": Rule(
        Level.MEDIUM,
        "externalTrafficPolicy Cluster: pods see a node's IP, and ClientIP affinity pins per "
        "node, not per client",
    ),
    "cloudflare-controller-unanchored-path": Rule(
        Level.MEDIUM,
        "the ingress controller hands the path to cloudflared as an unanchored regular "
        "expression, so it matches more than the path",
    ),
    "cloudflare-tcp-needs-access": Rule(
        Level.MEDIUM,
        "protocol tcp through a tunnel: clients connect through 'cloudflared access tcp'",
    ),
    "metallb-bgp-needs-frr": Rule(
        Level.MEDIUM,
        "a BGP setting (large community, IPv6 pool, FRR-only peer field) that MetalLB's native "
        "BGP mode refuses",
    ),
    "metallb-l2-local-one-node": Rule(
        Level.MEDIUM,
        "L2 with externalTrafficPolicy Local and several replicas: only the pods on the "
        "announcing node get traffic",
    ),
    "metallb-bgp-affinity-per-node": Rule(
        Level.MEDIUM,
        "ClientIP affinity under BGP: router ECMP hashes connections to nodes, so affinity is "
        "per node, not per client",
    ),
    "metallb-community-alias": Rule(
        Level.MEDIUM,
        "a community alias needs a Community object, which ingressgen does not generate",
    ),
    "metallb-version-unset": Rule(
        Level.LOW,
        "without spec.metallb.version the Services carry both annotation prefixes",
    ),
    "metallb-l2-single-node": Rule(
        Level.LOW,
        "in L2 mode all traffic for one IP enters through a single node",
    ),
    "metallb-shared-ip-not-forced": Rule(
        Level.LOW,
        "sharedIPKey without loadBalancerIPs allows sharing an IP but does not force it",
    ),
    "metallb-load-balancer-class": Rule(
        Level.LOW,
        "a loadBalancerClass is served only by a MetalLB started with the same --lb-class",
    ),
    "cloudflare-setting-ignored": Rule(
        Level.LOW,
        "a spec.cloudflareTunnel setting that the chosen mode never reads",
    ),
    "cloudflare-tunnel-membership": Rule(
        Level.LOW,
        "a profile joins or leaves a shared tunnel: its config checksum changes and every "
        "cloudflared pod of the tunnel restarts",
    ),
    "metallb-minimum-version": Rule(
        Level.INFO,
        "without spec.metallb.version: the oldest MetalLB release that has every field the "
        "profile uses",
    ),
    "cloudflare-dns-route-needed": Rule(
        Level.INFO,
        "mode cloudflared routes no DNS: run 'cloudflared tunnel route dns <tunnel> <hostname>' "
        "or create a proxied CNAME to <tunnel-uuid>.cfargotunnel.com",
    ),
    "cloudflare-controller-version-unset": Rule(
        Level.INFO,
        "mode ingress-controller without controllerVersion: STRRL controller 0.1.0 or later is "
        "assumed (its originRequest annotations)",
    ),
    "metallb-tls-passthrough": Rule(
        Level.INFO,
        "MetalLB passes TCP through: the workload terminates TLS itself",
    ),
    "profile-base-not-rendered": Rule(
        Level.INFO,
        "a ServiceProfileBase is read for its overlays but never rendered on its own",
    ),
    # The rules below are computed by `ingressgen explain` only (ingressgen/explain/risks.py):
    # the seed's risks that no other rule covers.
    "exposure-not-public": Rule(
        Level.CRITICAL,
        "explain: every address the MetalLB Service can get is private (RFC 1918, CGNAT, "
        "unique-local, link-local, loopback): clients outside the network cannot connect",
    ),
    "websocket-affinity-not-per-client": Rule(
        Level.MEDIUM,
        "explain: session affinity wanted with service.replicas > 1 on a path that balances per "
        "connection (cloudflared reaches the Service's cluster IP): a reconnect may land on "
        "another pod",
    ),
    "websocket-delivery-undeclared": Rule(
        Level.MEDIUM,
        "explain: no websocket.delivery: messages sent while a WebSocket reconnects may be lost",
    ),
    "cloudflared-single-replica": Rule(
        Level.MEDIUM,
        "explain: one cloudflared replica: each of its restarts or rollouts cuts every "
        "connection of the tunnel",
    ),
    "metallb-workload-tls-certificate": Rule(
        Level.MEDIUM,
        "explain: a hostname and WebSocket behind MetalLB's TCP passthrough: the workload "
        "needs its own certificate for wss://",
    ),
    "client-endpoint-switch": Rule(
        Level.INFO,
        "explain: clients must switch their base URL to the new endpoint",
    ),
    "websocket-upgrade-test": Rule(
        Level.INFO,
        "explain: test the WebSocket upgrade through the new endpoint before switching clients",
    ),
}


# What `ingressgen probe` reports about a live endpoint, by id. Levels follow the same seed
# table: a service nobody can connect to is critical, connections that drop are high.
PROBE_RULES: Mapping[str, Rule] = {
    "probe-unreachable": Rule(
        Level.CRITICAL,
        "probe: no TCP connection to the endpoint (the name does not resolve, the port refuses, "
        "or nothing answers in time)",
    ),
    "probe-tls-failed": Rule(
        Level.CRITICAL,
        "probe: the TLS handshake failed or the certificate is not trusted (--ca-file trusts its "
        "CA, --insecure looks past it)",
    ),
    "probe-handshake-failed": Rule(
        Level.CRITICAL,
        "probe: the upgrade request got no 101 Switching Protocols (another status, an invalid "
        "answer, or none in time)",
    ),
    "probe-subprotocol-refused": Rule(
        Level.HIGH,
        "probe: the server selected none of the subprotocols offered with --subprotocol",
    ),
    "probe-pong-missing": Rule(
        Level.HIGH,
        "probe: a ping got no pong within --timeout",
    ),
    "probe-echo-mismatch": Rule(
        Level.HIGH,
        "probe: the message after --send differed from --expect, or none came in time",
    ),
    "probe-idle-cut": Rule(
        Level.HIGH,
        "probe: an idle connection was cut near idleTimeoutSeconds, as the profile expects: "
        "clients need a heartbeat (the measured side of websocket-heartbeat-vs-idle-cut)",
    ),
    "probe-idle-timeout-mismatch": Rule(
        Level.HIGH,
        "probe: the idle cut the profile expects near idleTimeoutSeconds came at another time or "
        "not at all: the profile's idleTimeoutSeconds does not match the endpoint",
    ),
    "probe-connection-dropped": Rule(
        Level.HIGH,
        "probe: a connection expected to stay open (MetalLB, no profile, or a heartbeat under "
        "the idle cut) closed during the hold",
    ),
    "probe-reconnect-failed": Rule(
        Level.HIGH,
        "probe: a reconnect (--reconnect) did not re-establish the connection",
    ),
    "probe-hold-too-short": Rule(
        Level.INFO,
        "probe: the hold ended before the expected idle cut could be seen; a longer --hold "
        "would show it",
    ),
    "probe-tls-unverified": Rule(
        Level.INFO,
        "probe: --insecure: the server's certificate was not verified",
    ),
}

# Every rule a Finding may name.
RULES: Mapping[str, Rule] = {**PROFILE_RULES, **PROBE_RULES}


@dataclass(frozen=True)
class Finding:
    """One located finding of a profile or probe rule."""

    rule: str
    message: str
    location: Location | None = None
    profiles: tuple[str, ...] = ()  # ids of the profiles concerned, for their own ignores

    def __post_init__(self) -> None:
        if self.rule not in RULES:
            raise KeyError(f"ingressgen bug: finding of unregistered rule {self.rule!r}")

    @property
    def level(self) -> Level:
        return RULES[self.rule].level

    def __str__(self) -> str:
        text = f"{self.level}: {self.message} ({self.rule})"
        return f"{self.location}: {text}" if self.location else text


def ignored_rules(annotations: Mapping[str, str]) -> frozenset[str]:
    """The rule ids a profile silences for itself with the ignore annotation."""
    value = annotations.get(IGNORE_ANNOTATION, "")
    return frozenset(part.strip() for part in value.split(",") if part.strip())


def shown(
    findings: Iterable[Finding],
    *,
    ignore: frozenset[str],
    ignored_by_profile: Mapping[str, frozenset[str]],
    quiet: bool,
) -> list[Finding]:
    """The findings a run reports: without ignored rules, and without `info` when quiet."""
    result = []
    for finding in findings:
        if finding.rule in ignore or (quiet and finding.level == Level.INFO):
            continue
        owners = finding.profiles
        if owners and all(finding.rule in ignored_by_profile.get(p, ()) for p in owners):
            continue
        result.append(finding)
    return result
