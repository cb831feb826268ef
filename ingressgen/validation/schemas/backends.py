"""Schema backends: who checks objects against the Kubernetes and CRD schemas.

Both backends take a batch of objects (kubeconform runs once per batch, not once per object)
and return one list of findings per object. An object whose kind has no schema is a finding,
never a pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

from ingressgen.errors import InputError
from ingressgen.validation.findings import SCHEMA_RULE, Finding
from ingressgen.validation.schemas import embedded

if TYPE_CHECKING:
    # Imported only by runs with --schema-location: `validate` pays for every import at start.
    from ingressgen.validation.schemas.locations import SchemaLocations

GroupVersionKind = tuple[str, str, str]


class SchemaBackend(Protocol):
    name: str

    def prepare(self, kubernetes_version: str) -> None: ...

    def check(
        self, objects: Sequence[dict[str, Any]], kubernetes_version: str
    ) -> list[list[Finding]]: ...


def identity(obj: dict[str, Any]) -> GroupVersionKind | None:
    api_version, kind = obj.get("apiVersion"), obj.get("kind")
    if not isinstance(api_version, str) or not isinstance(kind, str):
        return None
    group, version = embedded.split_api_version(api_version)
    return group, version, kind


def no_schema_message(obj: dict[str, Any], kubernetes_version: str) -> str:
    return (
        f"no schema for {obj.get('kind')} ({obj.get('apiVersion')}) in Kubernetes "
        f"{kubernetes_version}; an object that cannot be checked is never passed (give its "
        "CRD with --crd or its schema with --schema-location, or name the kind with --skip-kind)"
    )


MISSING_IDENTITY = "apiVersion and kind must be set to strings"


class EmbeddedSchemas:
    """jsonschema-rs in this process: the user's CRDs first, then the --schema-locations in
    order, ingressgen's own and the built-in schemas at `default` (or last)."""

    name = "embedded"

    def __init__(
        self,
        user_schemas: dict[GroupVersionKind, dict[str, Any]] | None = None,
        locations: SchemaLocations | None = None,
    ) -> None:
        self._user_schemas = user_schemas or {}
        self._locations = locations
        self._user_validators: dict[tuple[str, GroupVersionKind], Any] = {}

    def prepare(self, kubernetes_version: str) -> None:
        for gvk in self._user_schemas:
            self._validator(kubernetes_version, gvk)

    def _validator(self, kubernetes_version: str, gvk: GroupVersionKind) -> Any:
        schema = self._user_schemas.get(gvk)
        if schema is None and self._locations is not None:
            return self._locations.validator(kubernetes_version, gvk)
        if schema is None:
            return embedded.validator_for_kind(kubernetes_version, gvk)
        key = (kubernetes_version, gvk)
        if key not in self._user_validators:
            try:
                self._user_validators[key] = embedded.compile_schema(kubernetes_version, schema)
            except ValueError as error:  # jsonschema_rs.ValidationError is one
                group, version, kind = gvk
                raise InputError(
                    f"--crd: the schema of {kind} ({group}/{version}) is not a valid JSON "
                    f"Schema once made strict: {_schema_error(error)}"
                ) from None
        return self._user_validators[key]

    def check_one(self, obj: dict[str, Any], kubernetes_version: str) -> list[Finding]:
        gvk = identity(obj)
        if gvk is None:
            return [Finding((), MISSING_IDENTITY, SCHEMA_RULE)]
        validator = self._validator(kubernetes_version, gvk)
        if validator is None:
            return [Finding((), no_schema_message(obj, kubernetes_version), SCHEMA_RULE)]
        if self._locations is not None:
            from ingressgen.validation.schemas.locations import SchemaProblem

            if isinstance(validator, SchemaProblem):  # the location's file cannot be used
                return [Finding((), validator.message, SCHEMA_RULE)]
        try:
            errors = embedded.schema_errors(validator, obj)
        except ValueError as error:  # a value JSON cannot hold, e.g. a float NaN
            return [Finding((), f"cannot be checked as JSON: {error}", SCHEMA_RULE)]
        return [Finding(path, message, SCHEMA_RULE) for path, message in errors]

    def check(
        self, objects: Sequence[dict[str, Any]], kubernetes_version: str
    ) -> list[list[Finding]]:
        return [self.check_one(obj, kubernetes_version) for obj in objects]


def _schema_error(error: ValueError) -> str:
    """Where in the schema and what, with the value cut: jsonschema-rs's own text quotes the
    whole value, a 5,000-digit number included."""
    message = embedded.cut_value(str(getattr(error, "message", error)), 300)
    path = getattr(error, "instance_path", None)
    return f"{'.'.join(map(str, path))}: {message}" if path else message
