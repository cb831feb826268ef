"""Mode `cloudflared`: one ConfigMap, Deployment, ServiceAccount and PodDisruptionBudget per
tunnel.

Every profile that names the same tunnel shares these objects, so the rules of all of them live
in one config; they must agree on the tunnel's own settings. The config is checked against
cloudflared's own rules before anything is written.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from ingressgen import yaml_scalars
from ingressgen.errors import InputError, Problem, ProblemCollector
from ingressgen.findings import Finding
from ingressgen.plan import LoadedProfile, PlannedObject
from ingressgen.targets.base import PreviousRun
from ingressgen.targets.cloudflare.common import (
    CATCH_ALL,
    TUNNEL_FIELD,
    Route,
    cloudflared_name,
    enforce_cloudflared_rules,
    profile_route,
    refuse_duplicate_routes,
    tunnel_namespace,
    tunnel_settings,
)
from ingressgen.targets.common import shared_labels

CONFIG_DIR = "/etc/cloudflared/config"
CREDENTIALS_DIR = "/etc/cloudflared/creds"
ORIGIN_CA_DIR = "/etc/cloudflared/origin-ca"
METRICS_PORT = 2000
# cloudflared waits up to its grace period (30 s by default) for requests in flight on SIGTERM;
# the pod must outlive that or in-flight requests are cut mid-way.
TERMINATION_GRACE_SECONDS = 45
CONFIGMAP_TEMPLATE = "cloudflare/configmap.yaml.j2"


def plan_tunnels(members: Sequence[LoadedProfile]) -> list[PlannedObject]:
    """The shared objects of every tunnel named by `members` (all in mode cloudflared)."""
    tunnels: dict[str, list[LoadedProfile]] = defaultdict(list)
    for loaded in members:
        tunnel = tunnel_settings(loaded).tunnel
        assert tunnel is not None  # check() refuses cloudflared mode without it
        tunnels[cloudflared_name(tunnel)].append(loaded)
    objects: list[PlannedObject] = []
    collector = ProblemCollector()
    for name, group in sorted(tunnels.items()):
        objects.extend(collector.gather(_tunnel_objects, name, group) or [])
    collector.raise_if_any()
    return objects


def _shared_settings(loaded: LoadedProfile) -> dict[str, Any]:
    """The tunnel's own settings, by field name: every profile on the tunnel must agree."""
    settings = tunnel_settings(loaded)
    return {
        "tunnel": settings.tunnel,
        "namespace": tunnel_namespace(loaded),
        "credentialsSecret": settings.credentials_secret,
        "replicas": settings.replicas,
        "image": settings.image,
    }


def _refuse_disagreements(name: str, members: Sequence[LoadedProfile]) -> None:
    first, mine = members[0], _shared_settings(members[0])
    problems: list[Problem] = []
    for other in members[1:]:
        for key, theirs in _shared_settings(other).items():
            if theirs == mine[key]:
                continue
            path = (*TUNNEL_FIELD, key)
            problems.append(
                other.problem(
                    path,
                    f"{key} {theirs!r} disagrees with {mine[key]!r} in {first.display} "
                    f"({first.locate(path)}); both profiles use the tunnel objects {name}, so "
                    "they must agree on its tunnel, namespace, credentialsSecret, replicas and "
                    "image",
                    rule="cloudflare-tunnel-disagreement",
                )
            )
    if problems:
        raise InputError(problems=problems)


def _config_text(settings_tunnel: str, routes: Sequence[Route]) -> str:
    config: dict[str, Any] = {
        "tunnel": settings_tunnel,
        "credentials-file": f"{CREDENTIALS_DIR}/credentials.json",
        "metrics": f"0.0.0.0:{METRICS_PORT}",
        "no-autoupdate": True,
    }
    if any(r.source.profile.spec.protocol == "grpc" for r in routes):
        # The default transport, auto, picks QUIC, and over QUIC cloudflared drops response
        # trailers (connection/quic_connection.go, httpResponseAdapter.AddTrailer: "we do not
        # support trailers over QUIC"); grpc-status is a trailer, so every gRPC call would fail.
        # HTTP/2 carries them (connection/http2.go). A top-level key is read as the flag.
        config["protocol"] = "http2"
    config["ingress"] = [*(r.as_rule() for r in routes), CATCH_ALL]
    # Through the one quoting filter, so the ConfigMap always holds it as a literal block (one
    # line per entry in review) and cloudflared's YAML 1.2 reader gets exactly these values.
    return yaml_scalars.document(config)


def _origin_ca_source(loaded: LoadedProfile) -> tuple[str, str, str] | None:
    """(volume kind, object name, key) of the profile's originCA, if any."""
    origin_ca = tunnel_settings(loaded).origin_ca
    if origin_ca is None:
        return None
    if origin_ca.secret is not None:
        return ("secret", origin_ca.secret, origin_ca.key)
    assert origin_ca.config_map is not None  # check() requires exactly one
    return ("configMap", origin_ca.config_map, origin_ca.key)


def _origin_ca_path(kind: str, source: str, key: str) -> str:
    return f"{ORIGIN_CA_DIR}/{kind.lower()}-{source}/{key}"


