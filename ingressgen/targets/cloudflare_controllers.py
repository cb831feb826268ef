"""Modes `ingress-controller` and `operator`: a controller turns our object into cloudflared rules.

- ingress-controller (STRRL cloudflare-tunnel-ingress-controller): an Ingress. originRequest
  settings become the controller's `cloudflare-tunnel-ingress-controller.strrl.dev/*`
  annotations; a setting it has no annotation for is refused, never dropped. The controller
  copies the Ingress path into cloudflared verbatim, so the path is matched unanchored.
- operator (adyanth cloudflare-operator): a TunnelBinding naming the Service, with the target,
  the anchored path and the originRequest settings the TunnelBinding has fields for.

For both, the rule the controller will derive is checked against cloudflared's own rules.
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from ingressgen import names
from ingressgen.errors import Problem, ProblemCollector
from ingressgen.findings import Finding
from ingressgen.golang.duration import SECOND, parse_duration_ns
from ingressgen.plan import LoadedProfile, PlannedObject
from ingressgen.targets.cloudflare_common import (
    ORIGIN_REQUEST_FIELD,
    TUNNEL_FIELD,
    Route,
    covers,
    enforce_cloudflared_rules,
    origin_request,
    origin_scheme,
    path_regex,
    profile_route,
    refuse_duplicate_routes,
    service_url,
    tunnel_settings,
)
from ingressgen.targets.common import profile_annotations, profile_labels, profile_object

ANNOTATION_PREFIX = "cloudflare-tunnel-ingress-controller.strrl.dev/"
# cloudflared's originRequest field -> the controller's annotation (pkg/controller,
# well_known_annotations.go). Durations there must be positive whole seconds.
CONTROLLER_ANNOTATIONS = {
    "connectTimeout": "connect-timeout",
    "tlsTimeout": "tls-timeout",
    "tcpKeepAlive": "tcp-keepalive",
    "noHappyEyeballs": "no-happy-eyeballs",
    "keepAliveConnections": "keepalive-connections",
    "keepAliveTimeout": "keepalive-timeout",
    "httpHostHeader": "http-host-header",
    "originServerName": "origin-server-name",
    "noTLSVerify": "no-tls-verify",
    "disableChunkedEncoding": "disable-chunked-encoding",
    "http2Origin": "http2-origin",
}
_DURATIONS = frozenset({"connectTimeout", "tlsTimeout", "tcpKeepAlive", "keepAliveTimeout"})
# cloudflared's originRequest field -> the TunnelBinding subject's spec field.
BINDING_FIELDS = {
    "noTLSVerify": "noTlsVerify",
    "http2Origin": "http2Origin",
    "proxyAddress": "proxyAddress",
    "proxyPort": "proxyPort",
    "proxyType": "proxyType",
}
_REGEX_OPERATORS = set(".$()*+")


def _set_origin_fields(loaded: LoadedProfile) -> Mapping[str, Any]:
    return tunnel_settings(loaded).origin_request.model_dump(by_alias=True, exclude_none=True)


# ---------------------------------------------------------------- load-time rules


def check_ingress_controller(loaded: LoadedProfile) -> Iterator[Problem]:
    settings = tunnel_settings(loaded)
    for key, value in _set_origin_fields(loaded).items():
        path = (*ORIGIN_REQUEST_FIELD, key)
        if key not in CONTROLLER_ANNOTATIONS:
            yield loaded.problem(
                path,
                f"the ingress controller has no annotation for originRequest.{key}, so it "
                "cannot reach cloudflared; remove it, or use mode cloudflared (annotations "
                "exist for: " + ", ".join(sorted(CONTROLLER_ANNOTATIONS)) + ")",
                at_key=True,
            )
        elif key in _DURATIONS and not _whole_positive_seconds(value):
            yield loaded.problem(
                path,
                f"{value!r} is not valid here: the ingress controller takes a positive duration "
                "in whole seconds (it writes the tunnel's config through Cloudflare's API, which "
                "counts in seconds), e.g. '30s' or '1m30s'",
            )
        elif key == "originServerName" and not settings.origin_tls:
            yield loaded.problem(
                path,
                "the ingress controller applies origin-server-name to https backends only; set "
                "spec.cloudflareTunnel.originTLS: true if the Service serves TLS, or remove it",
            )


def _whole_positive_seconds(value: str) -> bool:
    nanoseconds = parse_duration_ns(value)
    return nanoseconds > 0 and nanoseconds % SECOND == 0


def check_operator(loaded: LoadedProfile) -> Iterator[Problem]:
    settings = tunnel_settings(loaded)
    if settings.tunnel is None:
        yield loaded.problem(
            (*TUNNEL_FIELD, "tunnel"),
            "required in operator mode: the name of the Tunnel or ClusterTunnel object",
        )
    elif not names.is_dns1123_subdomain(settings.tunnel):
        yield loaded.problem(
            (*TUNNEL_FIELD, "tunnel"),
            f"{settings.tunnel!r} is not valid in operator mode: the name of a Tunnel or "
            "ClusterTunnel object, a DNS-1123 subdomain (lower-case letters, digits, '-', '.')",
        )
    if settings.tunnel_kind is None:
        yield loaded.problem(
            (*TUNNEL_FIELD, "tunnelKind"),
            "required in operator mode: Tunnel (an object in "
            f"{loaded.profile.metadata.namespace}, the profile's namespace) or ClusterTunnel",
        )
    for key, value in _set_origin_fields(loaded).items():
        path = (*ORIGIN_REQUEST_FIELD, key)
        if key == "caPool":
            yield loaded.problem(
                path,
                "a TunnelBinding has no field for a CA file path: its caPool names a key of the "
                "Tunnel's spec.originCaPool Secret; remove it here, or use mode cloudflared",
                at_key=True,
            )
        elif key not in BINDING_FIELDS:
            yield loaded.problem(
                path,
                f"a TunnelBinding has no field for originRequest.{key}, so the operator cannot "
                "pass it to cloudflared; remove it, or use mode cloudflared (TunnelBinding "
                "fields exist for: " + ", ".join(sorted(BINDING_FIELDS)) + ")",
                at_key=True,
            )
        elif key == "proxyAddress" and not _is_plain_ip(value):
            yield loaded.problem(
                path,
                f"{value!r} is not valid in operator mode: the TunnelBinding takes an IPv4 "
                "address or an IPv6 address without an embedded IPv4 part or zone, e.g. "
                "127.0.0.1",
            )


def _is_plain_ip(value: str) -> bool:
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return False
    return address.version == 4 or ("." not in value and "%" not in value)


# ---------------------------------------------------------------- ingress-controller


def _annotation_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def controller_annotations(loaded: LoadedProfile) -> dict[str, str]:
    """The controller's annotations for this profile (originRequest and backend protocol)."""
    scheme = origin_scheme(loaded)
    own = {
        ANNOTATION_PREFIX + CONTROLLER_ANNOTATIONS[key]: _annotation_value(value)
        for key, value in origin_request(loaded).items()
    }
    if scheme != "http":
        own[ANNOTATION_PREFIX + "backend-protocol"] = scheme
    if scheme == "https":
        # For https backends the controller turns TLS verification off unless told otherwise;
        # cloudflared's default (and modes cloudflared and operator) verify. Keep them alike.
        own.setdefault(ANNOTATION_PREFIX + "no-tls-verify", "false")
    return own


