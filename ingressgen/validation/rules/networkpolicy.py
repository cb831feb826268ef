"""NetworkPolicy rules (networking/validation: ValidateNetworkPolicySpec, ValidateNetworkPolicyPort,
ValidateNetworkPolicyPeer, ValidateIPBlock; k8s_validation_rules.md section 6).

CIDRs are read like the API server's legacy fields (addresses.py): leading zeros and bits set
after the prefix are accepted before Kubernetes 1.36 and refused from 1.36
(StrictIPCIDRValidation).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from typing import Any

from ingressgen.validation.rules import predicates
from ingressgen.validation.rules.addresses import legacy_cidr_problem, parse_ip_sloppy
from ingressgen.validation.rules.base import (
    IANA_PORT_NAME,
    PORT_NUMBER,
    RuleContext,
    Violation,
    integer,
    invalid,
    items,
    one_of,
    rule,
    sequence,
    spec,
)
from ingressgen.validation.rules.workloads import selector_violations

FieldPath = tuple[str | int, ...]

KINDS = ("networking.k8s.io/NetworkPolicy",)
PROTOCOLS = ("TCP", "UDP", "SCTP")
POLICY_TYPES = ("Ingress", "Egress")
PEER_SELECTORS = ("podSelector", "namespaceSelector")
DIRECTIONS = (("ingress", "from"), ("egress", "to"))


def _rules(obj: dict[str, Any]) -> Iterator[tuple[FieldPath, str, dict[str, Any]]]:
    """(path, peer field, rule) for each ingress and egress rule."""
    body = spec(obj)
    for direction, peers in DIRECTIONS:
        for index, entry in items(body.get(direction)):
            yield ("spec", direction, index), peers, entry


def _peers(obj: dict[str, Any]) -> Iterator[tuple[FieldPath, dict[str, Any]]]:
    for where, peers, entry in _rules(obj):
        for index, peer in items(entry.get(peers)):
            yield (*where, peers, index), peer


@rule("networkpolicy-pod-selector", kinds=KINDS)
def check_pod_selector(obj: dict[str, Any], context: RuleContext) -> Iterator[Violation]:
    """`spec.podSelector` is a valid label selector (`{}` selects every pod of the namespace):
    label keys and values, In and NotIn with values, Exists and DoesNotExist without.
    (networking/validation: ValidateNetworkPolicySpec.)
    """
    selector = spec(obj).get("podSelector")
    if isinstance(selector, dict):
        yield from selector_violations(selector, ("spec", "podSelector"))


@rule("networkpolicy-peers", kinds=KINDS)
def check_peers(obj: dict[str, Any], context: RuleContext) -> Iterator[Violation]:
    """Each `from`/`to` peer sets at least one of `podSelector`, `namespaceSelector` or `ipBlock`
    (`{}` is not a peer: leave `from` out to allow every source), `ipBlock` is not combined with
    the others, and the selectors are valid. (networking/validation: ValidateNetworkPolicyPeer.)
    """
    for where, peer in _peers(obj):
        present = [f for f in (*PEER_SELECTORS, "ipBlock") if peer.get(f) is not None]
        if not present:
            yield where, "required: podSelector, namespaceSelector or ipBlock"
        elif "ipBlock" in present and len(present) > 1:
            yield where, "ipBlock may not be combined with podSelector or namespaceSelector"
        for field in PEER_SELECTORS:
            selector = peer.get(field)
            if isinstance(selector, dict):
                yield from selector_violations(selector, (*where, field))


def _go_network(text: str) -> tuple[int, int, int] | None:
    """ParseCIDRSloppy as Go's IPNet sees it: (address length in bytes, masked address as an
    integer, prefix length). An IPv4-mapped IPv6 address counts as IPv4 when contained."""
    if legacy_cidr_problem(text, strict=False) is not None:
        return None
    address, _, prefix = text.partition("/")
    ip = parse_ip_sloppy(address)
    assert ip is not None  # legacy_cidr_problem parsed it
    network = ipaddress.ip_network(f"{ip}/{int(prefix)}", strict=False)
    return len(ip.packed), int(network.network_address), network.prefixlen


def _contains(outer: tuple[int, int, int], inner: tuple[int, int, int]) -> bool:
    """net.IPNet.Contains(inner's address), as Go computes it."""
    size, address, prefix = outer
    inner_size, inner_address, _ = inner
    if inner_size == 16 and inner_address >> 32 == 0xFFFF:  # To4() of a mapped address
        inner_size, inner_address = 4, inner_address & 0xFFFFFFFF
    if inner_size != size:
        return False
    shift = size * 8 - prefix
    return address >> shift == inner_address >> shift


@rule("networkpolicy-ip-block", kinds=KINDS)
def check_ip_blocks(obj: dict[str, Any], context: RuleContext) -> Iterator[Violation]:
    """`ipBlock.cidr` is required and a CIDR (`10.0.0.0/33` or `10.0.0/8` are refused; from
    Kubernetes 1.36 also leading zeros and bits after the prefix, `10.1.2.3/8`). Each `except`
    entry is a CIDR strictly inside `cidr`: contained in it, with a longer prefix.
    (networking/validation: ValidateIPBlock.)
    """
    for where, peer in _peers(obj):
        block = peer.get("ipBlock")
        if not isinstance(block, dict):
            continue
        at: FieldPath = (*where, "ipBlock")
        cidr = block.get("cidr")
        if not cidr:
            yield (*at, "cidr"), "required: a CIDR such as 10.0.0.0/16"
            continue
        if not isinstance(cidr, str):
            continue
        problem = legacy_cidr_problem(cidr, strict=context.strict_ip_cidr)
        if problem:
            yield (*at, "cidr"), f"{cidr!r} {problem}"
        outer = _go_network(cidr)
        for index, entry in enumerate(sequence(block.get("except"))):
            if not isinstance(entry, str):
                continue
            problem = legacy_cidr_problem(entry, strict=context.strict_ip_cidr)
            if problem:
                yield (*at, "except", index), f"{entry!r} {problem}"
            inner = _go_network(entry)
            if outer is None or inner is None:
                continue
            if not _contains(outer, inner) or outer[2] >= inner[2]:
                yield (
                    (*at, "except", index),
                    f"{entry!r} is not valid: must be a strict subset of cidr {cidr!r} (inside "
                    "it, with a longer prefix)",
                )


@rule("networkpolicy-ports", kinds=KINDS)
def check_ports(obj: dict[str, Any], context: RuleContext) -> Iterator[Violation]:
    """`protocol` is TCP, UDP or SCTP (TCP when left out); `port` is a number 1..65535 or a port
    name (a quoted "80" is a name, and invalid); `endPort` needs a numeric `port`, is 1..65535
    and at least `port`. (networking/validation: ValidateNetworkPolicyPort.)
    """
    for where, _, entry in _rules(obj):
        for index, port in items(entry.get("ports")):
            at: FieldPath = (*where, "ports", index)
            protocol = port.get("protocol")
            if isinstance(protocol, str) and protocol not in PROTOCOLS:
                yield (*at, "protocol"), one_of(protocol, PROTOCOLS)
            number = port.get("port")
            end = integer(port.get("endPort"))
            if isinstance(number, str):
                if not predicates.is_iana_port_name(number):
                    yield (*at, "port"), invalid(number, f"{PORT_NUMBER} or {IANA_PORT_NAME}")
                if end is not None:
                    yield (*at, "endPort"), "may only be set when port is a number"
                continue
            start = integer(number)
            if start is not None and not predicates.is_port_number(start):
                yield (*at, "port"), invalid(start, PORT_NUMBER)
            if end is None:
                continue
            if number is None:
                yield (*at, "endPort"), "may only be set together with port"
                continue
            if start is not None and end < start:
                yield (*at, "endPort"), invalid(end, f"a port >= port ({start})")
            if not predicates.is_port_number(end):
                yield (*at, "endPort"), invalid(end, PORT_NUMBER)


@rule("networkpolicy-policy-types", kinds=KINDS)
def check_policy_types(obj: dict[str, Any], context: RuleContext) -> Iterator[Violation]:
    """`policyTypes` has at most two entries, each Ingress or Egress (case-sensitive).
    (networking/validation: ValidateNetworkPolicySpec.)
    """
    types = sequence(spec(obj).get("policyTypes"))
    if len(types) > len(POLICY_TYPES):
        yield ("spec", "policyTypes"), f"may have at most {len(POLICY_TYPES)} entries"
        return
    for index, value in enumerate(types):
        if isinstance(value, str) and value not in POLICY_TYPES:
            yield ("spec", "policyTypes", index), one_of(value, POLICY_TYPES)
