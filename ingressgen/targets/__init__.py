"""One package per exposure, each behind the `Target` protocol of `base.py`.

`TARGETS` is the only place that knows which package serves which `spec.exposure`; mypy checks
each entry against the protocol.
"""

from __future__ import annotations

from collections.abc import Mapping

from ingressgen.targets.base import Target
from ingressgen.targets.cloudflare import CloudflareTunnelTarget
from ingressgen.targets.metallb import MetalLBTarget

TARGETS: Mapping[str, Target] = {
    "metallb": MetalLBTarget(),
    "cloudflare-tunnel": CloudflareTunnelTarget(),
}
