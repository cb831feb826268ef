"""Exposure `cloudflare-tunnel`, one module per mode: `cloudflared` (ingressgen runs the tunnel),
`ingress_controller` (an Ingress for STRRL's controller), `operator` (a TunnelBinding for
adyanth's operator). `common.py` holds the route every mode ends in, `cloudflared_rules.py`
cloudflared's own checks of an ingress rule, `target.py` the rules all modes share and the plan."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from ingressgen.errors import Problem
from ingressgen.plan import LoadedProfile
from ingressgen.targets.base import PreviousRun, TargetPlan
from ingressgen.targets.cloudflare import target


class CloudflareTunnelTarget:
    def check(self, loaded: LoadedProfile) -> Iterator[Problem]:
        return target.check(loaded)

    def plan(self, profiles: Sequence[LoadedProfile], previous: PreviousRun) -> TargetPlan:
        return target.plan(profiles, previous)
