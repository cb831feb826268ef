"""Mode `ingress-controller` (STRRL cloudflare-tunnel-ingress-controller): an Ingress per profile.

originRequest settings become the controller's `cloudflare-tunnel-ingress-controller.strrl.dev/*`
annotations; a setting it has no annotation for is refused, never dropped. The controller copies
the Ingress path into cloudflared verbatim, so the path is matched unanchored. The rule the
controller will derive is checked against cloudflared's own rules.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any

from ingressgen.errors import Problem, ProblemCollector
from ingressgen.findings import Finding
from ingressgen.golang.duration import SECOND, parse_duration_ns
from ingressgen.plan import LoadedProfile, PlannedObject
from ingressgen.profile_cloudflare import version_tuple
from ingressgen.targets.cloudflare.common import (
    ORIGIN_REQUEST_FIELD,
    TUNNEL_FIELD,
    Route,
    enforce_cloudflared_rules,
    origin_request,
    origin_scheme,
    path_regex,
    refuse_duplicate_routes,
    service_url,
    set_origin_fields,
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
# The originRequest annotations above exist from controller v0.1.0 (STRRL issue #276). Before, the
# controller read backend-protocol and proxy-ssl-verify (on|off, default off: an https backend
# was not verified) and nothing else (pkg/controller/well_known_annotations.go and transform.go
# of the v0.0.x releases).
FIRST_ORIGIN_REQUEST_RELEASE = (0, 1, 0)
_DURATIONS = frozenset({"connectTimeout", "tlsTimeout", "tcpKeepAlive", "keepAliveTimeout"})
# Regex operators a path may still hold: '.' (target.PATH_REGEX_OPERATORS are refused at load).
_REGEX_OPERATORS = set(".")


def legacy_controller(loaded: LoadedProfile) -> bool:
    """Whether the profile names a controller release older than the originRequest annotations."""
    version = tunnel_settings(loaded).controller_version
    return version is not None and version_tuple(version) < FIRST_ORIGIN_REQUEST_RELEASE


def _check_legacy(loaded: LoadedProfile) -> Iterator[Problem]:
    version = tunnel_settings(loaded).controller_version
    for key in origin_request(loaded):
        if key == "noTLSVerify":
            continue  # proxy-ssl-verify says it
        set_here = key in set_origin_fields(loaded)
        yield loaded.problem(
            (*ORIGIN_REQUEST_FIELD, key) if set_here else ("spec", "protocol"),
            f"controller {version} reads no annotation for originRequest.{key} (those exist from "
            "0.1.0; before, only backend-protocol and proxy-ssl-verify), so it would be dropped"
            + ("" if set_here else " and gRPC needs it")
            + "; upgrade the controller and set controllerVersion, or use mode cloudflared",
            at_key=set_here,
            rule="cloudflare-controller-too-old",
        )


def check_ingress_controller(loaded: LoadedProfile) -> Iterator[Problem]:
    settings = tunnel_settings(loaded)
    if legacy_controller(loaded):
        yield from _check_legacy(loaded)
        return
    for key, value in set_origin_fields(loaded).items():
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


def _annotation_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def controller_annotations(loaded: LoadedProfile) -> dict[str, str]:
    """The controller's annotations for this profile (originRequest and backend protocol)."""
    scheme = origin_scheme(loaded)
    if legacy_controller(loaded):
        legacy = {} if scheme == "http" else {ANNOTATION_PREFIX + "backend-protocol": scheme}
        if scheme == "https":
            # v0.0.x: proxy-ssl-verify defaults to off; say on unless the profile says otherwise.
            skip = origin_request(loaded).get("noTLSVerify") is True
            legacy[ANNOTATION_PREFIX + "proxy-ssl-verify"] = "off" if skip else "on"
        return legacy
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
    notes.extend(_version_note(loaded) for loaded in members if _version_unset(loaded))
    return objects, notes


def _version_unset(loaded: LoadedProfile) -> bool:
    return tunnel_settings(loaded).controller_version is None


def _version_note(loaded: LoadedProfile) -> Finding:
    return Finding(
        "cloudflare-controller-version-unset",
        "no spec.cloudflareTunnel.controllerVersion: assuming the STRRL controller is 0.1.0 or "
        "later, which reads the originRequest annotations (no-tls-verify, timeouts, ...); "
        "0.0.x ignores them and skips TLS verification of https backends, so set "
        "controllerVersion to the release you run",
        loaded.locate(TUNNEL_FIELD, at_key=True),
        (loaded.id,),
    )


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
