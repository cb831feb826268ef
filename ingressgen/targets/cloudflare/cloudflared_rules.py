"""The rules cloudflared applies to a config's `ingress` list before it starts (V1-V13).

Each rule below carries the number it has in the project's cloudflared reference (section 1.6)
and the error text cloudflared prints, so a violation reads the way cloudflared would report it.
cloudflared checks a rule's service first (V2-V7), then `originRequest.access` (V8), then its
hostname (V9-V12), then its path (V13), and stops at the first error of the whole list; this
checker reports the first error of every rule, so one run shows all of them.

Not checked, because cloudflared does not check them either: duplicate hostnames, rules that
can never match (other than a catch-all placed too early), unix socket paths, `ipRules` on
services other than `socks-proxy` (cloudflared drops them), `*example.com` without a dot.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ingressgen.errors import format_field_path
from ingressgen.golang.net import GoURLError, parse_url, split_host_port_ok
from ingressgen.golang.regexp import regexp_error

_GO_INT = re.compile(r"[+-]?[0-9]+")
_INT64_MAX = 2**63 - 1


@dataclass(frozen=True)
class Violation:
    """One rule cloudflared would refuse: which rule, which field of it, and cloudflared's words."""

    code: str  # V1..V13, as numbered in the reference
    rule: int | None  # 0-based index in `ingress`; None for the list as a whole
    field: tuple[str, ...]  # the field of the rule at fault, e.g. ("originRequest", "access")
    message: str

    def __str__(self) -> str:
        where = ("ingress",) if self.rule is None else ("ingress", self.rule)
        return f"{format_field_path((*where, *self.field))}: {self.message} ({self.code})"


def check_ingress(
    ingress: Sequence[Mapping[str, Any]] | None, defaults: Mapping[str, Any] | None = None
) -> list[Violation]:
    """Every violation cloudflared would report for this `ingress` list, one per rule at most.

    `defaults` is the config's top-level `originRequest`, which only matters for bastionMode.
    """
    if not ingress:
        return [Violation("V1", None, (), "The config file doesn't contain any ingress rules")]
    violations = []
    for index, rule in enumerate(ingress):
        found = _check_rule(index, rule, len(ingress), defaults or {})
        if found is not None:
            violations.append(found)
    return violations


def _text(rule: Mapping[str, Any], key: str) -> str:
    value = rule.get(key)
    return value if isinstance(value, str) else ""


def _check_rule(
    index: int, rule: Mapping[str, Any], total: int, defaults: Mapping[str, Any]
) -> Violation | None:
    origin = rule.get("originRequest") or {}
    return (
        _check_service(index, _text(rule, "service"), origin, defaults)
        or _check_access(index, origin.get("access"))
        or _check_hostname(index, _text(rule, "hostname"), _text(rule, "path"), total)
        or _check_path(index, _text(rule, "path"))
    )


def _check_service(
    index: int, service: str, origin: Mapping[str, Any], defaults: Mapping[str, Any]
) -> Violation | None:
    def violation(code: str, message: str) -> Violation:
        return Violation(code, index, ("service",), message)

    if service.startswith(("unix:", "unix+tls:")) or service in ("hello_world", "hello-world"):
        return None  # socket paths are not validated; the built-in test server needs nothing
    if service.startswith("http_status:"):
        code = service.removeprefix("http_status:")
        if not _GO_INT.fullmatch(code) or abs(int(code)) > _INT64_MAX:
            reason = "invalid syntax" if not _GO_INT.fullmatch(code) else "value out of range"
            return violation(
                "V2", f'invalid HTTP status code: strconv.Atoi: parsing "{code}": {reason}'
            )
        if not 100 <= int(code) <= 999:
            return violation("V3", f"invalid HTTP status code: {int(code)}")
        return None
    if service == "socks-proxy":
        problem = _ip_rules_problem(origin.get("ipRules") or [])
        if problem is not None:
            return Violation(
                "V4",
                index,
                ("originRequest", "ipRules"),
                f"unable to create ip rule for socks-proxy: {problem}",
            )
        return None
    bastion = origin.get("bastionMode", defaults.get("bastionMode"))
    if service == "bastion" or bastion is True:
        return None  # a jump host: the service value is ignored
    try:
        url = parse_url(service)
    except GoURLError as error:
        return violation("V5", str(error))
    if not url.scheme or not url.hostname:
        return violation(
            "V6",
            f"{service} is an invalid address, please make sure it has a scheme and a hostname",
        )
    if url.path:
        return violation(
            "V7",
            f"{service} is an invalid address, ingress rules don't support proxying to a "
            "different path on the origin service. The path will be the same as the eyeball "
            "request's path",
        )
    return None


def _ip_rules_problem(ip_rules: Sequence[Mapping[str, Any]]) -> str | None:
    for ip_rule in ip_rules:
        prefix = ip_rule.get("prefix")
        if not prefix:
            return "no prefix provided"
        if not _is_go_cidr(prefix):
            return f"unable to parse cidr: {prefix}"
        for port in ip_rule.get("ports") or []:
            if not 1 <= port <= 65535:
                return f"invalid port {port}, needs to be between 1 and 65535"
    return None


def _is_go_cidr(text: str) -> bool:
    """Go's net.ParseCIDR: an IP, '/', a decimal prefix length (no netmask forms)."""
    address, slash, bits = text.partition("/")
    if not slash or not bits.isascii() or not bits.isdigit() or "%" in address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return int(bits) <= ip.max_prefixlen


def _check_access(index: int, access: Any) -> Violation | None:
    if not isinstance(access, Mapping) or access.get("required") is not True:
        return None
    # An "initial setup" forcing Access without the other keys is allowed; audTags need a team.
    if not access.get("teamName") and access.get("audTag"):
        return Violation(
            "V8",
            index,
            ("originRequest", "access", "teamName"),
            "access.TeamName cannot be blank when access.audTags are present",
        )
    return None


def _check_hostname(index: int, hostname: str, path: str, total: int) -> Violation | None:
    if split_host_port_ok(hostname):
        return Violation("V9", index, ("hostname",), "Hostname cannot contain a port")
    if hostname.rfind("*") > 0:
        return Violation(
            "V10",
            index,
            ("hostname",),
            'Hostname patterns can have at most one wildcard character ("*") and it can only be '
            'used for subdomains, e.g. "*.example.com"',
        )
    catch_all = hostname in ("", "*") and path == ""
    if index == total - 1 and not catch_all:
        return Violation(
            "V11",
            index,
            ("hostname",) if hostname not in ("", "*") else ("path",),
            "The last ingress rule must match all URLs (i.e. it should not have a hostname or "
            "path filter)",
        )
    if index < total - 1 and catch_all:
        return Violation(
            "V12",
            index,
            ("hostname",),
            f"Rule #{index + 1} is matching the hostname '{hostname}', but this will match every "
            "hostname, meaning the rules which follow it will never be triggered.",
        )
    return None


def _check_path(index: int, path: str) -> Violation | None:
    if not path:
        return None
    error = regexp_error(path)
    if error is None:
        return None
    return Violation("V13", index, ("path",), f"Rule #{index + 1} has an invalid regex: {error}")
