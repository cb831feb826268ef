"""Cloudflare Tunnel exposure: the load-time rules of all three modes, and the plan.

- `cloudflared`: ingressgen runs the tunnel itself (`cloudflared.py`).
- `ingress-controller` and `operator`: a controller in the cluster runs it, driven by an Ingress
  or a TunnelBinding (`ingress_controller.py`, `operator.py`).
Whatever the mode, the cloudflared rule that results is checked against cloudflared's own rules
(`cloudflared_rules.py`), and what Cloudflare does to WebSockets is said on stderr.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence

from ingressgen import names
from ingressgen.errors import Problem, format_field_path
from ingressgen.findings import Finding
from ingressgen.plan import LoadedProfile
from ingressgen.profile_cloudflare import CloudflareTunnel
from ingressgen.targets.base import PreviousRun, TargetPlan
from ingressgen.targets.cloudflare import cloudflared, ingress_controller, operator
from ingressgen.targets.cloudflare.common import (
    ORIGIN_REQUEST_FIELD,
    TUNNEL_FIELD,
    cloudflared_name,
    tunnel_settings,
)


def check(loaded: LoadedProfile) -> Iterator[Problem]:
    spec = loaded.profile.spec
    settings = tunnel_settings(loaded)
    if spec.hostname is None:
        yield loaded.problem(
            ("spec", "hostname"),
            "required when exposure is cloudflare-tunnel: the public hostname, "
            "e.g. messaging.example.com",
        )
    yield from _check_path(loaded)
    yield from _check_origin(loaded, settings)
    if settings.mode == "cloudflared":
        yield from _check_cloudflared(loaded, settings)
    elif settings.mode == "ingress-controller":
        yield from ingress_controller.check_ingress_controller(loaded)
    else:
        yield from operator.check_operator(loaded)


# Characters a URL path may hold (RFC 3986) that only mean something as regex operators. '.' is
# an ordinary path character (/socket.io): modes cloudflared and operator escape it, and the
# ingress controller's unanchored copy is reported as cloudflare-controller-unanchored-path.
PATH_REGEX_OPERATORS = "$()*+"


def _check_path(loaded: LoadedProfile) -> Iterator[Problem]:
    """websocket.path is a literal prefix, never a regular expression.

    cloudflared matches a rule's `path` as an unanchored RE2 regex (cloudflared ingress/rule.go,
    `Rule.Matches` -> `Path.MatchString`), so ingressgen escapes and anchors the prefix itself;
    `/ws.*` would silently become the literal `^/ws\\.\\*(/|$)` in modes cloudflared and
    operator, and a regex in mode ingress-controller (which copies the path verbatim).
    """
    if loaded.profile.spec.websocket is None:
        return
    path = loaded.profile.websocket.path
    operators = [c for c in PATH_REGEX_OPERATORS if c in path]
    if operators:
        yield loaded.problem(
            ("spec", "websocket", "path"),
            f"{path!r} holds {' '.join(repr(c) for c in operators)}: websocket.path is a literal "
            "URL prefix, not a regular expression (/ws matches /ws and /ws/anything below it, "
            "never /wsx); remove the regular-expression operators, e.g. "
            f"{_literal_prefix(path)!r}",
            rule="websocket-path-regex",
        )


def _literal_prefix(path: str) -> str:
    """The path up to its first regex operator, without a trailing '.' or '/'."""
    cut = min(path.index(c) for c in PATH_REGEX_OPERATORS if c in path)
    return path[:cut].rstrip("./") or "/"


def _check_origin(loaded: LoadedProfile, settings: CloudflareTunnel) -> Iterator[Problem]:
    """How cloudflared talks to the Service: TLS, HTTP/2, and settings that contradict them."""
    protocol = loaded.profile.spec.protocol
    http2 = settings.origin_request.http2_origin
    if protocol == "tcp" and settings.origin_tls:
        yield loaded.problem(
            (*TUNNEL_FIELD, "originTLS"),
            "not valid with protocol tcp: a TCP service is streamed to the client as it is, "
            "TLS included; remove originTLS or set spec.protocol to http, websocket or grpc",
        )
    if protocol == "grpc" and not settings.origin_tls:
        yield loaded.problem(
            ("spec", "protocol"),
            "grpc through Cloudflare Tunnel needs HTTP/2 to the Service, which cloudflared "
            "speaks only over TLS (http2Origin); if the Service serves TLS on port "
            f"{loaded.profile.spec.service.port}, set spec.cloudflareTunnel.originTLS: true, "
            "otherwise use exposure metallb",
        )
    if protocol == "grpc" and http2 is False:
        yield loaded.problem(
            (*ORIGIN_REQUEST_FIELD, "http2Origin"),
            "false contradicts protocol grpc, which needs HTTP/2 to the Service; remove it",
        )
    if http2 is True and not settings.origin_tls:
        yield loaded.problem(
            (*ORIGIN_REQUEST_FIELD, "http2Origin"),
            "cloudflared speaks HTTP/2 only to a TLS origin and silently keeps HTTP/1.1 "
            "otherwise; set spec.cloudflareTunnel.originTLS: true if the Service serves TLS, "
            "or remove it",
        )
    if settings.origin_request.bastion_mode is True:
        yield loaded.problem(
            (*ORIGIN_REQUEST_FIELD, "bastionMode"),
            "bastionMode turns the rule into a jump host that ignores the Service; "
            "ingressgen exposes the Service, so remove it",
        )


def _check_cloudflared(loaded: LoadedProfile, settings: CloudflareTunnel) -> Iterator[Problem]:
    if loaded.profile.spec.cloudflare_tunnel is None:
        yield loaded.problem(
            TUNNEL_FIELD,
            "required when exposure is cloudflare-tunnel: in cloudflared mode at least "
            "tunnel and credentialsSecret",
        )
        return
    if settings.tunnel is None:
        yield loaded.problem(
            (*TUNNEL_FIELD, "tunnel"), "required in cloudflared mode: the tunnel's name or UUID"
        )
    elif not names.to_dns1123_label(settings.tunnel) or not names.is_dns1123_label(
        cloudflared_name(settings.tunnel)
    ):
        yield loaded.problem(
            (*TUNNEL_FIELD, "tunnel"),
            f"the derived object name {cloudflared_name(settings.tunnel)!r} is not a valid "
            "DNS-1123 label of at most 63 characters; use a shorter tunnel name with letters "
            "or digits",
        )
    if settings.credentials_secret is None:
        yield loaded.problem(
            (*TUNNEL_FIELD, "credentialsSecret"),
            "required in cloudflared mode: the name of an existing Secret holding the tunnel's "
            "credentials.json (ingressgen never generates secrets)",
        )
    yield from _check_origin_ca(loaded, settings)


def _check_origin_ca(loaded: LoadedProfile, settings: CloudflareTunnel) -> Iterator[Problem]:
    """caPool is a file path inside the cloudflared pod: only originCA puts a file there.

    cloudflared reads caPool when it sets up the rule's origin at start (cloudflared
    ingress/origin_service.go -> tlsconfig `LoadCustomOriginCA`, which returns the read error and
    the tunnel does not start), so a bare
    path that nothing mounts crash-loops the pod, and with it every profile on the tunnel.
    """
    origin_ca = settings.origin_ca
    if settings.origin_request.ca_pool is not None:
        hint = (
            "remove caPool: originCA already sets it to the mounted file"
            if origin_ca is not None
            else "name the bundle with spec.cloudflareTunnel.originCA: {secret: NAME, key: "
            "ca.crt} (or configMap: NAME) instead, and ingressgen mounts it and sets caPool"
        )
        yield loaded.problem(
            (*ORIGIN_REQUEST_FIELD, "caPool"),
            "a file path nothing mounts in the cloudflared pod: cloudflared fails to read it at "
            "start and exits, taking every profile on the tunnel down; " + hint,
            rule="cloudflare-ca-pool-unmounted",
        )
    if origin_ca is None:
        return
    where = (*TUNNEL_FIELD, "originCA")
    if (origin_ca.secret is None) == (origin_ca.config_map is None):
        yield loaded.problem(
            where,
            "give exactly one of secret or configMap: the existing object holding the CA bundle",
        )
    if not settings.origin_tls:
        yield loaded.problem(
            where,
            "a CA bundle verifies the Service's TLS certificate, but the Service is reached "
            "with http://; set spec.cloudflareTunnel.originTLS: true, or remove originCA",
            at_key=True,
        )


def plan(profiles: Sequence[LoadedProfile], previous: PreviousRun) -> TargetPlan:
    result = TargetPlan()
    by_mode: dict[str, list[LoadedProfile]] = defaultdict(list)
    for loaded in profiles:
        by_mode[tunnel_settings(loaded).mode].append(loaded)
        result.notes.extend(_ignored_settings_notes(loaded))
        heartbeat = _heartbeat_note(loaded)
        if heartbeat is not None:
            result.notes.append(heartbeat)
        grpc = _grpc_transport_note(loaded)
        if grpc is not None:
            result.notes.append(grpc)
        if loaded.profile.spec.protocol == "tcp":
            result.notes.append(
                Finding(
                    "cloudflare-tcp-needs-access",
                    "protocol tcp through Cloudflare Tunnel: clients must connect through "
                    "'cloudflared access tcp', not directly",
                    loaded.locate(("spec", "protocol")),
                    (loaded.id,),
                )
            )
    result.notes.extend(_dns_route_note(loaded) for loaded in by_mode["cloudflared"])
    tunnels = cloudflared.plan_tunnels(by_mode["cloudflared"])
    result.objects.extend(tunnels)
    # Compared with the last run: a profile joining or leaving a shared tunnel restarts its pods.
    result.notes.extend(cloudflared.membership_notes(tunnels, previous))
    controllers = (
        ("ingress-controller", ingress_controller.plan_ingresses),
        ("operator", operator.plan_bindings),
    )
    for mode, planner in controllers:
        objects, notes = planner(by_mode[mode])
        result.objects.extend(objects)
        result.notes.extend(notes)
    reconnect = _reconnect_note(profiles)
    if reconnect is not None:
        result.notes.append(reconnect)
    return result


# Settings that only one or two modes read: set in another mode they would do nothing.
_MODES_READING = {
    "tunnel": ("cloudflared", "operator"),
    "credentials_secret": ("cloudflared",),
    "origin_ca": ("cloudflared",),
    "namespace": ("cloudflared",),
    "replicas": ("cloudflared",),
    "image": ("cloudflared",),
    "ingress_class_name": ("ingress-controller",),
    "controller_version": ("ingress-controller",),
    "tunnel_kind": ("operator",),
}


def _ignored_settings_notes(loaded: LoadedProfile) -> Iterator[Finding]:
    """A located note for each setting the profile's mode never reads, so none is lost silently."""
    section = loaded.profile.spec.cloudflare_tunnel
    if section is None:
        return
    for name in sorted(section.model_fields_set & _MODES_READING.keys()):
        modes = _MODES_READING[name]
        if section.mode not in modes:
            alias = type(section).model_fields[name].alias or name
            yield Finding(
                "cloudflare-setting-ignored",
                f"{format_field_path((*TUNNEL_FIELD, alias))} does nothing in {section.mode} mode "
                f"(only {' and '.join(modes)} mode read it); remove it or change the mode",
                loaded.locate((*TUNNEL_FIELD, alias), at_key=True),
                (loaded.id,),
            )


