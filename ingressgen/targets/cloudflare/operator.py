"""Mode `operator` (adyanth cloudflare-operator): a TunnelBinding per profile.

The TunnelBinding names the Service, with the target, the anchored path and the originRequest
settings the TunnelBinding has fields for. The operator orders a tunnel's rules by TunnelBinding
name, so a route that sorts first can shadow another profile's route: that is a finding. It
gathers a tunnel's bindings by tunnelRef.name across namespaces and tunnel kinds, and so do the
duplicate and shadowing checks here.
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from collections.abc import Iterator, Sequence

from ingressgen import names
from ingressgen.errors import Problem, ProblemCollector
from ingressgen.findings import Finding
from ingressgen.plan import LoadedProfile, PlannedObject
from ingressgen.targets.cloudflare.common import (
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
    set_origin_fields,
    tunnel_settings,
)
from ingressgen.targets.common import profile_annotations, profile_labels, profile_object

# cloudflared's originRequest field -> the TunnelBinding subject's spec field.
BINDING_FIELDS = {
    "noTLSVerify": "noTlsVerify",
    "http2Origin": "http2Origin",
    "proxyAddress": "proxyAddress",
    "proxyPort": "proxyPort",
    "proxyType": "proxyType",
}


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
    for key, value in set_origin_fields(loaded).items():
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


def _tunnel_ref(loaded: LoadedProfile) -> tuple[str, str, str]:
    """(kind, namespace, name) of the tunnel object; a ClusterTunnel has no namespace."""
    settings = tunnel_settings(loaded)
    assert settings.tunnel is not None and settings.tunnel_kind is not None
    namespace = loaded.profile.metadata.namespace if settings.tunnel_kind == "Tunnel" else ""
    return (settings.tunnel_kind, namespace, settings.tunnel)


def _binding_group(loaded: LoadedProfile) -> str:
    """The set of TunnelBindings the operator writes into one config: by tunnelRef.name alone.

    It lists them cluster-wide by the labels `cfargotunnel.com/name: <tunnelRef.name>` and
    `cfargotunnel.com/kind: <the binding's own kind>` (always TunnelBinding), with no namespace
    filter (cloudflare-operator internal/controller/tunnelbinding_controller.go,
    `labelsForBinding` and `getRelevantTunnelBindings`). So bindings naming Tunnel `edge` in two
    namespaces, or Tunnel `edge` and ClusterTunnel `edge`, all land in each one's config.
    """
    name = tunnel_settings(loaded).tunnel
    assert name is not None
    return name


def plan_bindings(members: Sequence[LoadedProfile]) -> tuple[list[PlannedObject], list[Finding]]:
    by_tunnel: dict[str, list[Route]] = defaultdict(list)
    for loaded in members:
        # The operator writes each binding as the rule cloudflared mode writes.
        by_tunnel[_binding_group(loaded)].append(profile_route(loaded))
    notes: list[Finding] = []
    collector = ProblemCollector()
    for name, routes in sorted(by_tunnel.items()):
        scope = (
            f"operator tunnel {name} (the operator gathers every TunnelBinding whose "
            "tunnelRef.name is that, in any namespace, Tunnel or ClusterTunnel)"
        )
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
