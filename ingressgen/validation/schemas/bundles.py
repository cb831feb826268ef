"""Self-contained schemas: a kind's schema with the Kubernetes definitions it uses copied in.

kubernetes-validate's kind schemas refer to one shared `_definitions.json` (1.3-1.8 MB), and
ingressgen's CRD schemas refer to it for `metadata`. Compiling against the whole document costs
tens of milliseconds per process; a bundle holds only the definitions one kind needs, under its
own `$defs`, so it compiles in a few milliseconds, needs no registry and can never point at the
network. Bundles are cached on disk (marshal: read back in well under a millisecond).
"""

from __future__ import annotations

import functools
import json
import marshal
import re
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ingressgen.kube_versions import strict_schema_folder
from ingressgen.validation.schemas.cache import (
    cache_root,
    read_sealed,
    seal,
    write_file_atomically,
)
from ingressgen.validation.schemas.crd_registry import _crd_root, load_own_crd_schemas

_DEFINITIONS_REF = "_definitions.json#/$defs/"
_LOCAL_REF = "#/$defs/"
_FORMAT = 2  # bump when the bundle layout changes (2: integer bounds)
# The API server decodes an int32 or int64 field into a Go integer of that size and refuses a
# value out of its range (`replicas: 2147483648`); the schemas only say `format: int32`, which
# JSON Schema does not check on numbers. Bounds put the check in the schema, at no cost per
# object. Only Kubernetes' own types get them: a CRD's formats are the CRD author's business.
INTEGER_BOUNDS = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}

GroupVersionKind = tuple[str, str, str]


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def _rewrite(node: Any) -> Any:
    """Refs into `_definitions.json` (root-relative or absolute) become local `#/$defs/` refs."""
    if isinstance(node, dict):
        result = {}
        for key, value in node.items():
            if key == "$id":
                continue  # an https $id would make every relative ref resolve against the network
            if key == "$ref" and isinstance(value, str) and _DEFINITIONS_REF in value:
                value = _LOCAL_REF + value.split(_DEFINITIONS_REF, 1)[1]
                result[key] = value
            else:
                result[key] = _rewrite(value)
        return result
    if isinstance(node, list):
        return [_rewrite(item) for item in node]
    return node


def with_integer_bounds(node: Any, bounds: dict[str, tuple[int, int]] = INTEGER_BOUNDS) -> Any:
    """A copy of a schema where every integer of a format in `bounds` (int32, int64) has the
    minimum and maximum of its Go type."""
    if isinstance(node, list):
        return [with_integer_bounds(item, bounds) for item in node]
    if not isinstance(node, dict):
        return node
    result = {key: with_integer_bounds(value, bounds) for key, value in node.items()}
    form, types = node.get("format"), node.get("type")
    integer = types == "integer" or (isinstance(types, list) and "integer" in types)
    if integer and isinstance(form, str) and form in bounds:
        low, high = bounds[form]
        result.setdefault("minimum", low)
        result.setdefault("maximum", high)
    return result


def self_contained(schema: dict[str, Any], definitions: dict[str, Any]) -> dict[str, Any]:
    """`schema` with every Kubernetes definition it reaches copied into its own `$defs`."""
    result: dict[str, Any] = _rewrite(schema)
    bundled: dict[str, Any] = dict(result.get("$defs", {}))
    wanted = [r[len(_LOCAL_REF) :] for r in _refs(result) if r.startswith(_LOCAL_REF)]
    while wanted:
        name = wanted.pop()
        if name in bundled or name not in definitions:
            continue
        bundled[name] = definitions[name]
        wanted.extend(
            r[len(_LOCAL_REF) :] for r in _refs(definitions[name]) if r.startswith(_LOCAL_REF)
        )
    if bundled:
        result["$defs"] = dict(sorted(bundled.items()))
    return result


@functools.cache
def definitions(kubernetes_version: str) -> dict[str, Any]:
    text = (strict_schema_folder(kubernetes_version) / "_definitions.json").read_text()
    defs: dict[str, Any] = with_integer_bounds(json.loads(text)["$defs"])
    return defs


@functools.cache
def _own_crd_files() -> dict[GroupVersionKind, Path]:
    """ingressgen's own CRD schema files by (group, version, kind), from their names."""
    root = _crd_root()
    found: dict[GroupVersionKind, Path] = {}
    if not isinstance(root, Path):
        return found
    for path in sorted(root.glob("*/*.json")):
        kind, _, version = path.stem.rpartition("_")
        found[(path.parent.name, version, kind)] = path
    return found