def _origin_ca_volumes(members: Sequence[LoadedProfile]) -> list[dict[str, Any]]:
    """One read-only volume per Secret or ConfigMap named by an originCA, with the keys used."""
    keys: dict[tuple[str, str], set[str]] = defaultdict(set)
    for loaded in members:
        source = _origin_ca_source(loaded)
        if source is not None:
            keys[source[:2]].add(source[2])
    return [
        {
            "name": f"origin-ca-{index}",
            "kind": kind,
            "source": source,
            "keys": sorted(keys[(kind, source)]),
            "mount_path": f"{ORIGIN_CA_DIR}/{kind.lower()}-{source}",
        }
        for index, (kind, source) in enumerate(sorted(keys), start=1)
    ]


def _cloudflared_route(loaded: LoadedProfile) -> Route:
    """The profile's rule; with originCA, caPool points at the file the pod mounts."""
    route = profile_route(loaded)
    source = _origin_ca_source(loaded)
    if source is None:
        return route
    return replace(
        route, origin_request={**route.origin_request, "caPool": _origin_ca_path(*source)}
    )


def _tunnel_objects(name: str, members: Sequence[LoadedProfile]) -> list[PlannedObject]:
    collector = ProblemCollector()
    collector.gather(_refuse_disagreements, name, members)
    settings = tunnel_settings(members[0])
    namespace = tunnel_namespace(members[0])
    assert settings.tunnel is not None
    routes = sorted((_cloudflared_route(m) for m in members), key=Route.sort_key)
    collector.gather(refuse_duplicate_routes, [routes], f"tunnel {settings.tunnel}")
    collector.gather(enforce_cloudflared_rules, routes, f"the config of tunnel {settings.tunnel}")
    collector.raise_if_any()
    config_text = _config_text(settings.tunnel, routes)
    sources = tuple(sorted(members, key=lambda m: m.id))
    folder = f"{namespace}/_{name}"
    common = {"name": name, "namespace": namespace, "labels": shared_labels(name)}
    selector = [("app.kubernetes.io/name", name)]
    objects = [
        PlannedObject(
            api_version="v1",
            kind="ConfigMap",
            name=name,
            namespace=namespace,
            template=CONFIGMAP_TEMPLATE,
            context={**common, "config": config_text},
            folder=folder,
            sources=sources,
            origin=TUNNEL_FIELD,
        ),
        PlannedObject(
            api_version="apps/v1",
            kind="Deployment",
            name=name,
            namespace=namespace,
            template="cloudflare/deployment.yaml.j2",
            context={
                **common,
                "selector": selector,
                "replicas": settings.replicas,
                "image": settings.image,
                "config_checksum": hashlib.sha256(config_text.encode()).hexdigest(),
                "credentials_secret": settings.credentials_secret,
                "config_dir": CONFIG_DIR,
                "credentials_dir": CREDENTIALS_DIR,
                "origin_ca_volumes": _origin_ca_volumes(members),
                "metrics_port": METRICS_PORT,
                "termination_grace_seconds": TERMINATION_GRACE_SECONDS,
            },
            folder=folder,
            sources=sources,
            origin=TUNNEL_FIELD,
        ),
    ]
    # Its own ServiceAccount without a token: the namespace's `default` one may carry RBAC
    # granted for other workloads, and cloudflared never calls the Kubernetes API.
    objects.append(
        PlannedObject(
            api_version="v1",
            kind="ServiceAccount",
            name=name,
            namespace=namespace,
            template="cloudflare/serviceaccount.yaml.j2",
            context=common,
            folder=folder,
            sources=sources,
            origin=TUNNEL_FIELD,
        )
    )
    if settings.replicas > 1:
        objects.append(
            PlannedObject(
                api_version="policy/v1",
                kind="PodDisruptionBudget",
                name=name,
                namespace=namespace,
                template="cloudflare/poddisruptionbudget.yaml.j2",
                context={**common, "selector": selector},
                folder=folder,
                sources=sources,
                origin=(*TUNNEL_FIELD, "replicas"),
            )
        )
    return objects


def membership_notes(objects: Sequence[PlannedObject], previous: PreviousRun) -> list[Finding]:
    """A finding for every shared tunnel that a profile joins or leaves since the last run.

    The ConfigMap's recorded sources are the profiles that were on the tunnel after the last
    run. A new member or a departed one changes the config, hence the Deployment's checksum
    annotation: every cloudflared pod of the tunnel restarts, and its WebSockets with it.
    """
    notes: list[Finding] = []
    for planned in objects:
        before = previous.get(planned.path) if planned.template == CONFIGMAP_TEMPLATE else None
        if before is None:
            continue  # a new tunnel: its pods start fresh, no connection is dropped
        joined = [s for s in planned.sources if s.id not in before]
        left = sorted(set(before) - {s.id for s in planned.sources})
        if not joined and not left:
            continue
        changes = [f"{s.display} joins" for s in joined] + [f"{source} leaves" for source in left]
        tunnel = tunnel_settings(planned.sources[0]).tunnel
        notes.append(
            Finding(
                "cloudflare-tunnel-membership",
                f"tunnel {tunnel} ({planned.namespace}/{planned.name}): {', '.join(changes)}; "
                "its config checksum changes, so every cloudflared pod of the tunnel restarts "
                "and the WebSockets open through it drop (clients must reconnect)",
                joined[0].locate((*TUNNEL_FIELD, "tunnel")) if joined else None,
                tuple(s.id for s in planned.sources),
            )
        )
    return notes
