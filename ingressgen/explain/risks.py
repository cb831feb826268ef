"""The seed's risks that only `ingressgen explain` computes, one function per rule.

Each function looks at one loaded profile and yields located findings of its rule; the rules
that `render` already reports (heartbeat against the idle cut, Cloudflare restarts, MetalLB
failover, L2, client IP, TLS passthrough) are not repeated here: explain reuses them.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterator

from ingressgen.findings import Finding
from ingressgen.plan import LoadedProfile

# Networks clients outside the site cannot reach: RFC 1918, shared address space (CGNAT),
# loopback, link-local, IPv6 unique-local and link-local. Documentation ranges (203.0.113.0/24,
# ...) stand for public addresses in examples, so they are not in this list.
NOT_PUBLIC = tuple(
    ipaddress.ip_network(n)
    for n in (
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "::1/128",
        "fc00::/7",
        "fe80::/10",
    )
)


def _websocket(loaded: LoadedProfile) -> bool:
    return loaded.profile.spec.protocol == "websocket"


def _finding(loaded: LoadedProfile, rule: str, message: str, *path: str) -> Finding:
    return Finding(rule, message, loaded.locate(path), (loaded.id,))


def _is_private(first: int, last: int, version: int) -> bool:  # version 4 or 6
    return any(
        net.version == version
        and int(net.network_address) <= first
        and last <= int(net.broadcast_address)
        for net in NOT_PUBLIC
    )


def exposure_not_public(loaded: LoadedProfile) -> Iterator[Finding]:
    metallb = loaded.profile.spec.metallb
    if loaded.profile.spec.exposure != "metallb" or metallb is None:
        return
    if metallb.pinned_ips:
        field = "loadBalancerIPs"
        spans: list[tuple[int, int, int]] = [
            (int(ip), int(ip), int(ip.version)) for ip in metallb.pinned_ips
        ]
    elif metallb.pool_is_created and metallb.pool_ranges:
        field = "addresses"
        spans = [(r.first, r.last, int(r.version)) for r in metallb.pool_ranges]
    else:
        return  # the pool is defined elsewhere: its addresses are unknown here
    if all(_is_private(*span) for span in spans):
        shown = ", ".join((metallb.load_balancer_ips or metallb.addresses or [])[:3])
        yield _finding(
            loaded,
            "exposure-not-public",
            f"spec.metallb.{field} ({shown}) holds only private addresses: the Service is "
            "reachable inside the network, never from the internet, so remote clients (the "
            "seed's AppRestaurant) cannot connect",
            "spec",
            "metallb",
            field,
        )


def affinity_not_per_client(loaded: LoadedProfile) -> Iterator[Finding]:
    spec = loaded.profile.spec
    replicas = spec.service.replicas
    if (
        spec.exposure != "cloudflare-tunnel"
        or not _websocket(loaded)
        or not loaded.profile.websocket.session_affinity
        or replicas is None
        or replicas <= 1
    ):
        return
    yield _finding(
        loaded,
        "websocket-affinity-not-per-client",
        f"websocket.sessionAffinity is true with {replicas} replicas, but cloudflared connects "
        "to the Service's cluster IP: kube-proxy balances each connection, and a ClientIP "
        "affinity would see cloudflared's pods, not the clients; a reconnecting client may land "
        "on another pod",
        "spec",
        "websocket",
        "sessionAffinity",
    )


def delivery_undeclared(loaded: LoadedProfile) -> Iterator[Finding]:
    if not _websocket(loaded) or loaded.profile.websocket.delivery is not None:
        return
    path = ("spec", "websocket") if loaded.profile.spec.websocket else ("spec", "protocol")
    yield _finding(
        loaded,
        "websocket-delivery-undeclared",
        "no websocket.delivery: nothing says what happens to messages sent while a WebSocket "
        "is down and reconnecting (every path here drops connections), so they may be lost",
        *path,
    )


def cloudflared_single_replica(loaded: LoadedProfile) -> Iterator[Finding]:
    section = loaded.profile.spec.cloudflare_tunnel
    if (
        loaded.profile.spec.exposure != "cloudflare-tunnel"
        or section is None
        or section.mode != "cloudflared"
        or section.replicas != 1
    ):
        return
    yield _finding(
        loaded,
        "cloudflared-single-replica",
        "spec.cloudflareTunnel.replicas is 1: every restart, eviction or rollout of that one "
        "cloudflared pod cuts every connection of the tunnel until it is back (no "
        "PodDisruptionBudget is generated for one replica)",
        "spec",
        "cloudflareTunnel",
        "replicas",
    )


def workload_tls_certificate(loaded: LoadedProfile) -> Iterator[Finding]:
    spec = loaded.profile.spec
    if spec.exposure != "metallb" or spec.hostname is None or not _websocket(loaded):
        return
    yield _finding(
        loaded,
        "metallb-workload-tls-certificate",
        f"MetalLB passes TCP through, so wss://{spec.hostname} is served by the workload "
        f"itself: it needs a certificate for {spec.hostname} (and its renewal), or clients "
        "fall back to unencrypted ws://",
        "spec",
        "hostname",
    )


def endpoint(loaded: LoadedProfile) -> str:
    """The URL clients use after the change, as far as the profile tells it."""
    spec = loaded.profile.spec
    path = loaded.profile.websocket.path if _websocket(loaded) else "/"
    if spec.exposure == "cloudflare-tunnel":
        scheme = "wss" if _websocket(loaded) else "https"
        return f"{scheme}://{spec.hostname}{path}"
    metallb = spec.metallb
    host = spec.hostname
    if host is None:
        ips = metallb.load_balancer_ips if metallb else None
        host = (f"[{ips[0]}]" if ":" in ips[0] else ips[0]) if ips else "<the Service's IP>"
    secure = spec.hostname is not None
    scheme = ("wss" if secure else "ws") if _websocket(loaded) else ("https" if secure else "http")
    return f"{scheme}://{host}:{spec.service.port}{path}"


def client_endpoint_switch(loaded: LoadedProfile) -> Iterator[Finding]:
    spec = loaded.profile.spec
    if spec.exposure == "cloudflare-tunnel" and spec.protocol == "tcp":
        return  # clients connect through 'cloudflared access tcp' (cloudflare-tcp-needs-access)
    yield _finding(
        loaded,
        "client-endpoint-switch",
        f"clients reach the service at {endpoint(loaded)}: every client still configured with "
        "an old base URL (an in-cluster or localhost address) must switch to it",
        "spec",
        "hostname" if loaded.profile.spec.hostname else "exposure",
    )


def upgrade_test(loaded: LoadedProfile) -> Iterator[Finding]:
    if not _websocket(loaded):
        return
    section = loaded.profile.spec.cloudflare_tunnel
    if loaded.profile.spec.exposure == "cloudflare-tunnel":
        idle = section.idle_timeout_seconds if section else 100
        hold = f"past the {idle} s idle cut"
    else:
        hold = "for several minutes"
    yield _finding(
        loaded,
        "websocket-upgrade-test",
        f"test the WebSocket upgrade end to end before switching clients: wscat -c "
        f"{endpoint(loaded)} (expect HTTP 101 Switching Protocols, then hold the connection "
        f"{hold})",
        "spec",
        "websocket",
        "path",
    )


RISKS: tuple[Callable[[LoadedProfile], Iterator[Finding]], ...] = (
    exposure_not_public,
    affinity_not_per_client,
    delivery_undeclared,
    cloudflared_single_replica,
    workload_tls_certificate,
    client_endpoint_switch,
    upgrade_test,
)


def compute(loaded: LoadedProfile) -> list[Finding]:
    return [finding for risk in RISKS for finding in risk(loaded)]
