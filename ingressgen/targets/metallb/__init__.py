"""Exposure `metallb`: a LoadBalancer Service, and optionally MetalLB's pool, advertisement and
BGP peers (`target.py`); MetalLB's rules for one profile (`rules.py`) and across a run
(`run_rules.py`)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from ingressgen.errors import Problem
from ingressgen.plan import LoadedProfile
from ingressgen.targets.base import PreviousRun, TargetPlan
from ingressgen.targets.metallb import target


class MetalLBTarget:
    def check(self, loaded: LoadedProfile) -> Iterator[Problem]:
        return target.check(loaded)

    def plan(self, profiles: Sequence[LoadedProfile], previous: PreviousRun) -> TargetPlan:
        # A MetalLB Service keeps its IP across runs whatever else changes: nothing to compare.
        return target.plan(profiles)