# Where each controller mode sets cloudflared's transport (--protocol).
_TRANSPORT_SETTING = {
    "ingress-controller": "the controller chart's value cloudflared.protocol: http2",
    "operator": "spec.protocol: http2 on the Tunnel or ClusterTunnel",
}


def _grpc_transport_note(loaded: LoadedProfile) -> Finding | None:
    """gRPC through a tunnel that a controller runs: its cloudflared must use HTTP/2 transport.

    Over QUIC, the default (`auto` tries QUIC first), cloudflared drops response trailers
    (cloudflared connection/quic_connection.go, httpResponseAdapter.AddTrailer), and grpc-status
    is a trailer. Mode cloudflared writes `protocol: http2` itself; a controller's cloudflared is
    configured outside the profile: STRRL's chart passes `--protocol` from `cloudflared.protocol`
    (default auto), adyanth's operator from the Tunnel's `spec.protocol` (default auto).
    """
    mode = tunnel_settings(loaded).mode
    if loaded.profile.spec.protocol != "grpc" or mode not in _TRANSPORT_SETTING:
        return None
    return Finding(
        "cloudflare-grpc-needs-http2-transport",
        "protocol grpc: the tunnel's cloudflared must run with --protocol http2 "
        f"({_TRANSPORT_SETTING[mode]}); with the default auto it uses QUIC, over which cloudflared "
        "drops HTTP trailers, so grpc-status never arrives and every gRPC call fails",
        loaded.locate(("spec", "protocol")),
        (loaded.id,),
    )


