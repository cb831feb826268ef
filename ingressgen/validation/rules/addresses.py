"""IP and CIDR checks with the API server's semantics (apimachinery `ip.go`, k8s.io/utils/net).

The API server parses legacy fields with Go's old "sloppy" parser: an IPv4 part may carry
leading zeros (`010.001.002.003` is 10.1.2.3) and an IPv6 address may embed such an IPv4 address.
From Kubernetes 1.36 (StrictIPCIDRValidation on by default) the legacy check is strict: no leading
zeros, no IPv4-mapped IPv6 addresses and, for CIDRs, no bits set after the prefix. Python's
`ipaddress` refuses leading zeros and accepts zone ids, so it cannot be used as it is.
"""

from __future__ import annotations

import ipaddress
import re

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_DIGITS = re.compile(r"[0-9]+")


def _sloppy_ipv4(text: str) -> ipaddress.IPv4Address | None:
    parts = text.split(".")
    if len(parts) != 4 or not all(_DIGITS.fullmatch(p) for p in parts):
        return None
    numbers = [int(p) for p in parts]
    if any(n > 255 for n in numbers):
        return None
    return ipaddress.IPv4Address(".".join(str(n) for n in numbers))


def parse_ip_sloppy(text: str) -> IPAddress | None:
    """Go's ParseIPSloppy: None when the API server would not read `text` as an IP at all."""
    if ":" not in text:
        return _sloppy_ipv4(text)
    if "%" in text:  # Go never accepts a zone here; Python does
        return None
    head, _, tail = text.rpartition(":")
    if "." in tail:
        embedded = _sloppy_ipv4(tail)
        if embedded is None:
            return None
        text = f"{head}:{embedded}"
    try:
        return ipaddress.IPv6Address(text)
    except ValueError:
        return None


def _has_leading_zero(text: str) -> bool:
    tail = text.rpartition(":")[2]  # IPv6 groups are hex and may be zero-padded; only IPv4 parts
    return "." in tail and any(len(p) > 1 and p.startswith("0") for p in tail.split("."))


def _is_mapped(ip: IPAddress) -> bool:
    return isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None


def legacy_ip_problem(text: str, *, strict: bool) -> str | None:
    """Why `text` fails IsValidIPForLegacyField, or None when it passes."""
    ip = parse_ip_sloppy(text)
    if ip is None:
        return "must be a valid IP address, e.g. 192.0.2.10 or 2001:db8::10"
    if strict and _has_leading_zero(text):
        return "must not have leading zeros in an IPv4 part (Kubernetes 1.36 and later)"
    if strict and _is_mapped(ip):
        return (
            "must not be an IPv4-mapped IPv6 address; write the plain IPv4 address "
            "(Kubernetes 1.36 and later)"
        )
    return None


def legacy_cidr_problem(text: str, *, strict: bool) -> str | None:
    """Why `text` fails IsValidCIDRForLegacyField, or None when it passes."""
    address, slash, prefix = text.partition("/")
    ip = parse_ip_sloppy(address) if slash else None
    bits = 32 if isinstance(ip, ipaddress.IPv4Address) else 128
    if ip is None or not _DIGITS.fullmatch(prefix) or int(prefix) > bits:
        return "must be a valid CIDR, e.g. 192.0.2.0/24 or 2001:db8::/64"
    if not strict:
        return None
    if _has_leading_zero(address) or (len(prefix) > 1 and prefix.startswith("0")):
        return (
            "must not have leading zeros in the address or the prefix (Kubernetes 1.36 and later)"
        )
    if _is_mapped(ip):
        return "must not use an IPv4-mapped IPv6 address (Kubernetes 1.36 and later)"
    network = ipaddress.ip_network(f"{ip}/{int(prefix)}", strict=False)
    if network.network_address != ip:
        return (
            f"must not have bits set after the prefix length; did you mean {network}? "
            "(Kubernetes 1.36 and later)"
        )
    return None


def special_ip_problem(ip: IPAddress) -> str | None:
    """External IPs may not be unspecified, loopback or link-local (Go's net.IP predicates)."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # Go's predicates look at the IPv4 address inside a mapped one
    if ip.is_unspecified:
        return "must not be the unspecified address"
    if ip.is_loopback:
        return "must not be a loopback address"
    if isinstance(ip, ipaddress.IPv4Address):
        link_local = ip in _IPV4_LINK_LOCAL
        multicast = ip in _IPV4_LINK_LOCAL_MULTICAST
    else:
        packed = ip.packed
        link_local = ip in _IPV6_LINK_LOCAL
        multicast = packed[0] == 0xFF and packed[1] & 0x0F == 0x02
    if link_local:
        return "must not be a link-local address"
    if multicast:
        return "must not be a link-local multicast address"
    return None


_IPV4_LINK_LOCAL = ipaddress.IPv4Network("169.254.0.0/16")
_IPV4_LINK_LOCAL_MULTICAST = ipaddress.IPv4Network("224.0.0.0/24")
_IPV6_LINK_LOCAL = ipaddress.IPv6Network("fe80::/10")
