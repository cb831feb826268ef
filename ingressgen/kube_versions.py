"""Which Kubernetes versions the embedded schemas (kubernetes-validate) carry."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import kubernetes_validate

DEFAULT_KUBERNETES_VERSION = "1.34"
MINIMUM_KUBERNETES_VERSION = (1, 25)

_FOLDER = re.compile(r"v([0-9]+)\.([0-9]+)\.0-local-strict")


def schema_root() -> Path:
    return Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema"


def strict_schema_folder(version: str) -> Path:
    """The strict schema folder for 'X.Y'."""
    return schema_root() / f"v{version}.0-local-strict"


@functools.cache
def supported_kubernetes_versions() -> tuple[str, ...]:
    found: list[tuple[int, int]] = []
    for entry in schema_root().iterdir():
        match = _FOLDER.fullmatch(entry.name)
        if match:
            version = (int(match.group(1)), int(match.group(2)))
            if version >= MINIMUM_KUBERNETES_VERSION:
                found.append(version)
    return tuple(f"{major}.{minor}" for major, minor in sorted(found))


def version_tuple(version: str) -> tuple[int, int]:
    major, minor = version.split(".")
    return int(major), int(minor)
