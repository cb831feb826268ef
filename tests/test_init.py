"""`ingressgen init`: a profile from a Service manifest or from flags, which then renders."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO, Result, write

Run = Callable[..., Result]

# The output of `kubectl create service clusterip x --tcp=8080:8080 --dry-run=client -o yaml`.
KUBECTL_SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  creationTimestamp: null
  labels:
    app: x
  name: x
spec:
  ports:
  - name: 8080-8080
    port: 8080
    protocol: TCP
    targetPort: 8080
  selector:
    app: x
  type: ClusterIP
status:
  loadBalancer: {}
"""

# What `kubectl get svc chat -o yaml` shows for a service with a metrics port and a ws port.
LIVE_SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: chat
  namespace: apps
  resourceVersion: "1234"
  uid: 0b8c0d2e-8f5c-4a4e-9a55-0d8a6f3b9c11
spec:
  clusterIP: 10.96.12.7
  ports:
  - name: metrics
    port: 9090
    protocol: TCP
    targetPort: 9090
  - name: ws
    port: 8080
    protocol: TCP
    targetPort: websocket
  selector:
    app.kubernetes.io/name: chat
  type: ClusterIP
"""


@pytest.fixture
def repo(workdir: Path) -> Path:
    (workdir / ".git").mkdir()
    return workdir


def test_init_from_kubectl_output_then_render(repo: Path, run: Run) -> None:
    write(repo, {"svc.yaml": KUBECTL_SERVICE})
    made = run(
        "init", "--from-service", "svc.yaml", "--namespace", "apps", "--exposure", "metallb",
        "--address-pool", "public", "--out", "p/x.yaml",
    )  # fmt: skip
    assert made.code == 0, made.err
    text = (repo / "p/x.yaml").read_text()
    assert text.splitlines()[0] == "# yaml-language-server: $schema=../schema/profile.schema.json"
    profile = yaml.safe_load(text)
    assert profile["metadata"] == {"name": "x", "namespace": "apps"}
    assert profile["spec"]["service"] == {
        "port": 8080,
        "targetPort": 8080,
        "selector": {"app": "x"},
    }
    assert "REQUIRED" not in text
    rendered = run("render", "p")
    assert rendered.code == 0, rendered.err
    assert (repo / "out/apps/x/service-x-lb.yaml").is_file()


def test_a_ws_port_is_chosen_and_hints_websocket(repo: Path, run: Run) -> None:
    write(repo, {"svc.yaml": LIVE_SERVICE})
    made = run("init", "--from-service", "svc.yaml", "--exposure", "cloudflare-tunnel",
               "--hostname", "chat.example.com", "--tunnel", "edge",
               "--credentials-secret", "tunnel-creds")  # fmt: skip
    assert made.code == 0, made.err
    profile = yaml.safe_load(made.out)
    assert profile["spec"]["protocol"] == "websocket"
    assert profile["spec"]["service"]["port"] == 8080
    assert profile["spec"]["service"]["targetPort"] == "websocket"
    assert profile["metadata"]["namespace"] == "apps"
    metrics = run("init", "--from-service", "svc.yaml", "--port", "9090", "--exposure", "metallb")
    assert yaml.safe_load(metrics.out)["spec"]["protocol"] == "http"
    app_protocol = LIVE_SERVICE.replace(
        "  - name: ws\n", "  - name: web\n    appProtocol: kubernetes.io/ws\n"
    )
    write(repo, {"svc2.yaml": app_protocol})
    hinted = run("init", "--from-service", "svc2.yaml")
    assert yaml.safe_load(hinted.out)["spec"]["protocol"] == "websocket"


def test_init_reads_standard_input(repo: Path, run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(LIVE_SERVICE))
    made = run("init", "--from-service", "-")
    assert made.code == 0 and yaml.safe_load(made.out)["metadata"]["name"] == "chat"


def test_init_from_flags_then_render(repo: Path, run: Run) -> None:
    made = run(
        "init", "chat", "--namespace", "apps", "--port", "8080", "--exposure", "cloudflare-tunnel",
        "--hostname", "chat.example.com", "--tunnel", "edge", "--credentials-secret", "creds",
        "--protocol", "websocket", "--out", "p/chat.yaml",
    )  # fmt: skip
    assert made.code == 0, made.err
    assert run("render", "p").code == 0


def test_missing_required_fields_are_marked_and_a_render_points_at_them(
    repo: Path, run: Run
) -> None:
    made = run("init", "chat", "--port", "8080", "--exposure", "metallb", "--out", "p/chat.yaml")
    assert made.code == 0
    text = (repo / "p/chat.yaml").read_text()
    for field in ("namespace", "selector", "addressPool"):
        assert re.search(rf"# {field}: +# REQUIRED: ", text)
    assert "fill in the lines marked REQUIRED" in made.err
    rendered = run("render", "p")
    assert rendered.code == 2
    assert re.search(
        r"p/chat\.yaml:\d+:\d+: metadata\.namespace: required field is missing", rendered.err
    )


def test_init_never_overwrites(repo: Path, run: Run) -> None:
    write(repo, {"p/chat.yaml": "mine\n"})
    result = run("init", "chat", "--out", "p/chat.yaml")
    assert result.code == 2 and "never overwrites" in result.err
    assert (repo / "p/chat.yaml").read_text() == "mine\n"


def test_bad_input_is_refused_with_its_location(repo: Path, run: Run) -> None:
    deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\n"
    udp = KUBECTL_SERVICE.replace("protocol: TCP", "protocol: UDP")
    write(repo, {"deploy.yaml": deployment, "udp.yaml": udp, "svc.yaml": KUBECTL_SERVICE})
    cases = {
        ("init", "--from-service", "deploy.yaml"): r"deploy\.yaml:2:7: kind: .* is not a Service",
        ("init", "--from-service", "udp.yaml"): r"udp\.yaml:12:15: port 8080 is UDP",
        ("init", "--from-service", "svc.yaml", "--port", "1"): r"expected one of: 8080",
        ("init", "--from-service", "nope.yaml"): r"nope\.yaml: cannot read",
        ("init",): r"needs a Service",
        ("init", "Bad_Name", "--namespace", "a", "--port", "80", "--exposure", "cloudflare-tunnel",
         "--hostname", "a.example.com", "--tunnel", "t", "--credentials-secret", "c"): r"NAME: ",
        ("init", "x", "--selector", "novalue"): r"expected KEY=VALUE",
    }  # fmt: skip
    for args, pattern in cases.items():
        result = run(*args)
        assert result.code == 2, (args, result.err)
        assert re.search(pattern, result.err), (args, result.err)
        assert "Traceback" not in result.err
    assert sorted(p.name for p in repo.iterdir()) == [".git", "deploy.yaml", "svc.yaml", "udp.yaml"]


def test_the_modeline_points_at_the_schema_shipped_in_this_repository(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)
    made = run("init", "x")
    reference = made.out.splitlines()[0].removeprefix("# yaml-language-server: $schema=")
    assert reference == "schema/profile.schema.json" and (REPO / reference).is_file()
    monkeypatch.chdir(REPO / "profiles")
    nested = run("init", "x").out.splitlines()[0]
    assert nested.endswith("$schema=../schema/profile.schema.json")
