"""What the pipeline asks of an exposure: the `Target` protocol and the plan a target returns.

This module imports no target, so every target can import it and the table of targets in
`targets/__init__.py` can import every target without a cycle.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from ingressgen.errors import Problem
from ingressgen.findings import Finding
from ingressgen.plan import LoadedProfile, PlannedObject

# What the last run wrote, as the pipeline read it from out/'s record: each generated file
# (relative to out/) and the ids of the profiles it came from. Targets compare against it to say
# what a change does to running traffic; they never read out/ themselves.
PreviousRun = Mapping[str, Sequence[str]]


@dataclass
class TargetPlan:
    objects: list[PlannedObject] = field(default_factory=list)
    notes: list[Finding] = field(default_factory=list)


class Target(Protocol):
    """One exposure. `check` judges one profile on its own (a problem keeps that profile out of
    planning); `plan` turns every checked profile of the exposure into objects and findings, and
    raises InputError for problems between profiles."""

    def check(self, loaded: LoadedProfile) -> Iterator[Problem]: ...

    def plan(self, profiles: Sequence[LoadedProfile], previous: PreviousRun) -> TargetPlan: ...
