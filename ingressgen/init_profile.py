"""`ingressgen init`: a new profile from a Service manifest or from flags.

What the Service says (name, namespace, port, targetPort, selector, and a WebSocket hint in a
port's name or appProtocol) fills the profile; the flags override it. Every required field still
unknown is written as a commented line marked REQUIRED, so the file says what is left to do and
a render points at it. Values reach the text through the same quoting as the templates.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ingressgen.errors import InputError, Location, Problem
from ingressgen.profile import API_VERSION, PROFILE_KIND, Profile
from ingressgen.yaml_io import SourcePositions, load_documents
from ingressgen.yaml_scalars import scalar

SCHEMA_FILE = "schema/profile.schema.json"
_WEBSOCKET_HINTS = frozenset({"ws", "wss", "websocket", "websockets"})
_APP_PROTOCOLS = {
    "kubernetes.io/ws": "websocket",
    "kubernetes.io/wss": "websocket",
    "kubernetes.io/h2c": "grpc",
    "grpc": "grpc",
    "http": "http",
    "https": "http",
    "http2": "http",
    "tcp": "tcp",
}


@dataclass
class Request:
    """What the user asked for; None leaves a field to the Service manifest, or unknown."""

    name: str | None = None
    namespace: str | None = None
    port: int | None = None
    target_port: str | None = None
    selector: Mapping[str, str] = field(default_factory=dict)
    protocol: str | None = None
    exposure: str | None = None
    hostname: str | None = None
    address_pool: str | None = None
    tunnel: str | None = None
    credentials_secret: str | None = None


@dataclass
class _Fields:
    values: dict[str, Any] = field(default_factory=dict)  # dotted profile path -> value
    origins: dict[str, Location | str] = field(default_factory=dict)  # where each came from
    notes: list[str] = field(default_factory=list)  # comments for the file's head


def from_service(text: str, display: str, request: Request) -> tuple[str, list[str]]:
    """The profile text for the Service in `text`, and what is still missing."""
    fields = _service_fields(text, display)
    return _finish(fields, request, source=display)


def from_flags(request: Request) -> tuple[str, list[str]]:
    return _finish(_Fields(), request, source=None)


def schema_reference(written_to: Path | None) -> str:
    """The modeline's target: the repository's schema/profile.schema.json, relative to the new
    file's folder (or to the working directory when it goes to stdout)."""
    from ingressgen.loading import repository_root

    folder = Path(os.path.abspath(written_to.parent if written_to else Path.cwd()))
    root = repository_root(folder)
    return Path(os.path.relpath(root / SCHEMA_FILE, folder)).as_posix()


