"""The report's values: risks per profile, built from a render's findings and `risks.py`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ingressgen.errors import Location, format_field_path
from ingressgen.explain import catalog, risks
from ingressgen.findings import Finding, Level, shown
from ingressgen.pipeline import RenderResult
from ingressgen.plan import LoadedProfile

# An explain rule that says more precisely what a render rule says, for the same profile.
SUPERSEDES = {"metallb-workload-tls-certificate": "metallb-tls-passthrough"}


@dataclass(frozen=True)
class Risk:
    rule: str
    level: Level
    title: str
    impact: str
    fix: str
    field: str  # the profile field, e.g. spec.websocket.heartbeatSeconds
    location: Location


@dataclass
class ProfileReport:
    id: str
    loaded: LoadedProfile | None  # None for a file that is no rendered profile (a base)
    risks: list[Risk] = field(default_factory=list)


def loaded_profiles(result: RenderResult) -> dict[str, LoadedProfile]:
    """The run's profiles by id: each is the source of at least one rendered object."""
    found = {s.id: s for obj in result.objects for s in obj.planned.sources}
    return {key: found[key] for key in sorted(found)}


def build(result: RenderResult, ignore: frozenset[str] = frozenset()) -> list[ProfileReport]:
    profiles = loaded_profiles(result)
    findings = list(result.findings)
    for loaded in profiles.values():
        findings.extend(risks.compute(loaded))
    kept = shown(findings, ignore=ignore, ignored_by_profile=result.ignored_rules, quiet=False)
    reports = {key: ProfileReport(key, loaded) for key, loaded in profiles.items()}
    for finding in kept:
        for owner, risk in _risks(finding, profiles):
            reports.setdefault(owner, ProfileReport(owner, None)).risks.append(risk)
    for report in reports.values():
        present = {r.rule for r in report.risks}
        dropped = {SUPERSEDES[r] for r in present if r in SUPERSEDES}
        report.risks = sorted(
            (r for r in report.risks if r.rule not in dropped),
            key=lambda r: (-r.level, r.location.sort_key(), r.rule),
        )
    return [reports[key] for key in sorted(reports)]


def _risks(finding: Finding, profiles: Mapping[str, LoadedProfile]) -> list[tuple[str, Risk]]:
    """One risk per profile the finding concerns, located in that profile."""
    entry = catalog.explanation(finding.rule)
    owners: Sequence[str] = finding.profiles
    if not owners:
        file = finding.location.file if finding.location else "."
        owners = (file,)
    result = []
    for owner in owners:
        loaded = profiles.get(owner)
        location = finding.location
        if location is None or (loaded is not None and location.file != loaded.display):
            location = loaded.locate(entry.field) if loaded is not None else Location(owner)
        risk = Risk(
            rule=finding.rule,
            level=finding.level,
            title=entry.title,
            impact=finding.message,
            fix=entry.fix,
            field=format_field_path(entry.field),
            location=location,
        )
        result.append((owner, risk))
    return result


def worst(reports: Sequence[ProfileReport]) -> Level | None:
    levels = [risk.level for report in reports for risk in report.risks]
    return max(levels) if levels else None
