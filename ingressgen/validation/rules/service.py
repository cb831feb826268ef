"""Service rules (core/validation: ValidateService, validateServicePort and friends).

The API server applies v1 defaults before it validates, so an empty `type`, `protocol`,
`sessionAffinity` or `targetPort` is never an error here: it becomes ClusterIP, TCP, None or
the port.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ingressgen.validation.findings import WARNING
from ingressgen.validation.rules import predicates
from ingressgen.validation.rules.addresses import (
    legacy_cidr_problem,
    legacy_ip_problem,
    parse_ip_sloppy,
    special_ip_problem,
)
from ingressgen.validation.rules.base import (
    DNS1123_LABEL,
    DNS1123_SUBDOMAIN,
    IANA_PORT_NAME,
    PORT_NUMBER,
    QUALIFIED_NAME,
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
from ingressgen.validation.rules.meta import label_violations

KINDS = ("Service",)
TYPES = ("ClusterIP", "NodePort", "LoadBalancer", "ExternalName")
PROTOCOLS = ("TCP", "UDP", "SCTP")
AFFINITIES = ("None", "ClientIP")
TRAFFIC_POLICIES = ("Cluster", "Local")
MAX_AFFINITY_TIMEOUT = 86400
DEFAULT_NODE_PORT_RANGE = (30000, 32767)
SOURCE_RANGES_ANNOTATION = "service.beta.kubernetes.io/load-balancer-source-ranges"


def _type(obj: dict[str, Any]) -> str:
    return text(spec(obj).get("type")) or "ClusterIP"


def _is_headless(obj: dict[str, Any]) -> bool:
    body = spec(obj)
    cluster_ips = sequence(body.get("clusterIPs"))
    return body.get("clusterIP") == "None" or (bool(cluster_ips) and cluster_ips[0] == "None")


def _externally_accessible(obj: dict[str, Any]) -> bool:
    kind = _type(obj)
    external_ips = sequence(spec(obj).get("externalIPs"))
    return kind in ("LoadBalancer", "NodePort") or (kind == "ClusterIP" and bool(external_ips))


@rule("service-type", kinds=KINDS)
def check_type(obj: dict[str, Any], context: RuleContext) -> Iterator[Violation]:
    """`spec.type` is ClusterIP, NodePort, LoadBalancer or ExternalName (empty means ClusterIP);
    NodePort and LoadBalancer Services cannot be headless (`clusterIP: None`).
    """
    kind = spec(obj).get("type")
    if isinstance(kind, str) and kind and kind not in TYPES:
        yield ("spec", "type"), one_of(kind, TYPES)
    elif kind in ("NodePort", "LoadBalancer") and _is_headless(obj):
        yield ("spec", "clusterIP"), f"'None' (headless) is not allowed for {kind} Services"


@rule("service-ports", kinds=KINDS)
def check_ports(obj: dict[str, Any], context: RuleContext) -> Iterator[Violation]:
    """`spec.ports` is required unless the Service is headless or ExternalName. Each port number
    is 1..65535; the protocol is TCP, UDP or SCTP; a (protocol, port) pair appears once.
    """
    ports = sequence(spec(obj).get("ports"))
    if not ports and not _is_headless(obj) and _type(obj) != "ExternalName":
        yield ("spec", "ports"), "required: at least one port (unless headless or ExternalName)"
    seen: set[tuple[str, int]] = set()
    for index, port in items(ports):
        number = integer(port.get("port"))
        protocol = text(port.get("protocol")) or "TCP"
        if number is not None and not predicates.is_port_number(number):
            yield ("spec", "ports", index, "port"), invalid(number, PORT_NUMBER)
        if protocol not in PROTOCOLS:
            yield ("spec", "ports", index, "protocol"), one_of(protocol, PROTOCOLS)
        if number is not None:
            if (protocol, number) in seen:
                yield (
                    ("spec", "ports", index),
                    f"duplicate port {number}/{protocol}: each protocol and port pair may "
                    "appear only once",
                )
            seen.add((protocol, number))


@rule("service-port-name", kinds=KINDS)
def check_port_names(obj: dict[str, Any], context: RuleContext) -> Iterator[Violation]:
    """A Service port name is a DNS-1123 label (not an IANA name: `8080` is fine). With more
    than one port every port needs a name, and names are unique.
    """
    ports = list(items(spec(obj).get("ports")))
    seen: set[str] = set()
    for index, port in ports:
        name = port.get("name")
        if not name:
            if len(ports) > 1:
                yield (
                    ("spec", "ports", index, "name"),
                    "required when a Service has more than one port",
                )
            continue
        if not isinstance(name, str):
            continue
        if not predicates.is_dns1123_label(name):
            yield ("spec", "ports", index, "name"), invalid(name, DNS1123_LABEL)
        if name in seen:
            yield ("spec", "ports", index, "name"), f"duplicate port name {name!r}"
        seen.add(name)


def target_port_problem(value: Any) -> str | None:
    """An int is a port number; a string is an IANA port name ('8080' is a name, and invalid)."""
    number = integer(value)
    if number is not None:
        return (
            None
            if number == 0 or predicates.is_port_number(number)
            else invalid(value, PORT_NUMBER)
        )
    if not isinstance(value, str) or value == "" or predicates.is_iana_port_name(value):
        return None
    if value.isdigit():
        return (
            f"{value!r} is a string of digits, which Kubernetes reads as a port name and refuses; "
            f"write {value} without quotes"
        )
    return invalid(value, IANA_PORT_NAME)


@rule("service-target-port", kinds=KINDS)
def check_target_ports(obj: dict[str, Any], context: RuleContext) -> Iterator[Violation]:
    """`targetPort` is a port number (1..65535) or the name of a container port (an IANA name:
    at most 15 lower-case letters, digits and '-'). A quoted number such as "8080" is a name and
    is refused. Empty or 0 means "the same as port".
    """
    for index, port in items(spec(obj).get("ports")):
        problem = target_port_problem(port.get("targetPort"))
        if problem:
            yield ("spec", "ports", index, "targetPort"), problem


@rule("service-app-protocol", kinds=KINDS)
def check_app_protocols(obj: dict[str, Any], context: RuleContext) -> Iterator[Violation]:
    """`appProtocol`, when set, is a qualified name, e.g. `http` or `kubernetes.io/ws`."""
    for index, port in items(spec(obj).get("ports")):
        value = text(port.get("appProtocol"))
        if value and not predicates.is_qualified_name(value):
            yield ("spec", "ports", index, "appProtocol"), invalid(value, QUALIFIED_NAME)


@rule("service-node-port", kinds=KINDS)
def check_node_ports(obj: dict[str, Any], context: RuleContext) -> Iterator[Violation]:
    """`nodePort` is not allowed on ClusterIP Services, and a (protocol, nodePort) pair appears
    once.
    """
    seen: set[tuple[str, int]] = set()
    for index, port in items(spec(obj).get("ports")):
        node_port = integer(port.get("nodePort"))
        if not node_port:
            continue
        path = ("spec", "ports", index, "nodePort")
        if _type(obj) == "ClusterIP":
            yield path, "not allowed when spec.type is ClusterIP; remove it or use NodePort"
        protocol = text(port.get("protocol")) or "TCP"
        if (protocol, node_port) in seen:
            yield path, f"duplicate node port {node_port}/{protocol}"
        seen.add((protocol, node_port))


@rule("service-node-port-range", kinds=KINDS, severity=WARNING)
def check_node_port_range(obj: dict[str, Any], context: RuleContext) -> Iterator[Violation]:
    """A warning: a `nodePort` outside 30000..32767, the default `--service-node-port-range`.
    Validation does not check the range; the allocator refuses the Service unless the cluster
    was configured with a wider range.
    """
    low, high = DEFAULT_NODE_PORT_RANGE
    for index, port in items(spec(obj).get("ports")):
        node_port = integer(port.get("nodePort"))
        if node_port and not low <= node_port <= high:
            yield (
                ("spec", "ports", index, "nodePort"),
                f"{node_port} is outside the default node port range {low}-{high}; the API "
                "server refuses it unless --service-node-port-range allows it",
            )


@rule("service-session-affinity", kinds=KINDS)
def check_session_affinity(obj: dict[str, Any], context: RuleContext) -> Iterator[Violation]:
    """`sessionAffinity` is None or ClientIP; with ClientIP,
    `sessionAffinityConfig.clientIP.timeoutSeconds` is 1..86400 (default 10800).
    """
    body = spec(obj)
    affinity = body.get("sessionAffinity")
    if isinstance(affinity, str) and affinity and affinity not in AFFINITIES:
        yield ("spec", "sessionAffinity"), one_of(affinity, AFFINITIES)
    if affinity != "ClientIP":
        return  # with None the API server drops sessionAffinityConfig
    timeout = integer(
        mapping(mapping(body.get("sessionAffinityConfig")).get("clientIP")).get("timeoutSeconds")
    )
    if timeout is not None and not 0 < timeout <= MAX_AFFINITY_TIMEOUT:
        yield (
            ("spec", "sessionAffinityConfig", "clientIP", "timeoutSeconds"),
            invalid(timeout, f"1..{MAX_AFFINITY_TIMEOUT} seconds"),
        )


@rule("service-traffic-policy", kinds=KINDS)
def check_traffic_policies(obj: dict[str, Any], context: RuleContext) -> Iterator[Violation]:
    """`externalTrafficPolicy` (Cluster or Local) may only be set on externally accessible
    Services: LoadBalancer, NodePort, or ClusterIP with externalIPs. `healthCheckNodePort` needs
    type LoadBalancer with policy Local. `internalTrafficPolicy` is Cluster or Local.
    """
    body = spec(obj)
    external = body.get("externalTrafficPolicy")
    if isinstance(external, str) and external:
        if not _externally_accessible(obj):
            yield (
                ("spec", "externalTrafficPolicy"),
                "may only be set for externally accessible Services (type LoadBalancer or "
                "NodePort, or ClusterIP with externalIPs)",
            )
        elif external not in TRAFFIC_POLICIES:
            yield ("spec", "externalTrafficPolicy"), one_of(external, TRAFFIC_POLICIES)
    health = integer(body.get("healthCheckNodePort"))
    if health and not (_type(obj) == "LoadBalancer" and external == "Local"):
        yield (
            ("spec", "healthCheckNodePort"),
            "may only be set when spec.type is LoadBalancer and externalTrafficPolicy is Local",
        )
    elif health and not predicates.is_port_number(health):
        yield ("spec", "healthCheckNodePort"), invalid(health, PORT_NUMBER)
    internal = body.get("internalTrafficPolicy")
    if isinstance(internal, str) and internal not in TRAFFIC_POLICIES:
        yield ("spec", "internalTrafficPolicy"), one_of(internal, TRAFFIC_POLICIES)


@rule("service-load-balancer-fields", kinds=KINDS)
def check_load_balancer_fields(obj: dict[str, Any], context: RuleContext) -> Iterator[Violation]:
    """`loadBalancerSourceRanges` (or its annotation
    `service.beta.kubernetes.io/load-balancer-source-ranges`), `allocateLoadBalancerNodePorts`
    and `loadBalancerClass` may only be used with type LoadBalancer; `loadBalancerClass` is a
    qualified name such as `example.com/internal-vip`.
    """
    body = spec(obj)
    load_balancer = _type(obj) == "LoadBalancer"
    only = "may only be used when spec.type is LoadBalancer"
    if not load_balancer:
        if sequence(body.get("loadBalancerSourceRanges")):
            yield ("spec", "loadBalancerSourceRanges"), only
        elif _source_ranges_annotation(obj) is not None:
            yield ("metadata", "annotations", SOURCE_RANGES_ANNOTATION), only
        if body.get("allocateLoadBalancerNodePorts") is not None:
            yield ("spec", "allocateLoadBalancerNodePorts"), only
    load_balancer_class = body.get("loadBalancerClass")
    if isinstance(load_balancer_class, str):
        if not load_balancer:
            yield ("spec", "loadBalancerClass"), only
        elif not predicates.is_qualified_name(load_balancer_class):
            yield ("spec", "loadBalancerClass"), invalid(load_balancer_class, QUALIFIED_NAME)


def _source_ranges_annotation(obj: dict[str, Any]) -> str | None:
    annotations = mapping(mapping(obj.get("metadata")).get("annotations"))
    value = annotations.get(SOURCE_RANGES_ANNOTATION)
    return value if isinstance(value, str) and value.strip() else None


@rule("service-source-ranges", kinds=KINDS)
def check_source_ranges(obj: dict[str, Any], context: RuleContext) -> Iterator[Violation]:
    """Each `loadBalancerSourceRanges` entry (spaces trimmed) is a CIDR; so is each
    comma-separated entry of the source-ranges annotation when the field is empty. From
    Kubernetes 1.36 the check is strict: no leading zeros, no IPv4-mapped IPv6 addresses and no
    bits set after the prefix (`10.1.2.3/8` is refused; write `10.0.0.0/8`).
    """
    if _type(obj) != "LoadBalancer":
        return  # elsewhere the field itself is refused
    ranges = sequence(spec(obj).get("loadBalancerSourceRanges"))
    for index, entry in enumerate(ranges):
        if isinstance(entry, str):
            problem = legacy_cidr_problem(entry.strip(), strict=context.strict_ip_cidr)
            if problem:
                yield ("spec", "loadBalancerSourceRanges", index), f"{entry!r} {problem}"
    annotation = _source_ranges_annotation(obj)
    if not ranges and annotation is not None:
        for entry in annotation.split(","):
            problem = legacy_cidr_problem(entry.strip(), strict=context.strict_ip_cidr)
            if problem:
                yield (
                    ("metadata", "annotations", SOURCE_RANGES_ANNOTATION),
                    f"{entry.strip()!r} {problem}",
                )


@rule("service-external-name", kinds=KINDS)
def check_external_name(obj: dict[str, Any], context: RuleContext) -> Iterator[Violation]:
    """An ExternalName Service needs `externalName`, a DNS-1123 subdomain (one trailing '.' is
    allowed), and may not set clusterIP(s), ipFamilies or ipFamilyPolicy.
    """
    if _type(obj) != "ExternalName":
        return
    body = spec(obj)
    name = body.get("externalName")
    if not name:
        yield ("spec", "externalName"), "required when spec.type is ExternalName"
    elif isinstance(name, str):
        trimmed = name[:-1] if name.endswith(".") else name
        if not predicates.is_dns1123_subdomain(trimmed):
            yield ("spec", "externalName"), invalid(name, DNS1123_SUBDOMAIN)
    for field in ("clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy"):
        if body.get(field):
            yield ("spec", field), "must not be set when spec.type is ExternalName"


@rule("service-external-ips", kinds=KINDS)
def check_external_ips(obj: dict[str, Any], context: RuleContext) -> Iterator[Violation]:
    """Each `externalIPs` entry is an IP address (strict from Kubernetes 1.36: no leading zeros,
    no IPv4-mapped IPv6) that is not unspecified, loopback, link-local or link-local multicast.
    """
    for index, entry in enumerate(sequence(spec(obj).get("externalIPs"))):
        if not isinstance(entry, str):
            continue
        problem = legacy_ip_problem(entry, strict=context.strict_ip_cidr)
        if problem is None:
            ip = parse_ip_sloppy(entry)
            assert ip is not None  # legacy_ip_problem parsed it
            problem = special_ip_problem(ip)
        if problem:
            yield ("spec", "externalIPs", index), f"{entry!r} {problem}"


@rule("service-selector", kinds=KINDS)
def check_selector(obj: dict[str, Any], context: RuleContext) -> Iterator[Violation]:
    """`spec.selector` keys and values follow the label rules."""
    yield from label_violations(spec(obj).get("selector"), ("spec", "selector"))
