"""Each error rule, triggered alone: exit 2, nothing written, and the JSON report names the rule
and the file; a meta-test keeps one case per error rule of the table."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ingressgen.findings import PROFILE_RULES, Level
from tests.conftest import Result, cloudflare_profile, metallb_profile, write

Run = Callable[..., Result]

PEER: dict[str, Any] = {"name": "tor", "myASN": 64512, "peerASN": 64513, "peerAddress": "10.0.0.1"}
SHARING = {"spec.metallb.loadBalancerIPs": ["203.0.113.2"], "spec.metallb.sharedIPKey": "edge"}


def second_metallb(**changes: Any) -> dict[str, Any]:
    return metallb_profile(**{"metadata.name": "b", **changes})


def second_tunnel(**changes: Any) -> dict[str, Any]:
    return cloudflare_profile(**{"metadata.name": "b", "spec.hostname": "b.example.com", **changes})


# rule -> (the profiles of the run, the file the error points at)
CASES: dict[str, tuple[dict[str, dict[str, Any]], str]] = {
    "profile-invalid": (
        {"a.yaml": metallb_profile(**{"spec.service.port": 0})},
        "p/a.yaml",
    ),
    "profile-secret-value": (
        {"a.yaml": metallb_profile(**{"metadata.annotations": {"note": "password=hunter22"}})},
        "p/a.yaml",
    ),
    "profile-folder-shared": (
        {"a.yaml": metallb_profile(), "b.yaml": metallb_profile()},
        "p/b.yaml",
    ),
    "profile-extends-invalid": (
        {"a.yaml": {"extends": "missing.yaml", "metadata": {"name": "a"}}},
        "p/a.yaml",
    ),
    "object-defined-twice": (
        {
            "a.yaml": metallb_profile(**{"spec.metallb.serviceName": "shared-lb"}),
            "b.yaml": second_metallb(
                **{
                    "spec.metallb.serviceName": "shared-lb",
                    "spec.metallb.addresses": None,
                    "spec.service.port": 9090,
                }
            ),
        },
        "p/b.yaml",
    ),
    "cloudflare-route-duplicate": (
        {
            "a.yaml": cloudflare_profile(),
            "b.yaml": second_tunnel(**{"spec.hostname": cloudflare_profile()["spec"]["hostname"]}),
        },
        "p/b.yaml",
    ),
    "cloudflare-tunnel-disagreement": (
        {
            "a.yaml": cloudflare_profile(),
            "b.yaml": second_tunnel(**{"spec.cloudflareTunnel.replicas": 5}),
        },
        "p/b.yaml",
    ),
    "cloudflared-rule-refused": (
        # cloudflared refuses access audTags without a teamName (V8).
        {
            "a.yaml": cloudflare_profile(
                **{
                    "spec.cloudflareTunnel.originRequest": {
                        "access": {"required": True, "audTag": ["abc"]}
                    }
                }
            )
        },
        "p/a.yaml",
    ),
    "cloudflare-ca-pool-unmounted": (
        {
            "a.yaml": cloudflare_profile(
                **{
                    "spec.cloudflareTunnel.originTLS": True,
                    "spec.cloudflareTunnel.originRequest": {"caPool": "/etc/ssl/ca.crt"},
                }
            )
        },
        "p/a.yaml",
    ),
    "cloudflare-controller-too-old": (
        {
            "a.yaml": cloudflare_profile(
                **{
                    "spec.cloudflareTunnel": {
                        "mode": "ingress-controller",
                        "controllerVersion": "0.0.9",
                        "originRequest": {"connectTimeout": "10s"},
                    }
                }
            )
        },
        "p/a.yaml",
    ),
    "websocket-path-regex": (
        {"a.yaml": cloudflare_profile(**{"spec.websocket.path": "/ws.*"})},
        "p/a.yaml",
    ),
    "metallb-namespace-disagreement": (
        {
            "a.yaml": metallb_profile(),
            "b.yaml": second_metallb(
                **{
                    "spec.metallb.namespace": "metallb",
                    "spec.metallb.addressPool": "other",
                    "spec.metallb.addresses": ["198.51.100.0/28"],
                }
            ),
        },
        "p/b.yaml",
    ),
    "metallb-pool-disagreement": (
        {
            "a.yaml": metallb_profile(),
            "b.yaml": second_metallb(**{"spec.metallb.avoidBuggyIPs": True}),
        },
        "p/b.yaml",
    ),
    "metallb-peer-disagreement": (
        {
            "a.yaml": metallb_profile(
                **{"spec.metallb.advertisement": "bgp", "spec.metallb.peers": [PEER]}
            ),
            "b.yaml": second_metallb(
                **{
                    "spec.metallb.advertisement": "bgp",
                    "spec.metallb.peers": [{**PEER, "peerASN": 65000}],
                }
            ),
        },
        "p/b.yaml",
    ),
    "metallb-frr-peer-conflict": (
        {
            "a.yaml": metallb_profile(
                **{"spec.metallb.advertisement": "bgp", "spec.metallb.peers": [PEER]}
            ),
            "b.yaml": second_metallb(
                **{
                    "spec.metallb.advertisement": "bgp",
                    "spec.metallb.addressPool": "other",
                    "spec.metallb.addresses": ["198.51.100.0/28"],
                    "spec.metallb.peers": [{**PEER, "name": "tor2"}],
                }
            ),
        },
        "p/b.yaml",
    ),
    "metallb-pool-overlap": (
        {
            "a.yaml": metallb_profile(),
            "b.yaml": second_metallb(
                **{
                    "spec.metallb.addressPool": "other",
                    "spec.metallb.addresses": ["203.0.113.8/29"],
                }
            ),
        },
        "p/b.yaml",
    ),
    "metallb-pool-mismatch": (
        {
            "a.yaml": metallb_profile(),
            "b.yaml": second_metallb(
                **{"spec.metallb.addresses": None, "spec.metallb.loadBalancerIPs": ["198.51.100.1"]}
            ),
        },
        "p/b.yaml",
    ),
    "metallb-ip-sharing": (
        {
            "a.yaml": metallb_profile(**SHARING),
            "b.yaml": second_metallb(**{**SHARING, "spec.metallb.sharedIPKey": "other"}),
        },
        "p/b.yaml",
    ),
}


def test_every_error_rule_has_a_case() -> None:
    errors = {rule for rule, spec in PROFILE_RULES.items() if spec.level == Level.ERROR}
    errors.discard("user-template")  # needs --templates: tests/test_user_templates.py
    assert errors == set(CASES)


@pytest.mark.parametrize("rule", list(CASES))
def test_each_error_rule_is_reported_under_its_id(workdir: Path, run: Run, rule: str) -> None:
    profiles, file = CASES[rule]
    write(workdir, {f"p/{name}": data for name, data in profiles.items()})
    result = run("render", "p", "-o", "json")
    assert result.code == 2, result.err
    errors = [f for f in json.loads(result.out)["findings"] if f["level"] == "error"]
    assert {(e["rule"], e["file"]) for e in errors} == {(rule, file)}, errors
    assert not (workdir / "out").exists()


@pytest.mark.parametrize("rule", list(CASES))
def test_github_annotations_carry_the_rule_id(workdir: Path, run: Run, rule: str) -> None:
    profiles, file = CASES[rule]
    write(workdir, {f"p/{name}": data for name, data in profiles.items()})
    result = run("render", "p", "-o", "github")
    assert result.code == 2
    assert f"::error file={file}," in result.out and f"title=ingressgen ({rule})" in result.out
