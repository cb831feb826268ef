"""The generated cloudflared config, read by the real cloudflared (../shared/bin or PATH)."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import Result, cloudflare_profile, reference_binary, write

Run = Callable[..., Result]
CLOUDFLARED = reference_binary("cloudflared")

pytestmark = pytest.mark.skipif(
    CLOUDFLARED is None, reason="cloudflared is neither on PATH nor in ../shared/bin"
)


def profile(name: str, hostname: str, **changes: Any) -> dict[str, Any]:
    return cloudflare_profile(
        **{"metadata.name": name, "spec.hostname": hostname, "spec.service.name": name, **changes}
    )


def cloudflared(*args: str) -> subprocess.CompletedProcess[str]:
    assert CLOUDFLARED is not None
    return subprocess.run(
        [str(CLOUDFLARED), *args], capture_output=True, text=True, check=False, timeout=60
    )


def test_cloudflared_accepts_the_config_and_routes_each_request_to_its_profile(
    workdir: Path, run: Run
) -> None:
    write(
        workdir,
        {
            "p/chat.yaml": profile("chat", "chat.example.com"),
            "p/wild.yaml": profile(
                "wild", "*.example.com", **{"spec.protocol": "http", "spec.websocket": None}
            ),
            "p/api.yaml": profile(
                "api", "api.example.com", **{"spec.protocol": "http", "spec.websocket": None}
            ),
        },
    )
    rendered = run("render", "p", "--out", "out")
    assert rendered.code == 0, rendered.err
    [configmap] = (workdir / "out").rglob("configmap-cloudflared-edge.yaml")
    config = workdir / "config.yaml"
    config.write_text(yaml.safe_load(configmap.read_text())["data"]["config.yaml"])

    validated = cloudflared("tunnel", "--config", str(config), "ingress", "validate")
    assert validated.returncode == 0 and "OK" in validated.stdout, validated.stderr

    expected = {
        "https://chat.example.com/ws": "chat.apps.svc",
        "https://chat.example.com/ws/room/1": "chat.apps.svc",
        "https://chat.example.com/wsx": "wild.apps.svc",  # not the /ws route: anchored
        "https://foo.example.com/": "wild.apps.svc",
        "https://api.example.com/v1/users": "api.apps.svc",
        "https://other.org/": "http_status:404",
    }
    for url, service in expected.items():
        matched = cloudflared("tunnel", "--config", str(config), "ingress", "rule", url)
        assert matched.returncode == 0, matched.stderr
        assert f"service: {service}" in matched.stdout.replace("http://", ""), (url, matched)


def test_cloudflared_accepts_the_ca_pool_and_http2_transport_ingressgen_writes(
    workdir: Path, run: Run
) -> None:
    grpc = {
        "spec.protocol": "grpc",
        "spec.websocket": None,
        "spec.cloudflareTunnel.originTLS": True,
        "spec.cloudflareTunnel.originCA": {"secret": "api-ca"},
    }
    write(workdir, {"p/api.yaml": profile("api", "api.example.com", **grpc)})
    rendered = run("render", "p", "--out", "out")
    assert rendered.code == 0, rendered.err
    [configmap] = (workdir / "out").rglob("configmap-cloudflared-edge.yaml")
    text = yaml.safe_load(configmap.read_text())["data"]["config.yaml"]
    loaded = yaml.safe_load(text)
    assert loaded["protocol"] == "http2"
    assert loaded["ingress"][0]["originRequest"]["caPool"].startswith("/etc/cloudflared/origin-ca/")
    config = workdir / "config.yaml"
    config.write_text(text)
    validated = cloudflared("tunnel", "--config", str(config), "ingress", "validate")
    assert validated.returncode == 0 and "OK" in validated.stdout, validated.stderr


def test_cloudflared_reads_tricky_values_back_from_the_literal_block(
    workdir: Path, run: Run
) -> None:
    origin = {"httpHostHeader": "a\x85b\u2028c", "originServerName": "0o17", "proxyAddress": "1e3"}
    changes = {"spec.websocket.path": "/socket.io", "spec.cloudflareTunnel.originRequest": origin}
    write(workdir, {"p/a.yaml": profile("a", "a.example.com", **changes)})
    rendered = run("render", "p", "--out", "out")
    assert rendered.code == 0, rendered.err
    [configmap] = (workdir / "out").rglob("configmap-cloudflared-edge.yaml")
    assert "config.yaml: |" in configmap.read_text()
    config = workdir / "config.yaml"
    config.write_text(yaml.safe_load(configmap.read_text())["data"]["config.yaml"])
    validated = cloudflared("tunnel", "--config", str(config), "ingress", "validate")
    assert validated.returncode == 0 and "OK" in validated.stdout, validated.stderr
    # cloudflared's own reading: the escaped, anchored path routes /socket.io and below only.
    matched = cloudflared(
        "tunnel", "--config", str(config), "ingress", "rule", "https://a.example.com/socket.io/x"
    )
    assert matched.returncode == 0 and "Matched rule #0" in matched.stdout, matched.stderr
    other = cloudflared(
        "tunnel", "--config", str(config), "ingress", "rule", "https://a.example.com/socketXio"
    )
    assert "Matched rule #1" in other.stdout, other.stdout
