"""What the three Cloudflare Tunnel modes share: the origin a profile points at, and its route.

Every mode ends in a cloudflared ingress rule: ingressgen writes it itself (mode cloudflared),
or a controller derives it from the Ingress or TunnelBinding ingressgen writes. `Route` is that
rule, with a note of which profile field each of its values came from, so that a rule cloudflared
would refuse (see `cloudflared_rules`) is reported at the user's line when the value is theirs,
and as ingressgen's own bug when it is not.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ingressgen import names
from ingressgen.errors import InputError, InternalError, Problem
from ingressgen.plan import FieldPath, LoadedProfile
from ingressgen.profile_cloudflare import CloudflareTunnel
from ingressgen.targets.cloudflare.cloudflared_rules import Violation, check_ingress

CATCH_ALL: dict[str, Any] = {"service": "http_status:404"}
TUNNEL_FIELD: FieldPath = ("spec", "cloudflareTunnel")
ORIGIN_REQUEST_FIELD: FieldPath = (*TUNNEL_FIELD, "originRequest")
_REGEX_SPECIALS = set("\\.+*?()|[]{}^$")

# What would be valid, for the rules a profile's own value can break.
_HINTS = {
    "V8": "set teamName to your Cloudflare Zero Trust team name, or remove audTag",
    "V13": "use a path without regular-expression operators, or mode cloudflared, which "
    "escapes and anchors the path itself",
}


def tunnel_settings(loaded: LoadedProfile) -> CloudflareTunnel:
    return loaded.profile.spec.cloudflare_tunnel or CloudflareTunnel()


def cloudflared_name(tunnel: str) -> str:
    """The name of the tunnel's shared objects: cloudflared-<tunnel>, made a DNS-1123 label."""
    return f"cloudflared-{names.to_dns1123_label(tunnel)}"


def tunnel_namespace(loaded: LoadedProfile) -> str:
    return tunnel_settings(loaded).namespace or loaded.profile.metadata.namespace


def path_regex(path: str) -> str | None:
    """cloudflared matches `path` as an unanchored RE2 regex: anchor it to the prefix."""
    trimmed = path.rstrip("/")
    if not trimmed:
        return None
    escaped = "".join("\\" + c if c in _REGEX_SPECIALS else c for c in trimmed)
    return f"^{escaped}(/|$)"


def origin_scheme(loaded: LoadedProfile) -> str:
    """tcp for raw TCP (streamed over WebSocket), https for a TLS origin, else http."""
    if loaded.profile.spec.protocol == "tcp":
        return "tcp"
    return "https" if tunnel_settings(loaded).origin_tls else "http"


def service_url(loaded: LoadedProfile) -> str:
    profile = loaded.profile
    domain = tunnel_settings(loaded).cluster_domain
    return (
        f"{origin_scheme(loaded)}://{profile.service_name}.{profile.metadata.namespace}.svc."
        f"{domain}:{profile.spec.service.port}"
    )


def origin_request(loaded: LoadedProfile) -> dict[str, Any]:
    """The profile's originRequest with cloudflared's names; gRPC adds http2Origin itself."""
    settings = tunnel_settings(loaded).origin_request
    if loaded.profile.spec.protocol == "grpc":
        # gRPC is HTTP/2 end to end; cloudflared speaks HTTP/1.1 to the origin unless told.
        settings = settings.model_copy(update={"http2_origin": True})
    return settings.model_dump(by_alias=True, exclude_none=True)


def set_origin_fields(loaded: LoadedProfile) -> Mapping[str, Any]:
    """The originRequest settings the profile itself sets (no defaults, nothing ingressgen adds)."""
    return tunnel_settings(loaded).origin_request.model_dump(by_alias=True, exclude_none=True)


def websocket_prefix(loaded: LoadedProfile) -> str:
    """The WebSocket path without its trailing '/': '' for the whole host."""
    return loaded.profile.websocket.path.rstrip("/")


