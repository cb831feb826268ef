"""The profile's reusable value types: each a checked format with a message in the user's terms.

`StrictModel` is the base of every profile model. MetalLB's own value formats (communities,
pool ranges, AS numbers, ...) live with the MetalLB models in `profile_metallb.py`.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Callable
from typing import Annotated, Any

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
from ingressgen.golang import duration
from ingressgen.kube_versions import DEFAULT_KUBERNETES_VERSION, supported_kubernetes_versions

DEFAULT_CLOUDFLARED_IMAGE = "cloudflare/cloudflared:2026.8.2"


class StrictModel(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        alias_generator=to_camel,
        populate_by_name=True,
        frozen=True,
    )


def checked(predicate: Callable[[Any], bool], explain: str) -> Callable[[Any], Any]:
    def validate(value: Any) -> Any:
        if not predicate(value):
            raise ValueError(f"{value!r} is not valid: {explain}")
        return value

    return validate


def bounded_int(low: int, high: int, what: str) -> Any:
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
        checked(
            names.is_dns1035_label,
            "a DNS-1035 label: at most 63 lower-case letters, digits and '-', "
            "starting with a letter and ending with a letter or digit",
        )
    ),
]
DNS1123Label = Annotated[
    str,
    AfterValidator(
        checked(
            names.is_dns1123_label,
            "a DNS-1123 label: at most 63 lower-case letters, digits and '-', "
            "starting and ending with a letter or digit",
        )
    ),
]
DNS1123Subdomain = Annotated[
    str,
    AfterValidator(
        checked(
            names.is_dns1123_subdomain,
            "a DNS-1123 subdomain: lower-case letters, digits, '-' and '.', "
            "each part starting and ending with a letter or digit, at most 253 characters",
        )
    ),
]

Port = bounded_int(1, 65535, "port")


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


# What kubectl refuses in a value, escaped or not (its YAML reader takes no C0 or C1 control
# character but tab, line feed and NEL, U+0085, a YAML line break), and what is no text at all:
# DEL and the Unicode non-characters. Line separators, byte-order marks and bidi controls are
# text: they pass, and read back equal.
_NOT_TEXT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x84\x86-\x9f\ufdd0-\ufdef\ufffe\uffff]")
_NOT_TEXT_PATTERN = "^[^\\x00-\\x08\\x0b-\\x1f\\x7f-\\x84\\x86-\\x9f]*$"


def _validate_free_text(value: str) -> str:
    at = _first_non_text(value)
    if at is not None:
        kind = "control character" if unicodedata.category(value[at]) == "Cc" else "non-character"
        raise ValueError(
            f"holds the {kind} U+{ord(value[at]):04X} at character {at + 1}; kubectl refuses "
            "it in a manifest (tab and line breaks are fine): write the value without it"
        )
    return value


def _first_non_text(value: str) -> int | None:
    found = _NOT_TEXT.search(value)
    if found:
        return found.start()
    if not value.isascii():  # U+1FFFE, U+1FFFF, ... U+10FFFF: the last two of every plane
        for index, character in enumerate(value):
            if ord(character) > 0xFFFF and ord(character) & 0xFFFE == 0xFFFE:
                return index
    return None


FreeText = Annotated[
    str,
    AfterValidator(_validate_free_text),
    WithJsonSchema({"type": "string", "pattern": _NOT_TEXT_PATTERN}),
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


def _validate_annotation_text(value: str) -> str:
    for character in _YAML11_LINE_BREAKS:
        if character in value:
            raise ValueError(
                f"holds U+{ord(character):04X} at character {value.index(character) + 1}, a line "
                "break in YAML 1.1 but not in 1.2: `kubectl kustomize` rewrites it (into a space "
                "or a line break and indentation), so the object would not carry this value; "
                "write a line feed instead, or leave it out"
            )
    return value


# NEL, LINE SEPARATOR, PARAGRAPH SEPARATOR. Written escaped, they read back equal everywhere but
# through kustomize, whose writer puts them raw into quoted scalars. (In the cloudflared config
# they are escaped inside a block of text that kustomize never rewrites, so they pass there.)
_YAML11_LINE_BREAKS = ("\x85", "\u2028", "\u2029")
AnnotationText = Annotated[
    FreeText,
    AfterValidator(_validate_annotation_text),
    WithJsonSchema(
        {"type": "string", "pattern": "^[^\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f\\u2028\\u2029]*$"}
    ),
]
Annotations = Annotated[dict[str, AnnotationText], AfterValidator(_validate_annotations)]
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


def _duration_validator(explain: str, explain_not_text: str | None = None) -> Callable[[Any], str]:
    """A Go duration string, as golang.duration reads it; refused with `explain`."""

    def validate(value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError(f"{value!r} is not valid: {explain_not_text or explain}")
        try:
            duration.parse_duration_ns(value)
        except ValueError:
            raise ValueError(f"{value!r} is not valid: {explain}") from None
        return value

    return validate


_DURATION_SCHEMA = WithJsonSchema({"type": "string", "pattern": duration.PATTERN})
# cloudflared's originRequest durations.
GoDuration = Annotated[
    str,
    PlainValidator(
        _duration_validator(
            "cloudflared reads durations as Go duration strings, e.g. '30s', '1m30s', '2h'"
        )
    ),
    _DURATION_SCHEMA,
]
# MetalLB's BGP timers (metav1.Duration).
Duration = Annotated[
    str,
    PlainValidator(
        _duration_validator(
            "a duration such as '90s', '1m30s' or '500ms' "
            "(numbers with a unit h, m, s, ms, us, ns)",
            "a quoted duration such as '90s' or '1m30s'",
        )
    ),
    _DURATION_SCHEMA,
]


def _validate_ip(value: str) -> str:
    if "%" in value:
        # Python takes an IPv6 zone ('fe80::1%eth0'); Go's net.ParseIP, which Kubernetes and
        # MetalLB use, does not.
        raise ValueError(
            f"{value!r} is not valid: an IPv6 zone ('%...') is not part of an IP address here; "
            "write the address alone, e.g. fe80::1"
        )
    try:
        ipaddress.ip_address(value)
    except ValueError:
        raise ValueError(f"{value!r} is not an IP address, e.g. 203.0.113.10") from None
    return value


IPAddress = Annotated[str, AfterValidator(_validate_ip)]

LabelKey = Annotated[
    str,
    AfterValidator(
        checked(
            names.is_qualified_name,
            "a label key: an optional DNS subdomain prefix and '/', then a name of at most 63 "
            "letters, digits, '-', '_' and '.', starting and ending with a letter or digit",
        )
    ),
]
LabelValue = Annotated[
    str,
    AfterValidator(
        checked(
            names.is_label_value,
            "a label value: at most 63 letters, digits, '-', '_' and '.', starting and ending "
            "with a letter or digit, or empty",
        )
    ),
]
QualifiedName = Annotated[
    str,
    AfterValidator(
        checked(
            names.is_qualified_name,
            "a qualified name such as example.com/internal-vip: an optional DNS subdomain "
            "prefix and '/', then at most 63 letters, digits, '-', '_' and '.'",
        )
    ),
]
