"""What validation says about objects and files: the one result model every report is made from.

`render` and `validate` both build a `ValidationRun`; the text, JSON and GitHub reports are three
views of it, so the same objects get the same verdicts whichever command or format shows them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from ingressgen.errors import CheckFailed, Location, Problem, bounded, format_field_path

FieldPath = tuple[str | int, ...]

ERROR = "error"
WARNING = "warning"

# Rule ids of findings that do not come from an API-server rule.
SCHEMA_RULE = "schema"
KUBECONFORM_RULE = "kubeconform"
OBJECT_RULE = "object"


# NamedTuple rather than a frozen dataclass for the small records: as cheap to use, and several
# milliseconds cheaper to define, which `validate` pays at every start.
class Finding(NamedTuple):
    """One thing wrong with an object: where in it (a field path), what, and which rule says so."""

    path: FieldPath
    message: str
    rule: str
    severity: str = ERROR

    def __str__(self) -> str:
        text = f"{format_field_path(self.path)}: {self.message}" if self.path else self.message
        return f"{text} ({self.rule})"


Locate = Callable[[FieldPath], "Location | None"]


def _string(value: Any) -> str | None:
    return value if isinstance(value, str) else None


class Identity(NamedTuple):
    """What names an object in reports: apiVersion, kind, name and namespace (when strings)."""

    api_version: str | None = None
    kind: str | None = None
    name: str | None = None
    namespace: str | None = None

    @classmethod
    def of(cls, obj: Any) -> Identity:
        if not isinstance(obj, dict):
            return cls()
        metadata = obj.get("metadata")
        metadata = metadata if isinstance(metadata, dict) else {}
        return cls(
            _string(obj.get("apiVersion")),
            _string(obj.get("kind")),
            _string(metadata.get("name")) or _string(metadata.get("generateName")),
            _string(metadata.get("namespace")),
        )


@dataclass
class ObjectResult:
    """The verdict on one object, with what is needed to point at it."""

    identity: Identity
    findings: list[Finding]
    kubernetes_version: str
    start: Location  # where the object starts: its file (or would-be file) and line
    locate: Locate | None = None  # field path -> position; only called when reporting a finding
    source: str | None = None  # render: the profile the object came from
    # render: where in that profile (file:line); costly (re-reads the profile), so only on demand
    find_origin: Callable[[], Location] | None = None
    skipped: bool = False  # --skip-kind named its kind: not checked, never a failure

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == WARNING]

    @property
    def valid(self) -> bool:
        return not self.findings or not self.errors  # most objects have no findings at all

    @property
    def api_version(self) -> str | None:
        return self.identity.api_version

    @property
    def kind(self) -> str | None:
        return self.identity.kind

    @property
    def name(self) -> str | None:
        return self.identity.name

    @property
    def namespace(self) -> str | None:
        return self.identity.namespace

    @property
    def label(self) -> str:
        """KIND/NAME as messages show it."""
        return f"{self.kind or '?'}/{self.name or '?'}"

    @property
    def origin(self) -> Location | None:
        return self.find_origin() if self.find_origin is not None else None

    def location_of(self, finding: Finding) -> Location:
        """The finding's line and column when they can be found, else where the object starts."""
        if self.locate is None:
            return self.start
        return self.locate(finding.path) or self.start


@dataclass
class FileResult:
    """One input file (or, for render, one would-be output file) and its objects."""

    path: str
    objects: list[ObjectResult] = field(default_factory=list)
    # The file itself is wrong (unreadable, not YAML): its objects could not be read.
    problems: list[Problem] = field(default_factory=list)


@dataclass
class ValidationRun:
    files: list[FileResult] = field(default_factory=list)

    @property
    def objects(self) -> list[ObjectResult]:
        return [o for f in self.files for o in f.objects]

    @property
    def file_problems(self) -> list[Problem]:
        return [p for f in self.files for p in f.problems]

    @property
    def failed(self) -> bool:
        return bool(self.file_problems) or any(not o.valid for o in self.objects)

    def counts(self) -> dict[str, int]:
        objects = self.objects
        skipped = sum(1 for o in objects if o.skipped)
        invalid = sum(1 for o in objects if not o.valid)
        return {
            "files": len(self.files),
            "objects": len(objects),
            "valid": len(objects) - invalid - skipped,
            "invalid": invalid,
            "skipped": skipped,
            "invalidFiles": sum(1 for f in self.files if f.problems),
        }

    def versions(self) -> list[str]:
        return sorted({o.kubernetes_version for o in self.objects})

    def problems(self) -> list[Problem]:
        """Every error as a located Problem (what the plain error path prints)."""
        found: list[Problem] = list(self.file_problems)
        for result in self.objects:
            found.extend(
                Problem(result.location_of(f), finding_text(result, f)) for f in result.errors
            )
        return found


def finding_text(result: ObjectResult, finding: Finding) -> str:
    """`KIND/NAME: field.path: message (rule)`, plus the profile it came from under render."""
    text = bounded(f"{result.label}: {finding}")
    origin = result.origin
    if origin is not None:
        text += f" [from {origin}, Kubernetes {result.kubernetes_version}]"
    return text


class ValidationFailed(CheckFailed):
    """Some object is invalid: carries the whole run so every report format can show it."""

    def __init__(self, run: ValidationRun, problems: Sequence[Problem] = ()) -> None:
        self.run = run
        super().__init__(problems=problems or run.problems())
