"""The `spec.metallb` section: MetalLB's value formats, read with MetalLB's own rules
(internal/config, internal/bgp/community), and the models that use them.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from dataclasses import dataclass
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, PlainValidator, WithJsonSchema

from ingressgen.profile_types import (
    DNS1035Label,
    DNS1123Label,
    DNS1123Subdomain,
    Duration,
    IPAddress,
    LabelKey,
    Labels,
    LabelValue,
    QualifiedName,
    StrictModel,
    bounded_int,
    checked,
)

METALLB_ANNOTATION_RENAME_VERSION = (0, 14, 9)

_SEMVER = re.compile(r"v?([0-9]+)\.([0-9]+)\.([0-9]+)")


def _validate_metallb_version(value: Any) -> str:
    if not isinstance(value, str) or not _SEMVER.fullmatch(value):
        raise ValueError(
            f"{value!r} is not valid: expected MetalLB's release as a quoted string "
            'X.Y.Z, e.g. "0.14.9"'
        )
    return value


MetalLBVersion = Annotated[
    str,
    PlainValidator(_validate_metallb_version),
    WithJsonSchema({"type": "string", "pattern": r"^v?[0-9]+\.[0-9]+\.[0-9]+$"}),
]


IP = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class AddressRange:
    """One pool entry, a CIDR or 'start-end', as the interval of addresses it holds."""

    text: str
    version: int
    first: int
    last: int
    # MetalLB turns a range into the CIDRs that cover it exactly and keeps the shortest prefix
    # among them (for the aggregation-length check); a CIDR is its own prefix.
    least_specific_prefix: int

    def overlaps(self, other: AddressRange) -> bool:
        return (
            self.version == other.version and self.first <= other.last and other.first <= self.last
        )

    def contains(self, ip: IP) -> bool:
        return self.version == ip.version and self.first <= int(ip) <= self.last


# Remembered: many profiles share a pool, and every one of them names its addresses (the
# result is immutable, and an entry that does not parse is never stored).
@functools.lru_cache(maxsize=4096)
def parse_address_range(text: str) -> AddressRange:
    """Parse one MetalLB pool entry: a CIDR, or 'start-end' (MetalLB's ParseCIDR rules).

    The only place a pool entry is parsed: the profile's validator calls it, and the MetalLB
    section keeps the result (`MetalLB.pool_ranges`) for every rule and template that needs it.
    """
    if "%" in text:
        # Python's ipaddress accepts an IPv6 zone ('fe80::1%eth0/64'); Go's net.ParseCIDR and
        # net.ParseIP, which MetalLB's ParseCIDR calls, refuse it.
        raise ValueError(
            f"invalid CIDR {text!r}: MetalLB (Go's net.ParseCIDR) refuses an IPv6 zone ('%...'); "
            "write the prefix without it, e.g. fe80::/64"
        )
    if "-" in text:
        start_text, end_text = (part.strip() for part in text.split("-", 1))
        try:
            start = ipaddress.ip_address(start_text)
            end = ipaddress.ip_address(end_text)
        except ValueError as err:
            raise ValueError(f"invalid IP range {text!r}: {err}") from None
        if start.version != end.version:
            raise ValueError(f"invalid IP range {text!r}: both ends must be of one IP family")
        if start > end:  # type: ignore[operator]
            raise ValueError(
                f"invalid IP range {text!r}: start IP {start} is after the end IP {end}"
            )
        networks = ipaddress.summarize_address_range(start, end)
        prefix = min(n.prefixlen for n in networks)
        return AddressRange(text, start.version, int(start), int(end), prefix)
    if "/" not in text:
        try:
            host_bits = 32 if ipaddress.ip_address(text).version == 4 else 128
        except ValueError:
            raise ValueError(
                f"invalid CIDR {text!r}: expected e.g. 203.0.113.0/24, or a range "
                "203.0.113.10-203.0.113.20"
            ) from None
        raise ValueError(
            f"{text!r} is a bare IP: MetalLB needs a CIDR ({text}/{host_bits}) "
            f"or a range ({text}-{text})"
        )
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise ValueError(
            f"invalid CIDR {text!r}: expected e.g. 203.0.113.0/24, or a range "
            "203.0.113.10-203.0.113.20"
        ) from None
    return AddressRange(
        text,
        network.version,
        int(network.network_address),
        int(network.broadcast_address),
        network.prefixlen,
    )


def _validate_address(value: str) -> str:
    parse_address_range(value)
    return value


PoolAddress = Annotated[str, AfterValidator(_validate_address)]

_DECIMAL = re.compile(r"[0-9]+")


def _decimals_fit(fields: list[str], bits: int) -> bool:
    # Go's strconv.ParseUint(s, 10, bits): digits only (no sign, no '_'), value < 2**bits.
    return all(_DECIMAL.fullmatch(f) and int(f) < 2**bits for f in fields)


def community_kind(text: str) -> Literal["standard", "large", "alias"]:
    """Classify a BGP community the way MetalLB reads it; ValueError where MetalLB refuses it.

    Two ':'-separated parts are a standard community, four starting with 'large' a
    large one; anything else is taken by MetalLB as the name of a Community alias.
    """
    parts = text.split(":")
    if len(parts) == 2:
        if _decimals_fit(parts, 16):
            return "standard"
        raise ValueError(
            f"{text!r} is not a valid community: AA:NN takes two numbers, each 0..65535"
        )
    if len(parts) == 4:
        if parts[0] == "large" and _decimals_fit(parts[1:], 32):
            return "large"
        raise ValueError(
            f"{text!r} is not a valid large community: large:X:Y:Z takes three numbers, "
            "each 0..4294967295"
        )
    if not text or ":" in text or any(c.isspace() or not c.isprintable() for c in text):
        raise ValueError(
            f"{text!r} is not valid: a BGP community is AA:NN (two numbers 0..65535), "
            "large:X:Y:Z (three numbers 0..4294967295) or the name of an alias defined in a "
            "MetalLB Community object (no ':' and no spaces)"
        )
    return "alias"


def _validate_community(value: str) -> str:
    community_kind(value)
    return value


Community = Annotated[str, AfterValidator(_validate_community)]


def _is_interface_name(value: str) -> bool:
    # The kernel's dev_valid_name: 1..15 bytes, not '.' or '..', no '/', ':' or white space.
    return (
        0 < len(value.encode()) <= 15
        and value not in (".", "..")
        and not any(c in "/:" or c.isspace() or not c.isprintable() for c in value)
    )


InterfaceName = Annotated[
    str,
    AfterValidator(
        checked(
            _is_interface_name,
            "a network interface name: 1 to 15 characters, no '/', ':' or spaces",
        )
    ),
]


def _is_sharing_key(value: str) -> bool:
    return 0 < len(value) <= 253 and not any(c.isspace() or not c.isprintable() for c in value)


SharingKey = Annotated[
    str,
    AfterValidator(
        checked(_is_sharing_key, "a non-empty key of at most 253 characters, without spaces")
    ),
]
ASN = bounded_int(1, 4294967295, "AS number")


class LabelSelectorRequirement(StrictModel):
    """One matchExpressions entry of a Kubernetes label selector."""

    key: LabelKey = Field(description="The label key.")
    operator: Literal["In", "NotIn", "Exists", "DoesNotExist"] = Field(
        description="In and NotIn need values; Exists and DoesNotExist take none."
    )
    values: list[LabelValue] | None = Field(default=None, description="Label values.")


class LabelSelector(StrictModel):
    """A Kubernetes label selector, as MetalLB's nodeSelectors take it."""

    match_labels: Labels | None = Field(default=None, description="Labels a node must carry.")
    match_expressions: list[LabelSelectorRequirement] | None = Field(
        default=None, description="Set-based requirements."
    )


class BGPPeer(StrictModel):
    """A MetalLB BGPPeer (metallb.io/v1beta2), with MetalLB's own field names.

    There is deliberately no `password` field: a profile never holds a secret. The
    password lives in a kubernetes.io/basic-auth Secret in MetalLB's namespace,
    named by `passwordSecret`.
    """

    name: DNS1123Subdomain = Field(description="The BGPPeer object's name.")
    my_asn: ASN = Field(alias="myASN", description="The AS number MetalLB speaks as.")  # type: ignore[valid-type]
    peer_asn: ASN | None = Field(  # type: ignore[valid-type]
        default=None, alias="peerASN", description="The router's AS number (or dynamicASN)."
    )
    dynamic_asn: Literal["internal", "external"] | None = Field(
        default=None, alias="dynamicASN", description="Detect the peer's AS (FRR modes only)."
    )
    peer_address: IPAddress = Field(description="The router's IP address.")
    peer_port: bounded_int(1, 16384, "BGP port") | None = Field(  # type: ignore[valid-type]
        default=None, description="The router's port; MetalLB's default is 179."
    )
    source_address: IPAddress | None = Field(default=None, description="Local address to use.")
    router_id: IPAddress | None = Field(
        default=None, alias="routerID", description="BGP router ID (an IPv4 address)."
    )
    hold_time: Duration | None = Field(default=None, description="BGP hold time, 0 or >= 3s.")
    keepalive_time: Duration | None = Field(
        default=None, description="BGP keepalive, at most the hold time."
    )
    connect_time: Duration | None = Field(
        default=None, description="Retry interval, 1s..65535s in whole seconds (FRR modes)."
    )
    ebgp_multi_hop: bool | None = Field(
        default=None, description="The eBGP peer is several hops away (not for iBGP)."
    )
    password_secret: DNS1123Subdomain | None = Field(
        default=None,
        description="An EXISTING kubernetes.io/basic-auth Secret in MetalLB's namespace holding "
        "the key 'password'; never a literal password.",
    )
    bfd_profile: DNS1123Subdomain | None = Field(
        default=None, description="An existing BFDProfile's name (FRR modes)."
    )
    node_selectors: list[LabelSelector] | None = Field(
        default=None, min_length=1, description="Nodes that peer with this router."
    )
    vrf: InterfaceName | None = Field(default=None, description="VRF to peer in (FRR modes).")
    enable_graceful_restart: bool | None = Field(
        default=None, description="BGP graceful restart (FRR modes); immutable once created."
    )
    dual_stack_address_family: bool | None = Field(
        default=None, description="Both address families on one session (FRR-K8s mode)."
    )


class MetalLB(StrictModel):
    namespace: DNS1123Label = Field(
        default="metallb-system", description="Where MetalLB's own objects go."
    )
    version: MetalLBVersion | None = Field(
        default=None, description="MetalLB in the cluster; picks the annotation prefix."
    )
    address_pool: DNS1123Subdomain | None = Field(default=None, description="IPAddressPool name.")
    create_pool: bool | None = Field(
        default=None, description="Emit the IPAddressPool and its advertisement."
    )
    addresses: list[PoolAddress] | None = Field(
        default=None, description="CIDRs or 'a-b' ranges for the pool."
    )
    load_balancer_ips: list[IPAddress] | None = Field(
        default=None,
        alias="loadBalancerIPs",
        description="Pinned IPs, at most one per IP family.",
    )
    advertisement: Literal["l2", "bgp"] = Field(default="l2", description="l2 or bgp.")
    external_traffic_policy: Literal["Local", "Cluster"] = Field(
        default="Local", description="Local keeps the client IP."
    )
    session_affinity_timeout_seconds: bounded_int(1, 86400, "timeout in seconds") = Field(  # type: ignore[valid-type]
        default=10800, description="ClientIP affinity timeout, with websocket.sessionAffinity."
    )
    service_name: DNS1035Label | None = Field(
        default=None, description="The generated LoadBalancer Service; default <name>-lb."
    )
    allocate_load_balancer_node_ports: bool = Field(
        default=False,
        description="NodePorts for the Service; off by default because MetalLB does not use them.",
    )
    load_balancer_class: QualifiedName | None = Field(
        default=None, description="spec.loadBalancerClass; must equal MetalLB's --lb-class."
    )
    shared_ip_key: SharingKey | None = Field(
        default=None,
        alias="sharedIPKey",
        description="allow-shared-ip key: Services with the same key may share a pinned IP.",
    )
    auto_assign: bool | None = Field(
        default=None,
        description="Pool: hand its IPs to any Service; default false when IPs are pinned.",
    )
    avoid_buggy_ips: bool | None = Field(
        default=None,
        alias="avoidBuggyIPs",
        description="Pool: skip IPv4 addresses ending in .0 or .255.",
    )
    restrict_to_namespace: bool | None = Field(
        default=None,
        description="Pool: serviceAllocation.namespaces = [metadata.namespace] when true.",
    )
    node_selectors: list[LabelSelector] | None = Field(
        default=None, min_length=1, description="Advertisement: nodes that may announce the IPs."
    )
    interfaces: list[InterfaceName] | None = Field(
        default=None, min_length=1, description="L2Advertisement: announce only on these."
    )
    aggregation_length: bounded_int(1, 32, "IPv4 prefix length") | None = Field(  # type: ignore[valid-type]
        default=None, description="BGPAdvertisement: IPv4 prefix length announced; default 32."
    )
    aggregation_length_v6: bounded_int(1, 128, "IPv6 prefix length") | None = Field(  # type: ignore[valid-type]
        default=None, description="BGPAdvertisement: IPv6 prefix length announced; default 128."
    )
    local_pref: bounded_int(0, 2147483647, "LOCAL_PREF value") | None = Field(  # type: ignore[valid-type]
        default=None, description="BGPAdvertisement: LOCAL_PREF for iBGP peers."
    )
    communities: list[Community] | None = Field(
        default=None,
        min_length=1,
        description="BGPAdvertisement: AA:NN, large:X:Y:Z or Community alias names.",
    )
    peers: list[BGPPeer] | None = Field(
        default=None,
        min_length=1,
        description="BGPPeer objects to create; the BGPAdvertisement announces to them alone.",
    )

    @property
    def pool_is_created(self) -> bool:
        if self.create_pool is not None:
            return self.create_pool
        return self.addresses is not None

    @cached_property
    def pool_ranges(self) -> tuple[AddressRange, ...]:
        """`addresses`, parsed once for every rule and template that needs the intervals."""
        return tuple(parse_address_range(entry) for entry in self.addresses or [])

    @cached_property
    def pinned_ips(self) -> tuple[IP, ...]:
        """`loadBalancerIPs`, parsed once."""
        return tuple(ipaddress.ip_address(text) for text in self.load_balancer_ips or [])

    def version_tuple(self) -> tuple[int, int, int] | None:
        if self.version is None:
            return None
        match = _SEMVER.fullmatch(self.version)
        assert match is not None  # checked by the field validator
        major, minor, patch = (int(g) for g in match.groups())
        return (major, minor, patch)
