"""Bundled schemas: the same verdicts as the full definitions document, cached safely."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest

from ingressgen.kube_versions import strict_schema_folder
from ingressgen.validation.schemas import bundles
from ingressgen.validation.schemas.crd_registry import load_own_crd_schemas
from ingressgen.validation.schemas.crd_schema import KUBERNETES_DEFINITIONS_URI
from tests.conftest import schema_findings

pytestmark = pytest.mark.usefixtures("private_cache")


def _full_document_validator(version: str, schema: dict[str, Any]) -> Any:
    """The reference: the schema compiled against the whole `_definitions.json`."""
    definitions = json.loads((strict_schema_folder(version) / "_definitions.json").read_text())
    registry = jsonschema_rs.Registry([(KUBERNETES_DEFINITIONS_URI, definitions)])
    text = json.dumps(schema).replace('"/api/_definitions.json#', f'"{KUBERNETES_DEFINITIONS_URI}#')
    return jsonschema_rs.validator_for(json.loads(text), registry=registry)


def _errors(validator: Any, obj: Any) -> set[tuple[tuple[Any, ...], str]]:
    return {(tuple(e.instance_path), e.message) for e in validator.iter_errors(obj)}


OBJECTS: list[dict[str, Any]] = [
    {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s", "labels": {"a": 1}}},
    {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "s", "ownerReferences": [{"kind": "X"}]},
        "spec": {"ports": [{"port": "80"}], "bogus": True},
    },
    {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "d"},
        "spec": {
            "selector": {"matchLabels": {"a": "b"}},
            "template": {
                "spec": {
                    "containers": [{"name": "c", "resources": {"limits": {"cpu": []}}, "probe": 1}],
                    "volumes": [{"name": "v", "configMap": {"items": [{"key": 1}]}}],
                }
            },
        },
    },
    {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "i"}, "spec": 3},
    {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": 1}},
]


@pytest.mark.parametrize("version", ["1.25", "1.34", "1.37"])
def test_bundled_schemas_give_the_same_errors_as_the_full_document(version: str) -> None:
    for obj in OBJECTS:
        group, _, api = obj["apiVersion"].rpartition("/")
        gvk = (group, api, obj["kind"])
        source = bundles.source_schema(version, gvk)
        assert source is not None
        reference = _full_document_validator(version, source)
        bundled = jsonschema_rs.validator_for(bundles.bundled_schema(version, gvk))
        assert _errors(bundled, obj) == _errors(reference, obj), obj["kind"]
        assert _errors(bundled, obj), "each example is invalid somewhere"


def test_own_crd_schemas_bundle_too() -> None:
    for gvk in load_own_crd_schemas():
        bundle = bundles.bundled_schema("1.34", gvk)
        assert bundle is not None
        refs = list(bundles._refs(bundle))
        assert all(ref.startswith("#/$defs/") for ref in refs), gvk
        assert "$id" not in bundle
        jsonschema_rs.validator_for(bundle)  # compiles with nothing to fetch


def test_unknown_kinds_have_no_bundle() -> None:
    assert bundles.bundled_schema("1.34", ("example.com", "v1", "Widget")) is None
    # networking.cfargotunnel.com shares its first label with networking.k8s.io: never confused
    assert bundles.bundled_schema("1.34", ("networking.example.com", "v1", "Ingress")) is None


def test_bundles_are_cached_and_reused(
    private_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gvk = ("", "v1", "Service")
    first = bundles.bundled_schema("1.34", gvk)
    assert len(list(private_cache.rglob("*.marshal"))) == 1

    def not_again(*args: Any) -> Any:
        raise AssertionError("the cached bundle should have been used")

    monkeypatch.setattr(bundles, "self_contained", not_again)
    assert bundles.bundled_schema("1.34", gvk) == first


def test_a_damaged_cache_file_is_rebuilt(private_cache: Path) -> None:
    gvk = ("", "v1", "ConfigMap")
    first = bundles.bundled_schema("1.34", gvk)
    [cached] = private_cache.rglob("*.marshal")
    cached.write_bytes(b"\x00not marshal")
    assert bundles.bundled_schema("1.34", gvk) == first


def test_an_unwritable_cache_only_costs_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    bundles._cache_folder.cache_clear()
    obj = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": 1}}
    assert [f.path for f in schema_findings(obj, "1.34")] == [("data", "a")]
