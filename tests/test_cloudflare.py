"""Cloudflare Tunnel exposure, end to end through the CLI: the three modes, one tunnel for many
services, cloudflared's own rules on every generated config, and what render says on stderr."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from ingressgen.targets.cloudflare.cloudflared_rules import check_ingress
from tests.conftest import (
    Result,
    cloudflare_profile,
    metallb_profile,
    schema_findings,
    snapshot,
    upstream_crd_validators,
    write,
)

Run = Callable[..., Result]
PREFIX = "cloudflare-tunnel-ingress-controller.strrl.dev/"
TUNNEL_FOLDER = "out/apps/_cloudflared-edge"


def operator(**changes: Any) -> dict[str, Any]:
    tunnel = {"mode": "operator", "tunnel": "edge", "tunnelKind": "ClusterTunnel"}
    return cloudflare_profile(**{"spec.cloudflareTunnel": tunnel, **changes})


def controller(**changes: Any) -> dict[str, Any]:
    return cloudflare_profile(
        **{"spec.cloudflareTunnel": {"mode": "ingress-controller"}, **changes}
    )


def grpc(**changes: Any) -> dict[str, Any]:
    return {
        "spec.protocol": "grpc",
        "spec.websocket": None,
        "spec.service.port": 8443,
        "spec.cloudflareTunnel.originTLS": True,
        **changes,
    }


def load(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(path.read_text())
    return document


def tunnel_config(workdir: Path) -> dict[str, Any]:
    configmap = load(workdir / TUNNEL_FOLDER / "configmap-cloudflared-edge.yaml")
    config: dict[str, Any] = yaml.safe_load(configmap["data"]["config.yaml"])
    return config


def render_ok(run: Run, *args: str) -> Result:
    result = run("render", *args)
    assert result.code == 0, result.err
    return result


# ---------------------------------------------------------------- mode cloudflared


def test_grpc_with_a_tls_origin_gets_https_and_http2(workdir: Path, run: Run) -> None:
    write(workdir, {"p/a.yaml": cloudflare_profile(**grpc())})
    render_ok(run, "p", "--out", "out")
    (first, catch_all) = tunnel_config(workdir)["ingress"]
    assert first == {
        "hostname": "chat.example.com",
        "service": "https://chat.apps.svc.cluster.local:8443",
        "originRequest": {"http2Origin": True},
    }
    assert catch_all == {"service": "http_status:404"}


def test_grpc_without_a_tls_origin_is_refused_with_the_reason(workdir: Path, run: Run) -> None:
    write(
        workdir,
        {"p/a.yaml": cloudflare_profile(**grpc(**{"spec.cloudflareTunnel.originTLS": None}))},
    )
    result = run("render", "p", "--out", "out")
    assert result.code == 2
    assert "p/a.yaml:" in result.err and "spec.protocol: grpc" in result.err
    assert "only over TLS" in result.err and "originTLS: true" in result.err
    assert not (workdir / "out").exists()


def test_a_tls_origin_is_reached_with_https(workdir: Path, run: Run) -> None:
    write(workdir, {"p/a.yaml": cloudflare_profile(**{"spec.cloudflareTunnel.originTLS": True})})
    render_ok(run, "p", "--out", "out")
    assert tunnel_config(workdir)["ingress"][0]["service"] == (
        "https://chat.apps.svc.cluster.local:8080"
    )


def test_origin_request_passes_through_with_cloudflareds_names(workdir: Path, run: Run) -> None:
    origin = {
        "connectTimeout": "10s",
        "keepAliveTimeout": "1m30s",
        "noTLSVerify": True,
        "matchSNItoHost": True,
        "access": {"required": True, "teamName": "acme", "audTag": ["abc"]},
    }
    write(
        workdir, {"p/a.yaml": cloudflare_profile(**{"spec.cloudflareTunnel.originRequest": origin})}
    )
    render_ok(run, "p", "--out", "out")
    assert tunnel_config(workdir)["ingress"][0]["originRequest"] == origin


def test_access_tags_without_a_team_are_refused_at_that_field(workdir: Path, run: Run) -> None:
    origin = {"access": {"required": True, "audTag": ["abc"]}}
    write(
        workdir, {"p/a.yaml": cloudflare_profile(**{"spec.cloudflareTunnel.originRequest": origin})}
    )
    result = run("render", "p", "--out", "out")
    assert result.code == 2
    assert "spec.cloudflareTunnel.originRequest.access.teamName:" in result.err
    assert "access.TeamName cannot be blank when access.audTags are present (V8)" in result.err
    assert not (workdir / "out").exists()


def test_tcp_is_allowed_with_a_note_about_cloudflared_access(workdir: Path, run: Run) -> None:
    tcp = {"spec.protocol": "tcp", "spec.websocket": None, "spec.service.port": 5432}
    write(workdir, {"p/a.yaml": cloudflare_profile(**tcp)})
    result = render_ok(run, "p", "--out", "out")
    assert "cloudflared access tcp" in result.err
    assert tunnel_config(workdir)["ingress"][0] == {
        "hostname": "chat.example.com",
        "service": "tcp://chat.apps.svc.cluster.local:5432",
    }


def test_rules_order_exact_hosts_then_narrow_wildcards_then_longer_paths(
    workdir: Path, run: Run
) -> None:
    profiles = {
        "p/wide.yaml": cloudflare_profile(
            **{"metadata.name": "wide", "spec.hostname": "*.example.com"}
        ),
        "p/narrow.yaml": cloudflare_profile(
            **{"metadata.name": "narrow", "spec.hostname": "*.zz.example.com"}
        ),
        "p/root.yaml": cloudflare_profile(**{"metadata.name": "root", "spec.websocket.path": "/"}),
        "p/deep.yaml": cloudflare_profile(
            **{"metadata.name": "deep", "spec.websocket.path": "/ws/v2"}
        ),
        "p/ws.yaml": cloudflare_profile(**{"metadata.name": "ws"}),
    }
    write(workdir, profiles)
    render_ok(run, "p", "--out", "out")
    rules = [(r.get("hostname"), r.get("path")) for r in tunnel_config(workdir)["ingress"]]
    assert rules == [
        ("chat.example.com", "^/ws/v2(/|$)"),
        ("chat.example.com", "^/ws(/|$)"),
        ("chat.example.com", None),
        ("*.zz.example.com", "^/ws(/|$)"),
        ("*.example.com", "^/ws(/|$)"),
        (None, None),
    ]


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("namespace", "edge-system"),
        ("replicas", 3),
        ("image", "cloudflare/cloudflared:2026.7.0"),
        ("credentialsSecret", "other-creds"),
        ("tunnel", "Edge"),  # another tunnel whose objects would have the same name
    ],
)
def test_profiles_on_one_tunnel_must_agree_on_its_settings(
    workdir: Path, run: Run, setting: str, value: Any
) -> None:
    other = cloudflare_profile(
        **{
            "metadata.name": "api",
            "spec.hostname": "api.example.com",
            f"spec.cloudflareTunnel.{setting}": value,
        }
    )
    write(workdir, {"p/a.yaml": cloudflare_profile(), "p/b.yaml": other})
    result = run("render", "p", "--out", "out")
    assert result.code == 2
    assert "p/b.yaml:" in result.err and f"spec.cloudflareTunnel.{setting}:" in result.err
    assert "p/a.yaml" in result.err and "cloudflared-edge" in result.err


def test_profiles_in_different_namespaces_share_a_tunnel_only_when_they_say_where(
    workdir: Path, run: Run
) -> None:
    other = cloudflare_profile(**{"metadata.namespace": "web", "spec.hostname": "api.example.com"})
    write(workdir, {"p/a.yaml": cloudflare_profile(), "p/b.yaml": other})
    assert run("render", "p", "--out", "out").code == 2  # apps vs web by default
    both = {"spec.cloudflareTunnel.namespace": "edge"}
    write(
        workdir,
        {
            "p/a.yaml": cloudflare_profile(**both),
            "p/b.yaml": cloudflare_profile(
                **{**both, "metadata.namespace": "web", "spec.hostname": "api.example.com"}
            ),
        },
    )
    render_ok(run, "p", "--out", "out")
    config = yaml.safe_load(
        load(workdir / "out/edge/_cloudflared-edge/configmap-cloudflared-edge.yaml")["data"][
            "config.yaml"
        ]
    )
    assert [r["service"] for r in config["ingress"][:2]] == [
        "http://chat.web.svc.cluster.local:8080",
        "http://chat.apps.svc.cluster.local:8080",
    ]


# ---------------------------------------------------------------- joining and leaving a tunnel


def test_joining_and_leaving_a_shared_tunnel_is_noted(workdir: Path, run: Run) -> None:
    second = cloudflare_profile(**{"metadata.name": "api", "spec.hostname": "api.example.com"})
    write(workdir, {"p/a.yaml": cloudflare_profile()})
    first = render_ok(run, "p", "--out", "out")
    assert "joins" not in first.err  # a new tunnel: nothing was connected yet

    write(workdir, {"p/b.yaml": second})
    joined = render_ok(run, "p", "--out", "out")
    (note,) = [line for line in joined.err.splitlines() if "joins" in line]
    assert note.startswith("p/b.yaml:") and "p/b.yaml joins" in note
    assert "checksum changes" in note and "every cloudflared pod" in note
    assert "WebSockets" in note

    again = render_ok(run, "p", "--out", "out")
    assert "joins" not in again.err and "leaves" not in again.err

    (workdir / "p/b.yaml").unlink()
    left = render_ok(run, "p", "--out", "out")
    (note,) = [line for line in left.err.splitlines() if "leaves" in line]
    assert "p/b.yaml leaves" in note and "restarts" in note


def test_the_note_also_shows_under_check(workdir: Path, run: Run) -> None:
    write(workdir, {"p/a.yaml": cloudflare_profile()})
    render_ok(run, "p", "--out", "out")
    write(
        workdir,
        {
            "p/b.yaml": cloudflare_profile(
                **{"metadata.name": "b", "spec.hostname": "b.example.com"}
            )
        },
    )
    result = run("render", "p", "--out", "out", "--check")
    assert result.code == 1 and "p/b.yaml joins" in result.err


# ---------------------------------------------------------------- mode ingress-controller


def test_ingress_maps_origin_request_to_the_controllers_annotations(
    workdir: Path, run: Run
) -> None:
    origin = {
        "connectTimeout": "30s",
        "tlsTimeout": "10s",
        "tcpKeepAlive": "1m",
        "noHappyEyeballs": True,
        "keepAliveConnections": 0,
        "keepAliveTimeout": "1m30s",
        "httpHostHeader": "chat.internal",
        "originServerName": "chat.internal",
        "noTLSVerify": True,
        "disableChunkedEncoding": False,
        "http2Origin": True,
    }
    profile = controller(
        **{"spec.cloudflareTunnel.originTLS": True, "spec.cloudflareTunnel.originRequest": origin}
    )
    write(workdir, {"p/a.yaml": profile})
    render_ok(run, "p", "--out", "out")
    ingress = load(workdir / "out/apps/chat/ingress-chat.yaml")
    assert ingress["metadata"]["annotations"] == {
        PREFIX + "backend-protocol": "https",
        PREFIX + "connect-timeout": "30s",
        PREFIX + "tls-timeout": "10s",
        PREFIX + "tcp-keepalive": "1m",
        PREFIX + "no-happy-eyeballs": "true",
        PREFIX + "keepalive-connections": "0",
        PREFIX + "keepalive-timeout": "1m30s",
        PREFIX + "http-host-header": "chat.internal",
        PREFIX + "origin-server-name": "chat.internal",
        PREFIX + "no-tls-verify": "true",
        PREFIX + "disable-chunked-encoding": "false",
        PREFIX + "http2-origin": "true",
    }
    rule = ingress["spec"]["rules"][0]
    assert ingress["spec"]["ingressClassName"] == "cloudflare-tunnel"
    assert rule["host"] == "chat.example.com"
    assert rule["http"]["paths"] == [
        {
            "path": "/ws",
            "pathType": "Prefix",
            "backend": {"service": {"name": "chat", "port": {"number": 8080}}},
        }
    ]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, {}),
        (
            {"spec.cloudflareTunnel.originTLS": True},
            {PREFIX + "backend-protocol": "https", PREFIX + "no-tls-verify": "false"},
        ),
        (
            grpc(),
            {
                PREFIX + "backend-protocol": "https",
                PREFIX + "http2-origin": "true",
                PREFIX + "no-tls-verify": "false",
            },
        ),
        (
            {"spec.protocol": "tcp", "spec.websocket": None},
            {PREFIX + "backend-protocol": "tcp"},
        ),
    ],
    ids=["http", "https", "grpc", "tcp"],
)
def test_ingress_backend_protocol(
    workdir: Path, run: Run, changes: dict[str, Any], expected: dict[str, str]
) -> None:
    write(workdir, {"p/a.yaml": controller(**changes)})
    render_ok(run, "p", "--out", "out")
    ingress = load(workdir / "out/apps/chat/ingress-chat.yaml")
    assert ingress["metadata"].get("annotations", {}) == expected


def test_ingress_warns_that_the_controller_does_not_anchor_the_path(
    workdir: Path, run: Run
) -> None:
    write(
        workdir,
        {
            "p/a.yaml": controller(**{"spec.websocket.path": "/socket.io"}),
            "p/root.yaml": controller(
                **{
                    "metadata.name": "root",
                    "spec.hostname": "r.example.com",
                    "spec.websocket.path": "/",
                }
            ),
        },
    )
    result = render_ok(run, "p", "--out", "out")
    (warning,) = [line for line in result.err.splitlines() if "unanchored" in line]
    assert warning.startswith("p/a.yaml:")
    assert "/anything/socket.io" in warning and "cannot start with '^'" in warning
    assert "^/socket\\.io(/|$)" in warning and "reads . in it" in warning
    # Nothing about it inside the files.
    assert "unanchored" not in (workdir / "out/apps/chat/ingress-chat.yaml").read_text()


@pytest.mark.parametrize("mode", ["cloudflared", "ingress-controller", "operator"])
@pytest.mark.parametrize("path", ["/ws.*", "/a(b", "/chat$", "/v+1"])
def test_regex_operators_in_the_path_are_refused_in_every_mode(
    workdir: Path, run: Run, mode: str, path: str
) -> None:
    tunnel = {"mode": mode, "tunnel": "edge", "credentialsSecret": "creds"}
    if mode == "operator":
        tunnel = {"mode": mode, "tunnel": "edge", "tunnelKind": "ClusterTunnel"}
    elif mode == "ingress-controller":
        tunnel = {"mode": mode}
    profile = cloudflare_profile(**{"spec.cloudflareTunnel": tunnel, "spec.websocket.path": path})
    write(workdir, {"p/a.yaml": profile})
    result = run("render", "p", "--out", "out")
    assert result.code == 2, result.err
    assert "p/a.yaml:" in result.err and "spec.websocket.path:" in result.err
    assert "literal URL prefix, not a regular expression" in result.err
    assert not (workdir / "out").exists()


def test_a_dot_in_the_path_is_a_literal_character_escaped_by_cloudflared_mode(
    workdir: Path, run: Run
) -> None:
    write(workdir, {"p/a.yaml": cloudflare_profile(**{"spec.websocket.path": "/socket.io"})})
    render_ok(run, "p", "--out", "out")
    assert tunnel_config(workdir)["ingress"][0]["path"] == "^/socket\\.io(/|$)"


def test_two_ingresses_for_one_host_and_path_are_refused(workdir: Path, run: Run) -> None:
    write(workdir, {"p/a.yaml": controller(), "p/b.yaml": controller(**{"metadata.name": "b"})})
    result = run("render", "p", "--out", "out")
    assert result.code == 2 and "p/a.yaml" in result.err and "p/b.yaml" in result.err
    assert "IngressClass cloudflare-tunnel" in result.err


# ---------------------------------------------------------------- mode operator


def test_operator_writes_a_tunnel_binding_in_the_profile_folder(workdir: Path, run: Run) -> None:
    write(workdir, {"p/a.yaml": operator(**{"metadata.labels": {"team": "chat"}})})
    render_ok(run, "p", "--out", "out")
    folder = workdir / "out/apps/chat"
    assert sorted(p.name for p in folder.iterdir()) == [
        "kustomization.yaml",
        "tunnelbinding-chat.yaml",
    ]
    binding = load(folder / "tunnelbinding-chat.yaml")
    assert binding == {
        "apiVersion": "networking.cfargotunnel.com/v1alpha1",
        "kind": "TunnelBinding",
        "metadata": {
            "name": "chat",
            "namespace": "apps",
            "labels": {"app.kubernetes.io/managed-by": "ingressgen", "team": "chat"},
        },
        "subjects": [
            {
                "kind": "Service",
                "name": "chat",
                "spec": {
                    "fqdn": "chat.example.com",
                    "protocol": "http",
                    "target": "http://chat.apps.svc.cluster.local:8080",
                    "path": "^/ws(/|$)",
                },
            }
        ],
        "tunnelRef": {"kind": "ClusterTunnel", "name": "edge"},
    }
    assert not (workdir / "out/apps/_cloudflared-edge").exists()


@pytest.mark.parametrize(
    ("changes", "spec"),
    [
        (
            grpc(),
            {
                "protocol": "https",
                "target": "https://chat.apps.svc.cluster.local:8443",
                "http2Origin": True,
            },
        ),
        (
            {"spec.protocol": "tcp", "spec.websocket": None},
            {"protocol": "tcp", "target": "tcp://chat.apps.svc.cluster.local:8080"},
        ),
        (
            {
                "spec.websocket.path": "/",
                "spec.cloudflareTunnel.originRequest": {
                    "noTLSVerify": True,
                    "proxyAddress": "::1",
                    "proxyPort": 9000,
                    "proxyType": "socks",
                },
            },
            {
                "protocol": "http",
                "target": "http://chat.apps.svc.cluster.local:8080",
                "noTlsVerify": True,
                "proxyAddress": "::1",
                "proxyPort": 9000,
                "proxyType": "socks",
            },
        ),
    ],
    ids=["grpc", "tcp", "origin-request"],
)
def test_operator_binding_variants(
    workdir: Path, run: Run, changes: dict[str, Any], spec: dict[str, Any]
) -> None:
    write(workdir, {"p/a.yaml": operator(**changes)})
    render_ok(run, "p", "--out", "out")
    binding = load(workdir / "out/apps/chat/tunnelbinding-chat.yaml")
    assert binding["subjects"][0]["spec"] == {"fqdn": "chat.example.com", **spec}


def test_operator_tunnel_kind_is_written_as_given(workdir: Path, run: Run) -> None:
    write(workdir, {"p/a.yaml": operator(**{"spec.cloudflareTunnel.tunnelKind": "Tunnel"})})
    render_ok(run, "p", "--out", "out")
    binding = load(workdir / "out/apps/chat/tunnelbinding-chat.yaml")
    assert binding["tunnelRef"] == {"kind": "Tunnel", "name": "edge"}


def test_operator_duplicate_route_on_one_tunnel_is_refused(workdir: Path, run: Run) -> None:
    write(workdir, {"p/a.yaml": operator(), "p/b.yaml": operator(**{"metadata.name": "b"})})
    result = run("render", "p", "--out", "out")
    assert result.code == 2 and "p/a.yaml" in result.err and "p/b.yaml" in result.err
    assert "operator tunnel edge" in result.err


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({"spec.cloudflareTunnel.tunnelKind": "Tunnel"}, {"metadata.namespace": "other"}),
        ({"spec.cloudflareTunnel.tunnelKind": "Tunnel"}, {}),
    ],
    ids=["tunnel-in-two-namespaces", "tunnel-and-clustertunnel"],
)
def test_operator_groups_bindings_by_tunnel_name_like_the_operator(
    workdir: Path, run: Run, first: dict[str, Any], second: dict[str, Any]
) -> None:
    # The operator lists a tunnel's bindings by the label cfargotunnel.com/name alone.
    second = {"metadata.name": "b", "spec.cloudflareTunnel.tunnelKind": "Tunnel", **second}
    if "metadata.namespace" not in second:
        second["spec.cloudflareTunnel.tunnelKind"] = "ClusterTunnel"
    write(workdir, {"p/a.yaml": operator(**first), "p/b.yaml": operator(**second)})
    result = run("render", "p", "--out", "out")
    assert result.code == 2
    assert "p/b.yaml:" in result.err and "already routed by p/a.yaml" in result.err


def test_operator_routes_on_differently_named_tunnels_do_not_clash(workdir: Path, run: Run) -> None:
    other = {"metadata.name": "b", "spec.cloudflareTunnel.tunnel": "edge-2"}
    write(workdir, {"p/a.yaml": operator(), "p/b.yaml": operator(**other)})
    render_ok(run, "p", "--out", "out")


def test_operator_shadowing_is_found_across_namespaces(workdir: Path, run: Run) -> None:
    wide = operator(
        **{
            "metadata.name": "a-wide",
            "metadata.namespace": "edge-ns",
            "spec.hostname": "*.example.com",
            "spec.websocket.path": "/",
            "spec.cloudflareTunnel.tunnelKind": "Tunnel",
        }
    )
    write(workdir, {"p/wide.yaml": wide, "p/chat.yaml": operator(**{"metadata.name": "b-chat"})})
    result = render_ok(run, "p", "--out", "out")
    (warning,) = [line for line in result.err.splitlines() if "orders a tunnel's rules" in line]
    assert warning.startswith("p/chat.yaml:") and "TunnelBinding edge-ns/a-wide" in warning


def test_operator_rule_order_by_binding_name_is_warned_about(workdir: Path, run: Run) -> None:
    # The operator puts binding "a-wide" before "b-chat": its wildcard would take chat's requests.
    wide = operator(
        **{"metadata.name": "a-wide", "spec.hostname": "*.example.com", "spec.websocket.path": "/"}
    )
    chat = operator(**{"metadata.name": "b-chat"})
    write(workdir, {"p/wide.yaml": wide, "p/chat.yaml": chat})
    result = render_ok(run, "p", "--out", "out")
    (warning,) = [line for line in result.err.splitlines() if "orders a tunnel's rules" in line]
    assert warning.startswith("p/chat.yaml:") and "TunnelBinding apps/a-wide" in warning
    assert "rename one" in warning

    write(
        workdir,
        {
            "p/wide.yaml": operator(
                **{
                    "metadata.name": "z-wide",
                    "spec.hostname": "*.example.com",
                    "spec.websocket.path": "/",
                }
            )
        },
    )
    assert "orders a tunnel's rules" not in render_ok(run, "p", "--out", "out2").err


def _upstream_binding_validator() -> Any:
    return upstream_crd_validators("cloudflare-operator")[
        ("networking.cfargotunnel.com/v1alpha1", "TunnelBinding")
    ]


def test_tunnel_bindings_pass_the_own_schema_and_the_upstream_crd(workdir: Path, run: Run) -> None:
    upstream = _upstream_binding_validator()
    variants = {
        "p/http.yaml": operator(),
        "p/grpc.yaml": operator(
            **{"metadata.name": "grpc", "spec.hostname": "g.example.com", **grpc()}
        ),
        "p/tcp.yaml": operator(
            **{
                "metadata.name": "tcp",
                "spec.hostname": "t.example.com",
                "spec.protocol": "tcp",
                "spec.websocket": None,
                "spec.cloudflareTunnel.tunnelKind": "Tunnel",
            }
        ),
        "p/proxy.yaml": operator(
            **{
                "metadata.name": "proxy",
                "metadata.annotations": {"owner": "chat-team"},
                "spec.hostname": "x.example.com",
                "spec.cloudflareTunnel.originRequest": {
                    "proxyAddress": "127.0.0.1",
                    "proxyPort": 0,
                    "proxyType": "",
                    "noTLSVerify": False,
                },
            }
        ),
    }
    write(workdir, variants)
    render_ok(run, "p", "--out", "out")
    bindings = [load(p) for p in sorted((workdir / "out").rglob("tunnelbinding-*.yaml"))]
    assert len(bindings) == len(variants)
    for binding in bindings:
        assert schema_findings(binding, "1.34") == []
        errors = [e.message for e in upstream.iter_errors(binding)]
        assert errors == [], (binding["metadata"]["name"], errors)


# ---------------------------------------------------------------- every mode


MODES: dict[str, dict[str, dict[str, Any]]] = {
    "cloudflared": {
        "p/chat.yaml": cloudflare_profile(),
        "p/api.yaml": cloudflare_profile(
            **{
                "metadata.name": "api",
                "spec.hostname": "api.example.com",
                **grpc(),
                "spec.cloudflareTunnel.originCA": {"secret": "api-ca"},
            }
        ),
        "p/db.yaml": cloudflare_profile(
            **{
                "metadata.name": "db",
                "spec.hostname": "db.example.com",
                "spec.protocol": "tcp",
                "spec.websocket": None,
            }
        ),
    },
    "ingress-controller": {
        "p/chat.yaml": controller(),
        "p/api.yaml": controller(
            **{"metadata.name": "api", "spec.hostname": "api.example.com", **grpc()}
        ),
    },
    "operator": {
        "p/chat.yaml": operator(),
        "p/api.yaml": operator(
            **{"metadata.name": "api", "spec.hostname": "api.example.com", **grpc()}
        ),
    },
}


@pytest.mark.parametrize("mode", list(MODES))
def test_every_mode_renders_valid_objects_and_never_a_secret(
    workdir: Path, run: Run, mode: str
) -> None:
    write(workdir, MODES[mode])
    render_ok(run, "p", "--out", "out")
    documents = [
        document
        for path, content in snapshot(workdir / "out").items()
        if path.endswith(".yaml") and not path.endswith("kustomization.yaml")
        for document in yaml.safe_load_all(content)
    ]
    assert documents
    for document in documents:
        assert document["kind"] != "Secret"
        assert schema_findings(document, "1.34") == [], document["kind"]
        if document["kind"] == "ConfigMap":
            config = yaml.safe_load(document["data"]["config.yaml"])
            assert check_ingress(config["ingress"]) == []


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
@pytest.mark.parametrize("mode", list(MODES))
def test_kubectl_kustomize_builds_every_folder_of_every_mode(
    workdir: Path, run: Run, mode: str
) -> None:
    write(workdir, MODES[mode])
    render_ok(run, "p", "--out", "out")
    folders = sorted({p.parent for p in (workdir / "out").rglob("kustomization.yaml")})
    assert folders
    for folder in folders:
        built = subprocess.run(
            ["kubectl", "kustomize", str(folder)], capture_output=True, text=True, check=False
        )
        assert built.returncode == 0, built.stderr
        kinds = {d["kind"] for d in yaml.safe_load_all(built.stdout) if d}
        assert kinds and "Secret" not in kinds


def test_heartbeat_and_reconnect_notes_go_to_stderr_only(workdir: Path, run: Run) -> None:
    write(
        workdir,
        {
            "p/a.yaml": cloudflare_profile(**{"spec.websocket.heartbeatSeconds": 90}),
            "p/b.yaml": operator(
                **{
                    "metadata.name": "b",
                    "spec.hostname": "b.example.com",
                    "spec.websocket.heartbeatSeconds": None,
                }
            ),
        },
    )
    result = render_ok(run, "p", "--out", "out")
    assert "heartbeatSeconds 90 is above 60 s" in result.err
    assert "no websocket.heartbeatSeconds" in result.err
    assert result.err.count("clients must reconnect") == 1
    for content in snapshot(workdir / "out").values():
        assert b"heartbeat" not in content and b"reconnect" not in content


def test_a_generated_rule_cloudflared_would_refuse_is_a_bug_and_nothing_is_written(
    workdir: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ingressgen.targets.cloudflare import common as cloudflare_common

    # Simulate a bug in the path escaping: the checker must stop it before anything is written.
    monkeypatch.setattr(cloudflare_common, "path_regex", lambda path: f"^{path}(")
    write(workdir, {"p/a.yaml": cloudflare_profile()})
    result = run("render", "p", "--out", "out")
    assert result.code == 3
    assert "bug in ingressgen" in result.err and "V13" in result.err
    assert not (workdir / "out").exists()


def test_settings_the_mode_never_reads_are_noted_not_lost(workdir: Path, run: Run) -> None:
    profile = cloudflare_profile(
        **{
            "spec.cloudflareTunnel.mode": "ingress-controller",
            "spec.cloudflareTunnel.replicas": 3,
            "spec.cloudflareTunnel.tunnelKind": "Tunnel",
        }
    )
    write(workdir, {"p/a.yaml": profile})
    result = run("render", "p", "--out", "out")
    assert result.code == 0, result.err
    assert "spec.cloudflareTunnel.replicas does nothing in ingress-controller mode" in result.err
    assert "spec.cloudflareTunnel.tunnelKind does nothing in ingress-controller mode" in result.err
    assert "credentialsSecret does nothing" in result.err  # set by the base profile
    assert "p/a.yaml:" in result.err


def test_cloudflared_runs_as_its_own_service_account_without_a_token(
    workdir: Path, run: Run
) -> None:
    write(workdir, {"p/a.yaml": cloudflare_profile()})
    render_ok(run, "p", "--out", "out")
    account = load(workdir / TUNNEL_FOLDER / "serviceaccount-cloudflared-edge.yaml")
    assert account["metadata"]["name"] == "cloudflared-edge"
    assert account["metadata"]["namespace"] == "apps"
    assert account["automountServiceAccountToken"] is False
    pod = load(workdir / TUNNEL_FOLDER / "deployment-cloudflared-edge.yaml")["spec"]["template"]
    assert pod["spec"]["serviceAccountName"] == "cloudflared-edge"
    assert pod["spec"]["automountServiceAccountToken"] is False
    kustomization = load(workdir / TUNNEL_FOLDER / "kustomization.yaml")
    assert "serviceaccount-cloudflared-edge.yaml" in kustomization["resources"]
    # A profile's own folder (mode operator) gets no ServiceAccount: the operator runs cloudflared.
    write(workdir, {"p/a.yaml": operator()})
    render_ok(run, "p", "--out", "out2")
    assert not list((workdir / "out2").rglob("serviceaccount-*.yaml"))


def test_a_tunnel_carrying_grpc_runs_on_http2_transport(workdir: Path, run: Run) -> None:
    # Over QUIC cloudflared drops trailers, grpc-status among them.
    write(workdir, {"p/a.yaml": cloudflare_profile(**grpc())})
    result = render_ok(run, "p", "--out", "out")
    assert tunnel_config(workdir)["protocol"] == "http2"
    assert "cloudflare-grpc-needs-http2-transport" not in result.err
    # The same tunnel with WebSocket profiles only keeps cloudflared's default transport.
    write(workdir, {"p/a.yaml": cloudflare_profile()})
    render_ok(run, "p", "--out", "out2")
    configmap = load(workdir / "out2/apps/_cloudflared-edge/configmap-cloudflared-edge.yaml")
    assert "protocol" not in yaml.safe_load(configmap["data"]["config.yaml"])


@pytest.mark.parametrize(
    ("make", "setting"),
    [(controller, "cloudflared.protocol: http2"), (operator, "spec.protocol: http2")],
    ids=["ingress-controller", "operator"],
)
def test_grpc_through_a_controllers_tunnel_is_a_high_finding(
    workdir: Path, run: Run, make: Callable[..., dict[str, Any]], setting: str
) -> None:
    write(
        workdir,
        {
            "p/a.yaml": make(**grpc()),
            "p/b.yaml": make(**{"metadata.name": "b", "spec.hostname": "b.example.com"}),
        },
    )
    result = render_ok(run, "p", "--out", "out")
    (line,) = [x for x in result.err.splitlines() if "cloudflare-grpc-needs-http2-transport" in x]
    assert line.startswith("p/a.yaml:") and ": high: " in line
    assert "--protocol http2" in line and setting in line


# ---------------------------------------------------------------- origin CA (mode cloudflared)


def tls(**changes: Any) -> dict[str, Any]:
    return cloudflare_profile(**{"spec.cloudflareTunnel.originTLS": True, **changes})


def test_origin_ca_is_mounted_read_only_and_becomes_ca_pool(workdir: Path, run: Run) -> None:
    write(
        workdir,
        {
            "p/a.yaml": tls(**{"spec.cloudflareTunnel.originCA": {"secret": "chat-ca"}}),
            "p/b.yaml": tls(
                **{
                    "metadata.name": "b",
                    "spec.hostname": "b.example.com",
                    "spec.cloudflareTunnel.originCA": {"configMap": "b-ca", "key": "bundle.pem"},
                }
            ),
        },
    )
    render_ok(run, "p", "--out", "out")
    rules = {r.get("hostname"): r for r in tunnel_config(workdir)["ingress"]}
    assert rules["chat.example.com"]["originRequest"] == {
        "caPool": "/etc/cloudflared/origin-ca/secret-chat-ca/ca.crt"
    }
    assert rules["b.example.com"]["originRequest"] == {
        "caPool": "/etc/cloudflared/origin-ca/configmap-b-ca/bundle.pem"
    }
    pod = load(workdir / TUNNEL_FOLDER / "deployment-cloudflared-edge.yaml")["spec"]["template"]
    volumes = {v["name"]: v for v in pod["spec"]["volumes"]}
    assert volumes["origin-ca-1"]["configMap"] == {
        "name": "b-ca",
        "items": [{"key": "bundle.pem", "path": "bundle.pem"}],
    }
    assert volumes["origin-ca-2"]["secret"] == {
        "secretName": "chat-ca",
        "items": [{"key": "ca.crt", "path": "ca.crt"}],
    }
    mounts = {m["name"]: m for m in pod["spec"]["containers"][0]["volumeMounts"]}
    assert mounts["origin-ca-2"] == {
        "name": "origin-ca-2",
        "mountPath": "/etc/cloudflared/origin-ca/secret-chat-ca",
        "readOnly": True,
    }
    # Nothing of the bundle itself is written: it is referenced by name.
    assert not list((workdir / "out").rglob("secret-*.yaml"))


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"spec.cloudflareTunnel.originRequest": {"caPool": "/etc/ssl/ca.crt"}},
            "cloudflared fails to read it at start",
        ),
        (
            {
                "spec.cloudflareTunnel.originRequest": {"caPool": "/etc/ssl/ca.crt"},
                "spec.cloudflareTunnel.originCA": {"secret": "chat-ca"},
            },
            "remove caPool",
        ),
    ],
    ids=["bare", "with-origin-ca"],
)
def test_a_ca_pool_path_without_origin_ca_is_refused(
    workdir: Path, run: Run, changes: dict[str, Any], expected: str
) -> None:
    write(workdir, {"p/a.yaml": tls(**changes)})
    result = run("render", "p", "--out", "out", "-o", "json")
    assert result.code == 2
    (finding,) = json.loads(result.out)["findings"]
    assert finding["rule"] == "cloudflare-ca-pool-unmounted" and finding["level"] == "error"
    assert expected in finding["message"] and "originCA" in finding["message"]
    assert not (workdir / "out").exists()


@pytest.mark.parametrize(
    ("origin_ca", "origin_tls", "expected"),
    [
        ({"secret": "a", "configMap": "b"}, True, "exactly one of secret or configMap"),
        ({"key": "ca.crt"}, True, "exactly one of secret or configMap"),
        ({"secret": "a", "key": "../ca"}, True, "not a valid Secret or ConfigMap key"),
        ({"secret": "a"}, None, "originTLS: true"),
    ],
)
def test_origin_ca_must_name_one_object_and_a_tls_origin(
    workdir: Path, run: Run, origin_ca: dict[str, Any], origin_tls: bool | None, expected: str
) -> None:
    profile = cloudflare_profile(
        **{
            "spec.cloudflareTunnel.originCA": origin_ca,
            "spec.cloudflareTunnel.originTLS": origin_tls,
        }
    )
    write(workdir, {"p/a.yaml": profile})
    result = run("render", "p", "--out", "out")
    assert result.code == 2 and "spec.cloudflareTunnel.originCA" in result.err
    assert expected in result.err


def test_origin_ca_outside_mode_cloudflared_is_noted_as_ignored(workdir: Path, run: Run) -> None:
    write(
        workdir,
        {"p/a.yaml": operator(**{"spec.cloudflareTunnel.originCA": {"secret": "chat-ca"}})},
    )
    result = render_ok(run, "p", "--out", "out")
    assert "spec.cloudflareTunnel.originCA does nothing in operator mode" in result.err


# ---------------------------------------------------------------- DNS


def test_mode_cloudflared_says_how_to_route_the_hostname_to_the_tunnel(
    workdir: Path, run: Run
) -> None:
    write(
        workdir,
        {
            "p/a.yaml": cloudflare_profile(),
            "p/b.yaml": operator(**{"metadata.name": "b", "spec.hostname": "b.example.com"}),
        },
    )
    result = render_ok(run, "p", "--out", "out")
    (line,) = [x for x in result.err.splitlines() if "cloudflare-dns-route-needed" in x]
    assert line.startswith("p/a.yaml:") and ": info: " in line
    assert "'cloudflared tunnel route dns edge chat.example.com'" in line
    assert "chat.example.com -> <tunnel-uuid>.cfargotunnel.com" in line
    # -q hides it; the operator writes its own CNAME, so b gets none.
    assert "cloudflare-dns-route-needed" not in render_ok(run, "p", "--out", "out", "-q").err


def test_one_hostname_through_metallb_and_a_tunnel_has_two_dns_owners(
    workdir: Path, run: Run
) -> None:
    lb = metallb_profile(**{"metadata.name": "lb", "spec.hostname": "chat.example.com"})
    write(workdir, {"p/tunnel.yaml": cloudflare_profile(), "p/lb.yaml": lb})
    result = run("render", "p", "--out", "out", "-o", "json")
    assert result.code == 0, result.err
    (finding,) = [f for f in json.loads(result.out)["findings"] if f["rule"] == "dns-two-owners"]
    assert finding["level"] == "high" and finding["file"] == "p/tunnel.yaml"
    assert finding["profiles"] == ["p/lb.yaml", "p/tunnel.yaml"]
    assert "chat.example.com" in finding["message"]
    # Different hostnames: each exposure owns its own name.
    write(workdir, {"p/lb.yaml": {**lb, "spec": {**lb["spec"], "hostname": "lb.example.com"}}})
    result = run("render", "p", "--out", "out2", "-o", "json")
    assert result.code == 0
    assert not [f for f in json.loads(result.out)["findings"] if f["rule"] == "dns-two-owners"]


# ---------------------------------------------------------------- STRRL controller versions


def test_without_a_controller_version_the_assumption_is_stated(workdir: Path, run: Run) -> None:
    write(workdir, {"p/a.yaml": controller()})
    result = render_ok(run, "p", "--out", "out")
    (line,) = [x for x in result.err.splitlines() if "cloudflare-controller-version-unset" in x]
    assert line.startswith("p/a.yaml:") and ": info: " in line and "0.1.0 or later" in line
    write(workdir, {"p/a.yaml": controller(**{"spec.cloudflareTunnel.controllerVersion": "0.1.0"})})
    assert "cloudflare-controller-version-unset" not in render_ok(run, "p", "--out", "o2").err


@pytest.mark.parametrize(
    ("version", "origin", "expected"),
    [
        ("0.0.9", {}, {"backend-protocol": "https", "proxy-ssl-verify": "on"}),
        ("v0.0.9", {"noTLSVerify": True}, {"backend-protocol": "https", "proxy-ssl-verify": "off"}),
        (
            "0.1.0",
            {"noTLSVerify": True},
            {"backend-protocol": "https", "no-tls-verify": "true"},
        ),
        ("0.2.3", {}, {"backend-protocol": "https", "no-tls-verify": "false"}),
    ],
)
def test_controller_annotations_follow_its_version(
    workdir: Path, run: Run, version: str, origin: dict[str, Any], expected: dict[str, str]
) -> None:
    tunnel = {
        "mode": "ingress-controller",
        "controllerVersion": version,
        "originTLS": True,
        "originRequest": origin,
    }
    write(workdir, {"p/a.yaml": cloudflare_profile(**{"spec.cloudflareTunnel": tunnel})})
    render_ok(run, "p", "--out", "out")
    ingress = load(workdir / "out/apps/chat/ingress-chat.yaml")
    assert ingress["metadata"]["annotations"] == {PREFIX + k: v for k, v in expected.items()}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        (
            {"spec.cloudflareTunnel.originRequest": {"connectTimeout": "10s"}},
            "spec.cloudflareTunnel.originRequest.connectTimeout",
        ),
        (grpc(), "spec.protocol"),
    ],
    ids=["connect-timeout", "grpc"],
)
def test_an_old_controller_cannot_express_origin_request_settings(
    workdir: Path, run: Run, changes: dict[str, Any], field: str
) -> None:
    profile = controller(**{"spec.cloudflareTunnel.controllerVersion": "0.0.5", **changes})
    write(workdir, {"p/a.yaml": profile})
    result = run("render", "p", "--out", "out")
    assert result.code == 2 and f"{field}:" in result.err
    assert "controller 0.0.5 reads no annotation" in result.err and "0.1.0" in result.err
    assert not (workdir / "out").exists()


def test_a_controller_version_must_be_a_release(workdir: Path, run: Run) -> None:
    write(workdir, {"p/a.yaml": controller(**{"spec.cloudflareTunnel.controllerVersion": "0.1"})})
    result = run("render", "p", "--out", "out")
    assert result.code == 2 and "spec.cloudflareTunnel.controllerVersion" in result.err
    assert "MAJOR.MINOR.PATCH" in result.err


# ---------------------------------------------------------------- readable shared configs

TRICKY_ORIGIN = {
    "httpHostHeader": "a\x85b\u2028c\u2029d",
    "originServerName": "0o17",
    "access": {"required": True, "teamName": "1e3", "audTag": ["0x1F", "on"]},
}


def test_the_shared_config_is_a_literal_block_that_reads_back_equal(
    workdir: Path, run: Run
) -> None:
    origin = {"spec.cloudflareTunnel.originRequest": TRICKY_ORIGIN}
    write(
        workdir, {"p/a.yaml": cloudflare_profile(**{"spec.websocket.path": "/socket.io", **origin})}
    )
    render_ok(run, "p", "--out", "out")
    text = (workdir / TUNNEL_FOLDER / "configmap-cloudflared-edge.yaml").read_text()
    assert "  config.yaml: |\n    tunnel: edge\n" in text
    # One line per entry, raw line breaks of any kind nowhere.
    assert "\x85" not in text and "\u2028" not in text and "\u2029" not in text
    rule = tunnel_config(workdir)["ingress"][0]
    assert rule["path"] == "^/socket\\.io(/|$)"
    assert rule["originRequest"] == TRICKY_ORIGIN
    deployment = (workdir / TUNNEL_FOLDER / "deployment-cloudflared-edge.yaml").read_text()
    (annotation,) = [x for x in deployment.splitlines() if "config-checksum" in x]
    assert annotation.split(": ", 1)[1].startswith('"')