def _dns_route_note(loaded: LoadedProfile) -> Finding:
    """Mode cloudflared makes no DNS record: the hostname must be pointed at the tunnel once.

    A locally-managed tunnel's ingress rules only say where a request that reaches the tunnel
    goes; the hostname reaches it through a proxied CNAME to `<tunnel-uuid>.cfargotunnel.com`,
    which `cloudflared tunnel route dns` creates (cloudflared cmd/cloudflared/tunnel/
    subcommands.go, routeDnsCommand). The two controller modes write the record themselves.
    """
    tunnel = tunnel_settings(loaded).tunnel
    hostname = loaded.profile.spec.hostname
    return Finding(
        "cloudflare-dns-route-needed",
        f"nothing in the generated objects points {hostname} at tunnel {tunnel}: run "
        f"'cloudflared tunnel route dns {tunnel} {hostname}' once, or create a proxied CNAME "
        f"{hostname} -> <tunnel-uuid>.cfargotunnel.com in Cloudflare DNS",
        loaded.locate(("spec", "hostname")),
        (loaded.id,),
    )


def _heartbeat_note(loaded: LoadedProfile) -> Finding | None:
    """A note when the application's pings are too rare (or unknown) for Cloudflare's idle cut."""
    profile = loaded.profile
    if profile.spec.protocol != "websocket":
        return None
    settings = tunnel_settings(loaded)
    limit = int(settings.idle_timeout_seconds * 0.6)
    heartbeat = profile.websocket.heartbeat_seconds
    if heartbeat is None:
        return Finding(
            "websocket-heartbeat-vs-idle-cut",
            f"no websocket.heartbeatSeconds: Cloudflare cuts WebSockets idle for about "
            f"{settings.idle_timeout_seconds} s; the application should ping every {limit} s "
            "or less",
            loaded.locate(("spec", "protocol")),
            (loaded.id,),
        )
    if heartbeat > limit:
        return Finding(
            "websocket-heartbeat-vs-idle-cut",
            f"websocket.heartbeatSeconds {heartbeat} is above {limit} s (0.6 x the "
            f"{settings.idle_timeout_seconds} s idle cut at Cloudflare's edge): idle "
            "connections will be dropped",
            loaded.locate(("spec", "websocket", "heartbeatSeconds")),
            (loaded.id,),
        )
    return None


def _reconnect_note(profiles: Sequence[LoadedProfile]) -> Finding | None:
    """Once per run: no heartbeat keeps a WebSocket open across Cloudflare's own restarts."""
    websockets = [p for p in profiles if p.profile.spec.protocol == "websocket"]
    if not websockets:
        return None
    return Finding(
        "cloudflare-restarts-drop-websockets",
        f"{len(websockets)} WebSocket profile(s) go through Cloudflare Tunnel: Cloudflare's edge "
        "restarts and cloudflared rollouts drop open WebSockets, so clients must reconnect",
        profiles=tuple(p.id for p in websockets),
    )
