"""MetalLB Layer-4 exposure: a LoadBalancer Service, and optionally its pool and advertisement.

MetalLB's own rules live in `rules.py` (one profile) and `run_rules.py`
(pools, peers and shared IPs across a run); this module decides which objects to
emit and hands each template a ready context.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from ingressgen import names
from ingressgen.errors import InputError, Problem
from ingressgen.findings import Finding
from ingressgen.plan import LoadedProfile, PlannedObject
from ingressgen.profile_metallb import (
    METALLB_ANNOTATION_RENAME_VERSION,
    BGPPeer,
    MetalLB,
    community_kind,
)
from ingressgen.targets.base import TargetPlan
from ingressgen.targets.common import (
    profile_annotations,
    profile_labels,
    profile_object,
    shared_labels,
)
from ingressgen.targets.metallb import rules, run_rules

SHARED_FOLDER = "_metallb"
# MetalLB reads IPAddressPool and advertisement objects since 0.13: every pool ingressgen
# creates needs it, so only a newer minimum is worth a note.
CRD_CONFIGURATION_VERSION = (0, 13, 0)
CURRENT_PREFIX = "metallb.io/"
LEGACY_PREFIX = "metallb.universe.tf/"
EXTERNAL_DNS_HOSTNAME = "external-dns.alpha.kubernetes.io/hostname"
PORT_NAMES = {"websocket": "ws", "http": "http", "grpc": "grpc", "tcp": "tcp"}
# BGPPeer fields that MetalLB's native BGP mode refuses (internal/config/validation.go).
FRR_ONLY_PEER_FIELDS = {
    "dynamic_asn": "dynamicASN",
    "bfd_profile": "bfdProfile",
    "keepalive_time": "keepaliveTime",
    "connect_time": "connectTime",
    "vrf": "vrf",
    "enable_graceful_restart": "enableGracefulRestart",
    "dual_stack_address_family": "dualStackAddressFamily",
}


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
    if metallb.addresses is not None and not metallb.addresses:
        # Rendered as-is it would be `addresses: null`, which MetalLB refuses ("pool has no
        # prefixes defined", internal/config/config.go).
        yield loaded.problem(
            ("spec", "metallb", "addresses"),
            'an empty list is not valid: MetalLB refuses a pool with no addresses ("pool has '
            "no prefixes defined\"); list CIDRs or 'a-b' ranges, e.g. 203.0.113.10/32, or "
            "remove the field to use an existing pool",
        )
    elif metallb.create_pool and not metallb.addresses:
        yield loaded.problem(
            ("spec", "metallb", "addresses"),
            "required when createPool is true: a non-empty list of CIDRs or 'a-b' ranges",
        )
    yield from rules.check_profile(loaded, metallb)


def annotation_prefixes(metallb: MetalLB) -> tuple[str, ...]:
    version = metallb.version_tuple()
    if version is None:
        return (CURRENT_PREFIX, LEGACY_PREFIX)
    return (CURRENT_PREFIX,) if version >= METALLB_ANNOTATION_RENAME_VERSION else (LEGACY_PREFIX,)


def plan(profiles: Sequence[LoadedProfile]) -> TargetPlan:
    problems = run_rules.check_run(profiles)
    if problems:
        raise InputError(problems=problems)
    result = TargetPlan(notes=_notes(profiles))
    for loaded in profiles:
        result.objects.append(_service(loaded))
        metallb = _metallb(loaded)
        if metallb.pool_is_created:
            result.objects.extend(_pool_objects(loaded, metallb))
    return result


def _metallb(loaded: LoadedProfile) -> MetalLB:
    metallb = loaded.profile.spec.metallb
    assert metallb is not None  # check() refuses a metallb profile without it
    return metallb


# ---------------------------------------------------------------- objects ---


def _service(loaded: LoadedProfile) -> PlannedObject:
    profile = loaded.profile
    spec = profile.spec
    metallb = _metallb(loaded)
    assert metallb.address_pool is not None
    own: dict[str, str] = {}
    for prefix in annotation_prefixes(metallb):
        own[prefix + "address-pool"] = metallb.address_pool
        if metallb.load_balancer_ips:
            own[prefix + "loadBalancerIPs"] = ",".join(metallb.load_balancer_ips)
        if metallb.shared_ip_key is not None:
            own[prefix + "allow-shared-ip"] = metallb.shared_ip_key
    if spec.hostname:
        own[EXTERNAL_DNS_HOSTNAME] = spec.hostname
    affinity = profile.websocket.session_affinity
    families = _ip_families(metallb)
    context = {
        "name": service_name(loaded),
        "namespace": profile.metadata.namespace,
        "labels": profile_labels(loaded),
        "annotations": profile_annotations(loaded, own),
        "load_balancer_class": metallb.load_balancer_class,
        "allocate_node_ports": metallb.allocate_load_balancer_node_ports,
        "ip_families": families,
        "ip_family_policy": None if families is None else _family_policy(families),
        "selector": sorted((spec.service.selector or {}).items()),
        "port_name": PORT_NAMES[spec.protocol],
        "port": spec.service.port,
        "target_port": profile.target_port,
        "external_traffic_policy": metallb.external_traffic_policy,
        "session_affinity_timeout": metallb.session_affinity_timeout_seconds if affinity else None,
    }
    return profile_object(
        loaded,
        api_version="v1",
        kind="Service",
        name=service_name(loaded),
        template="metallb/service.yaml.j2",
        context=context,
        origin=("spec", "metallb"),
    )


def _ip_families(metallb: MetalLB) -> list[str] | None:
    """The Service's IP families when pinned IPs or the profile's own pool decide them.

    MetalLB refuses pinned IPs whose families differ from the Service's own
    ("does not match the ipFamily of the service"), and a Service left to the
    cluster's default is single-stack in the primary family. So the families of
    the pinned IPs are stated, in the order given. Without pinned IPs, a pool the
    profile creates that holds one family only (an IPv6-only pool in an IPv4-first
    cluster, say) can serve only that family, so it is stated too; a dual-stack
    pool, or a pool created elsewhere, leaves the choice to the cluster.
    """
    if metallb.load_balancer_ips:
        versions = [ip.version for ip in metallb.pinned_ips]
        return [f"IPv{v}" for v in dict.fromkeys(versions)]
    if metallb.pool_is_created:
        families = {entry.version for entry in metallb.pool_ranges}
        if len(families) == 1:
            return [f"IPv{families.pop()}"]
    return None


def _family_policy(families: list[str]) -> str:
    return "RequireDualStack" if len(families) == 2 else "SingleStack"


def _pool_objects(loaded: LoadedProfile, metallb: MetalLB) -> list[PlannedObject]:
    assert metallb.address_pool is not None and metallb.addresses is not None
    pool = metallb.address_pool
    folder = f"{metallb.namespace}/{SHARED_FOLDER}"
    common = {"name": pool, "namespace": metallb.namespace, "labels": shared_labels("metallb")}
    pool_context = {
        **common,
        "addresses": list(metallb.addresses),
        "auto_assign": rules.effective_auto_assign(metallb),
        "avoid_buggy_ips": metallb.avoid_buggy_ips,
        "allocation_namespaces": rules.allocation_namespaces(loaded),
    }
    bgp = metallb.advertisement == "bgp"
    advertisement_kind = "BGPAdvertisement" if bgp else "L2Advertisement"
    advertisement_context = {
        **common,
        "kind": advertisement_kind,
        "pools": [pool],
        "node_selectors": [rules.selector_context(s) for s in metallb.node_selectors or []],
        "interfaces": list(metallb.interfaces or []),
        "aggregation_length": metallb.aggregation_length,
        "aggregation_length_v6": metallb.aggregation_length_v6,
        "local_pref": metallb.local_pref,
        "communities": list(metallb.communities or []),
        "peers": [peer.name for peer in metallb.peers or []],
    }
    objects = [
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
            context=advertisement_context,
            folder=folder,
            sources=(loaded,),
            origin=("spec", "metallb", "advertisement"),
        ),
    ]
    for index, peer in enumerate(metallb.peers or []):
        objects.append(_peer(loaded, metallb, index, peer))
    return objects


def _peer(loaded: LoadedProfile, metallb: MetalLB, index: int, peer: BGPPeer) -> PlannedObject:
    context = {
        "name": peer.name,
        "namespace": metallb.namespace,
        "labels": shared_labels("metallb"),
        "my_asn": peer.my_asn,
        "peer_asn": peer.peer_asn,
        "dynamic_asn": peer.dynamic_asn,
        "peer_address": peer.peer_address,
        "peer_port": peer.peer_port,
        "source_address": peer.source_address,
        "router_id": peer.router_id,
        "hold_time": peer.hold_time,
        "keepalive_time": peer.keepalive_time,
        "connect_time": peer.connect_time,
        "ebgp_multi_hop": peer.ebgp_multi_hop,
        # The Secret must sit in MetalLB's namespace; only its name ever reaches the output.
        "password_secret": peer.password_secret,
        "bfd_profile": peer.bfd_profile,
        "vrf": peer.vrf,
        "enable_graceful_restart": peer.enable_graceful_restart,
        "dual_stack_address_family": peer.dual_stack_address_family,
        "node_selectors": [rules.selector_context(s) for s in peer.node_selectors or []],
    }
    return PlannedObject(
        api_version="metallb.io/v1beta2",
        kind="BGPPeer",
        name=peer.name,
        namespace=metallb.namespace,
        template="metallb/bgppeer.yaml.j2",
        context=context,
        folder=f"{metallb.namespace}/{SHARED_FOLDER}",
        sources=(loaded,),
        origin=("spec", "metallb", "peers", index),
    )


# ------------------------------------------------------------------ notes ---


def _notes(profiles: Sequence[LoadedProfile]) -> list[Finding]:
    """What users of MetalLB should know and no manifest can fix; never written to files."""
    notes: list[Finding] = []
    if not profiles:
        return notes
    versionless = [p for p in profiles if not _metallb(p).version]
    if versionless:
        notes.append(
            Finding(
                "metallb-version-unset",
                "spec.metallb.version is not set in "
                + _listing(versionless)
                + ": the Services carry both the metallb.io/ and the legacy metallb.universe.tf/ "
                "annotations, which every MetalLB reads (0.14.9 and newer log a deprecation "
                "event); set the version to emit only the right prefix",
                profiles=_ids(versionless),
            )
        )
    layer2 = [
        p for p in profiles if _metallb(p).pool_is_created and _metallb(p).advertisement == "l2"
    ]
    if layer2:
        notes.append(
            Finding(
                "metallb-l2-single-node",
                f"L2 mode ({_listing(layer2)}): all traffic for one IP enters through a single "
                "node, so that node's bandwidth is the Service's ceiling; BGP mode spreads it",
                profiles=_ids(layer2),
            )
        )
    notes.append(
        Finding(
            "metallb-failover-resets-connections",
            f"MetalLB ({_listing(profiles)}) sets no connection time limit, but established "
            "connections are reset when the announcing node fails or the L2 leader moves (a node "
            "joins, pods move, a speaker restarts), and in BGP mode when the routers' next hops "
            "change: clients of long-lived connections (WebSockets) must reconnect",
            profiles=_ids(profiles),
        )
    )
    cluster = [p for p in profiles if _metallb(p).external_traffic_policy == "Cluster"]
    if cluster:
        notes.append(
            Finding(
                "metallb-cluster-policy-hides-client-ip",
                f"externalTrafficPolicy Cluster ({_listing(cluster)}): pods see a node's IP, "
                "never the client's, and ClientIP affinity then pins per node, not per client",
                profiles=_ids(cluster),
            )
        )
    notes.append(
        Finding(
            "metallb-tls-passthrough",
            f"MetalLB passes TCP through untouched ({_listing(profiles)}): the workload "
            "terminates TLS itself (its own certificate for wss:// and https://)",
            profiles=_ids(profiles),
        )
    )
    for loaded in profiles:
        notes.extend(_profile_notes(loaded))
    classes = sorted({c for p in profiles if (c := _metallb(p).load_balancer_class)})
    for load_balancer_class in classes:
        users = [p for p in profiles if _metallb(p).load_balancer_class == load_balancer_class]
        notes.append(
            Finding(
                "metallb-load-balancer-class",
                f"loadBalancerClass {load_balancer_class!r}: MetalLB handles these Services only "
                f"when its controller and speakers run with --lb-class={load_balancer_class}; a "
                "MetalLB without --lb-class ignores every Service that has a class",
                profiles=_ids(users),
            )
        )
    return notes


def _ids(profiles: Sequence[LoadedProfile]) -> tuple[str, ...]:
    return tuple(p.id for p in profiles)


def _listing(profiles: Sequence[LoadedProfile]) -> str:
    shown = [p.display for p in profiles[:3]]
    if len(profiles) > 3:
        shown.append(f"and {len(profiles) - 3} more")
    return ", ".join(shown)


def _profile_notes(loaded: LoadedProfile) -> Iterator[Finding]:
    metallb = _metallb(loaded)
    here = ("spec", "metallb")
    needs = rules.version_needs(metallb)
    if metallb.version is None and needs:
        path, minimum, why = max(needs, key=lambda need: need[1])
        if minimum > CRD_CONFIGURATION_VERSION:
            yield Finding(
                "metallb-minimum-version",
                f"this profile needs MetalLB {rules.release(minimum)} or newer ({why}); "
                "spec.metallb.version is not set, so ingressgen cannot check the release in the "
                "cluster: set it to refuse what that release lacks",
                loaded.locate(path),
                (loaded.id,),
            )
    if metallb.shared_ip_key is not None and not metallb.load_balancer_ips:
        yield Finding(
            "metallb-shared-ip-not-forced",
            "sharedIPKey without loadBalancerIPs allows sharing but does not force it: MetalLB "
            "may still give each Service its own IP; pin the same IP to share one",
            loaded.locate((*here, "sharedIPKey")),
            (loaded.id,),
        )
    yield from _traffic_notes(loaded, metallb)
    if not metallb.pool_is_created or metallb.advertisement != "bgp":
        return
    for index, community in enumerate(metallb.communities or []):
        kind = community_kind(community)
        if kind == "alias":
            yield Finding(
                "metallb-community-alias",
                f"community {community!r} is an alias: it must be defined in a Community object "
                f"in {metallb.namespace!r}, which ingressgen does not generate",
                loaded.locate((*here, "communities", index)),
                (loaded.id,),
            )
        elif kind == "large":
            yield Finding(
                "metallb-bgp-needs-frr",
                f"large community {community!r} needs MetalLB's FRR or FRR-K8s BGP mode; the "
                "native BGP mode takes only AA:NN",
                loaded.locate((*here, "communities", index)),
                (loaded.id,),
            )
    if any(entry.version == 6 for entry in metallb.pool_ranges):
        yield Finding(
            "metallb-bgp-needs-frr",
            "IPv6 addresses advertised over BGP need MetalLB's FRR or FRR-K8s mode (the default "
            "since 0.16); the native BGP mode refuses them",
            loaded.locate((*here, "addresses")),
            (loaded.id,),
        )
    for index, peer in enumerate(metallb.peers or []):
        used = [name for attr, name in FRR_ONLY_PEER_FIELDS.items() if getattr(peer, attr)]
        if used:
            yield Finding(
                "metallb-bgp-needs-frr",
                f"peer {peer.name!r} uses {', '.join(used)}: MetalLB's native BGP mode refuses "
                "these; they need the FRR or FRR-K8s mode (the default since 0.16)",
                loaded.locate((*here, "peers", index)),
                (loaded.id,),
            )


def _traffic_notes(loaded: LoadedProfile, metallb: MetalLB) -> Iterator[Finding]:
    """Where the traffic of a created pool's advertisement really goes."""
    if not metallb.pool_is_created:
        return
    service = loaded.profile.spec.service
    replicas = service.replicas
    local = metallb.external_traffic_policy == "Local"
    if metallb.advertisement == "l2" and local and replicas is not None and replicas > 1:
        # website/content/usage/_index.md: "Pods that aren't on the current leader node
        # receive no traffic"; the speaker only elects nodes with a ready local endpoint.
        selected = (
            "; with nodeSelectors, the IP is announced only by a selected node that runs one of "
            "the pods, and never when none does"
            if metallb.node_selectors
            else ""
        )
        yield Finding(
            "metallb-l2-local-one-node",
            f"L2 with externalTrafficPolicy Local: of the {replicas} replicas, only the pods on "
            "the one node that announces the IP get traffic (MetalLB's usage docs: \"Pods that "
            "aren't on the current leader node receive no traffic\"), the others stay idle"
            f"{selected}; use externalTrafficPolicy: Cluster (pods then see a node's IP) or "
            "advertisement: bgp",
            loaded.locate(("spec", "service", "replicas")),
            (loaded.id,),
        )
    if metallb.advertisement == "bgp" and loaded.profile.websocket.session_affinity:
        yield Finding(
            "metallb-bgp-affinity-per-node",
            "ClientIP session affinity under BGP: the routers spread connections over the "
            "nodes by ECMP hash, not by client, and each node keeps its own affinity table, so "
            "one client's connections can reach different pods (and move when next hops "
            "change); keep session state out of the pod, or use advertisement: l2",
            loaded.locate(("spec", "websocket", "sessionAffinity")),
            (loaded.id,),
        )
