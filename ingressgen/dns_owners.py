"""Checks across targets: who makes a hostname resolve.

A MetalLB profile with a hostname gets ExternalDNS's hostname annotation, so ExternalDNS writes A
or AAAA records for it pointing at the load balancer. A Cloudflare Tunnel profile needs the same
name to be a proxied CNAME to `<tunnel-uuid>.cfargotunnel.com`, written by `cloudflared tunnel
route dns`, the STRRL ingress controller or the cloudflare-operator. One name cannot be both: a
CNAME may not sit next to other records (RFC 1034 3.6.2), so one owner fails or, worse, the two
overwrite each other and clients land on whichever wrote last. Neither target can see the other,
so the check lives here and the pipeline runs it over every profile of the run.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from ingressgen.findings import Finding
from ingressgen.plan import LoadedProfile


def two_dns_owners(profiles: Sequence[LoadedProfile]) -> list[Finding]:
    """A `high` finding for each hostname that MetalLB and a tunnel both expose in one run."""
    by_host: dict[str, dict[str, list[LoadedProfile]]] = defaultdict(lambda: defaultdict(list))
    for loaded in profiles:
        hostname = loaded.profile.spec.hostname
        if hostname is not None:
            by_host[hostname][loaded.profile.spec.exposure].append(loaded)
    notes: list[Finding] = []
    for hostname, owners in sorted(by_host.items()):
        metallb, tunnel = owners.get("metallb", []), owners.get("cloudflare-tunnel", [])
        if not metallb or not tunnel:
            continue
        involved = sorted([*metallb, *tunnel], key=lambda p: p.id)
        notes.append(
            Finding(
                "dns-two-owners",
                f"{hostname} is exposed both by MetalLB ({', '.join(p.display for p in metallb)}, "
                "whose ExternalDNS annotation makes A/AAAA records to the load balancer) and by "
                f"Cloudflare Tunnel ({', '.join(p.display for p in tunnel)}, which needs a "
                "proxied CNAME to the tunnel): one name can have only one of them, so the two "
                "DNS owners fight over it; give each exposure its own hostname",
                tunnel[0].locate(("spec", "hostname")),
                tuple(p.id for p in involved),
            )
        )
    return notes
