"""One run reports every independent mistake across profiles, located, and writes nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ingressgen.findings import PROFILE_RULES
from tests.conftest import Result, cloudflare_profile, metallb_profile, write

Run = Callable[..., Result]


def pool(name: str, pool_name: str, addresses: str) -> dict[str, Any]:
    return metallb_profile(
        **{
            "metadata.name": name,
            "spec.hostname": f"{name}.example.com",
            "spec.service.selector": {"app": name},
            "spec.metallb.addressPool": pool_name,
            "spec.metallb.addresses": [addresses],
        }
    )


def tunnel(name: str, tunnel_name: str, **changes: Any) -> dict[str, Any]:
    return cloudflare_profile(
        **{
            "metadata.name": name,
            "spec.hostname": f"{name}.example.com",
            "spec.cloudflareTunnel.tunnel": tunnel_name,
            **changes,
        }
    )


OVERLAPPING_POOLS = {
    "p/pool-a.yaml": pool("pa", "first", "203.0.113.0/28"),
    "p/pool-b.yaml": pool("pb", "second", "203.0.113.8/29"),
}
TWO_TUNNEL_DISAGREEMENTS = {
    "p/t1-a.yaml": tunnel("t1a", "one"),
    "p/t1-b.yaml": tunnel("t1b", "one", **{"spec.cloudflareTunnel.namespace": "elsewhere"}),
    "p/t2-a.yaml": tunnel("t2a", "two"),
    "p/t2-b.yaml": tunnel("t2b", "two", **{"spec.cloudflareTunnel.replicas": 3}),
}
BAD_FIELDS = {
    "p/bad-port.yaml": pool("bp", "third", "198.51.100.0/28") | {},
    "p/bad-name.yaml": tunnel("Bad_Name", "four"),
}
BAD_FIELDS["p/bad-port.yaml"]["spec"]["service"]["port"] = 0
SAME_FOLDER = {
    "p/dup-1.yaml": tunnel("dup", "five"),
    "p/dup-2.yaml": tunnel("dup", "six", **{"spec.hostname": "other.example.com"}),
}
SAME_ROUTE = {
    "p/route-1.yaml": tunnel("r1", "seven", **{"spec.hostname": "same.example.com"}),
    "p/route-2.yaml": tunnel("r2", "seven", **{"spec.hostname": "same.example.com"}),
}

POOL_B = ("p/pool-b.yaml", "metallb-pool-overlap")
T1_B = ("p/t1-b.yaml", "cloudflare-tunnel-disagreement")
T2_B = ("p/t2-b.yaml", "cloudflare-tunnel-disagreement")
BAD_PORT = ("p/bad-port.yaml", "profile-invalid")
BAD_NAME = ("p/bad-name.yaml", "profile-invalid")
DUP_2 = ("p/dup-2.yaml", "profile-folder-shared")
ROUTE_2 = ("p/route-2.yaml", "cloudflare-route-duplicate")

# Each case: the profiles, and for every mistake the file it is in and its rule id.
CASES = {
    "tunnels and pools": (
        {**OVERLAPPING_POOLS, **TWO_TUNNEL_DISAGREEMENTS},
        [POOL_B, T1_B, T2_B],
    ),
    "a bad field and pools": (
        {**OVERLAPPING_POOLS, "p/bad-port.yaml": BAD_FIELDS["p/bad-port.yaml"]},
        [BAD_PORT, POOL_B],
    ),
    "bad fields and a tunnel": (
        {**BAD_FIELDS, **{k: v for k, v in TWO_TUNNEL_DISAGREEMENTS.items() if "t1" in k}},
        [BAD_PORT, BAD_NAME, T1_B],
    ),
    "one folder twice and one route twice": (
        {**SAME_FOLDER, **SAME_ROUTE},
        [DUP_2, ROUTE_2],
    ),
    "everything": (
        {**OVERLAPPING_POOLS, **TWO_TUNNEL_DISAGREEMENTS, **BAD_FIELDS, **SAME_ROUTE},
        [POOL_B, T1_B, T2_B, BAD_PORT, BAD_NAME, ROUTE_2],
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_run_reports_every_mistake(workdir: Path, run: Run, case: str) -> None:
    profiles, expected = CASES[case]
    write(workdir, profiles)
    result = run("render", "p")
    assert result.code == 2, result.err
    lines = [line for line in result.err.splitlines() if line.startswith("error: ")]
    for fragment, _ in expected:
        located = [line for line in lines if line.startswith(f"error: {fragment}:")]
        assert located, f"no located error for {fragment} in:\n{result.err}"
        assert all(":" in line.split(" ", 2)[1] for line in located)  # file:line:col
    assert not (workdir / "out").exists()


@pytest.mark.parametrize("case", list(CASES))
def test_json_names_each_mistake_with_its_rule(workdir: Path, run: Run, case: str) -> None:
    profiles, expected = CASES[case]
    write(workdir, profiles)
    result = run("render", "p", "-o", "json")
    assert result.code == 2, result.err
    errors = [f for f in json.loads(result.out)["findings"] if f["level"] == "error"]
    assert {(e["file"], e["rule"]) for e in errors} == set(expected)
    assert all(e["rule"] in PROFILE_RULES for e in errors)
    assert not (workdir / "out").exists()
