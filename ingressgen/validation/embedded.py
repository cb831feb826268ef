"""The embedded validator: jsonschema-rs over kubernetes-validate's strict schemas.

Nothing is ever fetched: the schemas' `$ref`s point at
https://kubernetes.io/api/_definitions.json, which is registered from the
local file under that very URI, and the retriever refuses everything else.
Each validator is compiled once per (Kubernetes version, kind) per process.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema_rs

from ingressgen.kube_versions import strict_schema_folder
from ingressgen.validation.crd_registry import load_own_crd_schemas
from ingressgen.validation.crd_schema import KUBERNETES_DEFINITIONS_URI

GroupVersionKind = tuple[str, str, str]


@dataclass(frozen=True)
class SchemaFinding:
    path: str  # e.g. spec.ports[0].port; empty for the object as a whole
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class NetworkRefused(Exception):
    pass


def _refuse_network(uri: str) -> Any:
    raise NetworkRefused(f"ingressgen never fetches schemas; refused {uri}")


def split_api_version(api_version: str) -> tuple[str, str]:
    group, _, version = api_version.rpartition("/")
    return group, version


def schema_file_name(group: str, version: str, kind: str) -> str:
    """kubernetes-validate's (and kubeconform's) file name for a built-in kind."""
    suffix = version if not group else f"{group.split('.')[0]}-{version}"
    return f"{kind.lower()}-{suffix}.json"


@functools.cache
def _registry(kubernetes_version: str) -> Any:
    definitions = json.loads(
        (strict_schema_folder(kubernetes_version) / "_definitions.json").read_text()
    )
    return jsonschema_rs.Registry(
        [(KUBERNETES_DEFINITIONS_URI, definitions)], retriever=_refuse_network
    )


def _builtin_schema(kubernetes_version: str, gvk: GroupVersionKind) -> dict[str, Any] | None:
    group, version, kind = gvk
    path: Path = strict_schema_folder(kubernetes_version) / schema_file_name(group, version, kind)
    if not path.is_file():
        return None
    schema: dict[str, Any] = json.loads(path.read_text())
    # Two groups can share a first label; the file must really describe this kind.
    declared = schema.get("x-kubernetes-group-version-kind", [])
    if {"group": group, "version": version, "kind": kind} not in declared:
        return None
    return schema


@functools.cache
def _validator(kubernetes_version: str, gvk: GroupVersionKind) -> Any:
    schema = load_own_crd_schemas().get(gvk) or _builtin_schema(kubernetes_version, gvk)
    if schema is None:
        return None
    return jsonschema_rs.validator_for(
        schema, registry=_registry(kubernetes_version), retriever=_refuse_network
    )


def has_schema(kubernetes_version: str, api_version: str, kind: str) -> bool:
    group, version = split_api_version(api_version)
    return _validator(kubernetes_version, (group, version, kind)) is not None


def _format_path(parts: list[str | int]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def validate_object(obj: dict[str, Any], kubernetes_version: str) -> list[SchemaFinding]:
    """Schema findings for one object; an object of a kind without a schema is a finding too."""
    api_version = obj.get("apiVersion")
    kind = obj.get("kind")
    if not isinstance(api_version, str) or not isinstance(kind, str):
        return [SchemaFinding("", "apiVersion and kind must be set to strings")]
    group, version = split_api_version(api_version)
    validator = _validator(kubernetes_version, (group, version, kind))
    if validator is None:
        return [
            SchemaFinding(
                "",
                f"no schema for {kind} ({api_version}) in Kubernetes {kubernetes_version}; "
                "an object that cannot be checked is never passed",
            )
        ]
    findings = [
        SchemaFinding(_format_path(list(error.instance_path)), error.message)
        for error in validator.iter_errors(obj)
    ]
    return sorted(set(findings), key=lambda f: (f.path, f.message))