def _service_fields(text: str, display: str) -> _Fields:
    documents = [d for d in load_documents(text, display) if d is not None]
    positions = SourcePositions(display, text)
    if len(documents) != 1 or not isinstance(documents[0], dict):
        message = (
            f"holds {len(documents)} YAML documents; expected one Service (the output of "
            "kubectl get svc NAME -o yaml)"
        )
        raise InputError(problems=[Problem(Location(display, 1, 1), message)])
    service = documents[0]
    if service.get("kind") != "Service" or service.get("apiVersion") != "v1":
        got = f"{service.get('apiVersion')!r}/{service.get('kind')!r}"
        message = f"{got} is not a Service; expected apiVersion: v1, kind: Service"
        raise InputError(problems=[Problem(positions.locate(("kind",)), message, ("kind",))])
    fields = _Fields()
    metadata: dict[str, Any] = _mapping(service.get("metadata"))
    spec: dict[str, Any] = _mapping(service.get("spec"))
    for key in ("name", "namespace"):
        if isinstance(metadata.get(key), str):
            fields.values[f"metadata.{key}"] = metadata[key]
            fields.origins[f"metadata.{key}"] = positions.locate(("metadata", key))
    selector = spec.get("selector")
    if isinstance(selector, dict) and selector:
        fields.values["spec.service.selector"] = {str(k): str(v) for k, v in selector.items()}
        fields.origins["spec.service.selector"] = positions.locate(("spec", "selector"))
    ports = spec.get("ports")
    ports = ports if isinstance(ports, list) else []
    fields.values["_ports"] = [p for p in ports if isinstance(p, dict)]
    fields.values["_positions"] = positions
    return fields


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _choose_port(fields: _Fields, request: Request, source: str | None) -> None:
    ports: list[dict[str, Any]] = fields.values.pop("_ports", [])
    positions: SourcePositions | None = fields.values.pop("_positions", None)
    if not ports:
        if request.port is not None:
            fields.values["spec.service.port"] = request.port
            fields.origins["spec.service.port"] = "--port"
        return
    index = _port_index(ports, request.port, source)
    port = ports[index]
    if port.get("protocol", "TCP") != "TCP":
        where = positions.locate(("spec", "ports", index, "protocol")) if positions else source
        message = f"port {port.get('port')} is {port.get('protocol')}; ingressgen exposes TCP only"
        raise InputError(problems=[Problem(Location(str(where)), message)])
    fields.values["spec.service.port"] = port.get("port")
    if positions is not None:
        fields.origins["spec.service.port"] = positions.locate(("spec", "ports", index, "port"))
    if port.get("targetPort") is not None:
        fields.values["spec.service.targetPort"] = port["targetPort"]
    hinted = _protocol_hint(port)
    if hinted is not None:
        fields.values["spec.protocol"] = hinted
        fields.notes.append(
            f"protocol {hinted}: from port {port.get('port')}'s name or appProtocol"
        )
    others = [f"{p.get('port')} ({p.get('name', 'unnamed')})" for p in ports if p is not port]
    if others:
        fields.notes.append(
            f"the Service has other ports too: {', '.join(others)}; --port chooses another"
        )


def _port_index(ports: Sequence[dict[str, Any]], wanted: int | None, source: str | None) -> int:
    if wanted is not None:
        for index, port in enumerate(ports):
            if port.get("port") == wanted:
                return index
        valid = ", ".join(str(p.get("port")) for p in ports)
        raise InputError(
            f"--port {wanted}: the Service {source} has no such port; expected one of: {valid}"
        )
    for index, port in enumerate(ports):
        if _protocol_hint(port) == "websocket":
            return index
    return 0


def _protocol_hint(port: Mapping[str, Any]) -> str | None:
    app = str(port.get("appProtocol") or "").lower()
    if app in _APP_PROTOCOLS:
        return _APP_PROTOCOLS[app]
    name = str(port.get("name") or "").lower()
    if name in _WEBSOCKET_HINTS or name.startswith(("ws-", "wss-", "websocket-")):
        return "websocket"
    if name in {"grpc"} or name.startswith("grpc-"):
        return "grpc"
    return None


def _finish(fields: _Fields, request: Request, source: str | None) -> tuple[str, list[str]]:
    _choose_port(fields, request, source)
    flags = {
        "metadata.name": (request.name, "NAME"),
        "metadata.namespace": (request.namespace, "--namespace"),
        "spec.service.port": (request.port, "--port"),
        "spec.service.targetPort": (_target_port(request.target_port), "--target-port"),
        "spec.service.selector": (dict(request.selector) or None, "--selector"),
        "spec.protocol": (request.protocol, "--protocol"),
        "spec.exposure": (request.exposure, "--exposure"),
        "spec.hostname": (request.hostname, "--hostname"),
        "spec.metallb.addressPool": (request.address_pool, "--address-pool"),
        "spec.cloudflareTunnel.tunnel": (request.tunnel, "--tunnel"),
        "spec.cloudflareTunnel.credentialsSecret": (
            request.credentials_secret,
            "--credentials-secret",
        ),
    }
    for path, (value, flag) in flags.items():
        if value is not None:
            fields.values[path] = value
            fields.origins[path] = flag
    exposure = fields.values.get("spec.exposure")
    if exposure != "cloudflare-tunnel":
        for path in ("spec.cloudflareTunnel.tunnel", "spec.cloudflareTunnel.credentialsSecret"):
            fields.values.pop(path, None)
    if exposure != "metallb":
        fields.values.pop("spec.metallb.addressPool", None)
    fields.values.setdefault("spec.protocol", "http")
    text, missing = _text(fields)
    if not missing:
        _check(text, fields)
    return text, missing


