"""ingressgen's own strict CRD schemas (ingressgen/schemas/crds/<group>/<kind>_<version>.json)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable


def _crd_root() -> Traversable:
    # The package's own folder when it is on disk (always, unless imported from a zip file):
    # importlib.resources costs several milliseconds of imports at every start.
    here = Path(__file__).resolve().parents[2] / "schemas" / "crds"
    if here.is_dir():
        return here
    from importlib.resources import files

    return files("ingressgen").joinpath("schemas", "crds")


def load_own_crd_schemas() -> dict[tuple[str, str, str], dict[str, Any]]:
    """Map (group, version, kind) to each bundled schema; kind and version come from its enums."""
    schemas: dict[tuple[str, str, str], dict[str, Any]] = {}
    for group_dir in _crd_root().iterdir():
        if not group_dir.is_dir():
            continue
        for entry in group_dir.iterdir():
            if not entry.name.endswith(".json"):
                continue
            schema: dict[str, Any] = json.loads(entry.read_text(encoding="utf-8"))
            api_version: str = schema["properties"]["apiVersion"]["enum"][0]
            kind: str = schema["properties"]["kind"]["enum"][0]
            schemas[(group_dir.name, api_version.rpartition("/")[2], kind)] = schema
    return schemas
