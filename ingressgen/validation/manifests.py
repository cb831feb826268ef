"""`ingressgen validate`: existing manifest files checked with the same schemas as `render`."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ingressgen.errors import InputError, Location, Problem
from ingressgen.validation.embedded import validate_object
from ingressgen.yaml_io import iter_documents_with_lines, yaml_error_problem

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
KUSTOMIZATION_NAMES = frozenset({"kustomization.yaml", "kustomization.yml", "Kustomization"})


@dataclass
class ValidationReport:
    files: int = 0
    objects: int = 0
    invalid: int = 0
    problems: list[Problem] = field(default_factory=list)


def discover_manifests(paths: Sequence[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            for root, dirs, names in os.walk(path, followlinks=False):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                found.extend(
                    Path(root, name)
                    for name in sorted(names)
                    if not name.startswith(".")
                    and name.endswith(MANIFEST_SUFFIXES)
                    and name not in KUSTOMIZATION_NAMES
                )
        elif path.is_file():
            if path.name not in KUSTOMIZATION_NAMES:
                found.append(path)
        else:
            raise InputError(problems=[Problem(Location(str(path)), "no such file or folder")])
    return found


def _objects(document: Any) -> Iterator[Any]:
    if isinstance(document, dict) and document.get("kind") == "List":
        yield from document.get("items") or []
    else:
        yield document


def validate_manifests(paths: Sequence[Path], kubernetes_version: str) -> ValidationReport:
    report = ValidationReport()
    for file in discover_manifests(paths):
        report.files += 1
        name = file.as_posix()
        try:
            text = file.read_text(encoding="utf-8")
            documents = list(iter_documents_with_lines(text))
        except (OSError, UnicodeDecodeError) as error:
            report.problems.append(Problem(Location(name), f"cannot read: {error}"))
            continue
        except yaml.YAMLError as error:
            report.problems.append(yaml_error_problem(error, name))
            continue
        for line, document in documents:
            if document is None:
                continue
            for obj in _objects(document):
                report.objects += 1
                findings = _check(obj, kubernetes_version)
                if findings:
                    report.invalid += 1
                    label = _label(obj)
                    report.problems.extend(
                        Problem(Location(name, line), f"{label}: {finding}") for finding in findings
                    )
    return report


def _check(obj: Any, kubernetes_version: str) -> list[str]:
    if not isinstance(obj, dict):
        return [f"not a Kubernetes object (a YAML {type(obj).__name__}, expected a mapping)"]
    return [str(f) for f in validate_object(obj, kubernetes_version)]


def _label(obj: Any) -> str:
    if not isinstance(obj, dict):
        return "?"
    metadata = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    assert isinstance(metadata, dict)
    return f"{obj.get('kind', '?')}/{metadata.get('name', '?')}"
