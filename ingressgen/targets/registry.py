"""Which target module serves which exposure."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Protocol, cast

from ingressgen.errors import Problem
from ingressgen.findings import Finding
from ingressgen.plan import LoadedProfile, PlannedObject


@dataclass
class TargetPlan:
    objects: list[PlannedObject] = field(default_factory=list)
    notes: list[Finding] = field(default_factory=list)


class Target(Protocol):
    def check(self, loaded: LoadedProfile) -> Iterator[Problem]: ...

    def plan(self, profiles: Sequence[LoadedProfile]) -> TargetPlan: ...


def target_for(exposure: str) -> Target:
    # Imported here: the target modules import the profile rules' helpers.
    from ingressgen.targets import cloudflare, metallb

    modules: dict[str, ModuleType] = {"metallb": metallb, "cloudflare-tunnel": cloudflare}
    return cast(Target, modules[exposure])