def _controller_route(loaded: LoadedProfile) -> Route:
    profile = loaded.profile
    assert profile.spec.hostname is not None
    path = profile.websocket.path
    http = origin_scheme(loaded) != "tcp"
    return Route(
        hostname=profile.spec.hostname,
        # The controller copies the Ingress path verbatim, for http(s) backends only.
        path=path if http and path != "/" else None,
        service=service_url(loaded),
        origin_request=origin_request(loaded),
        source=loaded,
        origins={"path": ("spec", "websocket", "path"), "originRequest": ORIGIN_REQUEST_FIELD},
    )


def plan_ingresses(members: Sequence[LoadedProfile]) -> tuple[list[PlannedObject], list[Finding]]:
    by_class: dict[str, list[Route]] = defaultdict(list)
    for loaded in members:
        by_class[tunnel_settings(loaded).ingress_class_name].append(_controller_route(loaded))
    collector = ProblemCollector()
    for ingress_class, routes in sorted(by_class.items()):
        scope = f"IngressClass {ingress_class}"
        collector.gather(refuse_duplicate_routes, [routes], scope)
        for route in routes:
            what = "the rule the ingress controller derives from it"
            collector.gather(enforce_cloudflared_rules, [route], what)
    collector.raise_if_any()
    objects = [_ingress(loaded) for loaded in members]
    notes = [note for loaded in members if (note := _unanchored_path_note(loaded)) is not None]
    return objects, notes


def _unanchored_path_note(loaded: LoadedProfile) -> Finding | None:
    path = loaded.profile.websocket.path
    if loaded.profile.spec.protocol != "websocket" or path == "/":
        return None
    message = (
        f"the ingress controller copies the Ingress path {path} into cloudflared as an "
        f"unanchored regular expression (a Prefix path cannot start with '^'), so it also "
        f"matches /anything{path} and {path.rstrip('/')}x; mode cloudflared or operator anchors "
        f"it as {path_regex(path)}"
    )
    operators = sorted(set(path) & _REGEX_OPERATORS)
    if operators:
        message += (
            f"; and cloudflared reads {' '.join(operators)} in it as regular-expression "
            "operators, not as characters"
        )
    location = loaded.locate(("spec", "websocket", "path"))
    return Finding("cloudflare-controller-unanchored-path", message, location, (loaded.id,))


