"""Secret rules (core/validation: ValidateSecret), and the base64 reading of Secret `data` and
ConfigMap `binaryData` (Go's encoding/json decodes []byte fields with base64.StdEncoding).

The API server merges `stringData` into `data` before validating (a `stringData` key wins), so
keys, sizes and the keys a type requires are checked over both. Key names follow the ConfigMap
key rule (configmap.py), which Kubernetes shares between the two kinds.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from typing import Any

from ingressgen.validation.rules.base import RuleContext, Violation, mapping, rule, text
from ingressgen.validation.rules.configmap import KEY_DESCRIPTION, MAX_SIZE, is_config_map_key

KINDS = ("Secret",)
# Padding only in the last quantum: "xxx=" or "xx=="; '\r' and '\n' are skipped by the decoder.
_BASE64 = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")
SERVICE_ACCOUNT_ANNOTATION = "kubernetes.io/service-account.name"
# type -> groups of keys: each group needs at least one of its keys present
REQUIRED_KEYS: dict[str, tuple[tuple[str, ...], ...]] = {
    "kubernetes.io/tls": (("tls.crt",), ("tls.key",)),
    "kubernetes.io/basic-auth": (("username", "password"),),
    "kubernetes.io/ssh-auth": (("ssh-privatekey",),),
    "kubernetes.io/dockerconfigjson": ((".dockerconfigjson",),),
    "kubernetes.io/dockercfg": ((".dockercfg",),),
}
JSON_KEYS = {
    "kubernetes.io/dockerconfigjson": ".dockerconfigjson",
    "kubernetes.io/dockercfg": ".dockercfg",
}


def _stripped(value: str) -> str:
    return value.replace("\r", "").replace("\n", "")


def is_base64(value: str) -> bool:
    return bool(_BASE64.fullmatch(_stripped(value)))


def _decoded(value: str) -> bytes:
    return base64.b64decode(_stripped(value))


def _merged(obj: dict[str, Any]) -> dict[str, bytes | None]:
    """data (decoded, None when not base64) with stringData laid over it, as the API server
    converts a v1 Secret."""
    merged: dict[str, bytes | None] = {}
    for key, value in mapping(obj.get("data")).items():
        if isinstance(value, str):
            merged[str(key)] = _decoded(value) if is_base64(value) else None
        elif value is None:
            merged[str(key)] = b""
    for key, value in mapping(obj.get("stringData")).items():
        if isinstance(value, str):
            merged[str(key)] = value.encode()
    return merged


@rule("base64-data", kinds=("Secret", "ConfigMap"))
def check_base64(obj: dict[str, Any], context: RuleContext) -> Iterator[Violation]:
    """Secret `data` and ConfigMap `binaryData` values are base64 (standard alphabet, with `=`
    padding; line breaks are ignored). Plain text belongs in `stringData` or `data`. A value
    that is not base64 makes the API server refuse the request when decoding it.
    (encoding/json with base64.StdEncoding.)
    """
    field = "data" if obj.get("kind") == "Secret" else "binaryData"
    for key, value in mapping(obj.get(field)).items():
        if isinstance(value, str) and not is_base64(value):
            hint = "; put plain text in stringData" if field == "data" else ""
            yield (
                (field, str(key)),
                f"the value of {key!r} is not valid base64 (A-Z, a-z, 0-9, '+', '/', padded "
                f"with '=' to a multiple of 4 characters){hint}",
            )


@rule("secret-keys", kinds=KINDS)
def check_keys(obj: dict[str, Any], context: RuleContext) -> Iterator[Violation]:
    """Keys of `data` and `stringData` consist of letters, digits, '-', '_' and '.' (at most 253,
    not '.', '..' or starting with '..'), and the values, decoded and merged, hold at most 1 MiB
    (1048576 bytes). (core/validation: ValidateSecret.)
    """
    for field in ("data", "stringData"):
        for key in mapping(obj.get(field)):
            if not isinstance(key, str) or not is_config_map_key(key):
                yield (field, str(key)), f"the key {key!r} is not valid: expected {KEY_DESCRIPTION}"
    total = sum(len(value) for value in _merged(obj).values() if value is not None)
    if total > MAX_SIZE:
        yield (), f"data and stringData hold {total} bytes; at most {MAX_SIZE} (1 MiB) are allowed"


def _json_problem(value: bytes) -> str | None:
    """json.Unmarshal into map[string]interface{}: an object (or null) is required."""
    try:
        parsed = json.loads(value.decode("utf-8", errors="replace"))
    except ValueError as error:
        return f"is not valid JSON ({error})"
    if parsed is not None and not isinstance(parsed, dict):
        return 'must be a JSON object such as {"auths": {...}}'
    return None


@rule("secret-type", kinds=KINDS)
def check_type(obj: dict[str, Any], context: RuleContext) -> Iterator[Violation]:
    """Each built-in Secret type has its keys (in `data` or `stringData`):
    `kubernetes.io/tls` tls.crt and tls.key; `kubernetes.io/basic-auth` username or password;
    `kubernetes.io/ssh-auth` a non-empty ssh-privatekey; `kubernetes.io/dockerconfigjson`
    .dockerconfigjson and `kubernetes.io/dockercfg` .dockercfg, each holding a JSON object;
    `kubernetes.io/service-account-token` the annotation kubernetes.io/service-account.name.
    (core/validation: ValidateSecret.)
    """
    kind = text(obj.get("type"))
    if not kind:
        return
    if kind == "kubernetes.io/service-account-token":
        annotations = mapping(mapping(obj.get("metadata")).get("annotations"))
        if not annotations.get(SERVICE_ACCOUNT_ANNOTATION):
            yield (
                ("metadata", "annotations", SERVICE_ACCOUNT_ANNOTATION),
                "required: the name of the ServiceAccount the token is for",
            )
        return
    merged = _merged(obj)
    for keys in REQUIRED_KEYS.get(kind, ()):
        present = [key for key in keys if key in merged]
        if not present:
            yield (
                ("data", keys[0]),
                f"required for type {kind}: " + " or ".join(repr(k) for k in keys),
            )
        elif kind == "kubernetes.io/ssh-auth" and merged[keys[0]] == b"":
            yield ("data", keys[0]), f"must not be empty for type {kind}"
    key = JSON_KEYS.get(kind)
    value = merged.get(key) if key else None
    if key and value is not None:
        problem = _json_problem(value)
        if problem:
            field = "stringData" if key in mapping(obj.get("stringData")) else "data"
            yield (field, key), f"the value of {key!r} {problem}"
