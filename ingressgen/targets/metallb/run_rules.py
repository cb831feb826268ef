"""MetalLB rules across the profiles of one run: pools, peers and shared IPs.

They need every MetalLB profile of the run at once, so `plan()` calls them (it
receives all of them). MetalLB itself enforces the pool rules in its webhook
and the sharing rules only as events on a Service stuck `<pending>`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from ingressgen.errors import Problem, tagged
from ingressgen.plan import FieldPath, LoadedProfile
from ingressgen.profile_metallb import AddressRange, BGPPeer, MetalLB
from ingressgen.targets.metallb.rules import (
    IP,
    METALLB,
    allocation_namespaces,
    confuses_buggy_firmware,
    effective_auto_assign,
)


def check_run(profiles: Sequence[LoadedProfile]) -> list[Problem]:
    """Rules that relate the MetalLB profiles of one run to each other."""
    creators = [p for p in profiles if _metallb(p).pool_is_created]
    return [
        *tagged("metallb-namespace-disagreement", _one_metallb_namespace(creators)),
        *tagged("metallb-pool-disagreement", _same_pool_same_definition(creators)),
        *tagged("metallb-peer-disagreement", _same_peer_same_definition(creators)),
        *tagged("metallb-frr-peer-conflict", _peers_frr_accepts(creators)),
        *tagged("metallb-pool-overlap", _pools_do_not_overlap(creators)),
        *tagged("metallb-pool-mismatch", _services_fit_pools_of_the_run(profiles, creators)),
        *tagged("metallb-ip-sharing", _shared_ips(profiles)),
    ]


def _metallb(loaded: LoadedProfile) -> MetalLB:
    metallb = loaded.profile.spec.metallb
    assert metallb is not None  # check() refuses a metallb profile without it
    return metallb


def _elsewhere(other: LoadedProfile, path: FieldPath) -> str:
    return f"{other.display} ({other.locate(path)})"


def _one_metallb_namespace(creators: Sequence[LoadedProfile]) -> Iterator[Problem]:
    """MetalLB reads its objects from the namespace it runs in, and from no other."""
    if not creators:
        return
    first = creators[0]
    expected = _metallb(first).namespace
    for loaded in creators[1:]:
        namespace = _metallb(loaded).namespace
        if namespace != expected:
            yield loaded.problem(
                (*METALLB, "namespace"),
                f"MetalLB's objects go to {namespace!r} here but to {expected!r} in "
                f"{_elsewhere(first, (*METALLB, 'namespace'))}; MetalLB only reads the namespace "
                "it is installed in (its webhook refuses others, or they are silently ignored). "
                "Use one spec.metallb.namespace, or render profiles for different clusters in "
                "separate runs",
            )


def _describe(field: str, value: Any, metallb: MetalLB) -> str:
    if value is None:
        return "unset (MetalLB's default)"
    if field == "autoAssign" and metallb.auto_assign is None:
        return f"{str(value).lower()} (the default when loadBalancerIPs are pinned)"
    if field == "restrictToNamespace":
        return f"restricted to namespace {value[0]!r}"
    if isinstance(value, bool):
        return str(value).lower()
    return repr(value)


def pool_definition(loaded: LoadedProfile) -> dict[str, Any]:
    """What a created pool and its advertisement are made of, by profile field name."""
    metallb = _metallb(loaded)
    return {
        "addresses": list(metallb.addresses or []),
        "autoAssign": effective_auto_assign(metallb),
        "avoidBuggyIPs": metallb.avoid_buggy_ips,
        "restrictToNamespace": allocation_namespaces(loaded),
        "advertisement": metallb.advertisement,
        "nodeSelectors": [s.model_dump() for s in metallb.node_selectors or []] or None,
        "interfaces": metallb.interfaces,
        "aggregationLength": metallb.aggregation_length,
        "aggregationLengthV6": metallb.aggregation_length_v6,
        "localPref": metallb.local_pref,
        "communities": metallb.communities,
        "peers": [p.name for p in metallb.peers or []] or None,
    }


def _same_pool_same_definition(creators: Sequence[LoadedProfile]) -> Iterator[Problem]:
    """Profiles creating one pool must agree; the pool is then emitted once, in _metallb/."""
    first_by_pool: dict[tuple[str, str | None], LoadedProfile] = {}
    for loaded in creators:
        metallb = _metallb(loaded)
        key = (metallb.namespace, metallb.address_pool)
        first = first_by_pool.setdefault(key, loaded)
        if first is loaded:
            continue
        mine, theirs = pool_definition(loaded), pool_definition(first)
        for field, value in mine.items():
            if value != theirs[field]:
                path = (*METALLB, field)
                yield loaded.problem(
                    path,
                    f"IPAddressPool {metallb.namespace}/{metallb.address_pool} is also created "
                    f"by {_elsewhere(first, path)}, where {field} is "
                    f"{_describe(field, theirs[field], _metallb(first))}; here it is "
                    f"{_describe(field, value, metallb)}. Profiles that create the same pool "
                    f"must define it identically: set {field} the same in both (the pool is "
                    f"emitted once, in out/{metallb.namespace}/_metallb/)",
                )


def _same_peer_same_definition(creators: Sequence[LoadedProfile]) -> Iterator[Problem]:
    first_by_peer: dict[tuple[str, str], tuple[LoadedProfile, int, BGPPeer]] = {}
    for loaded in creators:
        metallb = _metallb(loaded)
        for index, peer in enumerate(metallb.peers or []):
            key = (metallb.namespace, peer.name)
            first, first_index, first_peer = first_by_peer.setdefault(key, (loaded, index, peer))
            if first is loaded:
                continue
            mine = peer.model_dump(by_alias=True)
            theirs = first_peer.model_dump(by_alias=True)
            for field in mine:
                if mine[field] != theirs[field]:
                    path = (*METALLB, "peers", index, field)
                    yield loaded.problem(
                        path,
                        f"BGPPeer {peer.name!r} is also defined in "
                        f"{_elsewhere(first, (*METALLB, 'peers', first_index, field))} with "
                        f"{field} {theirs[field]!r}, here {mine[field]!r}; profiles that define "
                        "the same peer must define it identically",
                    )
                    break


def _peers_frr_accepts(creators: Sequence[LoadedProfile]) -> Iterator[Problem]:
    """The BGPPeer combinations MetalLB's FRR and FRR-K8s modes refuse.

    internal/config/validation.go, DiscardNativeOnly (run by the webhook and the controller
    in both FRR modes, the default since 0.13.10 and, as FRR-K8s, since 0.16): every peer has
    the same routerID; peers in one VRF have the same myASN; two peers with one address and
    VRF are refused when they can meet on a node. ingressgen cannot see the nodes, so it
    counts two peers as meeting when either has no nodeSelectors or both have the same ones.
    """
    seen: list[tuple[LoadedProfile, int, BGPPeer]] = []
    names: set[tuple[str, str]] = set()
    for loaded in creators:
        metallb = _metallb(loaded)
        for index, peer in enumerate(metallb.peers or []):
            if (metallb.namespace, peer.name) in names:
                continue  # the same peer again: identical, or refused as a disagreement
            names.add((metallb.namespace, peer.name))
            here = (*METALLB, "peers", index)
            yield from _peer_conflicts(loaded, here, peer, seen)
            seen.append((loaded, index, peer))


def _peer_conflicts(
    loaded: LoadedProfile,
    here: FieldPath,
    peer: BGPPeer,
    seen: Sequence[tuple[LoadedProfile, int, BGPPeer]],
) -> Iterator[Problem]:
    frr = "MetalLB's FRR and FRR-K8s modes (the default BGP backends) refuse"
    if seen:
        first, first_index, first_peer = seen[0]
        if peer.router_id != first_peer.router_id:
            there = _elsewhere(first, (*METALLB, "peers", first_index))
            yield loaded.problem(
                (*here, "routerID"),
                f"peer {peer.name!r} has routerID {_shown(peer.router_id)}, and peer "
                f"{first_peer.name!r} in {there} has {_shown(first_peer.router_id)}; {frr} peers "
                'whose routerID differs ("all RouterID must be equal"): give every peer the '
                "same routerID, or none",
            )
    for other, other_index, other_peer in seen:
        there = _elsewhere(other, (*METALLB, "peers", other_index))
        if other_peer.vrf == peer.vrf and int(other_peer.my_asn) != int(peer.my_asn):
            yield loaded.problem(
                (*here, "myASN"),
                f"peer {peer.name!r} has myASN {peer.my_asn}, and peer {other_peer.name!r} in "
                f"{there} has {other_peer.my_asn} in the same VRF ({_shown(peer.vrf)}); {frr} "
                "two local AS numbers in one VRF: use one myASN, or put the peers in different "
                "VRFs",
            )
            break
    for other, other_index, other_peer in seen:
        if other_peer.peer_address != peer.peer_address or other_peer.vrf != peer.vrf:
            continue
        meet = (
            not peer.node_selectors
            or not other_peer.node_selectors
            or peer.node_selectors == other_peer.node_selectors
        )
        if not meet:
            continue  # different node selectors: they may select different nodes
        there = _elsewhere(other, (*METALLB, "peers", other_index))
        yield loaded.problem(
            (*here, "peerAddress"),
            f"peer {peer.name!r} has peerAddress {peer.peer_address} like peer "
            f"{other_peer.name!r} in {there}, in the same VRF ({_shown(peer.vrf)}) and on the "
            f"same nodes; {frr} duplicate BGPPeers: keep one peer, or split them with "
            "nodeSelectors that select different nodes",
        )
        break


def _shown(value: str | None) -> str:
    return "unset" if value is None else repr(value)


def _pools_do_not_overlap(creators: Sequence[LoadedProfile]) -> Iterator[Problem]:
    """No address may belong to two pools (MetalLB: 'CIDR ... overlaps with already defined')."""
    entries: list[tuple[LoadedProfile, str, int, AddressRange]] = []
    seen_pools: set[str | None] = set()
    for loaded in creators:
        metallb = _metallb(loaded)
        if metallb.address_pool in seen_pools:
            continue  # the same pool again: identical or already refused above
        seen_pools.add(metallb.address_pool)
        pool = metallb.address_pool or ""
        for index, entry in enumerate(metallb.pool_ranges):
            for other, other_pool, other_index, other_entry in entries:
                if entry.overlaps(other_entry):
                    yield loaded.problem(
                        (*METALLB, "addresses", index),
                        f"{entry.text!r} of pool {pool!r} overlaps {other_entry.text!r} of pool "
                        f"{other_pool!r} in "
                        f"{_elsewhere(other, (*METALLB, 'addresses', other_index))}; MetalLB "
                        "refuses pools whose addresses overlap",
                    )
            entries.append((loaded, pool, index, entry))


def _services_fit_pools_of_the_run(
    profiles: Sequence[LoadedProfile], creators: Sequence[LoadedProfile]
) -> Iterator[Problem]:
    """A Service asking for a pool that another profile of the run creates must fit it."""
    pools: dict[str | None, LoadedProfile] = {}
    for loaded in creators:
        pools.setdefault(_metallb(loaded).address_pool, loaded)
    for loaded in profiles:
        metallb = _metallb(loaded)
        owner = pools.get(metallb.address_pool)
        if owner is None or metallb.pool_is_created:
            continue  # unknown pool, or the profile's own (checked at load)
        addresses = _metallb(owner).addresses or []
        pool_path = (*METALLB, "addresses")
        for index, ip in enumerate(metallb.pinned_ips):
            if not any(entry.contains(ip) for entry in _metallb(owner).pool_ranges):
                yield loaded.problem(
                    (*METALLB, "loadBalancerIPs", index),
                    f"{ip} is outside pool {metallb.address_pool!r} ({', '.join(addresses)}), "
                    f"created by {_elsewhere(owner, pool_path)}; MetalLB would leave the "
                    "Service pending",
                )
            elif _metallb(owner).avoid_buggy_ips and confuses_buggy_firmware(ip):
                yield loaded.problem(
                    (*METALLB, "loadBalancerIPs", index),
                    f"{ip} ends in .{int(ip) & 0xFF}, and pool {metallb.address_pool!r} has "
                    f"avoidBuggyIPs: true in {_elsewhere(owner, (*METALLB, 'avoidBuggyIPs'))}, so "
                    "MetalLB's allocator never hands it out and the Service stays pending; pin "
                    "another address",
                )
        allowed = allocation_namespaces(owner)
        namespace = loaded.profile.metadata.namespace
        if allowed is not None and namespace not in allowed:
            yield loaded.problem(
                (*METALLB, "addressPool"),
                f"pool {metallb.address_pool!r} is restricted to namespace {allowed[0]!r} by "
                f"{_elsewhere(owner, (*METALLB, 'restrictToNamespace'))}, and this Service is "
                f"in {namespace!r}; MetalLB would leave it pending",
            )


# A broken sharing rule: the field to point at, the rule in words, and what differs.
Broken = tuple[FieldPath, str, str] | None
SharingRule = Callable[[LoadedProfile, LoadedProfile], Broken]


def _same_key(a: LoadedProfile, b: LoadedProfile) -> Broken:
    key_a, key_b = _metallb(a).shared_ip_key, _metallb(b).shared_ip_key
    if key_a is not None and key_a == key_b:
        return None
    shown = {k: "none" if k is None else repr(k) for k in (key_a, key_b)}
    return (
        (*METALLB, "sharedIPKey"),
        "both carry the same sharedIPKey",
        f"here {shown[key_a]}, there {shown[key_b]}",
    )


def _disjoint_ports(a: LoadedProfile, b: LoadedProfile) -> Broken:
    port_a: int = a.profile.spec.service.port
    port_b: int = b.profile.spec.service.port
    if port_a != port_b:
        return None
    return (
        ("spec", "service", "port"),
        "their (protocol, port) pairs differ",
        f"both use TCP/{port_a}",
    )


def _same_policy(a: LoadedProfile, b: LoadedProfile) -> Broken:
    policy_a, policy_b = _metallb(a).external_traffic_policy, _metallb(b).external_traffic_policy
    if policy_a == policy_b:
        return None
    return (
        (*METALLB, "externalTrafficPolicy"),
        "both have the same externalTrafficPolicy",
        f"here {policy_a}, there {policy_b}",
    )


def _same_local_selector(a: LoadedProfile, b: LoadedProfile) -> Broken:
    policies = {_metallb(a).external_traffic_policy, _metallb(b).external_traffic_policy}
    if policies != {"Local"}:
        return None  # Cluster services share freely; a Local/Cluster mix is _same_policy's
    selector_a, selector_b = a.profile.spec.service.selector, b.profile.spec.service.selector
    if selector_a == selector_b:
        return None
    return (
        ("spec", "service", "selector"),
        "with externalTrafficPolicy Local, both have identical selectors (the IP is announced "
        "only from nodes running the selected pods)",
        f"here {selector_a}, there {selector_b}",
    )


SHARING_RULES: tuple[SharingRule, ...] = (
    _same_key,
    _disjoint_ports,
    _same_policy,
    _same_local_selector,
)


def _shared_ips(profiles: Sequence[LoadedProfile]) -> Iterator[Problem]:
    """Two Services may pin one IP only under MetalLB's sharing rules (metallb.md 2.5)."""
    pinned: dict[IP, list[tuple[LoadedProfile, int]]] = defaultdict(list)
    for loaded in profiles:
        for index, ip in enumerate(_metallb(loaded).pinned_ips):
            pinned[ip].append((loaded, index))
    for ip, users in pinned.items():
        for position, (loaded, _) in enumerate(users):
            for other, other_index in users[:position]:
                there = _elsewhere(other, (*METALLB, "loadBalancerIPs", other_index))
                for rule in SHARING_RULES:
                    broken = rule(loaded, other)
                    if broken is not None:
                        path, rule_text, detail = broken
                        yield loaded.problem(
                            path,
                            f"IP sharing: {ip} is also pinned by {there}, and MetalLB shares an "
                            f"IP only when {rule_text} ({detail}); otherwise one Service stays "
                            "pending",
                        )
