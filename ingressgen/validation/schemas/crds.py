"""`--crd FILE|DIR`: the user's CustomResourceDefinitions, turned into strict schemas.

A file may hold one CRD, several YAML documents, or a `kind: List` of them (what
`kubectl get crd -o yaml` prints). A folder is read recursively like `validate` reads one:
`.yaml`/`.yml` files in sorted order, dot-files and links skipped, only regular files of at most
64 MiB read. Each served version's openAPIV3Schema becomes a strict JSON
Schema (unknown fields refused unless `x-kubernetes-preserve-unknown-fields`), which then checks
the objects of that group, version and kind ahead of any other schema.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import yaml

from ingressgen.errors import InputError, Location, Problem
from ingressgen.validation.reading.files import Unreadable, read_file, refuse_if_too_deep
from ingressgen.validation.reading.loader import read_yaml
from ingressgen.validation.schemas.crd_schema import (
    iter_crd_versions,
    strict_schema_from_crd_version,
)
from ingressgen.yaml_io import yaml_error_problem

GroupVersionKind = tuple[str, str, str]

CRD_HINT = (
    "--crd takes CustomResourceDefinition files, e.g. what `kubectl get crd NAME -o yaml` prints"
)


CRD_SUFFIXES = (".yaml", ".yml")


def crd_files(paths: Sequence[Path]) -> list[Path]:
    """The files the --crd values name: each file itself, each folder's YAML files."""
    found: list[Path] = []
    for path in paths:
        if not path.is_dir():
            found.append(path)  # a missing or unreadable file is reported when it is read
            continue
        before = len(found)
        for root, dirs, names in os.walk(path, followlinks=False):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            found.extend(
                Path(root, name)
                for name in sorted(names)
                if not name.startswith(".")
                and name.endswith(CRD_SUFFIXES)
                # A link may lead out of the folder, or to a device: skipped, as validate does.
                and not os.path.islink(os.path.join(root, name))
            )
        if len(found) == before:
            problem = Problem(
                Location(path.as_posix()),
                "--crd folder holds no .yaml or .yml file; for JSON schemas use --schema-location",
            )
            raise InputError(problems=[problem])
    return found


def _crd_documents(path: Path) -> Iterator[tuple[int, Any]]:
    shown = path.as_posix()
    try:
        # Read as manifests are: a regular file, bounded in size and depth (a FIFO or a
        # device is never waited on or read, a deep schema never reaches a recursive reader).
        data = read_file(shown, b"")
        refuse_if_too_deep(shown, data)
    except OSError as error:
        problem = Problem(Location(shown), f"cannot read --crd file: {error}")
        raise InputError(problems=[problem]) from None
    except Unreadable as unreadable:
        raise InputError(problems=[unreadable.problem]) from None
    try:
        documents = read_yaml(data)
    except yaml.YAMLError as error:
        raise InputError(problems=[yaml_error_problem(error, shown)]) from None
    for document in documents:
        value = document.value
        if value is None:
            continue
        if isinstance(value, dict) and value.get("kind") == "List":
            for item in value.get("items") or []:
                yield document.line, item
        else:
            yield document.line, value


def load_crd_schemas(paths: Sequence[Path]) -> dict[GroupVersionKind, dict[str, Any]]:
    """(group, version, kind) -> strict schema for every served version of every CRD given."""
    schemas: dict[GroupVersionKind, dict[str, Any]] = {}
    problems: list[Problem] = []
    for path in crd_files(paths):
        found = 0
        for line, document in _crd_documents(path):
            where = Location(path.as_posix(), line)
            kind = document.get("kind") if isinstance(document, dict) else None
            if kind != "CustomResourceDefinition":
                problems.append(
                    Problem(where, f"not a CustomResourceDefinition (kind: {kind!r}); {CRD_HINT}")
                )
                continue
            try:
                for group, crd_kind, version, schema in iter_crd_versions(document):
                    strict = strict_schema_from_crd_version(
                        schema, api_version=f"{group}/{version}", kind=crd_kind
                    )
                    schemas[(group, version, crd_kind)] = strict
                    found += 1
            except (KeyError, TypeError, AttributeError, ValueError) as error:
                problems.append(
                    Problem(where, f"a CustomResourceDefinition without a usable spec ({error!r})")
                )
        if found == 0 and not problems:
            problems.append(
                Problem(
                    Location(path.as_posix()),
                    f"holds no served CRD version with a schema; {CRD_HINT}",
                )
            )
    if problems:
        raise InputError(problems=problems)
    return schemas
