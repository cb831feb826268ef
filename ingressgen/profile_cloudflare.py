"""The `spec.cloudflareTunnel` section, with cloudflared's own names and types where it has them."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from ingressgen.profile_types import (
    DEFAULT_CLOUDFLARED_IMAGE,
    DNS1123Label,
    DNS1123Subdomain,
    FreeText,
    GoDuration,
    Image,
    Port,
    StrictModel,
    bounded_int,
)


class AccessSettings(StrictModel):
    required: bool | None = None
    team_name: FreeText | None = None
    aud_tag: list[FreeText] | None = None
    environment: FreeText | None = None


class IPRule(StrictModel):
    prefix: FreeText | None = None
    ports: list[Port] | None = None
    allow: bool | None = None


class OriginRequest(StrictModel):
    """cloudflared's originRequest settings, with cloudflared's own names and types."""

    connect_timeout: GoDuration | None = None
    tls_timeout: GoDuration | None = None
    tcp_keep_alive: GoDuration | None = None
    no_happy_eyeballs: bool | None = None
    keep_alive_connections: bounded_int(0, 1_000_000, "connection count") | None = None  # type: ignore[valid-type]
    keep_alive_timeout: GoDuration | None = None
    http_host_header: FreeText | None = None
    origin_server_name: FreeText | None = None
    match_sni_to_host: bool | None = Field(default=None, alias="matchSNItoHost")
    ca_pool: FreeText | None = None
    no_tls_verify: bool | None = Field(default=None, alias="noTLSVerify")
    disable_chunked_encoding: bool | None = None
    bastion_mode: bool | None = None
    proxy_address: FreeText | None = None
    proxy_port: bounded_int(0, 65535, "port") | None = None  # type: ignore[valid-type]
    proxy_type: Literal["", "socks"] | None = None
    ip_rules: list[IPRule] | None = None
    http2_origin: bool | None = Field(default=None, alias="http2Origin")
    access: AccessSettings | None = None


_DATA_KEY = re.compile(r"[-._a-zA-Z0-9]+")


def _validate_data_key(value: str) -> str:
    if len(value) > 253 or not _DATA_KEY.fullmatch(value) or value in (".", ".."):
        raise ValueError(
            f"{value!r} is not a valid Secret or ConfigMap key: at most 253 letters, digits, "
            "'-', '_' or '.', e.g. ca.crt"
        )
    return value


DataKey = Annotated[str, AfterValidator(_validate_data_key)]

_VERSION = re.compile(r"v?(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)")


def _validate_version(value: str) -> str:
    if not _VERSION.fullmatch(value):
        raise ValueError(f"{value!r} is not a release version: MAJOR.MINOR.PATCH, e.g. 0.1.0")
    return value


def version_tuple(value: str) -> tuple[int, int, int]:
    major, minor, patch = (int(part) for part in value.lstrip("v").split("."))
    return (major, minor, patch)


ReleaseVersion = Annotated[str, AfterValidator(_validate_version)]


class OriginCA(StrictModel):
    """A CA bundle for the Service's certificate, from an existing Secret or ConfigMap."""

    secret: DNS1123Subdomain | None = Field(
        default=None,
        description="An EXISTING Secret holding the CA bundle (give this or configMap).",
    )
    config_map: DNS1123Subdomain | None = Field(
        default=None, description="An EXISTING ConfigMap holding the CA bundle."
    )
    key: DataKey = Field(default="ca.crt", description="The key holding the PEM bundle.")


class CloudflareTunnel(StrictModel):
    mode: Literal["cloudflared", "ingress-controller", "operator"] = Field(
        default="cloudflared", description="How the tunnel is run in the cluster."
    )
    tunnel: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="cloudflared mode: tunnel name or UUID; operator mode: the name of the "
        "Tunnel or ClusterTunnel object.",
    )
    tunnel_kind: Literal["Tunnel", "ClusterTunnel"] | None = Field(
        default=None,
        description="operator mode: whether tunnel names a Tunnel (in metadata.namespace) "
        "or a ClusterTunnel.",
    )
    origin_tls: bool = Field(
        default=False,
        alias="originTLS",
        description="The Service serves TLS on its port: cloudflared connects with https:// "
        "(required for protocol grpc, which cloudflared reaches over HTTP/2 only with TLS).",
    )
    origin_ca: OriginCA | None = Field(
        default=None,
        alias="originCA",
        description="cloudflared mode: the CA bundle that signed the Service's certificate, "
        "from an existing Secret or ConfigMap; mounted read-only and used as caPool.",
    )
    credentials_secret: DNS1123Subdomain | None = Field(
        default=None,
        description="cloudflared mode: an EXISTING Secret holding credentials.json.",
    )
    namespace: DNS1123Label | None = Field(
        default=None, description="Where the tunnel's own objects go; default metadata.namespace."
    )
    replicas: bounded_int(1, 25, "replica count") = Field(  # type: ignore[valid-type]
        default=2, description="cloudflared replicas, 1..25."
    )
    image: Image = Field(
        default=DEFAULT_CLOUDFLARED_IMAGE, description="A pinned cloudflared image."
    )
    ingress_class_name: DNS1123Subdomain = Field(
        default="cloudflare-tunnel", description="ingress-controller mode: the IngressClass."
    )
    controller_version: ReleaseVersion | None = Field(
        default=None,
        description="ingress-controller mode: the STRRL controller release in the cluster, e.g. "
        "0.1.0; below 0.1.0 only backend-protocol and proxy-ssl-verify are written. Default: "
        "0.1.0 or later is assumed.",
    )
    idle_timeout_seconds: bounded_int(1, 86400, "timeout in seconds") = Field(  # type: ignore[valid-type]
        default=100, description="Idle cut assumed at Cloudflare's edge."
    )
    cluster_domain: DNS1123Subdomain = Field(
        default="cluster.local", description="For in-cluster service URLs."
    )
    origin_request: OriginRequest = Field(
        default_factory=OriginRequest,
        description="cloudflared originRequest settings, with cloudflared's names and types.",
    )
