"""Turn a CRD's openAPIV3Schema into a strict JSON Schema (draft 2020-12).

The result refuses unknown fields the way `kubectl --validate=strict` does and
compiles with jsonschema-rs without fetching anything except the Kubernetes
definitions document, which callers register under `KUBERNETES_DEFINITIONS_URI`.
CEL rules (`x-kubernetes-validations`) are dropped; they are checked in code.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
KUBERNETES_DEFINITIONS_URI = "https://kubernetes.io/api/_definitions.json"
OBJECT_META_REF = (
    f"{KUBERNETES_DEFINITIONS_URI}#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
)

# OpenAPI 3.0 keywords with no JSON Schema meaning.
_OPENAPI_ONLY = frozenset({"nullable", "example", "externalDocs", "discriminator", "xml"})
_SUBSCHEMA_LISTS = ("anyOf", "allOf", "oneOf")


def strict_schema_from_crd_version(
    openapi_v3_schema: dict[str, Any], *, api_version: str, kind: str
) -> dict[str, Any]:
    """Strict JSON Schema for one CRD version; the input is left untouched."""
    open_root = openapi_v3_schema.get("x-kubernetes-preserve-unknown-fields") is True
    root = _convert(copy.deepcopy(openapi_v3_schema), closed=True)
    root["$schema"] = DRAFT_2020_12
    root.setdefault("type", "object")
    properties = root.setdefault("properties", {})
    properties["apiVersion"] = {"type": "string", "enum": [api_version]}
    properties["kind"] = {"type": "string", "enum": [kind]}
    properties["metadata"] = {"$ref": OBJECT_META_REF}
    required = list(root.get("required", []))
    # Every manifest object needs these, even though CRD schemas never list them.
    root["required"] = ["apiVersion", "kind", "metadata"] + [
        name for name in required if name not in ("apiVersion", "kind", "metadata")
    ]
    if not open_root:
        root.setdefault("additionalProperties", False)
    return root


def iter_crd_versions(
    document: dict[str, Any],
) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
    """Yield (group, kind, version, openAPIV3Schema) for each served version.

    Versions without a schema are skipped. The apiextensions v1beta1 layout
    (one `spec.validation` shared by all versions) is understood too.
    """
    if document.get("kind") != "CustomResourceDefinition":
        raise ValueError(f"not a CustomResourceDefinition: kind={document.get('kind')!r}")
    spec = document["spec"]
    group: str = spec["group"]
    kind: str = spec["names"]["kind"]
    shared = spec.get("validation", {}).get("openAPIV3Schema")
    versions = spec.get("versions") or [{"name": spec["version"], "served": True}]
    for version in versions:
        if not version.get("served", False):
            continue
        schema = version.get("schema", {}).get("openAPIV3Schema", shared)
        if schema is not None:
            yield group, kind, version["name"], schema


def _convert(node: dict[str, Any], *, closed: bool) -> dict[str, Any]:
    """Rewrite one schema node in place and return it.

    `closed` is False inside anyOf/allOf/oneOf/not: in a structural schema those
    branches only add value checks to fields the skeleton already declares, so
    closing them would refuse fields that are declared outside the branch.
    """
    nullable = node.get("nullable") is True
    int_or_string = node.get("x-kubernetes-int-or-string") is True
    preserve_unknown = node.get("x-kubernetes-preserve-unknown-fields") is True
    embedded = node.get("x-kubernetes-embedded-resource") is True
    list_type = node.get("x-kubernetes-list-type")
    is_object = node.get("type") == "object" or "properties" in node

    for key in [k for k in node if k in _OPENAPI_ONLY or k.startswith("x-kubernetes-")]:
        del node[key]

    if int_or_string and "type" not in node:
        node["type"] = ["integer", "string"]
    if list_type == "set":
        node.setdefault("uniqueItems", True)
    if nullable and "type" in node:
        types = node["type"] if isinstance(node["type"], list) else [node["type"]]
        node["type"] = [*types, "null"] if "null" not in types else types
        if "enum" in node and None not in node["enum"]:
            node["enum"] = [*node["enum"], None]

    if embedded:
        properties = node.setdefault("properties", {})
        properties.setdefault("apiVersion", {"type": "string"})
        properties.setdefault("kind", {"type": "string"})
        properties["metadata"] = {"$ref": OBJECT_META_REF}

    for child in node.get("properties", {}).values():
        _convert(child, closed=closed)
    if isinstance(node.get("additionalProperties"), dict):
        _convert(node["additionalProperties"], closed=closed)
    if isinstance(node.get("items"), dict):
        _convert(node["items"], closed=closed)
    for keyword in _SUBSCHEMA_LISTS:
        for branch in node.get(keyword, []):
            _convert(branch, closed=False)
    if isinstance(node.get("not"), dict):
        _convert(node["not"], closed=False)

    # A propertyless `type: object` is closed too: the API server prunes every
    # field of it, so strict validation refuses them all.
    if closed and is_object and not preserve_unknown and "additionalProperties" not in node:
        node["additionalProperties"] = False
    return node
