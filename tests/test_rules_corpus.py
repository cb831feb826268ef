"""Realistic valid manifests never get a finding: kubectl's own output (`kubectl create ...
--dry-run=client -o yaml`), hand-written workloads in common shapes, a `kind: List`, objects
named by `generateName`, the committed out/ and the benchmark corpus, for every supported
Kubernetes version, through the rules alone and through `ingressgen validate`."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from ingressgen.validation.rules import check_object
from tests.conftest import REPO, Result
from tests.rules_helpers import VERSIONS

DATA = REPO / "tests" / "data" / "api_rules"
ALL_VERSIONS = tuple(f"1.{minor}" for minor in range(25, 38))

Run = Callable[..., Result]


def _objects(folder: Path) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in sorted(folder.rglob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        for document in yaml.safe_load_all(path.read_text()):
            if not isinstance(document, dict):
                continue
            items = document["items"] if document.get("kind") == "List" else [document]
            found += [(f"{path.name}:{item.get('kind')}", item) for item in items]
    return found


CORPUS = _objects(DATA)


@pytest.fixture(autouse=True)
def _embedded(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("KUBECONFORM", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))


def test_the_corpus_covers_every_kind_the_api_rules_know() -> None:
    kinds = {obj["kind"] for _, obj in CORPUS}
    assert kinds >= {
        "Pod",
        "Deployment",
        "ReplicaSet",
        "StatefulSet",
        "DaemonSet",
        "Job",
        "CronJob",
        "HorizontalPodAutoscaler",
        "NetworkPolicy",
        "IngressClass",
        "Ingress",
        "Service",
        "Secret",
        "ConfigMap",
        "PodDisruptionBudget",
    }


@pytest.mark.parametrize(("where", "obj"), CORPUS, ids=[where for where, _ in CORPUS])
def test_valid_manifests_get_no_rule_finding(where: str, obj: dict[str, Any]) -> None:
    for version in ALL_VERSIONS:
        assert check_object(obj, version) == [], (where, version)


@pytest.mark.parametrize("version", VERSIONS)
def test_validate_accepts_the_corpus(run: Run, version: str) -> None:
    result = run("validate", DATA, "--kubernetes-version", version, "--validator", "embedded")
    assert result.code == 0, result.err
    assert " 0 invalid" in result.err + result.out


def test_the_committed_output_gets_no_rule_finding() -> None:
    objects = _objects(REPO / "out")
    assert objects
    for where, obj in objects:
        for version in ALL_VERSIONS:
            assert check_object(obj, version) == [], (where, version)


def test_validate_accepts_the_benchmark_corpus(run: Run, tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location(
        "manifest_corpus", REPO / "bench" / "manifest_corpus.py"
    )
    assert spec is not None and spec.loader is not None
    corpus = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(corpus)
    corpus.generate(tmp_path / "corpus", 25)
    for version in ("1.25", "1.34", "1.37"):
        result = run("validate", tmp_path / "corpus", "--kubernetes-version", version)
        assert result.code == 0, result.err
