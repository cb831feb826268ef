"""Kubernetes' string formats (apimachinery's validators), as plain predicates.

Every pattern is matched with re.fullmatch: Python's `$` would accept a trailing
newline that the Go (RE2) originals refuse. Lengths are in bytes, as in Go.
"""

from __future__ import annotations

import ipaddress
import re

_DNS1123_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_DNS1123_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_DNS1035_LABEL = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")
_QUALIFIED_NAME_PART = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
_LABEL_VALUE = re.compile(r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?")
_IANA_PORT_NAME = re.compile(r"[-a-z0-9]+")

DNS1123_LABEL_MAX = 63
DNS1123_SUBDOMAIN_MAX = 253
QUALIFIED_NAME_MAX = 63
TOTAL_ANNOTATION_SIZE_MAX = 256 * 1024


def _size(value: str) -> int:
    return len(value.encode("utf-8"))


def is_dns1123_label(value: str) -> bool:
    return _size(value) <= DNS1123_LABEL_MAX and bool(_DNS1123_LABEL.fullmatch(value))


def is_dns1123_subdomain(value: str) -> bool:
    return _size(value) <= DNS1123_SUBDOMAIN_MAX and bool(_DNS1123_SUBDOMAIN.fullmatch(value))


def is_dns1035_label(value: str) -> bool:
    return _size(value) <= DNS1123_LABEL_MAX and bool(_DNS1035_LABEL.fullmatch(value))


def is_wildcard_dns1123_subdomain(value: str) -> bool:
    return (
        value.startswith("*.")
        and _size(value) <= DNS1123_SUBDOMAIN_MAX
        and bool(_DNS1123_SUBDOMAIN.fullmatch(value[2:]))
    )


def is_qualified_name(value: str) -> bool:
    """A label key: an optional DNS-1123 subdomain prefix and '/', then a name of <= 63."""
    prefix, slash, name = value.rpartition("/")
    if slash and (not prefix or "/" in prefix or not is_dns1123_subdomain(prefix)):
        return False
    return 0 < _size(name) <= QUALIFIED_NAME_MAX and bool(_QUALIFIED_NAME_PART.fullmatch(name))


def is_label_value(value: str) -> bool:
    return _size(value) <= QUALIFIED_NAME_MAX and bool(_LABEL_VALUE.fullmatch(value))


def is_annotation_key(value: str) -> bool:
    # The API server lower-cases annotation keys before checking them.
    return is_qualified_name(value.lower())


def is_port_number(value: int) -> bool:
    return 1 <= value <= 65535


def is_iana_port_name(value: str) -> bool:
    return (
        len(value) <= 15
        and bool(_IANA_PORT_NAME.fullmatch(value))
        and any("a" <= c <= "z" for c in value)
        and "--" not in value
        and not value.startswith("-")
        and not value.endswith("-")
    )


# Only text of ASCII digits and dots (IPv4) or with a ':' (IPv6) can be an address: asking
# ipaddress about a DNS name costs two raised exceptions.
_MAYBE_IPV4 = re.compile(r"[0-9.]+")


def is_ip_address(value: str) -> bool:
    if ":" not in value and not _MAYBE_IPV4.fullmatch(value):
        return False
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def looks_like_sloppy_ipv4(value: str) -> bool:
    """Go's ParseIPSloppy also reads '010.001.002.003' as an IPv4 address."""
    parts = value.split(".")
    return len(parts) == 4 and all(p.isdigit() and int(p) <= 255 for p in parts)


_SANITIZE = re.compile(r"[^a-z0-9-]+")


def to_dns1123_label(value: str) -> str:
    """Lower-case a free-form name and replace what a DNS-1123 label cannot hold with '-'."""
    lowered = _SANITIZE.sub("-", value.lower())
    return re.sub("-{2,}", "-", lowered).strip("-")
