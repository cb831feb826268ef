"""A Mermaid flowchart of a profile's traffic path, with the limits that apply on its edges.

GitHub and GitLab render a ```mermaid block in Markdown, so a review comment shows the picture.
Labels are quoted and every quote or markup character in a value is escaped as an entity, so
no profile value can reshape the chart.
"""

from __future__ import annotations

from ingressgen.explain.risks import endpoint
from ingressgen.plan import LoadedProfile
from ingressgen.targets.cloudflare.common import tunnel_settings
from ingressgen.targets.metallb.target import service_name as lb_service_name

_ESCAPES = {'"': "#quot;", "<": "#lt;", ">": "#gt;", "|": "#124;", "`": "#96;"}


def _text(value: str) -> str:
    return "".join(_ESCAPES.get(char, char) for char in value)


def _node(key: str, label: str) -> str:
    return f'    {key}["{_text(label)}"]'


def _edge(source: str, label: str, target: str) -> str:
    return f'    {source} -->|"{_text(label)}"| {target}'


def flowchart(loaded: LoadedProfile) -> list[str]:
    """The ```mermaid block, as lines."""
    profile = loaded.profile
    spec = profile.spec
    replicas = spec.service.replicas
    pods = f"{replicas} pods" if replicas else "pods"
    service = f"Service {profile.metadata.namespace}/{profile.service_name}:{spec.service.port}"
    websocket = spec.protocol == "websocket"
    lines = ["```mermaid", "flowchart LR", _node("client", f"client: {endpoint(loaded)}")]
    if spec.exposure == "cloudflare-tunnel":
        settings = tunnel_settings(loaded)
        heartbeat = profile.websocket.heartbeat_seconds
        idle = f"idle cut ~{settings.idle_timeout_seconds} s"
        if websocket:
            idle += f", heartbeat {heartbeat} s" if heartbeat else ", no heartbeat"
        cloudflared = (
            f"cloudflared x{settings.replicas} (tunnel {settings.tunnel})"
            if settings.mode == "cloudflared"
            else f"cloudflared ({settings.mode} mode)"
        )
        affinity = "per connection: no per-client affinity"
        lines += [
            _node("edge", "Cloudflare edge (TLS ends here)"),
            _node("tunnel", cloudflared),
            _node("svc", service),
            _node("pods", pods),
            _edge("client", f"HTTPS/WSS, {idle}", "edge"),
            _edge("edge", "tunnel: edge restarts drop WebSockets", "tunnel"),
            _edge("tunnel", "cluster IP, client IP only in a header, rollouts drop", "svc"),
            _edge("svc", affinity, "pods"),
        ]
    else:
        metallb = spec.metallb
        assert metallb is not None  # a metallb profile without it is refused at load
        ips = ", ".join(metallb.load_balancer_ips or []) or f"pool {metallb.address_pool}"
        if metallb.advertisement == "l2":
            node = "announcing node (L2: one node for all traffic)"
            failover = "failover to another node resets connections"
        else:
            node = "nodes (BGP, ECMP)"
            failover = "next-hop changes reset connections"
        local = metallb.external_traffic_policy == "Local"
        policy = "Local: client IP kept" if local else "Cluster: client IP lost (SNAT)"
        if websocket and profile.websocket.session_affinity:
            policy += ", ClientIP affinity" if local else ", affinity per node"
        lines += [
            _node("lb", f"MetalLB IP {ips} ({metallb.advertisement})"),
            _node("node", node),
            _node("svc", f"Service {profile.metadata.namespace}/{lb_service_name(loaded)}"),
            _node("pods", pods),
            _edge("client", "TCP passthrough, no duration limit, TLS by the workload", "lb"),
            _edge("lb", failover, "node"),
            _edge("node", f"externalTrafficPolicy {policy}", "svc"),
            _edge("svc", "kube-proxy", "pods"),
        ]
    lines.append("```")
    return lines
