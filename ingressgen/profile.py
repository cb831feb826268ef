"""The profile format (PROFILE.md section 1) as pydantic models.

Field-level formats are checked here, each with a message in the user's terms.
Rules that relate several fields (required-when, derived names, collisions)
live in `profile_rules.py`, so each can name the exact field it is about.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    WithJsonSchema,
)
from pydantic.alias_generators import to_camel

from ingressgen import names
from ingressgen.kube_versions import DEFAULT_KUBERNETES_VERSION, supported_kubernetes_versions

API_VERSION = "ingressgen.dev/v1alpha1"
PROFILE_KIND = "ServiceProfile"
BASE_KIND = "ServiceProfileBase"

DEFAULT_CLOUDFLARED_IMAGE = "cloudflare/cloudflared:2026.8.2"
METALLB_ANNOTATION_RENAME_VERSION = (0, 14, 9)


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        alias_generator=to_camel,
        populate_by_name=True,
        frozen=True,
    )


def _check(predicate: Callable[[Any], bool], explain: str) -> Callable[[Any], Any]:
    def validate(value: Any) -> Any:
        if not predicate(value):
            raise ValueError(f"{value!r} is not valid: {explain}")
        return value

    return validate


def _bounded_int(low: int, high: int, what: str) -> Any:
    def validate(value: Any) -> int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError(f"{value!r} is not a whole number; expected {what} ({low}..{high})")
        if not low <= value <= high:
            raise ValueError(f"{value} is not a valid {what} ({low}..{high})")
        return value

    return Annotated[
        int,
        PlainValidator(validate),
        WithJsonSchema({"type": "integer", "minimum": low, "maximum": high}),
    ]


DNS1035Label = Annotated[
    str,
    AfterValidator(
        _check(
            names.is_dns1035_label,
            "a DNS-1035 label: at most 63 lower-case letters, digits and '-', "
            "starting with a letter and ending with a letter or digit",
        )
    ),
]
DNS1123Label = Annotated[
    str,
    AfterValidator(
        _check(
            names.is_dns1123_label,
            "a DNS-1123 label: at most 63 lower-case letters, digits and '-', "
            "starting and ending with a letter or digit",
        )
    ),
]
DNS1123Subdomain = Annotated[
    str,
    AfterValidator(
        _check(
            names.is_dns1123_subdomain,
            "a DNS-1123 subdomain: lower-case letters, digits, '-' and '.', "
            "each part starting and ending with a letter or digit, at most 253 characters",
        )
    ),
]

Port = _bounded_int(1, 65535, "port")


def _validate_target_port(value: Any) -> int | str:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(
            f"{value!r} is not valid: expected a port number (1..65535) or a port name"
        )
    if isinstance(value, int):
        if not names.is_port_number(value):
            raise ValueError(f"{value} is not a valid port (1..65535)")
        return value
    if value.isdigit():
        raise ValueError(
            f"{value!r} is a string of digits, which Kubernetes reads as a port name and refuses; "
            f"write {value} without quotes"
        )
    if not names.is_iana_port_name(value):
        raise ValueError(
            f"{value!r} is not a valid port name: at most 15 lower-case letters, digits and '-', "
            "with at least one letter, no '--', not starting or ending with '-'"
        )
    return value


TargetPort = Annotated[
    int | str,
    PlainValidator(_validate_target_port),
    WithJsonSchema(
        {
            "oneOf": [
                {"type": "integer", "minimum": 1, "maximum": 65535},
                {"type": "string", "pattern": "^[-a-z0-9]{1,15}$"},
            ]
        }
    ),
]


def _validate_labels(value: dict[str, str]) -> dict[str, str]:
    for key, label_value in value.items():
        if not names.is_qualified_name(key):
            raise ValueError(
                f"label key {key!r} is not valid: an optional DNS subdomain prefix and '/', then "
                "a name of at most 63 letters, digits, '-', '_' and '.', starting and ending "
                "with a letter or digit"
            )
        if not names.is_label_value(label_value):
            raise ValueError(
                f"label value {label_value!r} (key {key!r}) is not valid: at most 63 letters, "
                "digits, '-', '_' and '.', starting and ending with a letter or digit, or empty"
            )
    return value


def _validate_annotations(value: dict[str, str]) -> dict[str, str]:
    total = 0
    for key, annotation_value in value.items():
        if not names.is_annotation_key(key):
            raise ValueError(
                f"annotation key {key!r} is not valid: an optional DNS subdomain prefix and '/', "
                "then a name of at most 63 letters, digits, '-', '_' and '.'"
            )
        total += len(key.encode()) + len(annotation_value.encode())
    if total > names.TOTAL_ANNOTATION_SIZE_MAX:
        raise ValueError(
            f"annotations total {total} bytes; Kubernetes allows at most "
            f"{names.TOTAL_ANNOTATION_SIZE_MAX} bytes of keys and values together"
        )
    return value


Labels = Annotated[dict[str, str], AfterValidator(_validate_labels)]
Annotations = Annotated[dict[str, str], AfterValidator(_validate_annotations)]
Selector = Annotated[
    dict[str, str],
    AfterValidator(_validate_labels),
    Field(min_length=1),
]


def _validate_hostname(value: str) -> str:
    if ":" in value or names.is_ip_address(value) or names.looks_like_sloppy_ipv4(value):
        raise ValueError(
            f"{value!r} is not valid: a hostname is a DNS name such as messaging.example.com, "
            "never an IP address and never with a port"
        )
    if not (names.is_dns1123_subdomain(value) or names.is_wildcard_dns1123_subdomain(value)):
        raise ValueError(
            f"{value!r} is not valid: a lower-case DNS name (letters, digits, '-' and '.'), "
            "optionally starting with '*.'"
        )
    return value


Hostname = Annotated[str, AfterValidator(_validate_hostname)]

_VERSION_XY = re.compile(r"[0-9]+\.[0-9]+")


def _validate_kubernetes_version(value: Any) -> str:
    if isinstance(value, float | int) and not isinstance(value, bool):
        raise ValueError(
            f"{value!r} was read as a number; write the version as a quoted string, "
            f'e.g. "{DEFAULT_KUBERNETES_VERSION}"'
        )
    supported = supported_kubernetes_versions()
    if not isinstance(value, str) or value not in supported:
        raise ValueError(
            f"{value!r} is not a supported Kubernetes version; expected one of: "
            + ", ".join(supported)
        )
    return value


KubernetesVersion = Annotated[
    str,
    PlainValidator(_validate_kubernetes_version),
    WithJsonSchema({"type": "string", "pattern": r"^[0-9]+\.[0-9]+$"}),
]

_SEMVER = re.compile(r"v?([0-9]+)\.([0-9]+)\.([0-9]+)")


def _validate_metallb_version(value: Any) -> str:
    if not isinstance(value, str) or not _SEMVER.fullmatch(value):
        raise ValueError(
            f"{value!r} is not valid: expected MetalLB's release as a quoted string "
            'X.Y.Z, e.g. "0.14.9"'
        )
    return value


MetalLBVersion = Annotated[
    str,
    PlainValidator(_validate_metallb_version),
    WithJsonSchema({"type": "string", "pattern": r"^v?[0-9]+\.[0-9]+\.[0-9]+$"}),
]

# RFC 3986 path characters; the Ingress rules for Exact/Prefix paths are checked below.
_URL_PATH = re.compile(r"/[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*")


def _validate_websocket_path(value: str) -> str:
    if not _URL_PATH.fullmatch(value):
        raise ValueError(
            f"{value!r} is not valid: a URL path starting with '/', made of letters, digits "
            "and -._~!$&'()*+,;=:@%/ (no spaces, no query string)"
        )
    for bad in ("//", "/./", "/../", "%2f", "%2F"):
        if bad in value:
            raise ValueError(f"{value!r} is not valid: an Ingress path may not contain {bad!r}")
    if value.endswith(("/..", "/.")):
        raise ValueError(f"{value!r} is not valid: an Ingress path may not end with '/.' or '/..'")
    return value


WebSocketPath = Annotated[str, AfterValidator(_validate_websocket_path)]

_IMAGE = re.compile(
    r"[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(/[a-z0-9]+([._-]{1,2}[a-z0-9]+)*)*"
    r"(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?"
)


def _validate_image(value: str) -> str:
    if not _IMAGE.fullmatch(value):
        raise ValueError(f"{value!r} is not a valid container image reference")
    last = value.rsplit("/", 1)[-1]
    if "@" not in value and ":" not in last:
        raise ValueError(f"{value!r} has no tag: pin a release, e.g. {DEFAULT_CLOUDFLARED_IMAGE!r}")
    if last.split("@", 1)[0].endswith(":latest"):
        raise ValueError(
            f"{value!r} uses the 'latest' tag: pin a release, e.g. {DEFAULT_CLOUDFLARED_IMAGE!r}"
        )
    return value


Image = Annotated[str, AfterValidator(_validate_image)]

_GO_DURATION = re.compile(r"0|([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+")


def _validate_go_duration(value: Any) -> str:
    if not isinstance(value, str) or not _GO_DURATION.fullmatch(value):
        raise ValueError(
            f"{value!r} is not valid: cloudflared reads durations as Go duration strings, "
            "e.g. '30s', '1m30s', '2h'"
        )
    return value


GoDuration = Annotated[
    str,
    PlainValidator(_validate_go_duration),
    WithJsonSchema({"type": "string", "pattern": r"^(0|([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+)$"}),
]


def parse_address_range(
    text: str,
) -> ipaddress.IPv4Network | ipaddress.IPv6Network | tuple[Any, Any]:
    """Parse one MetalLB pool entry: a CIDR, or 'start-end' (MetalLB's ParseCIDR rules)."""
    if "-" in text:
        start_text, end_text = (part.strip() for part in text.split("-", 1))
        try:
            start = ipaddress.ip_address(start_text)
            end = ipaddress.ip_address(end_text)
        except ValueError as err:
            raise ValueError(f"invalid IP range {text!r}: {err}") from None
        if start.version != end.version:
            raise ValueError(f"invalid IP range {text!r}: both ends must be of one IP family")
        if start > end:  # type: ignore[operator]
            raise ValueError(
                f"invalid IP range {text!r}: start IP {start} is after the end IP {end}"
            )
        return (start, end)
    if "/" not in text:
        try:
            host_bits = 32 if ipaddress.ip_address(text).version == 4 else 128
        except ValueError:
            raise ValueError(
                f"invalid CIDR {text!r}: expected e.g. 203.0.113.0/24, or a range "
                "203.0.113.10-203.0.113.20"
            ) from None
        raise ValueError(
            f"{text!r} is a bare IP: MetalLB needs a CIDR ({text}/{host_bits}) "
            f"or a range ({text}-{text})"
        )
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise ValueError(
            f"invalid CIDR {text!r}: expected e.g. 203.0.113.0/24, or a range "
            "203.0.113.10-203.0.113.20"
        ) from None


def _validate_address(value: str) -> str:
    parse_address_range(value)
    return value


PoolAddress = Annotated[str, AfterValidator(_validate_address)]


def _validate_ip(value: str) -> str:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        raise ValueError(f"{value!r} is not an IP address, e.g. 203.0.113.10") from None
    return value


IPAddress = Annotated[str, AfterValidator(_validate_ip)]


class Metadata(_Model):
    name: DNS1035Label = Field(description="The service's name, a DNS-1035 label.")
    namespace: DNS1123Label = Field(description="Namespace of the per-profile objects.")
    labels: Labels = Field(default_factory=dict, description="Added to this profile's objects.")
    annotations: Annotations = Field(
        default_factory=dict, description="Added to this profile's objects."
    )


class ServiceRef(_Model):
    name: DNS1035Label | None = Field(
        default=None, description="The existing in-cluster Service; default metadata.name."
    )
    port: Port = Field(description="The Service port, 1..65535.")  # type: ignore[valid-type]
    target_port: TargetPort | None = Field(
        default=None, description="Container port, number or IANA name; default = port."
    )
    selector: Selector | None = Field(
        default=None, description="Pod labels behind the load balancer (required for metallb)."
    )
    replicas: _bounded_int(1, 10000, "replica count") | None = Field(  # type: ignore[valid-type]
        default=None, description="How many pods serve it (used by the risk report)."
    )


class WebSocket(_Model):
    path: WebSocketPath = Field(default="/", description="The WebSocket path, e.g. /ws.")
    heartbeat_seconds: _bounded_int(1, 3600, "heartbeat interval in seconds") | None = (  # type: ignore[valid-type]
        Field(default=None, description="The application's ping interval (1..3600).")
    )
    session_affinity: bool = Field(
        default=False, description="A client must come back to the same pod."
    )


class AccessSettings(_Model):
    required: bool | None = None
    team_name: str | None = None
    aud_tag: list[str] | None = None
    environment: str | None = None


class IPRule(_Model):
    prefix: str | None = None
    ports: list[Port] | None = None  # type: ignore[valid-type]
    allow: bool | None = None


class OriginRequest(_Model):
    """cloudflared's originRequest settings, with cloudflared's own names and types."""

    connect_timeout: GoDuration | None = None
    tls_timeout: GoDuration | None = None
    tcp_keep_alive: GoDuration | None = None
    no_happy_eyeballs: bool | None = None
    keep_alive_connections: _bounded_int(0, 1_000_000, "connection count") | None = None  # type: ignore[valid-type]
    keep_alive_timeout: GoDuration | None = None
    http_host_header: str | None = None
    origin_server_name: str | None = None
    match_sni_to_host: bool | None = Field(default=None, alias="matchSNItoHost")
    ca_pool: str | None = None
    no_tls_verify: bool | None = Field(default=None, alias="noTLSVerify")
    disable_chunked_encoding: bool | None = None
    bastion_mode: bool | None = None
    proxy_address: str | None = None
    proxy_port: _bounded_int(0, 65535, "port") | None = None  # type: ignore[valid-type]
    proxy_type: Literal["", "socks"] | None = None
    ip_rules: list[IPRule] | None = None
    http2_origin: bool | None = Field(default=None, alias="http2Origin")
    access: AccessSettings | None = None


class CloudflareTunnel(_Model):
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
    credentials_secret: DNS1123Subdomain | None = Field(
        default=None,
        description="cloudflared mode: an EXISTING Secret holding credentials.json.",
    )
    namespace: DNS1123Label | None = Field(
        default=None, description="Where the tunnel's own objects go; default metadata.namespace."
    )
    replicas: _bounded_int(1, 25, "replica count") = Field(  # type: ignore[valid-type]
        default=2, description="cloudflared replicas, 1..25."
    )
    image: Image = Field(
        default=DEFAULT_CLOUDFLARED_IMAGE, description="A pinned cloudflared image."
    )
    ingress_class_name: DNS1123Subdomain = Field(
        default="cloudflare-tunnel", description="ingress-controller mode: the IngressClass."
    )
    idle_timeout_seconds: _bounded_int(1, 86400, "timeout in seconds") = Field(  # type: ignore[valid-type]
        default=100, description="Idle cut assumed at Cloudflare's edge."
    )
    cluster_domain: DNS1123Subdomain = Field(
        default="cluster.local", description="For in-cluster service URLs."
    )
    origin_request: OriginRequest = Field(
        default_factory=OriginRequest,
        description="cloudflared originRequest settings, with cloudflared's names and types.",
    )


# ---- MetalLB values, read with MetalLB's own rules (internal/config, internal/bgp/community) ----

_DECIMAL = re.compile(r"[0-9]+")


def _decimals_fit(fields: list[str], bits: int) -> bool:
    # Go's strconv.ParseUint(s, 10, bits): digits only (no sign, no '_'), value < 2**bits.
    return all(_DECIMAL.fullmatch(f) and int(f) < 2**bits for f in fields)


def community_kind(text: str) -> Literal["standard", "large", "alias"]:
    """Classify a BGP community the way MetalLB reads it; ValueError where MetalLB refuses it.

    Two ':'-separated parts are a standard community, four starting with 'large' a
    large one; anything else is taken by MetalLB as the name of a Community alias.
    """
    parts = text.split(":")
    if len(parts) == 2:
        if _decimals_fit(parts, 16):
            return "standard"
        raise ValueError(
            f"{text!r} is not a valid community: AA:NN takes two numbers, each 0..65535"
        )
    if len(parts) == 4:
        if parts[0] == "large" and _decimals_fit(parts[1:], 32):
            return "large"
        raise ValueError(
            f"{text!r} is not a valid large community: large:X:Y:Z takes three numbers, "
            "each 0..4294967295"
        )
    if not text or ":" in text or any(c.isspace() or not c.isprintable() for c in text):
        raise ValueError(
            f"{text!r} is not valid: a BGP community is AA:NN (two numbers 0..65535), "
            "large:X:Y:Z (three numbers 0..4294967295) or the name of an alias defined in a "
            "MetalLB Community object (no ':' and no spaces)"
        )
    return "alias"


def _validate_community(value: str) -> str:
    community_kind(value)
    return value


Community = Annotated[str, AfterValidator(_validate_community)]

# Go's time.ParseDuration, as metav1.Duration reads BGP timers (no sign: timers are not negative).
_DURATION_UNITS = {
    "ns": Decimal("1e-9"),
    "us": Decimal("1e-6"),
    "µs": Decimal("1e-6"),
    "μs": Decimal("1e-6"),
    "ms": Decimal("1e-3"),
    "s": Decimal(1),
    "m": Decimal(60),
    "h": Decimal(3600),
}
_DURATION_PART = r"([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h)"
_DURATION = re.compile(rf"0|(?:{_DURATION_PART})+")


def duration_seconds(text: str) -> Decimal:
    """Seconds in a Go duration string such as '90s' or '1m30s' (ValueError when not one)."""
    if not _DURATION.fullmatch(text):
        raise ValueError(
            f"{text!r} is not valid: a duration such as '90s', '1m30s' or '500ms' "
            "(numbers with a unit h, m, s, ms, us, ns)"
        )
    return sum(
        (Decimal(n) * _DURATION_UNITS[unit] for n, unit in re.findall(_DURATION_PART, text)),
        Decimal(0),
    )


def _validate_duration(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not valid: a quoted duration such as '90s' or '1m30s'")
    duration_seconds(value)
    return value


Duration = Annotated[
    str,
    PlainValidator(_validate_duration),
    WithJsonSchema({"type": "string", "pattern": rf"^(0|({_DURATION_PART})+)$"}),
]


def _is_interface_name(value: str) -> bool:
    # The kernel's dev_valid_name: 1..15 bytes, not '.' or '..', no '/', ':' or white space.
    return (
        0 < len(value.encode()) <= 15
        and value not in (".", "..")
        and not any(c in "/:" or c.isspace() or not c.isprintable() for c in value)
    )


InterfaceName = Annotated[
    str,
    AfterValidator(
        _check(
            _is_interface_name,
            "a network interface name: 1 to 15 characters, no '/', ':' or spaces",
        )
    ),
]
LabelKey = Annotated[
    str,
    AfterValidator(
        _check(
            names.is_qualified_name,
            "a label key: an optional DNS subdomain prefix and '/', then a name of at most 63 "
            "letters, digits, '-', '_' and '.', starting and ending with a letter or digit",
        )
    ),
]
LabelValue = Annotated[
    str,
    AfterValidator(
        _check(
            names.is_label_value,
            "a label value: at most 63 letters, digits, '-', '_' and '.', starting and ending "
            "with a letter or digit, or empty",
        )
    ),
]
QualifiedName = Annotated[
    str,
    AfterValidator(
        _check(
            names.is_qualified_name,
            "a qualified name such as example.com/internal-vip: an optional DNS subdomain "
            "prefix and '/', then at most 63 letters, digits, '-', '_' and '.'",
        )
    ),
]


def _is_sharing_key(value: str) -> bool:
    return 0 < len(value) <= 253 and not any(c.isspace() or not c.isprintable() for c in value)


SharingKey = Annotated[
    str,
    AfterValidator(
        _check(_is_sharing_key, "a non-empty key of at most 253 characters, without spaces")
    ),
]
ASN = _bounded_int(1, 4294967295, "AS number")


class LabelSelectorRequirement(_Model):
    """One matchExpressions entry of a Kubernetes label selector."""

    key: LabelKey = Field(description="The label key.")
    operator: Literal["In", "NotIn", "Exists", "DoesNotExist"] = Field(
        description="In and NotIn need values; Exists and DoesNotExist take none."
    )
    values: list[LabelValue] | None = Field(default=None, description="Label values.")


class LabelSelector(_Model):
    """A Kubernetes label selector, as MetalLB's nodeSelectors take it."""

    match_labels: Labels | None = Field(default=None, description="Labels a node must carry.")
    match_expressions: list[LabelSelectorRequirement] | None = Field(
        default=None, description="Set-based requirements."
    )


class BGPPeer(_Model):
    """A MetalLB BGPPeer (metallb.io/v1beta2), with MetalLB's own field names.

    There is deliberately no `password` field: a profile never holds a secret. The
    password lives in a kubernetes.io/basic-auth Secret in MetalLB's namespace,
    named by `passwordSecret`.
    """

    name: DNS1123Subdomain = Field(description="The BGPPeer object's name.")
    my_asn: ASN = Field(alias="myASN", description="The AS number MetalLB speaks as.")  # type: ignore[valid-type]
    peer_asn: ASN | None = Field(  # type: ignore[valid-type]
        default=None, alias="peerASN", description="The router's AS number (or dynamicASN)."
    )
    dynamic_asn: Literal["internal", "external"] | None = Field(
        default=None, alias="dynamicASN", description="Detect the peer's AS (FRR modes only)."
    )
    peer_address: IPAddress = Field(description="The router's IP address.")
    peer_port: _bounded_int(1, 16384, "BGP port") | None = Field(  # type: ignore[valid-type]
        default=None, description="The router's port; MetalLB's default is 179."
    )
    source_address: IPAddress | None = Field(default=None, description="Local address to use.")
    router_id: IPAddress | None = Field(
        default=None, alias="routerID", description="BGP router ID (an IPv4 address)."
    )
    hold_time: Duration | None = Field(default=None, description="BGP hold time, 0 or >= 3s.")
    keepalive_time: Duration | None = Field(
        default=None, description="BGP keepalive, at most the hold time."
    )
    connect_time: Duration | None = Field(
        default=None, description="Retry interval, 1s..65535s in whole seconds (FRR modes)."
    )
    ebgp_multi_hop: bool | None = Field(
        default=None, description="The eBGP peer is several hops away (not for iBGP)."
    )
    password_secret: DNS1123Subdomain | None = Field(
        default=None,
        description="An EXISTING kubernetes.io/basic-auth Secret in MetalLB's namespace holding "
        "the key 'password'; never a literal password.",
    )
    bfd_profile: DNS1123Subdomain | None = Field(
        default=None, description="An existing BFDProfile's name (FRR modes)."
    )
    node_selectors: list[LabelSelector] | None = Field(
        default=None, min_length=1, description="Nodes that peer with this router."
    )
    vrf: InterfaceName | None = Field(default=None, description="VRF to peer in (FRR modes).")
    enable_graceful_restart: bool | None = Field(
        default=None, description="BGP graceful restart (FRR modes); immutable once created."
    )
    dual_stack_address_family: bool | None = Field(
        default=None, description="Both address families on one session (FRR-K8s mode)."
    )


class MetalLB(_Model):
    namespace: DNS1123Label = Field(
        default="metallb-system", description="Where MetalLB's own objects go."
    )
    version: MetalLBVersion | None = Field(
        default=None, description="MetalLB in the cluster; picks the annotation prefix."
    )
    address_pool: DNS1123Subdomain | None = Field(default=None, description="IPAddressPool name.")
    create_pool: bool | None = Field(
        default=None, description="Emit the IPAddressPool and its advertisement."
    )
    addresses: list[PoolAddress] | None = Field(
        default=None, description="CIDRs or 'a-b' ranges for the pool."
    )
    load_balancer_ips: list[IPAddress] | None = Field(
        default=None,
        alias="loadBalancerIPs",
        description="Pinned IPs, at most one per IP family.",
    )
    advertisement: Literal["l2", "bgp"] = Field(default="l2", description="l2 or bgp.")
    external_traffic_policy: Literal["Local", "Cluster"] = Field(
        default="Local", description="Local keeps the client IP."
    )
    session_affinity_timeout_seconds: _bounded_int(1, 86400, "timeout in seconds") = Field(  # type: ignore[valid-type]
        default=10800, description="ClientIP affinity timeout, with websocket.sessionAffinity."
    )
    service_name: DNS1035Label | None = Field(
        default=None, description="The generated LoadBalancer Service; default <name>-lb."
    )
    allocate_load_balancer_node_ports: bool = Field(
        default=False,
        description="NodePorts for the Service; off by default because MetalLB does not use them.",
    )
    load_balancer_class: QualifiedName | None = Field(
        default=None, description="spec.loadBalancerClass; must equal MetalLB's --lb-class."
    )
    shared_ip_key: SharingKey | None = Field(
        default=None,
        alias="sharedIPKey",
        description="allow-shared-ip key: Services with the same key may share a pinned IP.",
    )
    auto_assign: bool | None = Field(
        default=None,
        description="Pool: hand its IPs to any Service; default false when IPs are pinned.",
    )
    avoid_buggy_ips: bool | None = Field(
        default=None,
        alias="avoidBuggyIPs",
        description="Pool: skip IPv4 addresses ending in .0 or .255.",
    )
    restrict_to_namespace: bool | None = Field(
        default=None,
        description="Pool: serviceAllocation.namespaces = [metadata.namespace] when true.",
    )
    node_selectors: list[LabelSelector] | None = Field(
        default=None, min_length=1, description="Advertisement: nodes that may announce the IPs."
    )
    interfaces: list[InterfaceName] | None = Field(
        default=None, min_length=1, description="L2Advertisement: announce only on these."
    )
    aggregation_length: _bounded_int(1, 32, "IPv4 prefix length") | None = Field(  # type: ignore[valid-type]
        default=None, description="BGPAdvertisement: IPv4 prefix length announced; default 32."
    )
    aggregation_length_v6: _bounded_int(1, 128, "IPv6 prefix length") | None = Field(  # type: ignore[valid-type]
        default=None, description="BGPAdvertisement: IPv6 prefix length announced; default 128."
    )
    local_pref: _bounded_int(0, 2147483647, "LOCAL_PREF value") | None = Field(  # type: ignore[valid-type]
        default=None, description="BGPAdvertisement: LOCAL_PREF for iBGP peers."
    )
    communities: list[Community] | None = Field(
        default=None,
        min_length=1,
        description="BGPAdvertisement: AA:NN, large:X:Y:Z or Community alias names.",
    )
    peers: list[BGPPeer] | None = Field(
        default=None,
        min_length=1,
        description="BGPPeer objects to create; the BGPAdvertisement announces to them alone.",
    )

    @property
    def pool_is_created(self) -> bool:
        if self.create_pool is not None:
            return self.create_pool
        return self.addresses is not None

    def version_tuple(self) -> tuple[int, int, int] | None:
        if self.version is None:
            return None
        match = _SEMVER.fullmatch(self.version)
        assert match is not None  # checked by the field validator
        major, minor, patch = (int(g) for g in match.groups())
        return (major, minor, patch)


class Spec(_Model):
    exposure: Literal["metallb", "cloudflare-tunnel"] = Field(
        description="metallb or cloudflare-tunnel (the CLI's --exposure overrides it)."
    )
    kubernetes_version: KubernetesVersion = Field(
        default=DEFAULT_KUBERNETES_VERSION,
        description="Chooses the schemas and API-server rules used for validation only.",
    )
    hostname: Hostname | None = Field(
        default=None, description="Public hostname (required for cloudflare-tunnel)."
    )
    protocol: Literal["websocket", "http", "grpc", "tcp"] = Field(
        default="http", description="What the service speaks."
    )
    service: ServiceRef
    websocket: WebSocket | None = None
    cloudflare_tunnel: CloudflareTunnel | None = None
    metallb: MetalLB | None = None


class Profile(_Model):
    """One ServiceProfile document."""

    model_config = ConfigDict(
        title="ingressgen ServiceProfile",
        json_schema_extra={"$schema": "https://json-schema.org/draft/2020-12/schema"},
    )

    api_version: Literal["ingressgen.dev/v1alpha1"] = Field(alias="apiVersion")
    kind: Literal["ServiceProfile"]
    metadata: Metadata
    spec: Spec

    @property
    def service_name(self) -> str:
        return self.spec.service.name or self.metadata.name

    @property
    def target_port(self) -> int | str:
        target = self.spec.service.target_port
        return self.spec.service.port if target is None else target

    @property
    def websocket(self) -> WebSocket:
        return self.spec.websocket or WebSocket()
