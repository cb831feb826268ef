"""What kubectl makes of a plain YAML scalar: go-yaml v2's reading, then its trip through JSON.

kubectl (and every client built on sigs.k8s.io/yaml) decodes a manifest with go-yaml v2 into
Go values and converts them to JSON before anything else sees them. That is neither YAML 1.1
(PyYAML) nor 1.2 (yaml-rs):
- bools are y/Y/yes/Yes/YES/n/N/no/No/NO/true/True/TRUE/false/False/FALSE/on/On/ON/off/Off/OFF;
  nulls are empty, `~`, null/Null/NULL; `.inf`/`.nan` (any sign, three spellings) are floats;
- a text starting with a digit or sign is an integer if Go's `strconv.ParseInt(_, 0, 64)`
  reads it once every `_` is removed (`0x1F`, `0o17`, `0b101`, and `0644` as octal 420), else
  an unsigned 64-bit integer, else a float when it has YAML's float shape (`1e3`, `08`);
  a float too large for 64 bits (`1e400`, 5,000 digits) stays text; a text starting with `.`
  is a float if Go's ParseFloat reads it (`.5`, `.5_0`);
- there is no sexagesimal (`1:20` is text), no `=` value type, and timestamps stay text;
- then the JSON trip: a float with an integral value below 1e21 is written as an integer
  (`1e3` and `0.0` reach the API server as 1000 and 0); `.inf` and `.nan` cannot be written,
  so kubectl refuses the whole file; keys become strings (`y: a` has the key "true", `1.0: a`
  the key "1", float keys printed as Go prints a float32), and a null key is refused.

`tests/test_kubectl_reading.py` compares all of this with the real kubectl.
"""

from __future__ import annotations

import math
import re
import struct
from typing import Any

MERGE = object()  # the merge key `<<`, which is not a value

_WORDS: dict[str, Any] = {
    **dict.fromkeys(("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE"), True),
    **dict.fromkeys(("on", "On", "ON"), True),
    **dict.fromkeys(("n", "N", "no", "No", "NO", "false", "False", "FALSE"), False),
    **dict.fromkeys(("off", "Off", "OFF"), False),
    **dict.fromkeys(("", "~", "null", "Null", "NULL"), None),
    **dict.fromkeys((".nan", ".NaN", ".NAN"), math.nan),
    **dict.fromkeys((".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"), math.inf),
    **dict.fromkeys(("-.inf", "-.Inf", "-.INF"), -math.inf),
    "<<": MERGE,
}
# Go's ParseInt with base 0 (after go-yaml removed every `_`): a sign, then a base prefix or a
# leading zero for octal. ParseUint takes no sign at all.
_GO_INT = re.compile(r"([-+]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)")
_BASES = {"x": 16, "X": 16, "o": 8, "O": 8, "b": 2, "B": 2}
# go-yaml's yamlStyleFloat, tried after the integer forms.
_YAML_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
# Go's ParseFloat on a text starting with `.`: underscores only between digits.
_DIGITS = r"[0-9](?:_?[0-9])*"
_GO_DOT_FLOAT = re.compile(rf"\.{_DIGITS}(?:[eE][-+]?{_DIGITS})?")
# More digits than any 64-bit integer has (binary included): never converted with int(), so a
# 5,000-digit text costs nothing and never meets Python's int-string limit.
_MAX_INT_DIGITS = 66
_INT64 = (-(2**63), 2**63 - 1)
_UINT64_MAX = 2**64 - 1

_cache: dict[str, Any] = {}
_CACHE_LIMIT = 100_000


def plain_scalar(text: str) -> Any:
    """The Go value of an unquoted scalar: str, bool, None, int, float (inf and nan included),
    or MERGE. Remembered: manifests repeat the same values thousands of times."""
    try:
        return _cache[text]
    except KeyError:
        pass
    if len(_cache) > _CACHE_LIMIT:
        _cache.clear()
    value = _cache[text] = _resolve(text)
    return value


def _resolve(text: str) -> Any:
    if text in _WORDS:
        return _WORDS[text]
    first = text[0]
    if first == ".":
        if _GO_DOT_FLOAT.fullmatch(text):
            return _finite_or_text(float(text.replace("_", "")), text)
        return text
    if first not in "+-0123456789":
        return text
    plain = text.replace("_", "")
    number = _go_integer(plain)
    if number is not None:
        return number
    if _YAML_FLOAT.fullmatch(plain):
        return _finite_or_text(float(plain), text)
    return text  # a timestamp or any other text: kept as written


def _go_integer(plain: str) -> int | None:
    match = _GO_INT.fullmatch(plain)
    if match is None or len(plain) > _MAX_INT_DIGITS:
        return None
    sign, digits = match.groups()
    if digits[:2] in ("0x", "0X", "0o", "0O", "0b", "0B"):
        number = int(digits[2:], _BASES[digits[1]])
    elif digits.startswith("0"):
        number = int(digits, 8)
    else:
        number = int(digits)
    if sign == "-":
        number = -number
    if _INT64[0] <= number <= _INT64[1]:
        return number
    if not sign and number <= _UINT64_MAX:
        return number  # ParseUint's range
    return None


def _finite_or_text(number: float, text: str) -> Any:
    """ParseFloat refuses a text out of float64's range, so go-yaml keeps it as text."""
    return number if math.isfinite(number) else text


def json_number(number: float) -> int | float:
    """A float as kubectl sends it: Go writes an integral float below 1e21 without a fraction or
    exponent, and the result is read back as an integer. Not for inf or nan (no JSON form)."""
    if number.is_integer() and abs(number) < 1e21:
        return int(number)
    return number


def key_text(value: Any) -> str | None:
    """A Go map key as sigs.k8s.io/yaml turns it into a JSON key; None for the keys it refuses:
    null, and an unsigned integer above int64 (a Go uint64, a type it does not convert)."""
    if value.__class__ is str:
        return str(value)
    if value is True or value is False:
        return "true" if value else "false"
    if value is None:
        return None
    if isinstance(value, int):
        return str(value) if value <= _INT64[1] else None
    return _float32_text(float(value))


def _float32_text(number: float) -> str:
    """Go's strconv.FormatFloat(number, 'g', -1, 32): the shortest text of the float32, with an
    exponent from 1e+06 up or below 1e-04."""
    if math.isnan(number):
        return ".nan"
    try:
        single = struct.unpack("f", struct.pack("f", number))[0]
    except OverflowError:
        single = math.copysign(math.inf, number)
    if math.isinf(single):
        return ".inf" if single > 0 else "-.inf"
    if single == 0:
        return "-0" if math.copysign(1, single) < 0 else "0"
    for precision in range(9):
        shown = f"{single:.{precision}e}"
        if struct.unpack("f", struct.pack("f", float(shown)))[0] == single:
            break
    mantissa, exponent_text = shown.split("e")
    exponent = int(exponent_text)
    sign = "-" if mantissa.startswith("-") else ""
    digits = mantissa.lstrip("-").replace(".", "").rstrip("0") or "0"
    if exponent < -4 or exponent >= 6:
        head = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{sign}{head}e{'-' if exponent < 0 else '+'}{abs(exponent):02d}"
    point = exponent + 1  # digits before the decimal point
    if point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return sign + digits + "0" * (point - len(digits))
    return f"{sign}{digits[:point]}.{digits[point:]}"


def reads_as_other_than_text(text: str) -> bool:
    """Whether kubectl reads `text`, written unquoted, as anything but that same string."""
    return plain_scalar(text).__class__ is not str
