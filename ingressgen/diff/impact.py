"""What a change does to running traffic, read from the objects and profiles of both sides:
pods that restart (a pod template change, such as cloudflared's config checksum), Services
whose address, pool or port changes (clients must re-resolve and reconnect), pools and
announcements that move, routes that move between tunnels, and profiles that change exposure.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from ingressgen.diff.comparison import (
    ADDED,
    CHANGED,
    REMOVED,
    ObjectChange,
    embedded_yaml,
    field_changes,
)
from ingressgen.diff.sides import Side, SideObject

RESTART, ADDRESS, ANNOUNCEMENT, ROUTE, EXPOSURE = (
    "pods",
    "address",
    "announcement",
    "route",
    "exposure",
)
IMPACT_KINDS = (RESTART, ADDRESS, ANNOUNCEMENT, ROUTE, EXPOSURE)
WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet")
ADVERTISEMENTS = ("L2Advertisement", "BGPAdvertisement")
CHECKSUM = "ingressgen.dev/config-checksum"
# The Service fields and annotations (either MetalLB prefix) that decide its address.
_ADDRESS_ANNOTATIONS = ("/loadBalancerIPs", "/address-pool", "/allow-shared-ip")
_ADDRESS_FIELDS = ("loadBalancerIP", "loadBalancerClass", "ipFamilies", "ipFamilyPolicy")
_DNS_ANNOTATION = "external-dns.alpha.kubernetes.io/hostname"


@dataclass(frozen=True)
class Impact:
    kind: str  # one of IMPACT_KINDS
    subject: str  # the object, route or profile concerned
    message: str


def impacts(old: Side, new: Side, changes: Sequence[ObjectChange]) -> list[Impact]:
    found: list[Impact] = []
    for change in changes:
        kind = change.current.identity[1]
        if kind in WORKLOADS:
            found.extend(_workload(change, old, new))
        elif kind == "Service":
            found.extend(_service(change))
        elif kind == "IPAddressPool":
            found.extend(_pool(change, new))
        elif kind in ADVERTISEMENTS:
            found.extend(_advertisement(change))
    found.extend(_routes(old, new))
    found.extend(_exposures(old, new))
    return found


def _workload(change: ObjectChange, old: Side, new: Side) -> Iterator[Impact]:
    obj = change.current
    hosts = ", ".join(sorted({*_carried(change.old, old), *_carried(change.new, new)}))
    carrying = f" (they carry {hosts})" if hosts else ""
    if change.change == REMOVED:
        yield Impact(
            RESTART,
            obj.label,
            f"{obj.label} is removed: its pods stop and the connections they hold drop{carrying}",
        )
        return
    if change.change != CHANGED:
        return
    template = change.changed_under("spec.template")
    if not template:
        return
    checksum = [f for f in template if f.path.endswith(f'["{CHECKSUM}"]')]
    if len(checksum) == len(template):
        configs = ", ".join(_config_maps(obj)) or "its ConfigMap"
        why = f"its config checksum changed, because {configs} changed"
    else:
        shown = ", ".join(f.path for f in template[:4]) + (", ..." if len(template) > 4 else "")
        why = f"its pod template changed ({shown})"
    yield Impact(
        RESTART,
        obj.label,
        f"every pod of {obj.label} restarts in a rolling update: {why}; the WebSockets and "
        f"other connections of each pod drop and must reconnect{carrying}",
    )


def _config_maps(obj: SideObject) -> list[str]:
    """The ConfigMaps a workload's pods mount, as "ConfigMap NAMESPACE/NAME"."""
    namespace = obj.identity[2]
    spec = _get(obj.body, "spec", "template", "spec") or {}
    names = [
        _get(volume, "configMap", "name")
        for volume in spec.get("volumes") or []
        if isinstance(volume, dict)
    ]
    return [f"ConfigMap {namespace}/{name}" for name in names if isinstance(name, str)]


def _carried(obj: SideObject | None, side: Side) -> list[str]:
    """The hostnames in the cloudflared configs a workload mounts."""
    if obj is None:
        return []
    hosts = []
    for label in _config_maps(obj):
        _, _, name = label.partition("/")
        config = side.objects.get(("", "ConfigMap", obj.identity[2], name))
        if config is None:
            continue
        for value in (config.body.get("data") or {}).values():
            parsed = embedded_yaml(value) if isinstance(value, str) else None
            rules = parsed.get("ingress") if isinstance(parsed, dict) else None
            for rule in rules if isinstance(rules, list) else []:
                if isinstance(rule, dict) and isinstance(rule.get("hostname"), str):
                    hosts.append(rule["hostname"])
    return hosts


