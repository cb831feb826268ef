"""The MetalLB bundle as rendered: what each object holds, that MetalLB's own CRDs and the
strict schemas accept it, that kustomize takes every folder, and the notes on stderr."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from ingressgen.kube_versions import supported_kubernetes_versions
from tests.conftest import (
    Result,
    metallb_profile,
    schema_findings,
    snapshot,
    upstream_crd_validators,
    write,
)

Run = Callable[..., Result]

PEER: dict[str, Any] = {
    "name": "tor-a",
    "myASN": 64512,
    "peerASN": 64513,
    "peerAddress": "192.0.2.1",
}

L2_PROFILE = metallb_profile(
    **{
        "metadata.name": "chat",
        "spec.metallb.addressPool": "l2-pool",
        "spec.metallb.addresses": ["203.0.113.0/28", "2001:db8::10-2001:db8::1f"],
        "spec.metallb.loadBalancerIPs": ["203.0.113.5", "2001:db8::11"],
        "spec.metallb.sharedIPKey": "chat",
        "spec.metallb.loadBalancerClass": "example.com/metallb",
        "spec.metallb.avoidBuggyIPs": True,
        "spec.metallb.restrictToNamespace": True,
        "spec.metallb.interfaces": ["eth0", "bond0.100"],
        "spec.metallb.nodeSelectors": [
            {
                "matchLabels": {"node-role.kubernetes.io/edge": ""},
                "matchExpressions": [
                    {"key": "topology.kubernetes.io/zone", "operator": "In", "values": ["a", "b"]}
                ],
            },
            {"matchExpressions": [{"key": "example.com/drained", "operator": "DoesNotExist"}]},
        ],
    }
)

BGP_PROFILE = metallb_profile(
    **{
        "metadata.name": "api",
        "spec.protocol": "tcp",
        "spec.websocket": None,
        "spec.service.port": 9000,
        "spec.service.selector": {"app": "api"},
        "spec.metallb.version": "0.16.1",
        "spec.metallb.addressPool": "bgp-pool",
        "spec.metallb.addresses": ["198.51.100.0/24", "2001:db8:1::/120"],
        "spec.metallb.advertisement": "bgp",
        "spec.metallb.externalTrafficPolicy": "Cluster",
        "spec.metallb.allocateLoadBalancerNodePorts": True,
        "spec.metallb.aggregationLength": 24,
        "spec.metallb.aggregationLengthV6": 120,
        "spec.metallb.localPref": 100,
        "spec.metallb.communities": ["65000:100", "large:65000:1:2", "no-export"],
        "spec.metallb.nodeSelectors": [{"matchLabels": {"bgp": "on"}}],
        "spec.metallb.peers": [
            {
                **PEER,
                "peerPort": 1179,
                "sourceAddress": "192.0.2.10",
                "routerID": "192.0.2.10",
                "holdTime": "90s",
                "keepaliveTime": "30s",
                "connectTime": "10s",
                "ebgpMultiHop": True,
                "passwordSecret": "tor-a-bgp",
                "bfdProfile": "fast",
                "vrf": "red",
                "enableGracefulRestart": True,
                "dualStackAddressFamily": True,
                "nodeSelectors": [{"matchLabels": {"rack": "a"}}],
            },
            {
                "name": "tor-b",
                "myASN": 64512,
                "dynamicASN": "external",
                "peerAddress": "2001:db8::1",
                "routerID": "192.0.2.10",  # FRR modes refuse peers whose routerIDs differ
            },
        ],
    }
)


def _render(workdir: Path, run: Run, profiles: dict[str, dict[str, Any]]) -> Result:
    write(workdir, {f"p/{name}": data for name, data in profiles.items()})
    return run("render", "p", "--out", "out")


def _objects(folder: Path) -> dict[tuple[str, str], dict[str, Any]]:
    """Every generated object under a folder, by (kind, name)."""
    found = {}
    for path in sorted(folder.rglob("*.yaml")):
        if path.name != "kustomization.yaml":
            for document in yaml.safe_load_all(path.read_text()):
                found[(document["kind"], document["metadata"]["name"])] = document
    return found


@pytest.fixture
def bundle(workdir: Path, run: Run) -> dict[tuple[str, str], dict[str, Any]]:
    result = _render(workdir, run, {"l2.yaml": L2_PROFILE, "bgp.yaml": BGP_PROFILE})
    assert result.code == 0, result.err
    return _objects(workdir / "out")


def test_the_l2_and_bgp_profiles_emit_every_object(
    bundle: dict[tuple[str, str], dict[str, Any]],
) -> None:
    assert set(bundle) == {
        ("Service", "chat-lb"),
        ("Service", "api-lb"),
        ("IPAddressPool", "l2-pool"),
        ("L2Advertisement", "l2-pool"),
        ("IPAddressPool", "bgp-pool"),
        ("BGPAdvertisement", "bgp-pool"),
        ("BGPPeer", "tor-a"),
        ("BGPPeer", "tor-b"),
    }
    for (kind, _), obj in bundle.items():
        if kind != "Service":
            assert obj["metadata"]["namespace"] == "metallb-system"


def test_every_object_passes_the_strict_schemas_of_every_version(
    bundle: dict[tuple[str, str], dict[str, Any]],
) -> None:
    for version in supported_kubernetes_versions():
        for obj in bundle.values():
            assert schema_findings(obj, version) == [], (version, obj["kind"])


def test_metallb_objects_pass_metallbs_upstream_crds(
    bundle: dict[tuple[str, str], dict[str, Any]],
) -> None:
    upstream = upstream_crd_validators("metallb")
    checked = 0
    for obj in bundle.values():
        if obj["apiVersion"].startswith("metallb.io/"):
            validator = upstream[(obj["apiVersion"], obj["kind"])]
            assert [e.message for e in validator.iter_errors(obj)] == [], obj["kind"]
            checked += 1
    assert checked == 6


def test_kustomize_builds_every_output_folder(workdir: Path, run: Run) -> None:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed")
    assert _render(workdir, run, {"l2.yaml": L2_PROFILE, "bgp.yaml": BGP_PROFILE}).code == 0
    folders = sorted(p.parent for p in (workdir / "out").rglob("kustomization.yaml"))
    assert len(folders) == 4  # three generated folders and out/ itself, which names them
    for folder in folders:
        built = subprocess.run(
            [kubectl, "kustomize", str(folder)], capture_output=True, text=True, check=False
        )
        assert built.returncode == 0, (folder, built.stderr)
        listed = yaml.safe_load((folder / "kustomization.yaml").read_text())["resources"]
        if folder != workdir / "out":
            assert len(list(yaml.safe_load_all(built.stdout))) == len(listed)


def test_the_service_takes_metallbs_choices(bundle: dict[tuple[str, str], dict[str, Any]]) -> None:
    chat = bundle[("Service", "chat-lb")]
    spec = chat["spec"]
    assert spec["type"] == "LoadBalancer"
    assert spec["allocateLoadBalancerNodePorts"] is False
    assert spec["loadBalancerClass"] == "example.com/metallb"
    assert spec["externalTrafficPolicy"] == "Local"
    assert spec["ports"] == [{"name": "ws", "protocol": "TCP", "port": 8080, "targetPort": 8080}]
    # Both families pinned: the Service must be dual-stack, or MetalLB refuses the IPs.
    assert spec["ipFamilyPolicy"] == "RequireDualStack"
    assert spec["ipFamilies"] == ["IPv4", "IPv6"]
    assert "loadBalancerIP" not in spec
    assert chat["metadata"]["annotations"] == {
        "external-dns.alpha.kubernetes.io/hostname": "chat.example.com",
        "metallb.io/address-pool": "l2-pool",
        "metallb.io/loadBalancerIPs": "203.0.113.5,2001:db8::11",
        "metallb.io/allow-shared-ip": "chat",
    }
    api = bundle[("Service", "api-lb")]["spec"]
    assert api["allocateLoadBalancerNodePorts"] is True
    assert api["externalTrafficPolicy"] == "Cluster"
    assert "loadBalancerClass" not in api and "ipFamilies" not in api


def test_a_single_pinned_family_is_stated(workdir: Path, run: Run) -> None:
    profile = metallb_profile(
        **{
            "spec.metallb.addresses": ["2001:db8::/120"],
            "spec.metallb.loadBalancerIPs": ["2001:db8::5"],
        }
    )
    assert _render(workdir, run, {"a.yaml": profile}).code == 0
    spec = _objects(workdir / "out")[("Service", "chat-lb")]["spec"]
    assert (spec["ipFamilyPolicy"], spec["ipFamilies"]) == ("SingleStack", ["IPv6"])


@pytest.mark.parametrize(
    ("addresses", "families"),
    [
        (["2001:db8::/120"], ["IPv6"]),
        (["203.0.113.0/28", "203.0.113.64-203.0.113.70"], ["IPv4"]),
    ],
)
def test_a_single_family_pool_states_its_family(
    workdir: Path, run: Run, addresses: list[str], families: list[str]
) -> None:
    # No pinned IP: without ipFamilies the Service would take the cluster's default family,
    # which the pool may not hold.
    profile = metallb_profile(**{"spec.metallb.addresses": addresses})
    assert _render(workdir, run, {"a.yaml": profile}).code == 0
    spec = _objects(workdir / "out")[("Service", "chat-lb")]["spec"]
    assert (spec["ipFamilyPolicy"], spec["ipFamilies"]) == ("SingleStack", families)


def test_a_dual_stack_or_foreign_pool_leaves_the_family_to_the_cluster(
    workdir: Path, run: Run
) -> None:
    dual = metallb_profile(**{"spec.metallb.addresses": ["203.0.113.0/28", "2001:db8::/120"]})
    foreign = metallb_profile(**{"metadata.name": "b", "spec.metallb.addresses": None})
    foreign["spec"]["metallb"]["addressPool"] = "elsewhere"
    assert _render(workdir, run, {"a.yaml": dual, "b.yaml": foreign}).code == 0
    objects = _objects(workdir / "out")
    for name in ("chat-lb", "b-lb"):
        spec = objects[("Service", name)]["spec"]
        assert "ipFamilies" not in spec and "ipFamilyPolicy" not in spec


def test_the_pool_and_advertisements_hold_the_profile_options(
    bundle: dict[tuple[str, str], dict[str, Any]],
) -> None:
    assert bundle[("IPAddressPool", "l2-pool")]["spec"] == {
        "addresses": ["203.0.113.0/28", "2001:db8::10-2001:db8::1f"],
        "autoAssign": False,  # IPs are pinned
        "avoidBuggyIPs": True,
        "serviceAllocation": {"namespaces": ["apps"]},
    }
    assert bundle[("IPAddressPool", "bgp-pool")]["spec"] == {
        "addresses": ["198.51.100.0/24", "2001:db8:1::/120"]
    }
    assert bundle[("L2Advertisement", "l2-pool")]["spec"] == {
        "ipAddressPools": ["l2-pool"],
        "interfaces": ["eth0", "bond0.100"],
        "nodeSelectors": [
            {
                "matchLabels": {"node-role.kubernetes.io/edge": ""},
                "matchExpressions": [
                    {"key": "topology.kubernetes.io/zone", "operator": "In", "values": ["a", "b"]}
                ],
            },
            {"matchExpressions": [{"key": "example.com/drained", "operator": "DoesNotExist"}]},
        ],
    }
    assert bundle[("BGPAdvertisement", "bgp-pool")]["spec"] == {
        "ipAddressPools": ["bgp-pool"],
        "aggregationLength": 24,
        "aggregationLengthV6": 120,
        "localPref": 100,
        "communities": ["65000:100", "large:65000:1:2", "no-export"],
        "peers": ["tor-a", "tor-b"],
        "nodeSelectors": [{"matchLabels": {"bgp": "on"}}],
    }


def test_bgp_peers_reference_their_password_secret_by_name_only(
    bundle: dict[tuple[str, str], dict[str, Any]],
) -> None:
    tor_a = bundle[("BGPPeer", "tor-a")]
    assert tor_a["apiVersion"] == "metallb.io/v1beta2"
    assert tor_a["spec"] == {
        "myASN": 64512,
        "peerASN": 64513,
        "peerAddress": "192.0.2.1",
        "peerPort": 1179,
        "sourceAddress": "192.0.2.10",
        "routerID": "192.0.2.10",
        "holdTime": "90s",
        "keepaliveTime": "30s",
        "connectTime": "10s",
        "ebgpMultiHop": True,
        "passwordSecret": {"name": "tor-a-bgp", "namespace": "metallb-system"},
        "bfdProfile": "fast",
        "vrf": "red",
        "enableGracefulRestart": True,
        "dualStackAddressFamily": True,
        "nodeSelectors": [{"matchLabels": {"rack": "a"}}],
    }
    assert bundle[("BGPPeer", "tor-b")]["spec"] == {
        "myASN": 64512,
        "dynamicASN": "external",
        "peerAddress": "2001:db8::1",
        "routerID": "192.0.2.10",
    }
    for obj in bundle.values():
        assert "password" not in obj.get("spec", {})
        assert obj["kind"] != "Secret"


def test_never_unreleased_or_deprecated_fields(workdir: Path, run: Run) -> None:
    assert _render(workdir, run, {"l2.yaml": L2_PROFILE, "bgp.yaml": BGP_PROFILE}).code == 0
    text = b"".join(snapshot(workdir / "out").values())
    for never in (
        b"preferredNodeSelectors",
        b"loadBalancerIP:",
        b"password:",
        b"spec.loadBalancerIP",
    ):
        assert never not in text


def test_no_peer_without_peers_and_no_bgp_objects_for_l2(workdir: Path, run: Run) -> None:
    bgp = metallb_profile(**{"spec.metallb.advertisement": "bgp"})
    assert _render(workdir, run, {"a.yaml": bgp}).code == 0
    kinds = {kind for kind, _ in _objects(workdir / "out")}
    assert kinds == {"Service", "IPAddressPool", "BGPAdvertisement"}


def test_without_a_pool_only_the_service_is_emitted(workdir: Path, run: Run) -> None:
    profile = metallb_profile(**{"spec.metallb.addresses": None})
    assert _render(workdir, run, {"a.yaml": profile}).code == 0
    assert set(_objects(workdir / "out")) == {("Service", "chat-lb")}


def test_auto_assign_set_explicitly_wins_over_pinning(workdir: Path, run: Run) -> None:
    profile = metallb_profile(
        **{"spec.metallb.loadBalancerIPs": ["203.0.113.2"], "spec.metallb.autoAssign": True}
    )
    assert _render(workdir, run, {"a.yaml": profile}).code == 0
    assert _objects(workdir / "out")[("IPAddressPool", "public")]["spec"]["autoAssign"] is True


@pytest.mark.parametrize(
    ("version", "keys"),
    [
        ("0.14.8", ["metallb.universe.tf/allow-shared-ip"]),
        ("0.14.9", ["metallb.io/allow-shared-ip"]),
        ("0.16.1", ["metallb.io/allow-shared-ip"]),
        (None, ["metallb.io/allow-shared-ip", "metallb.universe.tf/allow-shared-ip"]),
    ],
)
def test_shared_ip_key_annotation_follows_the_metallb_version(
    workdir: Path, run: Run, version: str | None, keys: list[str]
) -> None:
    profile = metallb_profile(
        **{
            "spec.metallb.version": version,
            "spec.metallb.sharedIPKey": "edge",
            "spec.metallb.loadBalancerIPs": ["203.0.113.2"],
        }
    )
    assert _render(workdir, run, {"a.yaml": profile}).code == 0
    annotations = _objects(workdir / "out")[("Service", "chat-lb")]["metadata"]["annotations"]
    assert sorted(k for k in annotations if k.endswith("/allow-shared-ip")) == keys
    assert all(annotations[k] == "edge" for k in keys)


def test_a_sharing_key_is_data_never_markup(workdir: Path, run: Run) -> None:
    key = 'x:"y"#z{a:[b]}&*!|>\u00e9\U0001f600---'
    profile = metallb_profile(**{"spec.metallb.sharedIPKey": key})
    assert _render(workdir, run, {"a.yaml": profile}).code == 0
    service = _objects(workdir / "out")[("Service", "chat-lb")]
    assert service["metadata"]["annotations"]["metallb.io/allow-shared-ip"] == key


def test_profiles_sharing_a_pool_and_its_peers_emit_them_once(workdir: Path, run: Run) -> None:
    other = {
        **BGP_PROFILE,
        "metadata": {"name": "api2", "namespace": "apps"},
    }
    other = json.loads(json.dumps(other))
    other["spec"]["service"]["port"] = 9001
    assert _render(workdir, run, {"a.yaml": BGP_PROFILE, "b.yaml": other}).code == 0
    peer = (workdir / "out/metallb-system/_metallb/bgppeer-tor-a.yaml").read_text()
    assert "p/a.yaml" in peer.split("apiVersion")[0] and "p/b.yaml" in peer.split("apiVersion")[0]
    assert len(list((workdir / "out/metallb-system/_metallb").glob("bgppeer-*.yaml"))) == 2


# ---- notes: honest, on stderr, once per run, never in files ----

NOTE_FRAGMENTS = {
    "l2": "all traffic for one IP enters through a single node",
    "reconnect": "must reconnect",
    "cluster": "pods see a node's IP, never the client's",
    "tls": "the workload terminates TLS itself",
}


def test_each_honest_note_is_printed_once_per_run(workdir: Path, run: Run) -> None:
    second_l2 = metallb_profile(
        **{
            "metadata.name": "chat2",
            "spec.metallb.addressPool": "other",
            "spec.metallb.addresses": ["192.0.2.0/28"],
            "spec.metallb.externalTrafficPolicy": "Cluster",
        }
    )
    result = _render(
        workdir, run, {"l2.yaml": L2_PROFILE, "bgp.yaml": BGP_PROFILE, "l2b.yaml": second_l2}
    )
    assert result.code == 0, result.err
    for name, fragment in NOTE_FRAGMENTS.items():
        assert result.err.count(fragment) == 1, name
    l2_note = next(line for line in result.err.splitlines() if NOTE_FRAGMENTS["l2"] in line)
    assert "p/l2.yaml" in l2_note and "p/l2b.yaml" in l2_note and "p/bgp.yaml" not in l2_note
    cluster = next(line for line in result.err.splitlines() if NOTE_FRAGMENTS["cluster"] in line)
    assert "p/bgp.yaml" in cluster and "p/l2b.yaml" in cluster and "p/l2.yaml" not in cluster
    for content in snapshot(workdir / "out").values():
        for fragment in NOTE_FRAGMENTS.values():
            assert fragment.encode() not in content
    assert result.out.strip().startswith("rendered")


def test_no_l2_or_cluster_note_when_they_do_not_apply(workdir: Path, run: Run) -> None:
    result = _render(workdir, run, {"a.yaml": metallb_profile(**{"spec.metallb.addresses": None})})
    assert result.code == 0
    assert NOTE_FRAGMENTS["l2"] not in result.err and NOTE_FRAGMENTS["cluster"] not in result.err
    assert NOTE_FRAGMENTS["tls"] in result.err and NOTE_FRAGMENTS["reconnect"] in result.err


def test_located_notes_for_bgp_choices_that_need_frr_or_other_objects(
    workdir: Path, run: Run
) -> None:
    result = _render(workdir, run, {"bgp.yaml": BGP_PROFILE})
    assert result.code == 0
    notes = [line for line in result.err.splitlines() if line.startswith("p/bgp.yaml:")]
    text = "\n".join(notes)
    assert "'no-export' is an alias" in text and "Community object" in text
    assert "large community 'large:65000:1:2' needs MetalLB's FRR" in text
    assert "IPv6 addresses advertised over BGP" in text
    assert "peer 'tor-a' uses dynamicASN" not in text
    assert "peer 'tor-b' uses dynamicASN" in text
    assert "--lb-class" not in result.err  # no loadBalancerClass in this profile


def test_sharing_key_without_pinned_ip_gets_a_note(workdir: Path, run: Run) -> None:
    result = _render(workdir, run, {"a.yaml": metallb_profile(**{"spec.metallb.sharedIPKey": "k"})})
    assert result.code == 0
    assert "p/a.yaml:" in result.err and "does not force it" in result.err


def test_load_balancer_class_note_names_lb_class(workdir: Path, run: Run) -> None:
    result = _render(workdir, run, {"l2.yaml": L2_PROFILE})
    assert result.code == 0
    assert result.err.count("--lb-class=example.com/metallb") == 1