def _ingress(loaded: LoadedProfile) -> PlannedObject:
    profile = loaded.profile
    settings = tunnel_settings(loaded)
    context = {
        "name": profile.metadata.name,
        "namespace": profile.metadata.namespace,
        "labels": profile_labels(loaded),
        "annotations": profile_annotations(loaded, controller_annotations(loaded)),
        "ingress_class_name": settings.ingress_class_name,
        "host": profile.spec.hostname,
        "path": profile.websocket.path,
        "service_name": profile.service_name,
        "port": profile.spec.service.port,
    }
    return profile_object(
        loaded,
        api_version="networking.k8s.io/v1",
        kind="Ingress",
        name=profile.metadata.name,
        template="cloudflare/ingress.yaml.j2",
        context=context,
        origin=TUNNEL_FIELD,
    )


# ---------------------------------------------------------------- operator


def _tunnel_ref(loaded: LoadedProfile) -> tuple[str, str, str]:
    """(kind, namespace, name) of the tunnel object; a ClusterTunnel has no namespace."""
    settings = tunnel_settings(loaded)
    assert settings.tunnel is not None and settings.tunnel_kind is not None
    namespace = loaded.profile.metadata.namespace if settings.tunnel_kind == "Tunnel" else ""
    return (settings.tunnel_kind, namespace, settings.tunnel)


def plan_bindings(members: Sequence[LoadedProfile]) -> tuple[list[PlannedObject], list[Finding]]:
    by_tunnel: dict[tuple[str, str, str], list[Route]] = defaultdict(list)
    for loaded in members:
        # The operator writes each binding as the rule cloudflared mode writes.
        by_tunnel[_tunnel_ref(loaded)].append(profile_route(loaded))
    notes: list[Finding] = []
    collector = ProblemCollector()
    for (kind, namespace, name), routes in sorted(by_tunnel.items()):
        scope = f"{kind} {namespace + '/' if namespace else ''}{name}"
        collector.gather(refuse_duplicate_routes, [routes], scope)
        for route in routes:
            what = "the rule the operator derives from it"
            collector.gather(enforce_cloudflared_rules, [route], what)
        notes.extend(_shadow_notes(routes, scope))
    collector.raise_if_any()
    return [_binding(loaded) for loaded in members], notes


def _shadow_notes(routes: Sequence[Route], scope: str) -> list[Finding]:
    """The operator orders a tunnel's rules by TunnelBinding name, not by specificity."""
    ordered = sorted(routes, key=lambda r: r.source.profile.metadata.name)
    notes = []
    for index, later in enumerate(ordered):
        for earlier in ordered[:index]:
            if not covers(earlier, later):
                continue
            first, second = earlier.source, later.source
            same_name = first.profile.metadata.name == second.profile.metadata.name
            order = (
                "has the same name, so the operator's order between the two is not defined"
                if same_name
                else "comes first, because the operator orders a tunnel's rules by "
                "TunnelBinding name"
            )
            notes.append(
                Finding(
                    "cloudflare-route-shadowed",
                    f"on {scope}, TunnelBinding {first.profile.metadata.namespace}/"
                    f"{first.profile.metadata.name} ({first.display}) {order}, and its rule for "
                    f"{earlier.hostname} {first.profile.websocket.path} also matches every "
                    f"request for {later.hostname} {second.profile.websocket.path}, which then "
                    "never reaches this service; rename one so that this one sorts first",
                    second.locate(("metadata", "name")),
                    (second.id,),
                )
            )
            break
    return notes


def _binding(loaded: LoadedProfile) -> PlannedObject:
    profile = loaded.profile
    kind, _, tunnel = _tunnel_ref(loaded)
    scheme = origin_scheme(loaded)
    spec_fields = [(BINDING_FIELDS[key], value) for key, value in origin_request(loaded).items()]
    context = {
        "name": profile.metadata.name,
        "namespace": profile.metadata.namespace,
        "labels": profile_labels(loaded),
        "annotations": profile_annotations(loaded, {}),
        "service_name": profile.service_name,
        "fqdn": profile.spec.hostname,
        # The operator's own protocol names: http, https, tcp (it picks the URL scheme).
        "protocol": scheme,
        # Explicit: without it the operator targets the Service's FIRST port, whatever it is.
        "target": service_url(loaded),
        "path": path_regex(profile.websocket.path),
        "origin_fields": spec_fields,
        "tunnel_kind": kind,
        "tunnel": tunnel,
    }
    return profile_object(
        loaded,
        api_version="networking.cfargotunnel.com/v1alpha1",
        kind="TunnelBinding",
        name=profile.metadata.name,
        template="cloudflare/tunnelbinding.yaml.j2",
        context=context,
        origin=TUNNEL_FIELD,
    )
