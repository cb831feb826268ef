"""Which Kubernetes versions the embedded schemas (kubernetes-validate) carry."""

from __future__ import annotations

import functools
import importlib.util
import re
from pathlib import Path

DEFAULT_KUBERNETES_VERSION = "1.34"
MINIMUM_KUBERNETES_VERSION = (1, 25)

_FOLDER = re.compile(r"v([0-9]+)\.([0-9]+)\.0-local-strict")


@functools.cache
def schema_root() -> Path:
    # find_spec locates the package without importing it: its __init__ pulls in the
    # pure-Python jsonschema library, which costs a tenth of a second at every start.
    spec = importlib.util.find_spec("kubernetes_validate")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("kubernetes-validate is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "kubernetes-json-schema"


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
