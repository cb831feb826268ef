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
    """cloudflared's check of the Cloudflare Access token before a request reaches the Service."""

    required: bool | None = Field(
        default=None,
        description="true: cloudflared refuses a request whose Access token (the "
        "Cf-Access-Jwt-Assertion header) is missing, not signed for teamName or for none of "
        "audTag, instead of passing it on (403 Forbidden). Default false.",
    )
    team_name: FreeText | None = Field(
        default=None,
        description="The Zero Trust team whose keys sign the token, the <team> of "
        "<team>.cloudflareaccess.com; with required and audTag, cloudflared refuses the config "
        "without it.",
    )
    aud_tag: list[FreeText] | None = Field(
        default=None,
        description="Audience (AUD) tags of the Access applications whose tokens are "
        "accepted: a token must carry at least one of them.",
    )
    environment: FreeText | None = Field(
        default=None,
        description="fed: the team is in Cloudflare's FedRAMP environment "
        "(<team>.fed.cloudflareaccess.com). Default: the commercial one.",
    )


class IPRule(StrictModel):
    """One allow or deny rule of cloudflared's SOCKS proxy."""

    prefix: FreeText | None = Field(
        default=None,
        description="The destination addresses the rule matches, as a CIDR (required).",
    )
    ports: list[Port] | None = Field(
        default=None,
        description="The destination ports the rule matches, 1..65535; empty: every port.",
    )
    allow: bool | None = Field(
        default=None, description="true allows a matching connection, false denies it."
    )


class OriginRequest(StrictModel):
    """cloudflared's originRequest settings, with cloudflared's own names and types.

    Unset fields keep cloudflared's defaults, quoted in each description. Durations are Go
    duration strings (30s, 1m30s)."""

    connect_timeout: GoDuration | None = Field(
        default=None,
        description="How long cloudflared waits for a TCP connection to the Service, TLS "
        "handshake excluded (a Go duration). Default 30s.",
    )
    tls_timeout: GoDuration | None = Field(
        default=None,
        description="How long cloudflared waits for the TLS handshake with a Service that "
        "serves TLS (originTLS). Default 10s.",
    )
    tcp_keep_alive: GoDuration | None = Field(
        default=None,
        description="Interval of the TCP keepalive probes on connections to the Service. "
        "Default 30s.",
    )
    no_happy_eyeballs: bool | None = Field(
        default=None,
        description="true: no racing of IPv4 against IPv6 when connecting (for a network where "
        "one of the two is broken). Default false.",
    )
    keep_alive_connections: bounded_int(0, 1_000_000, "connection count") | None = Field(  # type: ignore[valid-type]
        default=None,
        description="How many idle connections to the Service cloudflared keeps for reuse; not "
        "a limit on concurrent connections. Default 100.",
    )
    keep_alive_timeout: GoDuration | None = Field(
        default=None,
        description="How long an idle kept connection lives before cloudflared closes it. "
        "Default 1m30s. An upgraded WebSocket is not idle-pooled, so this does not cut it.",
    )
    http_host_header: FreeText | None = Field(
        default=None,
        description="The Host header cloudflared sends to the Service instead of the client's. "
        "Default: the client's Host.",
    )
    origin_server_name: FreeText | None = Field(
        default=None,
        description="The hostname the Service's TLS certificate must carry (and the SNI sent). "
        "Default: the host of the Service URL.",
    )
    match_sni_to_host: bool | None = Field(
        default=None,
        alias="matchSNItoHost",
        description="true: send the request's Host as the TLS server name (SNI) to the Service. "
        "Default false.",
    )
    ca_pool: FreeText | None = Field(
        default=None,
        description="A CA bundle file inside the cloudflared pod for the Service's certificate. "
        "Refused (cloudflare-ca-pool-unmounted): nothing mounts a bare path, so set originCA "
        "and ingressgen mounts the bundle and sets caPool itself.",
    )
    no_tls_verify: bool | None = Field(
        default=None,
        alias="noTLSVerify",
        description="true: accept any certificate from a TLS Service, which gives up the "
        "check that cloudflared talks to the right server. Default false.",
    )
    disable_chunked_encoding: bool | None = Field(
        default=None,
        description="true: no chunked transfer encoding towards the Service (for WSGI servers "
        "that do not support it). Default false.",
    )
    bastion_mode: bool | None = Field(
        default=None,
        description="true: the rule becomes a jump host that ignores the Service; ingressgen "
        "refuses it, since it exposes the Service. Default false.",
    )
    proxy_address: FreeText | None = Field(
        default=None,
        description="Listen address of the local proxy cloudflared starts for non-HTTP "
        "origins. Default 127.0.0.1.",
    )
    proxy_port: bounded_int(0, 65535, "port") | None = Field(  # type: ignore[valid-type]
        default=None,
        description="Listen port of that local proxy, 0..65535; 0: any free port (the default).",
    )
    proxy_type: Literal["", "socks"] | None = Field(
        default=None,
        description='The kind of that local proxy: "" a plain one (the default), socks a SOCKS5 '
        "proxy.",
    )
    ip_rules: list[IPRule] | None = Field(
        default=None,
        description="Allow and deny rules by destination, checked in order (the first match "
        "decides); only cloudflared's SOCKS proxy reads them, other origins ignore them.",
    )
    http2_origin: bool | None = Field(
        default=None,
        alias="http2Origin",
        description="true: speak HTTP/2 to the Service, which cloudflared does only over TLS "
        "(originTLS). Default false; protocol grpc sets it.",
    )
    access: AccessSettings | None = Field(
        default=None,
        description="Require a Cloudflare Access token on every request; cloudflared checks "
        "it before the request reaches the Service. Default: no check.",
    )


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
        description="cloudflared originRequest settings for the profile's rule, with "
        "cloudflared's names and types. Mode cloudflared writes them all; mode ingress-controller "
        "only those the controller has annotations for, mode operator only those a TunnelBinding "
        "has fields for (noTLSVerify, http2Origin, proxyAddress, proxyPort, proxyType); any "
        "other is refused with the list.",
    )
