"""The typed values that flow between the pipeline's steps."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ingressgen.errors import PROFILE_INVALID, Location, Problem
from ingressgen.profile import Profile
from ingressgen.yaml_io import SourcePositions

FieldPath = tuple[str | int, ...]


@dataclass(frozen=True, eq=False)
class LoadedProfile:
    """A profile that passed every load-time rule, with the means to point back into its file."""

    id: str  # posix path relative to the parent of --out: what headers and the record name
    display: str  # the path as messages show it
    profile: Profile
    positions: SourcePositions = field(repr=False)
    validation_version: str = ""  # spec.kubernetesVersion unless --kubernetes-version overrides it

    def locate(self, path: Sequence[str | int], *, at_key: bool = False) -> Location:
        return self.positions.locate(path, at_key=at_key)

    def problem(
        self, path: FieldPath, message: str, *, at_key: bool = False, rule: str = PROFILE_INVALID
    ) -> Problem:
        return Problem(self.locate(path, at_key=at_key), message, path, rule)


@dataclass(frozen=True, eq=False)
class PlannedObject:
    """One Kubernetes object to render: its identity, its template and the context it gets."""

    api_version: str
    kind: str
    name: str
    namespace: str
    template: str
    context: Mapping[str, Any]
    folder: str  # out-relative, e.g. "messaging/messaging-service" or "metallb-system/_metallb"
    sources: tuple[LoadedProfile, ...]
    origin: FieldPath = ()  # the profile field that asked for this object, for messages

    @property
    def group(self) -> str:
        return self.api_version.rpartition("/")[0]

    @property
    def identity(self) -> tuple[str, str, str, str]:
        return (self.group, self.kind, self.namespace, self.name)

    @property
    def path(self) -> str:
        return f"{self.folder}/{self.kind.lower()}-{self.name}.yaml"

    def describe(self) -> str:
        return f"{self.kind} {self.namespace}/{self.name}"


@dataclass(frozen=True, eq=False)
class RenderedObject:
    planned: PlannedObject
    text: str  # the YAML document as rendered, without the header
    body: dict[str, Any]  # the same text parsed back