def _get(data: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _address(obj: SideObject) -> dict[str, Any]:
    """What decides a Service's address: MetalLB's annotations and the spec fields."""
    annotations = _get(obj.body, "metadata", "annotations") or {}
    spec = obj.body.get("spec") or {}
    chosen = {k: v for k, v in annotations.items() if k.endswith(_ADDRESS_ANNOTATIONS)}
    chosen.update({k: spec[k] for k in _ADDRESS_FIELDS if k in spec})
    return chosen


def _describe_address(obj: SideObject) -> str:
    address = _address(obj)
    ips = next((v for k, v in address.items() if k.endswith("/loadBalancerIPs")), None)
    pool = next((v for k, v in address.items() if k.endswith("/address-pool")), None)
    if ips:
        return f"the pinned IP {ips}"
    if pool:
        return f"an IP from pool {pool}"
    return "an IP from MetalLB"


def _load_balancer(obj: SideObject | None) -> bool:
    return obj is not None and _get(obj.body, "spec", "type") == "LoadBalancer"


def _service(change: ObjectChange) -> Iterator[Impact]:
    old, new = change.old, change.new
    obj = change.current
    if not (_load_balancer(old) or _load_balancer(new)):
        return
    host = _get(obj.body, "metadata", "annotations", _DNS_ANNOTATION)
    clients = f"clients re-resolve {host} and reconnect" if host else "clients reconnect"
    if change.change == ADDED and new is not None:
        where = f" once DNS for {host} points there" if host else ""
        yield Impact(
            ADDRESS,
            obj.label,
            f"{obj.label} is new: it takes {_describe_address(new)}, and clients reach it{where}",
        )
        return
    if change.change == REMOVED and old is not None:
        yield Impact(
            ADDRESS,
            obj.label,
            f"{obj.label} is removed: its address ({_describe_address(old)}) is released and the "
            "connections through it are cut; clients must move to the new endpoint",
        )
        return
    if old is None or new is None:
        return
    moved = list(field_changes(_address(old), _address(new)))
    if moved or _load_balancer(old) != _load_balancer(new):
        what = "; ".join(f"{f.path}: {_value(f.old)} -> {_value(f.new)}" for f in moved)
        yield Impact(
            ADDRESS,
            obj.label,
            f"the address of {obj.label} changes ({what or 'type'}): MetalLB assigns it anew and "
            f"connections to the old address are cut; {clients}",
        )
    old_host = _get(old.body, "metadata", "annotations", _DNS_ANNOTATION)
    if old_host != host:
        yield Impact(
            ADDRESS,
            obj.label,
            f"the DNS name of {obj.label} changes ({_value(old_host)} -> {_value(host)}): "
            "ExternalDNS moves the record, and clients must use the new name",
        )
    if _get(old.body, "spec", "ports") != _get(new.body, "spec", "ports"):
        ports = ", ".join(
            str(p.get("port")) for p in _get(new.body, "spec", "ports") or [] if isinstance(p, dict)
        )
        yield Impact(
            ADDRESS,
            obj.label,
            f"the ports of {obj.label} change (now {ports}): clients must connect to the new port",
        )


def _value(value: Any) -> str:
    return "(none)" if value is None else str(value)


def _pool(change: ObjectChange, new: Side) -> Iterator[Impact]:
    obj = change.current
    name = obj.identity[3]
    users = sorted(
        other.label
        for other in new.objects.values()
        if other.identity[1] == "Service"
        and any(
            k.endswith("/address-pool") and v == name
            for k, v in (_get(other.body, "metadata", "annotations") or {}).items()
        )
    )
    served = f" ({', '.join(users)})" if users else ""
    if change.change == REMOVED:
        yield Impact(
            ADDRESS,
            obj.label,
            f"{obj.label} is removed: Services that take their IP from it lose it{served}",
        )
    elif change.change == CHANGED and change.changed_under("spec.addresses"):
        old_addresses = _get(change.old.body if change.old else {}, "spec", "addresses")
        new_addresses = _get(obj.body, "spec", "addresses")
        yield Impact(
            ADDRESS,
            obj.label,
            f"the addresses of {obj.label} change ({_value(old_addresses)} -> "
            f"{_value(new_addresses)}): Services that take their IP from it{served} may get "
            "another address; their clients re-resolve and reconnect",
        )


def _advertisement(change: ObjectChange) -> Iterator[Impact]:
    obj = change.current
    pools = _get(obj.body, "spec", "ipAddressPools") or []
    what = f"pool {', '.join(map(str, pools))}" if pools else "every pool"
    verb = {ADDED: "is new", REMOVED: "is removed", CHANGED: "changes"}[change.change]
    yield Impact(
        ANNOUNCEMENT,
        obj.label,
        f"{obj.label} {verb}: the way {what} is announced changes, so the node (L2) or routes "
        "(BGP) that attract its traffic move and established connections through its IPs are "
        "reset",
    )


def _routes(old: Side, new: Side) -> Iterator[Impact]:
    for name in sorted(old.routes.keys() | new.routes.keys()):
        before, after = old.routes.get(name), new.routes.get(name)
        if before is not None and after is not None:
            if before.via == after.via:
                continue
            dns = ""
            if after.via.startswith("Cloudflare Tunnel") and after.via.endswith("(cloudflared)"):
                tunnel = after.via.removeprefix("Cloudflare Tunnel ").split(" ")[0]
                dns = f"; point DNS at it: cloudflared tunnel route dns {tunnel} {after.hostname}"
            yield Impact(
                ROUTE,
                name,
                f"{name} moves from {before.via} to {after.via}: open connections drop, and "
                f"clients reach the new path once DNS for {after.hostname} follows{dns}",
            )
        elif after is not None:
            yield Impact(ROUTE, name, f"{name} is a new route, through {after.via}")
        elif before is not None:
            yield Impact(
                ROUTE,
                name,
                f"{name} is no longer routed (it went through {before.via}): its clients lose it",
            )


def _exposures(old: Side, new: Side) -> Iterator[Impact]:
    from ingressgen.explain.risks import endpoint

    for key in sorted(old.profiles.keys() & new.profiles.keys()):
        before, after = old.profiles[key], new.profiles[key]
        was, now = before.profile.spec.exposure, after.profile.spec.exposure
        if was == now:
            continue
        yield Impact(
            EXPOSURE,
            key,
            f"{key} changes exposure from {was} to {now}: clients switch from {endpoint(before)} "
            f"to {endpoint(after)}",
        )
