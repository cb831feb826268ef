"""MetalLB Layer-4 exposure: a LoadBalancer Service, and optionally its pool and advertisement."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Sequence
from typing import Any

from ingressgen import names
from ingressgen.errors import Problem
from ingressgen.plan import LoadedProfile, Note, PlannedObject
from ingressgen.profile import METALLB_ANNOTATION_RENAME_VERSION, MetalLB, parse_address_range
from ingressgen.targets.common import (
    profile_annotations,
    profile_folder,
    profile_labels,
    shared_labels,
)
from ingressgen.targets.registry import TargetPlan

SHARED_FOLDER = "_metallb"
CURRENT_PREFIX = "metallb.io/"
LEGACY_PREFIX = "metallb.universe.tf/"
EXTERNAL_DNS_HOSTNAME = "external-dns.alpha.kubernetes.io/hostname"
PORT_NAMES = {"websocket": "ws", "http": "http", "grpc": "grpc", "tcp": "tcp"}


def service_name(loaded: LoadedProfile) -> str:
    metallb = loaded.profile.spec.metallb
    if metallb is not None and metallb.service_name:
        return metallb.service_name
    return f"{loaded.profile.metadata.name}-lb"


def check(loaded: LoadedProfile) -> Iterator[Problem]:
    spec = loaded.profile.spec
    metallb = spec.metallb
    if spec.service.selector is None:
        yield loaded.problem(
            ("spec", "service", "selector"),
            "required when exposure is metallb: the labels of the pods behind the load balancer, "
            "e.g. app.kubernetes.io/name: messaging-service",
        )
    if metallb is None:
        yield loaded.problem(
            ("spec", "metallb"),
            "required when exposure is metallb: at least spec.metallb.addressPool",
        )
        return
    if metallb.address_pool is None:
        yield loaded.problem(
            ("spec", "metallb", "addressPool"),
            "required: the name of the IPAddressPool the Service takes its IP from",
        )
    if not metallb.service_name and not names.is_dns1035_label(service_name(loaded)):
        yield loaded.problem(
            ("metadata", "name"),
            f"the derived Service name {service_name(loaded)!r} is longer than 63 characters; "
            "shorten metadata.name or set spec.metallb.serviceName",
        )
    if (
        "session_affinity_timeout_seconds" in metallb.model_fields_set
        and not loaded.profile.websocket.session_affinity
    ):
        yield loaded.problem(
            ("spec", "metallb", "sessionAffinityTimeoutSeconds"),
            "only used with spec.websocket.sessionAffinity: true; set that or remove this field",
            at_key=True,
        )
    yield from _check_pool(loaded, metallb)


def _check_pool(loaded: LoadedProfile, metallb: MetalLB) -> Iterator[Problem]:
    if metallb.create_pool and not metallb.addresses:
        yield loaded.problem(
            ("spec", "metallb", "addresses"),
            "required when createPool is true: a non-empty list of CIDRs or 'a-b' ranges",
        )
    pinned = [ipaddress.ip_address(ip) for ip in metallb.load_balancer_ips or []]
    for family in (4, 6):
        if sum(1 for ip in pinned if ip.version == family) > 1:
            yield loaded.problem(
                ("spec", "metallb", "loadBalancerIPs"),
                f"holds more than one IPv{family} address; MetalLB takes at most one per IP family",
            )
    if metallb.pool_is_created and metallb.addresses:
        ranges = [parse_address_range(a) for a in metallb.addresses]
        for index, ip in enumerate(pinned):
            if not any(_contains(r, ip) for r in ranges):
                yield loaded.problem(
                    ("spec", "metallb", "loadBalancerIPs", index),
                    f"{ip} is outside the pool's addresses ({', '.join(metallb.addresses)}); "
                    "MetalLB would leave the Service pending",
                )


def _contains(entry: Any, ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(entry, tuple):
        start, end = entry
        return bool(start.version == ip.version and start <= ip <= end)
    return bool(ip.version == entry.version and ip in entry)


def annotation_prefixes(metallb: MetalLB) -> tuple[str, ...]:
    version = metallb.version_tuple()
    if version is None:
        return (CURRENT_PREFIX, LEGACY_PREFIX)
    return (CURRENT_PREFIX,) if version >= METALLB_ANNOTATION_RENAME_VERSION else (LEGACY_PREFIX,)


def plan(profiles: Sequence[LoadedProfile]) -> TargetPlan:
    result = TargetPlan()
    versionless = [
        p for p in profiles if p.profile.spec.metallb and not p.profile.spec.metallb.version
    ]
    if versionless:
        result.notes.append(
            Note(
                "spec.metallb.version is not set in "
                + ", ".join(p.display for p in versionless)
                + ": the Services carry both the metallb.io/ and the legacy metallb.universe.tf/ "
                "annotations, which every MetalLB reads (0.14.9 and newer log a deprecation "
                "event); set the version to emit only the right prefix"
            )
        )
    for loaded in profiles:
        result.objects.append(_service(loaded))
        metallb = loaded.profile.spec.metallb
        assert metallb is not None  # check() refuses a metallb profile without it
        if metallb.pool_is_created:
            result.objects.extend(_pool_objects(loaded, metallb))
    return result


def _service(loaded: LoadedProfile) -> PlannedObject:
    profile = loaded.profile
    spec = profile.spec
    metallb = spec.metallb
    assert metallb is not None and metallb.address_pool is not None
    own: dict[str, str] = {}
    for prefix in annotation_prefixes(metallb):
        own[prefix + "address-pool"] = metallb.address_pool
        if metallb.load_balancer_ips:
            own[prefix + "loadBalancerIPs"] = ",".join(metallb.load_balancer_ips)
    if spec.hostname:
        own[EXTERNAL_DNS_HOSTNAME] = spec.hostname
    affinity = profile.websocket.session_affinity
    context = {
        "name": service_name(loaded),
        "namespace": profile.metadata.namespace,
        "labels": profile_labels(loaded),
        "annotations": profile_annotations(loaded, own),
        "selector": sorted((spec.service.selector or {}).items()),
        "port_name": PORT_NAMES[spec.protocol],
        "port": spec.service.port,
        "target_port": profile.target_port,
        "external_traffic_policy": metallb.external_traffic_policy,
        "session_affinity_timeout": metallb.session_affinity_timeout_seconds if affinity else None,
    }
    return PlannedObject(
        api_version="v1",
        kind="Service",
        name=service_name(loaded),
        namespace=profile.metadata.namespace,
        template="metallb/service.yaml.j2",
        context=context,
        folder=profile_folder(loaded),
        sources=(loaded,),
        origin=("spec", "metallb"),
    )


def _pool_objects(loaded: LoadedProfile, metallb: MetalLB) -> list[PlannedObject]:
    assert metallb.address_pool is not None and metallb.addresses is not None
    pool = metallb.address_pool
    folder = f"{metallb.namespace}/{SHARED_FOLDER}"
    common = {"name": pool, "namespace": metallb.namespace, "labels": shared_labels("metallb")}
    pool_context = {
        **common,
        "addresses": list(metallb.addresses),
        # A pool whose IPs are pinned should not hand them to unrelated Services.
        "auto_assign": False if metallb.load_balancer_ips else None,
    }
    advertisement_kind = "L2Advertisement" if metallb.advertisement == "l2" else "BGPAdvertisement"
    return [
        PlannedObject(
            api_version="metallb.io/v1beta1",
            kind="IPAddressPool",
            name=pool,
            namespace=metallb.namespace,
            template="metallb/ipaddresspool.yaml.j2",
            context=pool_context,
            folder=folder,
            sources=(loaded,),
            origin=("spec", "metallb", "addressPool"),
        ),
        PlannedObject(
            api_version="metallb.io/v1beta1",
            kind=advertisement_kind,
            name=pool,
            namespace=metallb.namespace,
            template="metallb/advertisement.yaml.j2",
            context={**common, "kind": advertisement_kind, "pools": [pool]},
            folder=folder,
            sources=(loaded,),
            origin=("spec", "metallb", "advertisement"),
        ),
    ]
