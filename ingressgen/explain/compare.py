"""The seed's side-by-side table, Cloudflare Tunnel against MetalLB, filled from one profile.

Each cell uses the profile's own values where it has them (the tunnel, its idle cut, the
heartbeat, the replicas, the pool, the traffic policy); for the exposure the profile does not
use, it says what that exposure would need.
"""

from __future__ import annotations

from typing import NamedTuple

from ingressgen.plan import LoadedProfile
from ingressgen.profile_cloudflare import CloudflareTunnel
from ingressgen.profile_metallb import MetalLB

COLUMNS = ("cloudflare-tunnel", "metallb")
HEADINGS = {"cloudflare-tunnel": "Cloudflare Tunnel", "metallb": "MetalLB (L4)"}


class Row(NamedTuple):
    aspect: str
    cloudflare: str
    metallb: str


def rows(loaded: LoadedProfile) -> list[Row]:
    profile = loaded.profile
    spec = profile.spec
    tunnel = spec.cloudflare_tunnel or CloudflareTunnel()
    metallb = spec.metallb
    heartbeat = profile.websocket.heartbeat_seconds
    limit = int(tunnel.idle_timeout_seconds * 0.6)
    ping = f"heartbeat {heartbeat} s" if heartbeat else "no heartbeat declared"
    verdict = "enough" if heartbeat and heartbeat <= limit else f"needs <= {limit} s"
    replicas = spec.service.replicas
    many = replicas is not None and replicas > 1
    affinity_wanted = profile.websocket.session_affinity
    policy = metallb.external_traffic_policy if metallb else "Local"
    tunnel_name = tunnel.tunnel or "<tunnel>"
    secret = tunnel.credentials_secret or "<credentials Secret>"
    pool = _pool(metallb)
    return [
        Row(
            "Complexity",
            "low: reuses an existing tunnel; ingressgen generates cloudflared's objects",
            "higher: MetalLB in the cluster, routable addresses, L2 or BGP announcements",
        ),
        Row(
            "Duration limits",
            f"idle cut ~{tunnel.idle_timeout_seconds} s at the edge ({ping}: {verdict})",
            "none: TCP passthrough",
        ),
        Row(
            "Reconnection needs",
            "on every Cloudflare edge restart and cloudflared rollout",
            "on node failover (L2 leader move) or BGP next-hop change",
        ),
        Row(
            "Affinity",
            "per connection only: cloudflared reaches the cluster IP"
            + (f" ({replicas} replicas, affinity wanted)" if many and affinity_wanted else ""),
            "ClientIP on the LoadBalancer Service"
            if policy == "Local"
            else "per node only (externalTrafficPolicy Cluster)",
        ),
        Row(
            "Client IP",
            "in the Cf-Connecting-IP header; the pod sees cloudflared",
            "kept (externalTrafficPolicy Local)"
            if policy == "Local"
            else "lost (externalTrafficPolicy Cluster)",
        ),
        Row(
            "TLS",
            "terminated at Cloudflare's edge with its certificate",
            f"terminated by the workload: its own certificate for {spec.hostname}"
            if spec.hostname
            else "terminated by the workload, if at all",
        ),
        Row(
            "Needs in the cluster first",
            f"tunnel {tunnel_name} created in Cloudflare, Secret {secret} holding its "
            "credentials.json, a DNS route for the hostname",
            f"MetalLB installed ({_version(metallb)}), {pool}",
        ),
    ]


def _pool(metallb: MetalLB | None) -> str:
    if metallb is None or metallb.address_pool is None:
        return "an IPAddressPool with routable addresses"
    if metallb.pool_is_created:
        return f"routable addresses {', '.join(metallb.addresses or [])} (pool generated)"
    return f"the IPAddressPool {metallb.address_pool} already defined"


def _version(metallb: MetalLB | None) -> str:
    return f"version {metallb.version}" if metallb and metallb.version else "any version"


def table(loaded: LoadedProfile) -> tuple[list[str], list[list[str]]]:
    """Headings and cells; the profile's own exposure is marked."""
    chosen = loaded.profile.spec.exposure
    headings = ["Aspect"] + [
        HEADINGS[c] + (" (this profile)" if c == chosen else "") for c in COLUMNS
    ]
    return headings, [[r.aspect, r.cloudflare, r.metallb] for r in rows(loaded)]