@dataclass(frozen=True)
class Route:
    """One cloudflared ingress rule and the profile fields its values came from."""

    hostname: str
    path: str | None  # the regex cloudflared matches
    service: str
    origin_request: Mapping[str, Any]
    source: LoadedProfile
    # Rule field -> the profile field that holds it verbatim. Fields absent here are
    # ingressgen's own making: a rule cloudflared refuses there is a bug, not bad input.
    origins: Mapping[str, FieldPath] = field(default_factory=dict)

    def as_rule(self) -> dict[str, Any]:
        rule: dict[str, Any] = {"hostname": self.hostname}
        if self.path:
            rule["path"] = self.path
        rule["service"] = self.service
        if self.origin_request:
            rule["originRequest"] = dict(self.origin_request)
        return rule

    def sort_key(self) -> tuple[bool, int, str, int, str]:
        # First match wins. Exact hosts before wildcards, and a narrower wildcard before a
        # wider one (more labels): "*.eu.example.com" before "*.example.com". Longer paths first.
        wildcard = self.hostname.startswith("*.")
        labels = self.hostname.count(".") if wildcard else 0
        return (wildcard, -labels, self.hostname, -len(self.path or ""), self.path or "")


def profile_route(loaded: LoadedProfile) -> Route:
    """The rule ingressgen writes for a profile in mode cloudflared, and the operator for its
    TunnelBinding."""
    profile = loaded.profile
    assert profile.spec.hostname is not None  # check() requires it
    return Route(
        hostname=profile.spec.hostname,
        path=path_regex(profile.websocket.path),
        service=service_url(loaded),
        origin_request=origin_request(loaded),
        source=loaded,
        origins={"originRequest": ORIGIN_REQUEST_FIELD},
    )


def covers(first: Route, second: Route) -> bool:
    """Whether every request `second` matches also matches `first` (both from profiles)."""
    host, other = first.hostname, second.hostname
    host_covers = host == other or (host.startswith("*.") and other.endswith(host[1:]))
    prefix, other_prefix = websocket_prefix(first.source), websocket_prefix(second.source)
    path_covers = prefix == "" or other_prefix == prefix or other_prefix.startswith(prefix + "/")
    return host_covers and path_covers


def refuse_duplicate_routes(groups: Iterable[Sequence[Route]], scope: str) -> None:
    """One hostname and path can reach one service only: two profiles claiming it is exit 2."""
    problems: list[Problem] = []
    for routes in groups:
        seen: dict[tuple[str, str], Route] = {}
        for route in routes:
            key = (route.hostname, websocket_prefix(route.source))
            first = seen.setdefault(key, route)
            if first is route:
                continue
            where = first.source.locate(("spec", "hostname"))
            problems.append(
                route.source.problem(
                    ("spec", "hostname"),
                    f"{route.hostname} with path {route.source.profile.websocket.path!r} is "
                    f"already routed by {first.source.display} ({where}) on {scope}; one "
                    "hostname and path can reach only one service",
                    rule="cloudflare-route-duplicate",
                )
            )
    if problems:
        raise InputError(problems=problems)


def enforce_cloudflared_rules(routes: Sequence[Route], what: str) -> None:
    """Refuse to write anything cloudflared would refuse: `routes` plus the catch-all, checked.

    A violation in a value the profile holds verbatim is the user's to fix (exit 2, at that
    field); anywhere else ingressgen produced it from a valid profile, which is a bug (exit 3).
    """
    violations = check_ingress([*(r.as_rule() for r in routes), CATCH_ALL])
    if not violations:
        return
    problems: list[Problem] = []
    bugs: list[Violation] = []
    for violation in violations:
        route = (
            routes[violation.rule]
            if violation.rule is not None and violation.rule < len(routes)
            else None
        )
        origin = route.origins.get(violation.field[0]) if route and violation.field else None
        if route is None or origin is None:
            bugs.append(violation)
            continue
        hint = _HINTS.get(violation.code)
        problems.append(
            route.source.problem(
                (*origin, *violation.field[1:]),
                f"cloudflared would refuse {what}: {violation.message} ({violation.code})"
                + (f"; {hint}" if hint else ""),
                rule="cloudflared-rule-refused",
            )
        )
    if bugs:
        details = "; ".join(str(v) for v in bugs)
        raise InternalError(
            f"ingressgen produced something cloudflared would refuse ({what}: {details}); this "
            "is a bug in ingressgen"
        )
    raise InputError(problems=problems)
