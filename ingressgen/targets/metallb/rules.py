"""MetalLB's own rules, checked before anything is written.

MetalLB's CRD schemas are loose (`addresses` is just a list of strings); the real
checks live in its webhook and `internal/config` code, and its Service handling
only reports problems as events on a Service stuck `<pending>`. The rules below
repeat those checks so that a profile fails at its own line instead.

This module holds the rules about one profile (run at load time) and the
value helpers; `metallb_run_rules.py` those that need every MetalLB profile of
the run at once (pools, peers, shared IPs).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

from ingressgen.errors import Problem, tagged
from ingressgen.golang.duration import duration_seconds
from ingressgen.plan import FieldPath, LoadedProfile
from ingressgen.profile_metallb import BGPPeer, LabelSelector, MetalLB

IP = ipaddress.IPv4Address | ipaddress.IPv6Address
METALLB: FieldPath = ("spec", "metallb")

# Fields that shape the pool or its advertisement: only meaningful when ingressgen creates them.
POOL_FIELDS = {
    "auto_assign": "autoAssign",
    "avoid_buggy_ips": "avoidBuggyIPs",
    "restrict_to_namespace": "restrictToNamespace",
    "node_selectors": "nodeSelectors",
    "interfaces": "interfaces",
    "aggregation_length": "aggregationLength",
    "aggregation_length_v6": "aggregationLengthV6",
    "local_pref": "localPref",
    "communities": "communities",
    "peers": "peers",
}
L2_ONLY = {"interfaces": "interfaces"}
BGP_ONLY = {
    "aggregation_length": "aggregationLength",
    "aggregation_length_v6": "aggregationLengthV6",
    "local_pref": "localPref",
    "communities": "communities",
    "peers": "peers",
}
# MetalLB releases that introduced what a profile may ask for (metallb.md sections 1.1 to 1.3).
MINIMUM_VERSIONS: dict[str, tuple[tuple[int, int, int], str]] = {
    "createPool": ((0, 13, 0), "MetalLB before 0.13 reads a ConfigMap, not IPAddressPool objects"),
    "interfaces": ((0, 13, 6), "L2Advertisement.spec.interfaces arrived in MetalLB 0.13.6"),
    "restrictToNamespace": (
        (0, 13, 8),
        "IPAddressPool.spec.serviceAllocation arrived in MetalLB 0.13.8",
    ),
    "loadBalancerClass": ((0, 13, 0), "MetalLB honours spec.loadBalancerClass since 0.13"),
}
# BGPPeer fields by the MetalLB release whose CRD (api/v1beta2/bgppeer_types.go) first has them;
# an older CRD prunes or refuses them. Attribute -> (profile field, release, why). The releases
# are issue 11's; cross-checked: dualStackAddressFamily in the 0.15.0 changelog ("FRR-K8s:
# convert the dualstackaddressfamily flag"), connectTime in FRR-K8s mode by metallb PR #2305
# (merged 2024-03-05, before 0.14.4). The others rest on the issue alone.
PEER_MINIMUM_VERSIONS: dict[str, tuple[str, tuple[int, int, int], str]] = {
    "vrf": ("vrf", (0, 13, 8), "BGPPeer.spec.vrf arrived in MetalLB 0.13.8"),
    "connect_time": ("connectTime", (0, 14, 4), "BGPPeer.spec.connectTime arrived in 0.14.4"),
    "enable_graceful_restart": (
        "enableGracefulRestart",
        (0, 14, 6),
        "BGPPeer.spec.enableGracefulRestart arrived in MetalLB 0.14.6",
    ),
    "dynamic_asn": ("dynamicASN", (0, 14, 9), "BGPPeer.spec.dynamicASN arrived in 0.14.9"),
    "dual_stack_address_family": (
        "dualStackAddressFamily",
        (0, 15, 0),
        "BGPPeer.spec.dualStackAddressFamily arrived in MetalLB 0.15.0",
    ),
}
Version = tuple[int, int, int]


# ---------------------------------------------------------------- values ---


def effective_auto_assign(metallb: MetalLB) -> bool | None:
    """autoAssign as emitted: a pool whose IPs are pinned is kept from unrelated Services."""
    if metallb.auto_assign is not None:
        return metallb.auto_assign
    return False if metallb.load_balancer_ips else None


def confuses_buggy_firmware(ip: IP) -> bool:
    """An IPv4 address ending in .0 or .255: a pool with avoidBuggyIPs never hands it out.

    MetalLB's allocator (internal/allocator/allocator.go, ipConfusesBuggyFirmwares and
    poolFor) skips such addresses, so a Service pinning one stays pending.
    """
    return ip.version == 4 and int(ip) & 0xFF in (0, 255)


def allocation_namespaces(loaded: LoadedProfile) -> list[str] | None:
    metallb = loaded.profile.spec.metallb
    if metallb is None or not metallb.restrict_to_namespace:
        return None
    return [loaded.profile.metadata.namespace]


def selector_context(selector: LabelSelector) -> dict[str, Any]:
    """A label selector as the templates take it: sorted labels, expressions as given."""
    return {
        "match_labels": sorted((selector.match_labels or {}).items()),
        "match_expressions": [
            {"key": r.key, "operator": r.operator, "values": list(r.values or [])}
            for r in selector.match_expressions or []
        ],
    }


# ------------------------------------------------------- one profile ------


def check_profile(loaded: LoadedProfile, metallb: MetalLB) -> Iterator[Problem]:
    yield from _check_pool_fields(loaded, metallb)
    yield from _check_versions(loaded, metallb)
    yield from tagged("metallb-pool-overlap", _check_addresses(loaded, metallb))
    yield from _check_pinned_ips(loaded, metallb)
    yield from _check_aggregation(loaded, metallb)
    yield from _check_duplicates(loaded, (*METALLB, "communities"), metallb.communities)
    yield from _check_duplicates(loaded, (*METALLB, "interfaces"), metallb.interfaces)
    yield from _check_selectors(loaded, (*METALLB, "nodeSelectors"), metallb.node_selectors)
    yield from _check_peers(loaded, metallb.peers or [])


def _check_pool_fields(loaded: LoadedProfile, metallb: MetalLB) -> Iterator[Problem]:
    """Pool and advertisement options make sense only when ingressgen creates the pool."""
    for attribute, name in POOL_FIELDS.items():
        if getattr(metallb, attribute) is None:
            continue
        if not metallb.pool_is_created:
            yield loaded.problem(
                (*METALLB, name),
                "only used when ingressgen creates the pool (spec.metallb.addresses, or "
                "createPool: true); remove it, or configure the existing pool in the cluster",
                at_key=True,
            )
        elif attribute in L2_ONLY and metallb.advertisement != "l2":
            yield loaded.problem(
                (*METALLB, name),
                f"{name} belongs to an L2Advertisement; this profile has advertisement: "
                f"{metallb.advertisement}",
                at_key=True,
            )
        elif attribute in BGP_ONLY and metallb.advertisement != "bgp":
            yield loaded.problem(
                (*METALLB, name),
                f"{name} belongs to a BGPAdvertisement; set advertisement: bgp or remove it",
                at_key=True,
            )


def version_needs(metallb: MetalLB) -> list[tuple[FieldPath, Version, str]]:
    """Each field the profile uses that not every MetalLB release has: (where, release, why)."""
    asked = {
        "createPool": metallb.pool_is_created,
        "interfaces": metallb.interfaces is not None,
        "restrictToNamespace": bool(metallb.restrict_to_namespace),
        "loadBalancerClass": metallb.load_balancer_class is not None,
    }
    needs: list[tuple[FieldPath, Version, str]] = []
    for name, (minimum, why) in MINIMUM_VERSIONS.items():
        if asked[name]:
            where = "addresses" if name == "createPool" and metallb.create_pool is None else name
            needs.append(((*METALLB, where), minimum, why))
    for index, peer in enumerate(metallb.peers or []):
        for attribute, (field, minimum, why) in PEER_MINIMUM_VERSIONS.items():
            if getattr(peer, attribute) is not None:
                needs.append(((*METALLB, "peers", index, field), minimum, why))
    return needs


def release(version: Version) -> str:
    return ".".join(map(str, version))


def _check_versions(loaded: LoadedProfile, metallb: MetalLB) -> Iterator[Problem]:
    version = metallb.version_tuple()
    if version is None:
        return
    for path, minimum, why in version_needs(metallb):
        if version < minimum:
            yield loaded.problem(
                path,
                f"needs MetalLB {release(minimum)} or newer, and spec.metallb.version "
                f"is {metallb.version}: {why}",
                at_key=True,
            )


def _check_addresses(loaded: LoadedProfile, metallb: MetalLB) -> Iterator[Problem]:
    """MetalLB refuses a pool whose entries overlap, even within the pool itself."""
    if not metallb.pool_is_created or not metallb.addresses:
        return
    ranges = metallb.pool_ranges
    for index, entry in enumerate(ranges):
        for earlier in range(index):
            if entry.overlaps(ranges[earlier]):
                yield loaded.problem(
                    (*METALLB, "addresses", index),
                    f"{metallb.addresses[index]!r} overlaps {metallb.addresses[earlier]!r} "
                    f"(addresses[{earlier}]); MetalLB refuses a pool whose addresses overlap",
                )
                break


def _check_pinned_ips(loaded: LoadedProfile, metallb: MetalLB) -> Iterator[Problem]:
    pinned = metallb.pinned_ips
    for family in (4, 6):
        if sum(1 for ip in pinned if ip.version == family) > 1:
            yield loaded.problem(
                (*METALLB, "loadBalancerIPs"),
                f"holds more than one IPv{family} address; MetalLB takes at most one per IP family",
            )
    if metallb.pool_is_created and metallb.addresses:
        for index, ip in enumerate(pinned):
            if not any(entry.contains(ip) for entry in metallb.pool_ranges):
                yield loaded.problem(
                    (*METALLB, "loadBalancerIPs", index),
                    f"{ip} is outside the pool's addresses ({', '.join(metallb.addresses)}); "
                    "MetalLB would leave the Service pending",
                    rule="metallb-pool-mismatch",
                )
            elif metallb.avoid_buggy_ips and confuses_buggy_firmware(ip):
                yield loaded.problem(
                    (*METALLB, "loadBalancerIPs", index),
                    f"{ip} ends in .{int(ip) & 0xFF}, and this pool has avoidBuggyIPs: true, so "
                    "MetalLB's allocator never hands it out and the Service stays pending; pin "
                    "another address, or drop avoidBuggyIPs",
                    rule="metallb-pool-mismatch",
                )


def _check_aggregation(loaded: LoadedProfile, metallb: MetalLB) -> Iterator[Problem]:
    """An aggregation length shorter than a pool prefix would announce addresses outside it.

    MetalLB (validateBGPAdvPerPool) refuses it: for each pool entry, the
    aggregation length of its family must be at least the entry's shortest prefix.
    """
    if not metallb.pool_is_created or not metallb.addresses:
        return
    lengths = {
        4: ("aggregationLength", metallb.aggregation_length),
        6: ("aggregationLengthV6", metallb.aggregation_length_v6),
    }
    for index, entry in enumerate(metallb.pool_ranges):
        prefix = entry.least_specific_prefix
        field, length = lengths[entry.version]
        if length is not None and length < prefix:
            yield loaded.problem(
                (*METALLB, field),
                f"{length} is shorter than the /{prefix} prefix of pool entry {entry.text!r} "
                f"(addresses[{index}]); MetalLB refuses an aggregation length less specific "
                f"than the pool's prefixes: use {prefix} or more",
            )
    if metallb.external_traffic_policy == "Local":
        yield from _check_aggregation_with_local(loaded, metallb)


def _check_aggregation_with_local(loaded: LoadedProfile, metallb: MetalLB) -> Iterator[Problem]:
    """An aggregate announced under externalTrafficPolicy Local black-holes traffic.

    With Local, a speaker announces a Service only from nodes with a ready local endpoint
    (speaker/bgp_controller.go); with an aggregation length shorter than the host prefix the
    announcement is the whole aggregate, so any node with an endpoint of any Service in it
    attracts the prefix, and Local drops what arrives for a Service without pods there.
    MetalLB's documented way to aggregate (website/content/configuration/
    _advanced_bgp_configuration.md) adds a second, host-prefix advertisement; ingressgen emits
    one advertisement per pool, so it refuses the combination instead.
    """
    families = {entry.version for entry in metallb.pool_ranges}
    lengths = (
        (4, "aggregationLength", metallb.aggregation_length, 32),
        (6, "aggregationLengthV6", metallb.aggregation_length_v6, 128),
    )
    for family, field, length, host in lengths:
        if family in families and length is not None and length < host:
            yield loaded.problem(
                (*METALLB, field),
                f"{length} with externalTrafficPolicy Local: MetalLB then announces only the "
                f"/{length} aggregate, from every node with a local pod of any Service in it, "
                "so routers send this Service's traffic to nodes without its pods, where Local "
                f"drops it. Use externalTrafficPolicy: Cluster, or leave {field} at {host}; "
                "MetalLB's documented aggregation (website/content/configuration/"
                f"_advanced_bgp_configuration.md) adds a /{host} advertisement with localPref "
                "and the no-advertise community (65535:65282), which ingressgen does not "
                "generate",
            )


def _check_duplicates(
    loaded: LoadedProfile, path: FieldPath, values: Sequence[Any] | None
) -> Iterator[Problem]:
    for index, value in enumerate(values or []):
        if value in list(values or [])[:index]:
            yield loaded.problem(
                (*path, index), f"{value!r} is listed twice; MetalLB refuses duplicates"
            )


def _check_selectors(
    loaded: LoadedProfile, path: FieldPath, selectors: Sequence[LabelSelector] | None
) -> Iterator[Problem]:
    for index, selector in enumerate(selectors or []):
        here = (*path, index)
        if not selector.match_labels and not selector.match_expressions:
            yield loaded.problem(
                here,
                "an empty selector matches every node; give matchLabels or matchExpressions, "
                "or leave nodeSelectors out to use all nodes",
            )
        if selector in list(selectors or [])[:index]:
            yield loaded.problem(here, "this selector is listed twice; MetalLB refuses duplicates")
        for position, requirement in enumerate(selector.match_expressions or []):
            where = (*here, "matchExpressions", position)
            if requirement.operator in ("In", "NotIn") and not requirement.values:
                yield loaded.problem(
                    where, f"operator {requirement.operator} needs a non-empty values list"
                )
            if requirement.operator in ("Exists", "DoesNotExist") and requirement.values:
                yield loaded.problem(
                    (*where, "values"),
                    f"operator {requirement.operator} takes no values; remove them",
                )


def _check_peers(loaded: LoadedProfile, peers: Sequence[BGPPeer]) -> Iterator[Problem]:
    seen: dict[str, int] = {}
    for index, peer in enumerate(peers):
        here = (*METALLB, "peers", index)
        if peer.name in seen:
            yield loaded.problem(
                (*here, "name"),
                f"peer {peer.name!r} is already defined at peers[{seen[peer.name]}]",
            )
        seen.setdefault(peer.name, index)
        yield from _check_peer(loaded, here, peer)
        yield from _check_selectors(loaded, (*here, "nodeSelectors"), peer.node_selectors)


def _check_peer(loaded: LoadedProfile, here: FieldPath, peer: BGPPeer) -> Iterator[Problem]:
    """The BGPPeer rules of MetalLB's config code and CRD (metallb.md section 1.5)."""
    if peer.peer_asn is None and peer.dynamic_asn is None:
        yield loaded.problem(here, "needs peerASN (the router's AS number) or dynamicASN")
    if peer.peer_asn is not None and peer.dynamic_asn is not None:
        yield loaded.problem(
            (*here, "dynamicASN"), "set peerASN or dynamicASN, not both; MetalLB refuses both"
        )
    if peer.ebgp_multi_hop and peer.peer_asn == peer.my_asn:
        yield loaded.problem(
            (*here, "ebgpMultiHop"),
            f"peerASN equals myASN ({peer.my_asn}), so this is an iBGP session, and MetalLB "
            "refuses ebgpMultiHop for iBGP peers",
        )
    if peer.router_id is not None and ipaddress.ip_address(peer.router_id).version != 4:
        yield loaded.problem(
            (*here, "routerID"),
            f"{peer.router_id!r} is not valid: a BGP router ID is 4 bytes, written as an IPv4 "
            "address",
        )
    yield from _check_timers(loaded, here, peer)
    if peer.connect_time is not None:
        seconds = duration_seconds(peer.connect_time)
        if seconds != int(seconds) or not 1 <= seconds <= 65535:
            yield loaded.problem(
                (*here, "connectTime"),
                f"{peer.connect_time!r} is not valid: a whole number of seconds, 1s..65535s",
            )


def _check_timers(loaded: LoadedProfile, here: FieldPath, peer: BGPPeer) -> Iterator[Problem]:
    """MetalLB's parseTimers: the missing timer is derived (x3 or /3), then both are checked."""
    if peer.hold_time is None and peer.keepalive_time is None:
        return
    hold = duration_seconds(peer.hold_time) if peer.hold_time is not None else None
    keepalive = duration_seconds(peer.keepalive_time) if peer.keepalive_time is not None else None
    hold_value = hold if hold is not None else (keepalive or Decimal(0)) * 3
    keepalive_value = keepalive if keepalive is not None else hold_value / 3
    whole = int(hold_value)
    if whole != 0 and whole < 3:
        field = "holdTime" if hold is not None else "keepaliveTime"
        shown = peer.hold_time if hold is not None else f"{peer.keepalive_time} x 3"
        yield loaded.problem(
            (*here, field),
            f"a hold time of {shown} is not valid: BGP takes 0 (no keepalives) or at least 3s",
        )
    if keepalive_value > hold_value:
        yield loaded.problem(
            (*here, "keepaliveTime"),
            f"{peer.keepalive_time!r} is longer than the hold time {peer.hold_time!r}; "
            "the keepalive must not exceed it (commonly a third of it)",
        )
