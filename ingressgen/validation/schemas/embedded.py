"""The embedded validator: jsonschema-rs over kubernetes-validate's strict schemas.

Nothing is ever fetched: each kind's schema is bundled with the Kubernetes definitions it uses
(`bundles.py`), and the retriever refuses everything. Each validator is compiled once per
(Kubernetes version, kind) per process.
"""

from __future__ import annotations

import functools
from typing import Any

import jsonschema_rs

from ingressgen.errors import format_field_path
from ingressgen.validation.schemas.bundles import (
    INTEGER_BOUNDS,
    bundled_schema,
    definitions,
    self_contained,
)

GroupVersionKind = tuple[str, str, str]


class NetworkRefused(Exception):
    pass


def _refuse_network(uri: str) -> Any:
    raise NetworkRefused(f"ingressgen never fetches schemas; refused {uri}")


def split_api_version(api_version: str) -> tuple[str, str]:
    group, _, version = api_version.rpartition("/")
    return group, version


def compile_schema(kubernetes_version: str, schema: dict[str, Any]) -> Any:
    """A validator for any schema whose refs point at the Kubernetes definitions (a user CRD)."""
    bundle = self_contained(schema, definitions(kubernetes_version))
    return jsonschema_rs.validator_for(bundle, retriever=_refuse_network)


def compile_standalone(schema: dict[str, Any]) -> Any:
    """A validator for a schema that must hold everything it refers to (a --schema-location
    file): any other ref is refused, never fetched. Raises ValueError when it does not compile."""
    return jsonschema_rs.validator_for(schema, retriever=_refuse_network)


@functools.cache
def _validator(kubernetes_version: str, gvk: GroupVersionKind) -> Any:
    schema = bundled_schema(kubernetes_version, gvk)
    if schema is None:
        return None
    try:
        return jsonschema_rs.validator_for(schema, retriever=_refuse_network)
    except (ValueError, NetworkRefused):
        # A cached bundle that passed its digest yet does not compile (a dangling $ref, a
        # wrong type): never trusted, built again from the installed schemas.
        schema = bundled_schema(kubernetes_version, gvk, rebuild=True)
        if schema is None:
            return None
        return jsonschema_rs.validator_for(schema, retriever=_refuse_network)


def validator_for_kind(kubernetes_version: str, gvk: GroupVersionKind) -> Any:
    """The compiled validator of a built-in kind or one of ingressgen's CRDs; None if unknown."""
    return _validator(kubernetes_version, gvk)


def schema_errors(validator: Any, obj: Any) -> list[tuple[tuple[str | int, ...], str]]:
    """(field path, message) for each schema error, sorted; [] for a valid object."""
    if validator.is_valid(obj):  # the common case, and much cheaper than collecting errors
        return []
    found = {(tuple(error.instance_path), _message(error)) for error in validator.iter_errors(obj)}
    return sorted(found, key=lambda e: (format_field_path(e[0]), e[1]))


# The bounds `bundles.py` gives int32 and int64 fields, by either of their limits.
_INTEGER_RANGES = {
    limit: (form, low, high)
    for form, (low, high) in INTEGER_BOUNDS.items()
    for limit in (low, high)
}


def _message(error: Any) -> str:
    """jsonschema-rs's message, or for an integer out of its Go type's range one that names it."""
    kind = error.kind
    if isinstance(
        kind, jsonschema_rs.ValidationErrorKind.Maximum | jsonschema_rs.ValidationErrorKind.Minimum
    ):
        limit = kind.limit
        known = _INTEGER_RANGES.get(limit) if isinstance(limit, int) else None
        if known is not None:
            form, low, high = known
            shown = cut_value(str(error.instance))
            return f"{shown} is out of range for an {form} field ({low}..{high})"
    return cut_value(str(error.message), 300)


def cut_value(text: str, limit: int = 60) -> str:
    """A message quotes the value it refuses: a 5,000-digit one is cut, not printed whole."""
    if len(text) <= limit:
        return text
    return f"{text[: limit - 20]}...({len(text)} characters)...{text[-15:]}"
