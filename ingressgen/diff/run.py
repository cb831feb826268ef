"""`ingressgen diff OLD NEW`: both sides rendered in memory, then compared."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ingressgen.diff import sources
from ingressgen.diff.comparison import (
    FindingChanges,
    ObjectChange,
    compare_findings,
    compare_objects,
)
from ingressgen.diff.impact import Impact, impacts
from ingressgen.diff.sides import profile_key_mapper, render_side
from ingressgen.errors import InputError, ProblemCollector

if TYPE_CHECKING:
    from ingressgen.user_templates import UserTemplates


@dataclass(frozen=True)
class DiffResult:
    old: str  # the sides as the user named them
    new: str
    objects: list[ObjectChange]
    findings: FindingChanges
    impacts: list[Impact]

    @property
    def differs(self) -> bool:
        return bool(self.objects or self.findings.appeared or self.findings.disappeared)


def diff(
    old: str,
    new: str | None,
    *,
    exposure: str | None = None,
    kubernetes_version: str | None = None,
    ignore: frozenset[str] = frozenset(),
    templates: UserTemplates | None = None,
) -> DiffResult:
    """Compare OLD with NEW. `exposure` renders NEW as if its profiles' spec.exposure were that
    one; with NEW None, NEW is OLD under that exposure (the migration question)."""
    with sources.opened(old) as old_input, sources.opened(new or old) as new_input:
        key_of = profile_key_mapper(old_input, new_input)
        # Both sides are rendered even when one fails, so one run names every mistake.
        collector = ProblemCollector()
        heads: list[str] = []
        rendered = []
        for side, side_exposure, side_key in (
            (old_input, None, key_of),
            (new_input, exposure, _same),
        ):
            try:
                rendered.append(
                    render_side(
                        side,
                        exposure=side_exposure,
                        kubernetes_version=kubernetes_version,
                        ignore=ignore,
                        key_of=side_key,
                        templates=templates,
                    )
                )
            except InputError as error:
                heads.append(side.label)
                collector.extend(error.problems)
        if heads:
            # Both sides may name one path (OLD with --exposure): say each mistake once.
            raise InputError(
                f"{' and '.join(dict.fromkeys(heads))} cannot be rendered:",
                problems=dict.fromkeys(collector.problems),
            )
        old_side, new_side = rendered
    changes = compare_objects(old_side, new_side)
    return DiffResult(
        old_side.label,
        new_side.label if exposure is None else f"{new_side.label} --exposure {exposure}",
        changes,
        compare_findings(old_side, new_side),
        impacts(old_side, new_side, changes),
    )


def _same(profile_id: str) -> str:
    return profile_id
