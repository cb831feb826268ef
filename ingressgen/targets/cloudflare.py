"""Cloudflare Tunnel exposure: a cloudflared Deployment with its config, or an Ingress.

In `cloudflared` mode every profile that names the same tunnel shares one
ConfigMap and one Deployment, so the rules of all of them live in one config.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from ingressgen import names
from ingressgen.errors import InputError, Problem
from ingressgen.plan import LoadedProfile, Note, PlannedObject
from ingressgen.profile import CloudflareTunnel
from ingressgen.targets.common import (
    profile_annotations,
    profile_folder,
    profile_labels,
    shared_labels,
)
from ingressgen.targets.registry import TargetPlan

CONFIG_DIR = "/etc/cloudflared/config"
CREDENTIALS_DIR = "/etc/cloudflared/creds"
METRICS_PORT = 2000
# cloudflared waits up to its grace period (30 s by default) for requests in flight on SIGTERM;
# the pod must outlive that or in-flight requests are cut mid-way.
TERMINATION_GRACE_SECONDS = 45
CATCH_ALL = {"service": "http_status:404"}
_REGEX_SPECIALS = set("\\.+*?()|[]{}^$")


def tunnel_settings(loaded: LoadedProfile) -> CloudflareTunnel:
    return loaded.profile.spec.cloudflare_tunnel or CloudflareTunnel()


def cloudflared_name(tunnel: str) -> str:
    """The name of the tunnel's shared objects: cloudflared-<tunnel>, made a DNS-1123 label."""
    return f"cloudflared-{names.to_dns1123_label(tunnel)}"


def tunnel_namespace(loaded: LoadedProfile) -> str:
    return tunnel_settings(loaded).namespace or loaded.profile.metadata.namespace


def check(loaded: LoadedProfile) -> Iterator[Problem]:
    spec = loaded.profile.spec
    settings = tunnel_settings(loaded)
    if spec.hostname is None:
        yield loaded.problem(
            ("spec", "hostname"),
            "required when exposure is cloudflare-tunnel: the public hostname, "
            "e.g. messaging.example.com",
        )
    if settings.mode == "cloudflared":
        yield from _check_cloudflared(loaded, settings)
    if settings.mode == "operator":
        yield loaded.problem(
            ("spec", "cloudflareTunnel", "mode"),
            "'operator' mode is not supported by this version of ingressgen yet; "
            "use 'cloudflared' or 'ingress-controller'",
        )


def _check_cloudflared(loaded: LoadedProfile, settings: CloudflareTunnel) -> Iterator[Problem]:
    section = ("spec", "cloudflareTunnel")
    if loaded.profile.spec.cloudflare_tunnel is None:
        yield loaded.problem(
            section,
            "required when exposure is cloudflare-tunnel: in cloudflared mode at least "
            "tunnel and credentialsSecret",
        )
        return
    if settings.tunnel is None:
        yield loaded.problem(
            (*section, "tunnel"), "required in cloudflared mode: the tunnel's name or UUID"
        )
    elif not names.to_dns1123_label(settings.tunnel) or not names.is_dns1123_label(
        cloudflared_name(settings.tunnel)
    ):
        yield loaded.problem(
            (*section, "tunnel"),
            f"the derived object name {cloudflared_name(settings.tunnel)!r} is not a valid "
            "DNS-1123 label of at most 63 characters; use a shorter tunnel name with letters "
            "or digits",
        )
    if settings.credentials_secret is None:
        yield loaded.problem(
            (*section, "credentialsSecret"),
            "required in cloudflared mode: the name of an existing Secret holding the tunnel's "
            "credentials.json (ingressgen never generates secrets)",
        )
    if loaded.profile.spec.protocol == "grpc":
        yield loaded.problem(
            ("spec", "protocol"),
            "grpc through cloudflared needs an HTTP/2 origin, which cloudflared reaches only over "
            "TLS; this version of ingressgen cannot declare a TLS origin yet: use exposure metallb",
        )


def path_regex(path: str) -> str | None:
    """cloudflared matches `path` as an unanchored RE2 regex: anchor it to the prefix."""
    trimmed = path.rstrip("/")
    if not trimmed:
        return None
    escaped = "".join("\\" + c if c in _REGEX_SPECIALS else c for c in trimmed)
    return f"^{escaped}(/|$)"


def service_url(loaded: LoadedProfile) -> str:
    profile = loaded.profile
    scheme = "tcp" if profile.spec.protocol == "tcp" else "http"
    domain = tunnel_settings(loaded).cluster_domain
    return (
        f"{scheme}://{profile.service_name}.{profile.metadata.namespace}.svc.{domain}"
        f":{profile.spec.service.port}"
    )


