"""What every target shares: per-profile folders, labels and annotations."""

from __future__ import annotations

from ingressgen.plan import LoadedProfile

MANAGED_BY = {"app.kubernetes.io/managed-by": "ingressgen"}


def profile_folder(loaded: LoadedProfile) -> str:
    metadata = loaded.profile.metadata
    return f"{metadata.namespace}/{metadata.name}"


def profile_labels(loaded: LoadedProfile) -> list[tuple[str, str]]:
    """The profile's labels plus ingressgen's own, sorted so output is stable."""
    return sorted({**loaded.profile.metadata.labels, **MANAGED_BY}.items())


def profile_annotations(loaded: LoadedProfile, own: dict[str, str]) -> list[tuple[str, str]]:
    return sorted({**loaded.profile.metadata.annotations, **own}.items())


def shared_labels(name: str) -> list[tuple[str, str]]:
    """Labels for objects several profiles share; profile labels never go there."""
    return sorted({"app.kubernetes.io/name": name, **MANAGED_BY}.items())
