"""One checker for `render` and `validate`: a schema backend plus the API-server rules.

The backend is chosen once per run (`--validator`); the rules run whatever the backend, so the
same object gets the same rule findings through every path.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from ingressgen.errors import InputError, shown_value
from ingressgen.validation.findings import OBJECT_RULE, SCHEMA_RULE, Finding
from ingressgen.validation.rules import check_object
from ingressgen.validation.schemas.backends import EmbeddedSchemas, SchemaBackend, identity
from ingressgen.validation.settings import VALIDATORS, ValidationSettings, find_kubeconform

if TYPE_CHECKING:
    from ingressgen.validation.schemas.locations import SchemaLocations

__all__ = ["Checker", "Verdict", "choose_backend"]


class Verdict(NamedTuple):
    findings: list[Finding]
    skipped: bool = False


def choose_backend(settings: ValidationSettings) -> SchemaBackend:
    """embedded (also under its deprecated name auto), or kubeconform, which must then exist."""
    if settings.validator not in VALIDATORS:
        raise InputError(
            f"--validator {settings.validator!r}: expected one of {', '.join(VALIDATORS)}"
        )
    user_schemas = {}
    if settings.crd_files:
        from ingressgen.validation.schemas.crds import load_crd_schemas

        user_schemas = load_crd_schemas(settings.crd_files)
    locations = _locations(settings)
    if settings.validator != "kubeconform":
        return EmbeddedSchemas(user_schemas, locations)
    binary = find_kubeconform()
    if binary is None:
        raise InputError(
            "--validator kubeconform: kubeconform is not on PATH and $KUBECONFORM is not set; "
            "install kubeconform or use --validator embedded"
        )
    from ingressgen.validation.schemas.kubeconform import KubeconformSchemas

    return KubeconformSchemas(binary, user_schemas, settings.kubeconform_timeout, locations)


def _locations(settings: ValidationSettings) -> SchemaLocations | None:
    """The --schema-locations, checked now: a URL, an unknown variable or a missing folder is
    exit 2 before anything is read."""
    if not settings.schema_locations:
        return None
    from ingressgen.validation.schemas.locations import SchemaLocations, parse_locations

    return SchemaLocations(parse_locations(settings.schema_locations))


class Checker:
    """Checks batches of parsed objects for one Kubernetes version at a time."""

    def __init__(self, settings: ValidationSettings | None = None) -> None:
        self.settings = settings or ValidationSettings()
        self.backend = choose_backend(self.settings)
        # A backend that reads --schema-location files itself (kubeconform) is never handed an
        # object whose schema file is unusable: that object gets the embedded backend's finding.
        self._precheck = None
        if not isinstance(self.backend, EmbeddedSchemas) and self.settings.schema_locations:
            self._precheck = _locations(self.settings)

    def prepare(self, kubernetes_version: str) -> None:
        """Compile what can be compiled ahead (the --crd schemas), so errors surface now."""
        self.backend.prepare(kubernetes_version)

    def check(self, objects: Sequence[Any], kubernetes_version: str) -> list[Verdict]:
        verdicts: list[Verdict | None] = [None] * len(objects)
        checked: list[int] = []
        for index, obj in enumerate(objects):
            if not isinstance(obj, dict):
                message = (
                    f"not a Kubernetes object (a YAML {type(obj).__name__}, expected a mapping "
                    "with apiVersion, kind and metadata)"
                )
                verdicts[index] = Verdict([Finding((), message, OBJECT_RULE)])
            elif odd := _not_text_identity(obj):
                # No schema or rule can be looked up for it, and rules compare these as text.
                verdicts[index] = Verdict(odd)
            elif isinstance(obj.get("kind"), str) and obj["kind"] in self.settings.skip_kinds:
                verdicts[index] = Verdict([], skipped=True)
            elif (problem := self._schema_problem(obj, kubernetes_version)) is not None:
                rules = check_object(obj, kubernetes_version)
                verdicts[index] = Verdict([Finding((), problem, SCHEMA_RULE), *rules])
            else:
                checked.append(index)
        schema_findings = self.backend.check([objects[i] for i in checked], kubernetes_version)
        for index, findings in zip(checked, schema_findings, strict=True):
            verdicts[index] = Verdict(findings + check_object(objects[index], kubernetes_version))
        return [v for v in verdicts if v is not None]

    def _schema_problem(self, obj: dict[str, Any], kubernetes_version: str) -> str | None:
        gvk = identity(obj) if self._precheck is not None else None
        if self._precheck is None or gvk is None:
            return None
        if gvk in getattr(self.backend, "_user_schemas", {}):
            return None  # a --crd schema comes first and is always usable
        problem = self._precheck.problem(kubernetes_version, gvk)
        return None if problem is None else problem.message


def _not_text_identity(obj: dict[str, Any]) -> list[Finding]:
    """A finding for an apiVersion or kind that is there but not a string (`kind: [a]`)."""
    return [
        Finding(
            (field,),
            f"{shown_value(obj[field])} is not a string; {field} names the object's type, "
            "e.g. apiVersion: apps/v1, kind: Deployment",
            OBJECT_RULE,
        )
        for field in ("apiVersion", "kind")
        if field in obj and not isinstance(obj[field], str)
    ]
