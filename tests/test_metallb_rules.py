"""Each of MetalLB's own rules, and each rule across the profiles of one run, refused with
exit 2, a file:line:col message naming the field, and nothing written."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from ingressgen.golang.duration import duration_seconds
from ingressgen.profile_metallb import community_kind, parse_address_range
from tests.conftest import Result, metallb_profile, write

Run = Callable[..., Result]

ERROR = re.compile(
    r"^error: (?P<file>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<path>\S+): (?P<msg>.+)$"
)
PEER: dict[str, Any] = {"name": "tor", "myASN": 64512, "peerASN": 64513, "peerAddress": "10.0.0.1"}


def bgp(**changes: Any) -> dict[str, Any]:
    return metallb_profile(**{"spec.metallb.advertisement": "bgp", **changes})


def peer(**changes: Any) -> dict[str, Any]:
    return bgp(**{"spec.metallb.peers": [{**PEER, **changes}]})


def _refused(workdir: Path, run: Run, profiles: dict[str, dict[str, Any]]) -> list[re.Match[str]]:
    """Render; expect exit 2, every line located, and no out/ at all."""
    write(workdir, {f"p/{name}": data for name, data in profiles.items()})
    result = run("render", "p", "--out", "out")
    assert result.code == 2, (result.out, result.err)
    assert not (workdir / "out").exists()
    lines = result.err.strip().splitlines()
    matches = [ERROR.match(line) for line in lines]
    assert all(matches), lines
    return [m for m in matches if m is not None]


def _one(matches: list[re.Match[str]], path: str, fragment: str) -> re.Match[str]:
    found = [m for m in matches if m["path"] == path and fragment in m["msg"]]
    assert found, [m.string for m in matches]
    return found[0]


def _names_the_other(match: re.Match[str], other: str) -> None:
    """A cross-profile message names the other profile with its own file:line:col."""
    assert re.search(rf"{re.escape(other)} \({re.escape(other)}:\d+:\d+\)", match["msg"]), match[0]


# ---- rules about one profile (load time) ----

ONE_PROFILE = [
    (
        metallb_profile(**{"spec.metallb.addresses": None, "spec.metallb.autoAssign": True}),
        "spec.metallb.autoAssign",
        "only used when ingressgen creates the pool",
    ),
    (
        metallb_profile(
            **{
                "spec.metallb.addresses": None,
                "spec.metallb.advertisement": "bgp",
                "spec.metallb.peers": [PEER],
            }
        ),
        "spec.metallb.peers",
        "only used when ingressgen creates the pool",
    ),
    (bgp(**{"spec.metallb.interfaces": ["eth0"]}), "spec.metallb.interfaces", "L2Advertisement"),
    (
        metallb_profile(**{"spec.metallb.communities": ["65000:1"]}),
        "spec.metallb.communities",
        "belongs to a BGPAdvertisement",
    ),
    (
        metallb_profile(**{"spec.metallb.aggregationLength": 32}),
        "spec.metallb.aggregationLength",
        "belongs to a BGPAdvertisement",
    ),
    (
        metallb_profile(**{"spec.metallb.version": "0.12.1"}),
        "spec.metallb.addresses",
        "needs MetalLB 0.13.0 or newer",
    ),
    (
        metallb_profile(
            **{
                "spec.metallb.version": "0.12.1",
                "spec.metallb.createPool": True,
            }
        ),
        "spec.metallb.createPool",
        "ConfigMap",
    ),
    (
        metallb_profile(**{"spec.metallb.version": "0.13.5", "spec.metallb.interfaces": ["eth0"]}),
        "spec.metallb.interfaces",
        "0.13.6",
    ),
    (
        metallb_profile(
            **{"spec.metallb.version": "0.13.7", "spec.metallb.restrictToNamespace": True}
        ),
        "spec.metallb.restrictToNamespace",
        "0.13.8",
    ),
    (
        metallb_profile(
            **{
                "spec.metallb.version": "0.12.1",
                "spec.metallb.addresses": None,
                "spec.metallb.loadBalancerClass": "example.com/lb",
            }
        ),
        "spec.metallb.loadBalancerClass",
        "since 0.13",
    ),
    (
        metallb_profile(
            **{"spec.metallb.addresses": ["203.0.113.0/28", "203.0.113.8-203.0.113.9"]}
        ),
        "spec.metallb.addresses[1]",
        "overlaps '203.0.113.0/28'",
    ),
    (
        metallb_profile(**{"spec.metallb.addresses": ["2001:db8::/64", "2001:db8::5/128"]}),
        "spec.metallb.addresses[1]",
        "overlap",
    ),
    (
        bgp(**{"spec.metallb.aggregationLength": 24}),
        "spec.metallb.aggregationLength",
        "shorter than the /28 prefix",
    ),
    (
        bgp(
            **{
                "spec.metallb.addresses": ["203.0.113.1-203.0.113.6"],
                "spec.metallb.aggregationLength": 30,
            }
        ),
        "spec.metallb.aggregationLength",
        "/31 prefix",
    ),
    (
        bgp(
            **{
                "spec.metallb.addresses": ["203.0.113.0/28", "2001:db8::/120"],
                "spec.metallb.aggregationLengthV6": 112,
            }
        ),
        "spec.metallb.aggregationLengthV6",
        "/120 prefix",
    ),
    (
        bgp(**{"spec.metallb.communities": ["65000:1", "large:1:2:3", "65000:1"]}),
        "spec.metallb.communities[2]",
        "listed twice",
    ),
    (
        metallb_profile(**{"spec.metallb.interfaces": ["eth0", "eth0"]}),
        "spec.metallb.interfaces[1]",
        "listed twice",
    ),
    (
        metallb_profile(**{"spec.metallb.nodeSelectors": [{}]}),
        "spec.metallb.nodeSelectors[0]",
        "empty selector",
    ),
    (
        metallb_profile(
            **{
                "spec.metallb.nodeSelectors": [
                    {"matchLabels": {"a": "b"}},
                    {"matchLabels": {"a": "b"}},
                ]
            }
        ),
        "spec.metallb.nodeSelectors[1]",
        "listed twice",
    ),
    (
        metallb_profile(
            **{
                "spec.metallb.nodeSelectors": [
                    {"matchExpressions": [{"key": "z", "operator": "In"}]}
                ]
            }
        ),
        "spec.metallb.nodeSelectors[0].matchExpressions[0]",
        "needs a non-empty values list",
    ),
    (
        metallb_profile(
            **{
                "spec.metallb.nodeSelectors": [
                    {"matchExpressions": [{"key": "z", "operator": "Exists", "values": ["a"]}]}
                ]
            }
        ),
        "spec.metallb.nodeSelectors[0].matchExpressions[0].values",
        "takes no values",
    ),
    (
        peer(
            nodeSelectors=[{"matchExpressions": [{"key": "z", "operator": "NotIn", "values": []}]}]
        ),
        "spec.metallb.peers[0].nodeSelectors[0].matchExpressions[0]",
        "NotIn needs",
    ),
    (peer(peerASN=None), "spec.metallb.peers[0]", "needs peerASN"),
    (peer(dynamicASN="internal"), "spec.metallb.peers[0].dynamicASN", "not both"),
    (peer(peerASN=64512, ebgpMultiHop=True), "spec.metallb.peers[0].ebgpMultiHop", "iBGP"),
    (peer(routerID="2001:db8::1"), "spec.metallb.peers[0].routerID", "IPv4"),
    (peer(holdTime="2s"), "spec.metallb.peers[0].holdTime", "at least 3s"),
    (peer(keepaliveTime="500ms"), "spec.metallb.peers[0].keepaliveTime", "500ms x 3"),
    (
        peer(holdTime="30s", keepaliveTime="1m"),
        "spec.metallb.peers[0].keepaliveTime",
        "longer than the hold time",
    ),
    (peer(connectTime="1500ms"), "spec.metallb.peers[0].connectTime", "whole number of seconds"),
    (peer(connectTime="20h"), "spec.metallb.peers[0].connectTime", "1s..65535s"),
    (
        bgp(**{"spec.metallb.peers": [PEER, {**PEER, "peerAddress": "10.0.0.2"}]}),
        "spec.metallb.peers[1].name",
        "already defined at peers[0]",
    ),
    *[
        (
            bgp(**{"spec.metallb.version": older, "spec.metallb.peers": [{**PEER, **field}]}),
            f"spec.metallb.peers[0].{next(iter(field))}",
            f"needs MetalLB {needed} or newer",
        )
        for field, older, needed in [
            ({"vrf": "red"}, "0.13.7", "0.13.8"),
            ({"connectTime": "10s"}, "0.14.3", "0.14.4"),
            ({"enableGracefulRestart": True}, "0.14.5", "0.14.6"),
            ({"dynamicASN": "external", "peerASN": None}, "0.14.8", "0.14.9"),
            ({"dualStackAddressFamily": True}, "0.14.9", "0.15.0"),
        ]
    ],
    # Pools (issue 11, item 9)
    (
        metallb_profile(**{"spec.metallb.addresses": []}),
        "spec.metallb.addresses",
        "pool has no prefixes defined",
    ),
    (
        metallb_profile(**{"spec.metallb.addresses": ["fe80::1%eth0/64"]}),
        "spec.metallb.addresses[0]",
        "IPv6 zone",
    ),
    (
        metallb_profile(**{"spec.metallb.addresses": ["fe80::1%eth0-fe80::9"]}),
        "spec.metallb.addresses[0]",
        "IPv6 zone",
    ),
    (
        metallb_profile(
            **{
                "spec.metallb.addresses": ["fe80::/64"],
                "spec.metallb.loadBalancerIPs": ["fe80::1%eth0"],
            }
        ),
        "spec.metallb.loadBalancerIPs[0]",
        "IPv6 zone",
    ),
    (peer(peerAddress="fe80::1%eth0"), "spec.metallb.peers[0].peerAddress", "IPv6 zone"),
    (
        metallb_profile(
            **{"spec.metallb.avoidBuggyIPs": True, "spec.metallb.loadBalancerIPs": ["203.0.113.0"]}
        ),
        "spec.metallb.loadBalancerIPs[0]",
        "ends in .0",
    ),
    (
        metallb_profile(
            **{
                "spec.metallb.addresses": ["203.0.113.240/28"],
                "spec.metallb.avoidBuggyIPs": True,
                "spec.metallb.loadBalancerIPs": ["203.0.113.255"],
            }
        ),
        "spec.metallb.loadBalancerIPs[0]",
        "ends in .255",
    ),
]


@pytest.mark.parametrize(
    ("profile", "path", "fragment"), ONE_PROFILE, ids=[f"{r[1]}:{r[2][:24]}" for r in ONE_PROFILE]
)
def test_metallb_rule_refuses_with_a_located_message(
    workdir: Path, run: Run, profile: dict[str, Any], path: str, fragment: str
) -> None:
    match = _one(_refused(workdir, run, {"a.yaml": profile}), path, fragment)
    assert match["file"] == "p/a.yaml"


def test_what_metallb_accepts_passes_every_rule(workdir: Path, run: Run) -> None:
    profile = bgp(
        **{
            "spec.metallb.addresses": ["203.0.113.1-203.0.113.6", "203.0.113.16/28"],
            "spec.metallb.aggregationLength": 31,  # the range's widest CIDR is a /31
            "spec.metallb.externalTrafficPolicy": "Cluster",  # an aggregate with Local is not
            "spec.metallb.communities": ["0:0", "65535:65535", "large:4294967295:0:1", "alias-1"],
            "spec.metallb.peers": [
                {**PEER, "holdTime": "0s"},
                # FRR refuses two peers with one address on the same nodes: one address each.
                {**PEER, "name": "t2", "peerAddress": "10.0.0.2", "keepaliveTime": "1s"},
                {
                    **PEER,
                    "name": "t3",
                    "peerAddress": "10.0.0.3",
                    "holdTime": "2.5ms",  # rounds to 0
                    "connectTime": "1m",
                },
                {**PEER, "name": "t4", "peerAddress": "10.0.0.4", "peerASN": 64512},  # iBGP
            ],
        }
    )
    write(workdir, {"p/a.yaml": profile})
    result = run("render", "p", "--out", "out")
    assert result.code == 0, result.err


@pytest.mark.parametrize(
    "changes",
    [
        # avoidBuggyIPs skips IPv4 .0 and .255 only: other IPv4 addresses and any IPv6 are fine.
        {"spec.metallb.avoidBuggyIPs": True, "spec.metallb.loadBalancerIPs": ["203.0.113.1"]},
        {
            "spec.metallb.addresses": ["203.0.113.0/28", "2001:db8::/120"],
            "spec.metallb.avoidBuggyIPs": True,
            "spec.metallb.loadBalancerIPs": ["203.0.113.14", "2001:db8::ff"],
        },
        # Without avoidBuggyIPs MetalLB hands out .0 like any other address.
        {"spec.metallb.loadBalancerIPs": ["203.0.113.0"]},
        # A link-local prefix without a zone is a valid CIDR.
        {"spec.metallb.addresses": ["fe80::/64"], "spec.metallb.loadBalancerIPs": ["fe80::1"]},
    ],
)
def test_close_pool_cases_that_metallb_accepts(
    workdir: Path, run: Run, changes: dict[str, Any]
) -> None:
    write(workdir, {"p/a.yaml": metallb_profile(**changes)})
    result = run("render", "p", "--out", "out")
    assert result.code == 0, result.err


PEER_FIELD_RELEASES = [
    ({"vrf": "red"}, "0.13.8"),
    ({"connectTime": "10s"}, "0.14.4"),
    ({"enableGracefulRestart": True}, "0.14.6"),
    ({"dynamicASN": "external", "peerASN": None}, "0.14.9"),
    ({"dualStackAddressFamily": True}, "0.15.0"),
]


@pytest.mark.parametrize(("field", "version"), PEER_FIELD_RELEASES)
def test_peer_fields_pass_from_the_release_that_has_them(
    workdir: Path, run: Run, field: dict[str, Any], version: str
) -> None:
    profile = bgp(**{"spec.metallb.version": version, "spec.metallb.peers": [{**PEER, **field}]})
    write(workdir, {"p/a.yaml": profile})
    result = run("render", "p", "--out", "out")
    assert result.code == 0, result.err


def test_without_a_version_a_note_names_the_minimum_release(workdir: Path, run: Run) -> None:
    newer = {**PEER, "vrf": "red", "connectTime": "10s"}
    profile = bgp(**{"spec.metallb.version": None, "spec.metallb.peers": [newer]})
    write(
        workdir,
        {"p/a.yaml": profile, "q/b.yaml": metallb_profile(**{"spec.metallb.version": None})},
    )
    result = run("render", "p", "--out", "out")
    assert result.code == 0, result.err
    note = [line for line in result.err.splitlines() if "(metallb-minimum-version)" in line]
    assert len(note) == 1 and re.match(r"p/a\.yaml:\d+:\d+: info: ", note[0]), note
    assert "MetalLB 0.14.4 or newer" in note[0] and "connectTime" in note[0]
    # Nothing newer than the CRD configuration of 0.13.0: no note.
    plain = run("render", "q", "--out", "out2")
    assert plain.code == 0 and "metallb-minimum-version" not in plain.err


def test_a_literal_password_is_an_unknown_field_and_never_echoed(workdir: Path, run: Run) -> None:
    matches = _refused(workdir, run, {"a.yaml": peer(password="s3cr3t-value")})
    match = _one(matches, "spec.metallb.peers[0].password", "unknown field 'password'")
    assert "did you mean 'passwordSecret'" in match["msg"]
    assert "s3cr3t-value" not in match.string


def test_value_parsers_follow_metallb() -> None:
    assert community_kind("65535:0") == "standard"
    assert community_kind("large:0:0:0") == "large"
    assert community_kind("my-alias") == "alias"
    for bad in ("65536:0", "-1:0", "1:2:3", "large:1:2:x", "big:1:2:3", "", "a b"):
        with pytest.raises(ValueError):
            community_kind(bad)
    assert duration_seconds("1m30s") == 90
    assert duration_seconds("1.5h") == 5400
    assert duration_seconds("0") == 0
    for bad in ("90", "-5s", "1d", "s"):
        with pytest.raises(ValueError):
            duration_seconds(bad)
    for entry, expected in [
        ("10.0.0.0/8", (4, 8)),
        ("10.0.0.0-10.0.0.255", (4, 24)),
        ("10.0.0.1-10.0.0.6", (4, 31)),
        ("2001:db8::-2001:db8::1", (6, 127)),
    ]:
        parsed = parse_address_range(entry)
        assert (parsed.version, parsed.least_specific_prefix) == expected, entry


# ---- rules across the profiles of one run ----


def _second(**changes: Any) -> dict[str, Any]:
    return metallb_profile(**{"metadata.name": "b", **changes})


def test_crs_go_to_one_metallb_namespace(workdir: Path, run: Run) -> None:
    other = _second(
        **{
            "spec.metallb.namespace": "metallb",
            "spec.metallb.addressPool": "other",
            "spec.metallb.addresses": ["198.51.100.0/28"],
        }
    )
    matches = _refused(workdir, run, {"a.yaml": metallb_profile(), "b.yaml": other})
    match = _one(matches, "spec.metallb.namespace", "only reads the namespace it is installed in")
    assert match["file"] == "p/b.yaml"
    _names_the_other(match, "p/a.yaml")


def test_a_profile_that_creates_no_objects_may_name_another_namespace(
    workdir: Path, run: Run
) -> None:
    other = _second(**{"spec.metallb.namespace": "metallb", "spec.metallb.addresses": None})
    write(workdir, {"p/a.yaml": metallb_profile(), "p/b.yaml": other})
    assert run("render", "p", "--out", "out").code == 0


@pytest.mark.parametrize(
    ("changes", "path", "fragment"),
    [
        ({"spec.metallb.addresses": ["203.0.113.0/27"]}, "spec.metallb.addresses", "'203.0.113"),
        (
            {"spec.metallb.loadBalancerIPs": ["203.0.113.3"], "spec.metallb.sharedIPKey": "k"},
            "spec.metallb.autoAssign",
            "the default when loadBalancerIPs are pinned",
        ),
        ({"spec.metallb.advertisement": "bgp"}, "spec.metallb.advertisement", "'bgp'"),
        (
            {"metadata.namespace": "web", "spec.metallb.restrictToNamespace": True},
            "spec.metallb.restrictToNamespace",
            "restricted to namespace 'web'",
        ),
        ({"spec.metallb.avoidBuggyIPs": True}, "spec.metallb.avoidBuggyIPs", "unset"),
    ],
)
def test_profiles_creating_one_pool_must_define_it_identically(
    workdir: Path, run: Run, changes: dict[str, Any], path: str, fragment: str
) -> None:
    first = metallb_profile(**{"spec.metallb.restrictToNamespace": None})
    if "spec.metallb.restrictToNamespace" in changes:
        first = metallb_profile(**{"spec.metallb.restrictToNamespace": True})
    matches = _refused(workdir, run, {"a.yaml": first, "b.yaml": _second(**changes)})
    match = _one(matches, path, "IPAddressPool metallb-system/public is also created by")
    assert fragment in match["msg"] and "must define it identically" in match["msg"]
    assert match["file"] == "p/b.yaml"
    _names_the_other(match, "p/a.yaml")


def test_profiles_defining_one_peer_must_define_it_identically(workdir: Path, run: Run) -> None:
    other = _second(
        **{"spec.metallb.advertisement": "bgp", "spec.metallb.peers": [{**PEER, "peerASN": 65000}]}
    )
    matches = _refused(workdir, run, {"a.yaml": peer(), "b.yaml": other})
    match = _one(matches, "spec.metallb.peers[0].peerASN", "BGPPeer 'tor' is also defined in")
    _names_the_other(match, "p/a.yaml")


# ---- BGP peers MetalLB's FRR modes refuse together (issue 11, item 10) ----

T2 = {**PEER, "name": "t2", "peerAddress": "10.0.0.2"}
EDGE = [{"matchLabels": {"edge": "true"}}]
CORE = [{"matchLabels": {"core": "true"}}]


@pytest.mark.parametrize(
    ("second", "path", "fragment"),
    [
        ({**T2, "routerID": "10.9.9.9"}, "spec.metallb.peers[1].routerID", "all RouterID"),
        ({**T2, "myASN": 64600}, "spec.metallb.peers[1].myASN", "same VRF"),
        ({**T2, "peerAddress": "10.0.0.1"}, "spec.metallb.peers[1].peerAddress", "duplicate"),
        (
            {**T2, "peerAddress": "10.0.0.1", "nodeSelectors": EDGE},
            "spec.metallb.peers[1].peerAddress",
            "same nodes",
        ),
    ],
)
def test_peers_that_frr_refuses_together(
    workdir: Path, run: Run, second: dict[str, Any], path: str, fragment: str
) -> None:
    profile = bgp(**{"spec.metallb.peers": [PEER, second]})
    match = _one(_refused(workdir, run, {"a.yaml": profile}), path, fragment)
    assert "FRR" in match["msg"]


def test_peers_of_two_profiles_that_frr_refuses_together(workdir: Path, run: Run) -> None:
    a = bgp(**{"spec.metallb.peers": [PEER]})
    b = _second(
        **{
            "spec.metallb.advertisement": "bgp",
            "spec.metallb.addressPool": "other",
            "spec.metallb.addresses": ["198.51.100.0/28"],
            "spec.metallb.peers": [{**T2, "peerAddress": "10.0.0.1"}],
        }
    )
    match = _one(
        _refused(workdir, run, {"a.yaml": a, "b.yaml": b}),
        "spec.metallb.peers[0].peerAddress",
        "duplicate",
    )
    assert match["file"] == "p/b.yaml"
    _names_the_other(match, "p/a.yaml")


@pytest.mark.parametrize(
    "peers",
    [
        [{**PEER, "routerID": "10.9.9.9"}, {**T2, "routerID": "10.9.9.9"}],
        [PEER, {**T2, "myASN": 64600, "vrf": "red"}],
        [PEER, {**T2, "peerAddress": "10.0.0.1", "vrf": "red"}],
        [{**PEER, "nodeSelectors": CORE}, {**T2, "peerAddress": "10.0.0.1", "nodeSelectors": EDGE}],
    ],
    ids=["same-router-id", "asn-per-vrf", "address-per-vrf", "address-on-other-nodes"],
)
def test_peers_that_frr_accepts_together(
    workdir: Path, run: Run, peers: list[dict[str, Any]]
) -> None:
    write(workdir, {"p/a.yaml": bgp(**{"spec.metallb.peers": peers})})
    result = run("render", "p", "--out", "out")
    assert result.code == 0, result.err


@pytest.mark.parametrize(
    ("mine", "theirs"),
    [
        (["203.0.113.8/29"], ["203.0.113.0/28"]),
        (["203.0.113.15-203.0.113.20"], ["203.0.113.0/28"]),
        (["2001:db8::ff-2001:db8::1ff"], ["198.51.100.0/24", "2001:db8::/120"]),
    ],
)
def test_pools_of_one_run_do_not_overlap(
    workdir: Path, run: Run, mine: list[str], theirs: list[str]
) -> None:
    first = metallb_profile(**{"spec.metallb.addresses": theirs})
    other = _second(**{"spec.metallb.addressPool": "other", "spec.metallb.addresses": mine})
    matches = _refused(workdir, run, {"a.yaml": first, "b.yaml": other})
    match = _one(matches, "spec.metallb.addresses[0]", "of pool 'public'")
    assert "refuses pools whose addresses overlap" in match["msg"]
    _names_the_other(match, "p/a.yaml")


def test_adjacent_pools_and_other_families_do_not_overlap(workdir: Path, run: Run) -> None:
    other = _second(
        **{
            "spec.metallb.addressPool": "other",
            "spec.metallb.addresses": ["203.0.113.16/28", "::ffff:0:0/120"],
        }
    )
    write(workdir, {"p/a.yaml": metallb_profile(), "p/b.yaml": other})
    assert run("render", "p", "--out", "out").code == 0


def test_a_pinned_ip_must_lie_in_the_pool_another_profile_creates(workdir: Path, run: Run) -> None:
    other = _second(
        **{"spec.metallb.addresses": None, "spec.metallb.loadBalancerIPs": ["198.51.100.1"]}
    )
    matches = _refused(workdir, run, {"a.yaml": metallb_profile(), "b.yaml": other})
    match = _one(matches, "spec.metallb.loadBalancerIPs[0]", "outside pool 'public'")
    _names_the_other(match, "p/a.yaml")


def test_a_pinned_ip_that_another_profiles_pool_skips_is_refused(workdir: Path, run: Run) -> None:
    owner = metallb_profile(**{"spec.metallb.avoidBuggyIPs": True})
    user = _second(
        **{"spec.metallb.addresses": None, "spec.metallb.loadBalancerIPs": ["203.0.113.0"]}
    )
    matches = _refused(workdir, run, {"a.yaml": owner, "b.yaml": user})
    match = _one(matches, "spec.metallb.loadBalancerIPs[0]", "avoidBuggyIPs: true")
    assert match["file"] == "p/b.yaml"
    _names_the_other(match, "p/a.yaml")


def test_a_pool_restricted_to_a_namespace_refuses_services_elsewhere(
    workdir: Path, run: Run
) -> None:
    first = metallb_profile(**{"spec.metallb.restrictToNamespace": True})
    other = _second(**{"metadata.namespace": "web", "spec.metallb.addresses": None})
    matches = _refused(workdir, run, {"a.yaml": first, "b.yaml": other})
    match = _one(matches, "spec.metallb.addressPool", "restricted to namespace 'apps'")
    _names_the_other(match, "p/a.yaml")


SHARING = {
    "spec.metallb.loadBalancerIPs": ["203.0.113.2"],
    "spec.metallb.sharedIPKey": "edge",
}


def _sharers(**changes: Any) -> dict[str, dict[str, Any]]:
    other = {**SHARING, "spec.service.port": 9090, **changes}
    return {"a.yaml": metallb_profile(**SHARING), "b.yaml": _second(**other)}


def test_services_meeting_every_sharing_rule_share_an_ip(workdir: Path, run: Run) -> None:
    write(workdir, {f"p/{k}": v for k, v in _sharers().items()})
    assert run("render", "p", "--out", "out").code == 0
    for name in ("chat", "b"):
        service = yaml.safe_load((workdir / f"out/apps/{name}/service-{name}-lb.yaml").read_text())
        assert service["metadata"]["annotations"]["metallb.io/allow-shared-ip"] == "edge"


def test_cluster_services_share_whatever_their_selectors(workdir: Path, run: Run) -> None:
    cluster = {"spec.metallb.externalTrafficPolicy": "Cluster"}
    profiles = {
        "a.yaml": metallb_profile(**SHARING, **cluster),
        "b.yaml": _second(
            **{**SHARING, **cluster, "spec.service.port": 9090, "spec.service.selector": {"x": "y"}}
        ),
    }
    write(workdir, {f"p/{k}": v for k, v in profiles.items()})
    assert run("render", "p", "--out", "out").code == 0


@pytest.mark.parametrize(
    ("changes", "path", "fragment"),
    [
        ({"spec.metallb.sharedIPKey": None}, "spec.metallb.sharedIPKey", "here none, there 'edge'"),
        ({"spec.metallb.sharedIPKey": "other"}, "spec.metallb.sharedIPKey", "same sharedIPKey"),
        ({"spec.service.port": 8080}, "spec.service.port", "both use TCP/8080"),
        (
            {"spec.metallb.externalTrafficPolicy": "Cluster"},
            "spec.metallb.externalTrafficPolicy",
            "here Cluster, there Local",
        ),
        (
            {"spec.service.selector": {"app": "other"}},
            "spec.service.selector",
            "identical selectors (the IP is announced",
        ),
    ],
)
def test_ip_sharing_rules(
    workdir: Path, run: Run, changes: dict[str, Any], path: str, fragment: str
) -> None:
    matches = _refused(workdir, run, _sharers(**changes))
    match = _one(matches, path, "IP sharing: 203.0.113.2 is also pinned by")
    assert fragment in match["msg"] and match["file"] == "p/b.yaml"
    _names_the_other(match, "p/a.yaml")


# ---- where the traffic goes (issue 11, items 12 and 13) ----


def _rendered_notes(workdir: Path, run: Run, profile: dict[str, Any], rule: str) -> list[str]:
    write(workdir, {"p/a.yaml": profile})
    result = run("render", "p", "--out", "out")
    assert result.code == 0, result.err
    return [line for line in result.err.splitlines() if f"({rule})" in line]


def test_l2_local_with_several_replicas_serves_from_one_node(workdir: Path, run: Run) -> None:
    profile = metallb_profile(
        **{"spec.service.replicas": 3, "spec.metallb.nodeSelectors": [{"matchLabels": {"a": "b"}}]}
    )
    notes = _rendered_notes(workdir, run, profile, "metallb-l2-local-one-node")
    assert len(notes) == 1 and re.match(r"p/a\.yaml:\d+:\d+: medium: ", notes[0]), notes
    assert "of the 3 replicas" in notes[0] and "never when none does" in notes[0]
    assert "externalTrafficPolicy: Cluster" in notes[0] and "advertisement: bgp" in notes[0]


@pytest.mark.parametrize(
    "changes",
    [
        {},  # replicas unknown
        {"spec.service.replicas": 1},
        {"spec.service.replicas": 3, "spec.metallb.externalTrafficPolicy": "Cluster"},
        {"spec.service.replicas": 3, "spec.metallb.advertisement": "bgp"},
    ],
)
def test_no_one_node_note_where_traffic_is_spread(
    workdir: Path, run: Run, changes: dict[str, Any]
) -> None:
    notes = _rendered_notes(workdir, run, metallb_profile(**changes), "metallb-l2-local-one-node")
    assert notes == []


def test_client_ip_affinity_under_bgp_is_per_node(workdir: Path, run: Run) -> None:
    profile = bgp(**{"spec.websocket.sessionAffinity": True})
    notes = _rendered_notes(workdir, run, profile, "metallb-bgp-affinity-per-node")
    assert len(notes) == 1 and re.match(r"p/a\.yaml:\d+:\d+: medium: ", notes[0]), notes
    assert "ECMP" in notes[0]


@pytest.mark.parametrize(
    "profile",
    [metallb_profile(**{"spec.websocket.sessionAffinity": True}), bgp()],
    ids=["l2-with-affinity", "bgp-without-affinity"],
)
def test_no_affinity_note_without_bgp_and_affinity(
    workdir: Path, run: Run, profile: dict[str, Any]
) -> None:
    assert _rendered_notes(workdir, run, profile, "metallb-bgp-affinity-per-node") == []


@pytest.mark.parametrize(
    ("changes", "path"),
    [
        ({"spec.metallb.aggregationLength": 28}, "spec.metallb.aggregationLength"),
        (
            {
                "spec.metallb.addresses": ["2001:db8::/120"],
                "spec.metallb.aggregationLengthV6": 124,
            },
            "spec.metallb.aggregationLengthV6",
        ),
    ],
)
def test_an_aggregate_with_local_policy_is_refused(
    workdir: Path, run: Run, changes: dict[str, Any], path: str
) -> None:
    match = _one(_refused(workdir, run, {"a.yaml": bgp(**changes)}), path, "Local")
    assert "externalTrafficPolicy: Cluster" in match["msg"]
    assert "_advanced_bgp_configuration.md" in match["msg"]


@pytest.mark.parametrize(
    "changes",
    [
        {"spec.metallb.aggregationLength": 28, "spec.metallb.externalTrafficPolicy": "Cluster"},
        {"spec.metallb.aggregationLength": 32},  # the host prefix: per-IP routes
        # A v4 aggregate length says nothing about an IPv6-only pool.
        {"spec.metallb.addresses": ["2001:db8::/120"], "spec.metallb.aggregationLength": 24},
    ],
)
def test_aggregation_metallb_routes_correctly_passes(
    workdir: Path, run: Run, changes: dict[str, Any]
) -> None:
    write(workdir, {"p/a.yaml": bgp(**changes)})
    result = run("render", "p", "--out", "out")
    assert result.code == 0, result.err
