"""ConfigMap rules (core/validation: ValidateConfigMap)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ingressgen.validation.rules.base import RuleContext, Violation, mapping, rule

KINDS = ("ConfigMap",)
MAX_SIZE = 1024 * 1024  # core.MaxSecretSize, inclusive
_KEY = re.compile(r"[-._a-zA-Z0-9]+")
KEY_DESCRIPTION = (
    "a ConfigMap key: at most 253 letters, digits, '-', '_' and '.', and not '.', '..' "
    "or anything starting with '..'"
)


def is_config_map_key(key: str) -> bool:
    return len(key) <= 253 and bool(_KEY.fullmatch(key)) and not key.startswith("..") and key != "."


def _decoded_size(value: str) -> int:
    """Bytes of a base64 value once decoded, without decoding it."""
    stripped = "".join(value.split())  # Go's decoder skips line breaks
    return len(stripped) * 3 // 4 - (stripped.endswith("=") + stripped.endswith("=="))


@rule("configmap-keys", kinds=KINDS)
def check_keys(obj: dict[str, Any], context: RuleContext) -> Iterator[Violation]:
    """Keys of `data` and `binaryData` consist of letters, digits, '-', '_' and '.' (at most 253,
    not '.', '..' or starting with '..'), and no key is in both maps.
    """
    data = mapping(obj.get("data"))
    binary = mapping(obj.get("binaryData"))
    for field, values in (("data", data), ("binaryData", binary)):
        for key in values:
            if not isinstance(key, str) or not is_config_map_key(key):
                yield (field, str(key)), f"the key {key!r} is not valid: expected {KEY_DESCRIPTION}"
    for key in data.keys() & binary.keys():
        yield ("binaryData", str(key)), f"the key {key!r} is also in data; a key may be in one only"


@rule("configmap-size", kinds=KINDS)
def check_size(obj: dict[str, Any], context: RuleContext) -> Iterator[Violation]:
    """The values of `data` and `binaryData` (decoded) hold at most 1 MiB (1048576 bytes)
    together; keys do not count.
    """
    total = sum(len(v.encode()) for v in mapping(obj.get("data")).values() if isinstance(v, str))
    total += sum(
        _decoded_size(v) for v in mapping(obj.get("binaryData")).values() if isinstance(v, str)
    )
    if total > MAX_SIZE:
        yield (), f"data and binaryData hold {total} bytes; at most {MAX_SIZE} (1 MiB) are allowed"
