"""Ingress rules (networking/validation: ValidateIngressSpec, validateIngressRules,
validateHTTPIngressPath, validateIngressBackend, validateIngressTLS)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ingressgen.validation.rules import predicates
from ingressgen.validation.rules.addresses import parse_ip_sloppy
from ingressgen.validation.rules.base import (
    DNS1123_SUBDOMAIN,
    IANA_PORT_NAME,
    PORT_NUMBER,
    RuleContext,
    Violation,
    integer,
    invalid,
    items,
    mapping,
    one_of,
    rule,
    sequence,
    spec,
    text,
)
from ingressgen.validation.rules.meta import service_name_rule

KINDS = ("networking.k8s.io/Ingress",)
PATH_TYPES = ("Exact", "Prefix", "ImplementationSpecific")
CLASS_ANNOTATION = "kubernetes.io/ingress.class"
WILDCARD_HOST = (
    "a DNS-1123 subdomain, optionally starting with '*.' (a wildcard only as the whole first "
    "label), without port, scheme, path or trailing dot"
)
_FORBIDDEN_IN_PATH = ("//", "/./", "/../", "%2f", "%2F")
_FORBIDDEN_PATH_ENDINGS = ("/..", "/.")

FieldPath = tuple[str | int, ...]


def host_problem(host: str, *, allow_ip: bool = False) -> str | None:
    if not allow_ip and parse_ip_sloppy(host) is not None:
        return f"{host!r} is not valid: a host must be a DNS name, not an IP address"
    if "*" in host:
        ok = predicates.is_wildcard_dns1123_subdomain(host)
    else:
        ok = predicates.is_dns1123_subdomain(host)
    return None if ok else invalid(host, WILDCARD_HOST)


@rule("ingress-rules-or-default", kinds=KINDS)
def check_has_backend(obj: dict[str, Any], context: RuleContext) -> Iterator[Violation]:
    """An Ingress needs `spec.defaultBackend` or at least one entry in `spec.rules`."""
    body = spec(obj)
    if not body.get("defaultBackend") and not sequence(body.get("rules")):
        yield ("spec",), "either defaultBackend or rules must be specified"


@rule("ingress-host", kinds=KINDS)
def check_hosts(obj: dict[str, Any], context: RuleContext) -> Iterator[Violation]:
    """`rules[].host`, when set, is a DNS name and never an IP address (even `010.001.002.003`).
    A wildcard is only a leading `*.`: `*.example.com` is fine, `*`, `*.*.example.com`,
    `f*.example.com` are not. No port, scheme, path or trailing dot.
    """
    for index, entry in items(spec(obj).get("rules")):
        host = text(entry.get("host"))
        if host:
            problem = host_problem(host)
            if problem:
                yield ("spec", "rules", index, "host"), problem


def path_problem(path: Any, path_type: str) -> str | None:
    value = path if isinstance(path, str) else ""
    if path_type == "ImplementationSpecific":
        if value and not value.startswith("/"):
            return f"{value!r} is not valid: must be an absolute path (start with '/')"
        return None
    if not value.startswith("/"):
        return f"{value!r} is not valid: must be an absolute path (start with '/')"
    for sequence_ in _FORBIDDEN_IN_PATH:
        if sequence_ in value:
            return (
                f"{value!r} is not valid: must not contain {sequence_!r} with pathType {path_type}"
            )
    for ending in _FORBIDDEN_PATH_ENDINGS:
        if value.endswith(ending):
            return f"{value!r} is not valid: must not end with {ending!r} with pathType {path_type}"
    return None


@rule("ingress-paths", kinds=KINDS)
def check_paths(obj: dict[str, Any], context: RuleContext) -> Iterator[Violation]:
    """A rule's `http.paths` is not empty; each path has a `pathType` (Exact, Prefix or
    ImplementationSpecific). Exact and Prefix paths start with '/' and contain no `//`, `/./`,
    `/../`, `%2f`, nor end with `/.` or `/..`; ImplementationSpecific paths are empty or start
    with '/'.
    """
    for index, entry in items(spec(obj).get("rules")):
        http = entry.get("http")
        if http is None:
            continue
        paths = sequence(mapping(http).get("paths"))
        if not paths:
            yield ("spec", "rules", index, "http", "paths"), "required: at least one path"
        for position, item in items(paths):
            where: FieldPath = ("spec", "rules", index, "http", "paths", position)
            path_type = item.get("pathType")
            if path_type is None or path_type == "":
                yield (*where, "pathType"), "required: Exact, Prefix or ImplementationSpecific"
                continue
            if path_type not in PATH_TYPES:
                yield (*where, "pathType"), one_of(path_type, PATH_TYPES)
                continue
            problem = path_problem(item.get("path"), path_type)
            if problem:
                yield (*where, "path"), problem


def backend_violations(
    backend: dict[str, Any], where: FieldPath, context: RuleContext
) -> Iterator[Violation]:
    service = backend.get("service")
    resource = backend.get("resource")
    if service and resource:
        yield where, "set either service or resource, not both"
        return
    if resource:
        for field in ("kind", "name"):
            if not mapping(resource).get(field):
                yield (*where, "resource", field), "required"
        return
    if not service:
        yield where, "required: a service (name and port) or a resource"
        return
    service = mapping(service)
    name = service.get("name")
    if not name:
        yield (*where, "service", "name"), "required: the name of the backend Service"
    elif isinstance(name, str):
        predicate, description = service_name_rule(context)
        if not predicate(name):
            yield (*where, "service", "name"), invalid(name, description)
    port = mapping(service.get("port"))
    port_name = text(port.get("name"))
    number = integer(port.get("number"))
    if port_name and number:
        yield (*where, "service", "port"), "set either name or number, not both"
    elif port_name:
        if not predicates.is_iana_port_name(port_name):
            yield (*where, "service", "port", "name"), invalid(port_name, IANA_PORT_NAME)
    elif number:
        if not predicates.is_port_number(number):
            yield (*where, "service", "port", "number"), invalid(number, PORT_NUMBER)
    else:
        yield (*where, "service", "port"), "required: a port name or number (0 counts as unset)"


@rule("ingress-backend", kinds=KINDS)
def check_backends(obj: dict[str, Any], context: RuleContext) -> Iterator[Violation]:
    """Every backend sets `service` or `resource`, not both. `service.name` follows the Service
    name rule of the target version (DNS-1035 label before 1.36, DNS-1123 label from 1.36);
    `service.port` has exactly one of `name` (an IANA port name) or `number` (1..65535; 0 counts
    as unset).
    """
    body = spec(obj)
    default = body.get("defaultBackend")
    if isinstance(default, dict):
        yield from backend_violations(default, ("spec", "defaultBackend"), context)
    for index, entry in items(body.get("rules")):
        for position, item in items(mapping(entry.get("http")).get("paths")):
            backend = item.get("backend")
            if isinstance(backend, dict):
                where = ("spec", "rules", index, "http", "paths", position, "backend")
                yield from backend_violations(backend, where, context)


@rule("ingress-tls", kinds=KINDS)
def check_tls(obj: dict[str, Any], context: RuleContext) -> Iterator[Violation]:
    """`tls[].hosts` are DNS names, optionally with a leading `*.` (unlike rule hosts, an IP is
    not refused here); `tls[].secretName`, when set, is a DNS-1123 subdomain.
    """
    for index, entry in items(spec(obj).get("tls")):
        for position, host in enumerate(sequence(entry.get("hosts"))):
            if isinstance(host, str):
                problem = host_problem(host, allow_ip=True)
                if problem:
                    yield ("spec", "tls", index, "hosts", position), problem
        secret = text(entry.get("secretName"))
        if secret and not predicates.is_dns1123_subdomain(secret):
            yield ("spec", "tls", index, "secretName"), invalid(secret, DNS1123_SUBDOMAIN)


@rule("ingress-class-name", kinds=KINDS)
def check_class_name(obj: dict[str, Any], context: RuleContext) -> Iterator[Violation]:
    """`ingressClassName`, when present, is a DNS-1123 subdomain (so not empty). When the
    `kubernetes.io/ingress.class` annotation is set too, both must name the same class.
    """
    class_name = spec(obj).get("ingressClassName")
    if not isinstance(class_name, str):
        return
    if not predicates.is_dns1123_subdomain(class_name):
        yield ("spec", "ingressClassName"), invalid(class_name, DNS1123_SUBDOMAIN)
        return
    annotation = mapping(mapping(obj.get("metadata")).get("annotations")).get(CLASS_ANNOTATION)
    if isinstance(annotation, str) and annotation != class_name:
        yield (
            ("spec", "ingressClassName"),
            f"{class_name!r} differs from the {CLASS_ANNOTATION} annotation ({annotation!r}); "
            "set one of them, or both to the same class",
        )