@functools.cache
def _own_crd_schemas() -> dict[GroupVersionKind, dict[str, Any]]:
    return load_own_crd_schemas()


def schema_file_name(group: str, version: str, kind: str) -> str:
    """kubernetes-validate's (and kubeconform's) file name for a built-in kind."""
    suffix = version if not group else f"{group.split('.')[0]}-{version}"
    return f"{kind.lower()}-{suffix}.json"


def source_schema(kubernetes_version: str, gvk: GroupVersionKind) -> dict[str, Any] | None:
    """The unbundled schema: ingressgen's own CRD schema, else kubernetes-validate's; or None."""
    own = _own_crd_schemas().get(gvk)
    if own is not None:
        return own
    group, version, kind = gvk
    path = strict_schema_folder(kubernetes_version) / schema_file_name(group, version, kind)
    if not path.is_file():
        return None
    schema: dict[str, Any] = json.loads(path.read_text())
    # Two groups can share a first label; the file must really describe this kind.
    declared = schema.get("x-kubernetes-group-version-kind", [])
    if {"group": group, "version": version, "kind": kind} not in declared:
        return None
    bounded: dict[str, Any] = with_integer_bounds(schema)
    return bounded


# What the parts of a kind's identity can be (DNS subdomain groups, alphanumeric versions and
# kinds), with room to spare.
_PLAIN_GROUP = re.compile(r"[a-z0-9.-]{0,253}")
_PLAIN_NAME = re.compile(r"[A-Za-z0-9]{1,63}")


def _may_exist(kubernetes_version: str, gvk: GroupVersionKind) -> bool:
    """A cheap test (one stat) before anything is read: is there any schema for this kind?"""
    group, version, kind = gvk
    if (group, version, kind.lower()) in _own_crd_files():
        return True
    if not _PLAIN_GROUP.fullmatch(group) or not (
        _PLAIN_NAME.fullmatch(version or "-") and _PLAIN_NAME.fullmatch(kind or "-")
    ):
        # Not a name any schema has; and these parts become file names (of the schema, of
        # its cache entry): `../` in a kind must never reach the file system, nor 300 letters.
        return False
    folder = strict_schema_folder(kubernetes_version)
    return (folder / schema_file_name(group, version, kind)).is_file()


@functools.cache
def _cache_folder(kubernetes_version: str) -> Path:
    """Keyed by everything a bundle is made from, so a reinstall or an upgrade never reuses one."""
    definitions_file = strict_schema_folder(kubernetes_version) / "_definitions.json"
    stat = definitions_file.stat()
    key = f"{_FORMAT}|{sys.version_info[:2]}|{marshal.version}|"
    key += f"{definitions_file}|{stat.st_size}|{stat.st_mtime_ns}|"
    checksum = zlib.crc32(key.encode())  # zlib, not hashlib: a third of the import time
    for gvk, path in _own_crd_files().items():
        checksum = zlib.crc32(f"{gvk}|".encode() + path.read_bytes(), checksum)
    return cache_root() / "schemas" / f"{checksum:08x}" / f"v{kubernetes_version}"


def bundled_schema(
    kubernetes_version: str, gvk: GroupVersionKind, *, rebuild: bool = False
) -> dict[str, Any] | None:
    """The self-contained schema for a kind, from the disk cache when it is there and intact.

    `rebuild`: ignore the cached copy (it was found wrong later, say it would not compile).
    """
    if not _may_exist(kubernetes_version, gvk):
        return None
    group, version, kind = gvk
    path = _cache_folder(kubernetes_version) / f"{group or 'core'}.{version}.{kind}.marshal"
    cached = None if rebuild else _read_bundle(path)
    if cached is not None:
        return cached[0]
    schema = source_schema(kubernetes_version, gvk)
    bundle = None if schema is None else self_contained(schema, definitions(kubernetes_version))
    write_file_atomically(path, seal(path.name, marshal.dumps(bundle)))
    return bundle


def _read_bundle(path: Path) -> tuple[dict[str, Any] | None] | None:
    """(bundle,) from an intact cache file, None when it is missing or damaged: its digest is
    checked before marshal reads a byte, since marshal is not safe on damaged data."""
    payload = read_sealed(path)
    if payload is None:
        return None
    try:
        bundle = marshal.loads(payload)
    except (ValueError, EOFError, TypeError):
        return None
    if bundle is not None and not isinstance(bundle, dict):
        return None
    return (bundle,)
