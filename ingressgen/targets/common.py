"""What every target shares: per-profile folders, labels and annotations."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ingressgen.findings import IGNORE_ANNOTATION
from ingressgen.plan import FieldPath, LoadedProfile, PlannedObject

MANAGED_BY = {"app.kubernetes.io/managed-by": "ingressgen"}


def profile_folder(loaded: LoadedProfile) -> str:
    metadata = loaded.profile.metadata
    return f"{metadata.namespace}/{metadata.name}"


def profile_labels(loaded: LoadedProfile) -> list[tuple[str, str]]:
    """The profile's labels plus ingressgen's own, sorted so output is stable."""
    return sorted({**loaded.profile.metadata.labels, **MANAGED_BY}.items())


def profile_annotations(loaded: LoadedProfile, own: dict[str, str]) -> list[tuple[str, str]]:
    """The profile's annotations plus ingressgen's own; the ignore annotation speaks to
    ingressgen about the profile and never reaches a generated object."""
    annotations = {**loaded.profile.metadata.annotations, **own}
    annotations.pop(IGNORE_ANNOTATION, None)
    return sorted(annotations.items())


def shared_labels(name: str) -> list[tuple[str, str]]:
    """Labels for objects several profiles share; profile labels never go there."""
    return sorted({"app.kubernetes.io/name": name, **MANAGED_BY}.items())


def profile_object(
    loaded: LoadedProfile,
    *,
    api_version: str,
    kind: str,
    name: str,
    template: str,
    context: Mapping[str, Any],
    origin: FieldPath,
) -> PlannedObject:
    """An object that belongs to one profile: in its namespace and its out/<ns>/<name>/ folder."""
    return PlannedObject(
        api_version=api_version,
        kind=kind,
        name=name,
        namespace=loaded.profile.metadata.namespace,
        template=template,
        context=context,
        folder=profile_folder(loaded),
        sources=(loaded,),
        origin=origin,
    )