def _target_port(value: str | None) -> int | str | None:
    if value is None:
        return None
    return int(value) if value.isdigit() else value


_REQUIRED: dict[str, str] = {
    "metadata.name": "the service's name (a DNS-1035 label)",
    "metadata.namespace": "the namespace of the generated objects",
    "spec.exposure": "metallb | cloudflare-tunnel (--exposure)",
    "spec.service.port": "the Service port, 1..65535 (--port)",
}


def _text(fields: _Fields) -> tuple[str, list[str]]:
    values = fields.values
    exposure = values.get("spec.exposure")
    missing: list[str] = []
    lines = [f"apiVersion: {API_VERSION}", f"kind: {PROFILE_KIND}", "metadata:"]

    def put(indent: int, path: str, why: str | None = None) -> None:
        key = path.rsplit(".", 1)[1]
        pad = "  " * indent
        if path in values:
            value = values[path]
            if isinstance(value, dict):
                lines.append(f"{pad}{key}:")
                lines.extend(f"{pad}  {scalar(k)}: {scalar(v)}" for k, v in sorted(value.items()))
            else:
                lines.append(f"{pad}{key}: {scalar(value)}")
        elif why is not None:
            missing.append(path)
            lines.append(f"{pad}# {key}:   # REQUIRED: {why}")

    put(1, "metadata.name", _REQUIRED["metadata.name"])
    put(1, "metadata.namespace", _REQUIRED["metadata.namespace"])
    lines.append("spec:")
    put(1, "spec.exposure", _REQUIRED["spec.exposure"])
    hostname_why = "the public hostname" if exposure == "cloudflare-tunnel" else None
    put(1, "spec.hostname", hostname_why)
    put(1, "spec.protocol")
    lines.append("  service:")
    put(2, "spec.service.port", _REQUIRED["spec.service.port"])
    put(2, "spec.service.targetPort")
    selector_why = "the pods' labels, e.g. app.kubernetes.io/name: <name> (--selector)"
    put(2, "spec.service.selector", selector_why if exposure == "metallb" else None)
    if exposure == "metallb":
        lines.append("  metallb:")
        put(2, "spec.metallb.addressPool", "the MetalLB IPAddressPool name (--address-pool)")
    elif exposure == "cloudflare-tunnel":
        lines.append("  cloudflareTunnel:")
        put(2, "spec.cloudflareTunnel.tunnel", "the tunnel's name or UUID (--tunnel)")
        put(
            2,
            "spec.cloudflareTunnel.credentialsSecret",
            "an existing Secret holding credentials.json (--credentials-secret)",
        )
    return "\n".join(lines) + "\n", missing


def _check(text: str, fields: _Fields) -> None:
    """A profile with nothing missing must load: a bad value is the input's mistake, named where
    it came from (the Service file's line, or the flag)."""
    data = load_documents(text, "<init>")[0]
    try:
        Profile.model_validate(data)
    except ValidationError as error:
        problems = []
        for detail in error.errors(include_url=False):
            path = tuple(str(part) for part in detail["loc"])
            dotted = ".".join(path)
            origin = next(
                (fields.origins[p] for p in fields.origins if dotted.startswith(p)), "<init>"
            )
            where = origin if isinstance(origin, Location) else Location(origin)
            message = detail["msg"].removeprefix("Value error, ")
            problems.append(Problem(where, f"{message} (for the profile's {dotted})"))
        raise InputError(problems=problems) from None
