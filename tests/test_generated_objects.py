"""Everything ingressgen generates passes the strict Kubernetes schemas of every supported
version, and every MetalLB object passes MetalLB's own (upstream) CRD schema made strict."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from ingressgen.kube_versions import supported_kubernetes_versions
from tests.conftest import (
    REPO,
    Result,
    cloudflare_profile,
    metallb_profile,
    schema_findings,
    upstream_crd_validators,
    write,
)

VARIANTS: dict[str, dict[str, Any]] = {
    "l2.yaml": metallb_profile(
        **{"spec.metallb.addressPool": "l2-pool", "spec.metallb.addresses": ["192.0.2.0/28"]}
    ),
    "bgp.yaml": metallb_profile(
        **{
            "metadata.name": "bgp",
            "spec.metallb.advertisement": "bgp",
            "spec.metallb.addressPool": "bgp-pool",
            "spec.metallb.addresses": ["198.51.100.0/28", "2001:db8::/124"],
            "spec.metallb.loadBalancerIPs": ["198.51.100.2", "2001:db8::2"],
            "spec.metallb.version": "0.13.12",
        }
    ),
    "ingress.yaml": cloudflare_profile(
        **{"metadata.name": "ing", "spec.cloudflareTunnel.mode": "ingress-controller"}
    ),
    "tunnel.yaml": cloudflare_profile(
        **{"metadata.name": "tun", "spec.cloudflareTunnel.replicas": 1}
    ),
}


@pytest.fixture
def generated(workdir: Path, run: Callable[..., Result]) -> list[dict[str, Any]]:
    write(workdir, {f"p/{name}": data for name, data in VARIANTS.items()})
    result = run("render", "p", REPO / "profiles", "--out", "out")
    assert result.code == 0, result.err
    objects = []
    for path in sorted((workdir / "out").rglob("*.yaml")):
        if path.name != "kustomization.yaml":
            objects.extend(yaml.safe_load_all(path.read_text()))
    assert {o["kind"] for o in objects} >= {
        "Service", "IPAddressPool", "L2Advertisement", "BGPAdvertisement",
        "Ingress", "ConfigMap", "Deployment", "PodDisruptionBudget",
    }  # fmt: skip
    return objects


def test_every_object_is_valid_for_every_supported_version(generated: list[dict[str, Any]]) -> None:
    for version in supported_kubernetes_versions():
        for obj in generated:
            assert schema_findings(obj, version) == [], (version, obj["kind"])


def test_metallb_objects_pass_the_upstream_crds(generated: list[dict[str, Any]]) -> None:
    upstream = upstream_crd_validators("metallb")
    metallb_objects = [o for o in generated if o["apiVersion"].startswith("metallb.io/")]
    assert len(metallb_objects) >= 4
    for obj in metallb_objects:
        errors = [e.message for e in upstream[(obj["apiVersion"], obj["kind"])].iter_errors(obj)]
        assert errors == [], (obj["kind"], errors)