def plan(profiles: Sequence[LoadedProfile]) -> TargetPlan:
    result = TargetPlan()
    tunnels: dict[tuple[str, str], list[LoadedProfile]] = defaultdict(list)
    for loaded in profiles:
        heartbeat = _heartbeat_note(loaded)
        if heartbeat is not None:
            result.notes.append(heartbeat)
        mode = tunnel_settings(loaded).mode
        if mode == "ingress-controller":
            result.objects.append(_ingress(loaded))
            continue
        tunnel = tunnel_settings(loaded).tunnel
        assert tunnel is not None  # check() refuses cloudflared mode without it
        tunnels[(tunnel_namespace(loaded), cloudflared_name(tunnel))].append(loaded)
        if loaded.profile.spec.protocol == "tcp":
            result.notes.append(
                Note(
                    "protocol tcp through Cloudflare Tunnel: clients must connect through "
                    "'cloudflared access tcp', not directly",
                    loaded.locate(("spec", "protocol")),
                )
            )
    for (namespace, name), members in sorted(tunnels.items()):
        result.objects.extend(_cloudflared_objects(namespace, name, members))
    reconnect = _reconnect_note(profiles)
    if reconnect is not None:
        result.notes.append(reconnect)
    return result


def _heartbeat_note(loaded: LoadedProfile) -> Note | None:
    """A note when the application's pings are too rare (or unknown) for Cloudflare's idle cut."""
    profile = loaded.profile
    if profile.spec.protocol != "websocket":
        return None
    settings = tunnel_settings(loaded)
    limit = int(settings.idle_timeout_seconds * 0.6)
    heartbeat = profile.websocket.heartbeat_seconds
    if heartbeat is None:
        return Note(
            f"no websocket.heartbeatSeconds: Cloudflare cuts WebSockets idle for about "
            f"{settings.idle_timeout_seconds} s; the application should ping every {limit} s "
            "or less",
            loaded.locate(("spec", "protocol")),
        )
    if heartbeat > limit:
        return Note(
            f"websocket.heartbeatSeconds {heartbeat} is above {limit} s (0.6 x the "
            f"{settings.idle_timeout_seconds} s idle cut at Cloudflare's edge): idle "
            "connections will be dropped",
            loaded.locate(("spec", "websocket", "heartbeatSeconds")),
        )
    return None


def _reconnect_note(profiles: Sequence[LoadedProfile]) -> Note | None:
    """Once per run: no heartbeat keeps a WebSocket open across Cloudflare's own restarts."""
    websockets = [p for p in profiles if p.profile.spec.protocol == "websocket"]
    if not websockets:
        return None
    return Note(
        f"{len(websockets)} WebSocket profile(s) go through Cloudflare Tunnel: Cloudflare's edge "
        "restarts and cloudflared rollouts drop open WebSockets, so clients must reconnect"
    )


def _ingress(loaded: LoadedProfile) -> PlannedObject:
    profile = loaded.profile
    settings = tunnel_settings(loaded)
    context = {
        "name": profile.metadata.name,
        "namespace": profile.metadata.namespace,
        "labels": profile_labels(loaded),
        "annotations": profile_annotations(loaded, {}),
        "ingress_class_name": settings.ingress_class_name,
        "host": profile.spec.hostname,
        "path": profile.websocket.path,
        "service_name": profile.service_name,
        "port": profile.spec.service.port,
    }
    return PlannedObject(
        api_version="networking.k8s.io/v1",
        kind="Ingress",
        name=profile.metadata.name,
        namespace=profile.metadata.namespace,
        template="cloudflare/ingress.yaml.j2",
        context=context,
        folder=profile_folder(loaded),
        sources=(loaded,),
        origin=("spec", "cloudflareTunnel"),
    )


@dataclass(frozen=True)
class _Rule:
    hostname: str
    path: str | None
    service: str
    origin_request: dict[str, Any]
    source: LoadedProfile

    def sort_key(self) -> tuple[bool, str, int, str]:
        # Exact hosts before wildcards, longer paths first: the first matching rule wins.
        return (
            self.hostname.startswith("*."),
            self.hostname,
            -len(self.path or ""),
            self.path or "",
        )

    def as_config(self) -> dict[str, Any]:
        rule: dict[str, Any] = {"hostname": self.hostname}
        if self.path:
            rule["path"] = self.path
        rule["service"] = self.service
        if self.origin_request:
            rule["originRequest"] = self.origin_request
        return rule


