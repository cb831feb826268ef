"""Shared fixtures: profile builders and an in-process CLI runner."""

from __future__ import annotations

import contextlib
import copy
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from ingressgen.cli import main

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"

METALLB_PROFILE: dict[str, Any] = {
    "apiVersion": "ingressgen.dev/v1alpha1",
    "kind": "ServiceProfile",
    "metadata": {"name": "chat", "namespace": "apps"},
    "spec": {
        "exposure": "metallb",
        "hostname": "chat.example.com",
        "protocol": "websocket",
        "service": {"port": 8080, "selector": {"app": "chat"}},
        "websocket": {"path": "/ws", "heartbeatSeconds": 30},
        "metallb": {
            "version": "0.14.9",
            "addressPool": "public",
            "addresses": ["203.0.113.0/28"],
        },
    },
}

CLOUDFLARE_PROFILE: dict[str, Any] = {
    "apiVersion": "ingressgen.dev/v1alpha1",
    "kind": "ServiceProfile",
    "metadata": {"name": "chat", "namespace": "apps"},
    "spec": {
        "exposure": "cloudflare-tunnel",
        "hostname": "chat.example.com",
        "protocol": "websocket",
        "service": {"port": 8080},
        "websocket": {"path": "/ws", "heartbeatSeconds": 30},
        "cloudflareTunnel": {"tunnel": "edge", "credentialsSecret": "tunnel-creds"},
    },
}


def reference_binary(name: str) -> Path | None:
    """A real upstream tool: on PATH, else the reference build in ../shared/bin (if present)."""
    found = shutil.which(name)
    if found:
        return Path(found)
    candidate = SHARED / "bin" / name
    return candidate if os.access(candidate, os.X_OK) else None


def metallb_profile(**changes: Any) -> dict[str, Any]:
    return _with(METALLB_PROFILE, changes)


def cloudflare_profile(**changes: Any) -> dict[str, Any]:
    return _with(CLOUDFLARE_PROFILE, changes)


def _with(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """Apply changes given as dotted paths, e.g. {"spec.service.port": 0}; None deletes."""
    data = copy.deepcopy(base)
    for dotted, value in changes.items():
        *parents, last = dotted.replace("__", ".").split(".")
        node = data
        for part in parents:
            node = node.setdefault(part, {})
        if value is None:
            node.pop(last, None)
        else:
            node[last] = value
    return data


def dump(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, sort_keys=False)


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Callable[..., Result]:
    """Run the CLI in-process; returns exit code, stdout and stderr."""

    def invoke(*args: str | Path) -> Result:
        with pytest.raises(SystemExit) as exited:
            main([str(a) for a in args])
        captured = capsys.readouterr()
        code = exited.value.code
        return Result(code if isinstance(code, int) else 1, captured.out, captured.err)

    return invoke


@pytest.fixture
def no_kubeconform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No kubeconform to be found ($KUBECONFORM unset, PATH an empty folder), wherever one is
    installed: `auto` means the embedded backend."""
    monkeypatch.delenv("KUBECONFORM", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))


@pytest.fixture
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty cache folder of the test's own: schemas are bundled (and kubeconform's schema
    folders prepared) afresh, and what the process had compiled is forgotten, then and after."""
    from ingressgen.validation.schemas import bundles, embedded

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    bundles._cache_folder.cache_clear()
    embedded._validator.cache_clear()
    yield tmp_path / "cache"
    bundles._cache_folder.cache_clear()
    embedded._validator.cache_clear()


@pytest.fixture
def workdir(tmp_path: Path) -> Iterator[Path]:
    """A temporary project folder that is also the working directory."""
    previous = Path.cwd()
    os.chdir(tmp_path)
    try:
        yield tmp_path
    finally:
        os.chdir(previous)


def write(root: Path, files: dict[str, str | dict[str, Any]]) -> None:
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content if isinstance(content, str) else dump(content))


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under a folder (dot-files included) with its bytes."""
    if not folder.exists():
        return {}
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def schema_findings(obj: dict[str, Any], kubernetes_version: str) -> list[Any]:
    """What the embedded schema backend finds wrong with one object ([] when it is valid)."""
    from ingressgen.validation.schemas.backends import EmbeddedSchemas

    [findings] = EmbeddedSchemas().check([obj], kubernetes_version)
    return findings


def upstream_crd_validators(folder: str) -> dict[tuple[str, str], Any]:
    """Validators for the upstream CRDs in ../shared/reference/crds/<folder>, made strict,
    keyed by (apiVersion, kind); the calling test is skipped when ../shared is absent."""
    import json

    import jsonschema_rs

    from ingressgen.kube_versions import strict_schema_folder
    from ingressgen.validation.schemas.crd_schema import (
        KUBERNETES_DEFINITIONS_URI,
        iter_crd_versions,
        strict_schema_from_crd_version,
    )

    crd_folder = SHARED / "reference/crds" / folder
    if not crd_folder.is_dir():
        pytest.skip(f"../shared/reference/crds/{folder} is not beside this repository")
    definitions = json.loads((strict_schema_folder("1.34") / "_definitions.json").read_text())
    registry = jsonschema_rs.Registry([(KUBERNETES_DEFINITIONS_URI, definitions)])
    validators: dict[tuple[str, str], Any] = {}
    for crd_file in sorted(crd_folder.glob("*.yaml")):
        for group, kind, version, schema in iter_crd_versions(yaml.safe_load(crd_file.read_text())):
            api_version = f"{group}/{version}"
            strict = strict_schema_from_crd_version(schema, api_version=api_version, kind=kind)
            validators[(api_version, kind)] = jsonschema_rs.validator_for(strict, registry=registry)
    return validators


def widget_crd(**spec_properties: Any) -> dict[str, Any]:
    """A CRD for example.com/v1 Widget (v0 defined but not served) with these spec fields."""
    schema = {
        "type": "object",
        "properties": {"spec": {"type": "object", "properties": spec_properties}},
    }
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {
            "group": "example.com",
            "names": {"kind": "Widget", "plural": "widgets"},
            "scope": "Namespaced",
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {"openAPIV3Schema": schema},
                },
                {
                    "name": "v0",
                    "served": False,
                    "storage": False,
                    "schema": {"openAPIV3Schema": schema},
                },
            ],
        },
    }


@contextlib.contextmanager
def working_folder(prefix: str) -> Iterator[Path]:
    """A folder of its own, the working directory meanwhile: for property tests, whose many
    examples share one module-scoped folder (function-scoped tmp_path cannot serve them)."""
    previous = Path.cwd()
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    os.chdir(folder)
    try:
        yield folder
    finally:
        os.chdir(previous)
        shutil.rmtree(folder, ignore_errors=True)