def _rule(loaded: LoadedProfile) -> _Rule:
    profile = loaded.profile
    assert profile.spec.hostname is not None
    origin = tunnel_settings(loaded).origin_request.model_dump(by_alias=True, exclude_none=True)
    return _Rule(
        hostname=profile.spec.hostname,
        path=path_regex(profile.websocket.path),
        service=service_url(loaded),
        origin_request=origin,
        source=loaded,
    )


_SHARED_SETTINGS = ("tunnel", "credentials_secret", "replicas", "image")


def _check_shared_settings(members: Sequence[LoadedProfile]) -> None:
    first = members[0]
    problems: list[Problem] = []
    for other in members[1:]:
        for setting in _SHARED_SETTINGS:
            mine = getattr(tunnel_settings(first), setting)
            theirs = getattr(tunnel_settings(other), setting)
            if mine != theirs:
                alias = type(tunnel_settings(first)).model_fields[setting].alias or setting
                path = ("spec", "cloudflareTunnel", alias)
                problems.append(
                    other.problem(
                        path,
                        f"{theirs!r} disagrees with {mine!r} in {first.locate(path)}; profiles "
                        "that share a tunnel must agree on its tunnel, credentialsSecret, "
                        "replicas and image",
                    )
                )
    if problems:
        raise InputError(problems=problems)


def _check_duplicate_routes(rules: Sequence[_Rule]) -> None:
    seen: dict[tuple[str, str | None], _Rule] = {}
    problems: list[Problem] = []
    for rule in rules:
        key = (rule.hostname, rule.path)
        if key in seen:
            first = seen[key].source
            problems.append(
                rule.source.problem(
                    ("spec", "hostname"),
                    f"{rule.hostname} with path {rule.source.profile.websocket.path!r} is "
                    f"already routed by {first.locate(('spec', 'hostname'))}; one hostname and "
                    "path can reach only one service",
                )
            )
        else:
            seen[key] = rule
    if problems:
        raise InputError(problems=problems)


def _cloudflared_objects(
    namespace: str, name: str, members: Sequence[LoadedProfile]
) -> list[PlannedObject]:
    _check_shared_settings(members)
    settings = tunnel_settings(members[0])
    rules = sorted((_rule(m) for m in members), key=_Rule.sort_key)
    _check_duplicate_routes(rules)
    config = {
        "tunnel": settings.tunnel,
        "credentials-file": f"{CREDENTIALS_DIR}/credentials.json",
        "metrics": f"0.0.0.0:{METRICS_PORT}",
        "no-autoupdate": True,
        "ingress": [*(r.as_config() for r in rules), CATCH_ALL],
    }
    config_text = yaml.safe_dump(
        config, sort_keys=False, default_flow_style=False, allow_unicode=True, width=10_000
    )
    sources = tuple(sorted(members, key=lambda m: m.id))
    folder = f"{namespace}/_{name}"
    common = {"name": name, "namespace": namespace, "labels": shared_labels(name)}
    objects = [
        PlannedObject(
            api_version="v1",
            kind="ConfigMap",
            name=name,
            namespace=namespace,
            template="cloudflare/configmap.yaml.j2",
            context={**common, "config": config_text},
            folder=folder,
            sources=sources,
            origin=("spec", "cloudflareTunnel"),
        ),
        PlannedObject(
            api_version="apps/v1",
            kind="Deployment",
            name=name,
            namespace=namespace,
            template="cloudflare/deployment.yaml.j2",
            context={
                **common,
                "selector": [("app.kubernetes.io/name", name)],
                "replicas": settings.replicas,
                "image": settings.image,
                "config_checksum": hashlib.sha256(config_text.encode()).hexdigest(),
                "credentials_secret": settings.credentials_secret,
                "config_dir": CONFIG_DIR,
                "credentials_dir": CREDENTIALS_DIR,
                "metrics_port": METRICS_PORT,
                "termination_grace_seconds": TERMINATION_GRACE_SECONDS,
            },
            folder=folder,
            sources=sources,
            origin=("spec", "cloudflareTunnel"),
        ),
    ]
    if settings.replicas > 1:
        objects.append(
            PlannedObject(
                api_version="policy/v1",
                kind="PodDisruptionBudget",
                name=name,
                namespace=namespace,
                template="cloudflare/poddisruptionbudget.yaml.j2",
                context={**common, "selector": [("app.kubernetes.io/name", name)]},
                folder=folder,
                sources=sources,
                origin=("spec", "cloudflareTunnel", "replicas"),
            )
        )
    return objects
