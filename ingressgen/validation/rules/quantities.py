"""Resource quantities as the API server reads them (apimachinery `pkg/api/resource`:
`ParseQuantity`, `parseQuantityString`, the suffixer, and `Quantity.UnmarshalJSON`).

A quantity is a number with an optional suffix: binary (`Ki`, `Mi`, `Gi`, `Ti`, `Pi`, `Ei`),
decimal (`n`, `u`, `m`, `k`, `M`, `G`, `T`, `P`, `E`) or an exponent (`e3`, `E-2`). A JSON
number is read as its text, and spaces around a string are trimmed. Anything else (`256mb`,
`1 Gi`, `1gi`) fails when the request is decoded, before validation runs. Parsed values are
rounded up to the nano (so `0.1n` is `1n`) and binary ones are capped at 2^63-1, as the parser
does; comparisons between quantities use those values.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

QUANTITY = (
    "a quantity: a number with an optional suffix, binary (Ki, Mi, Gi, Ti, Pi, Ei), decimal "
    "(n, u, m, k, M, G, T, P, E) or an exponent (e3), such as 500m, 256Mi or 1.5"
)

_DIGITS = frozenset("0123456789")
_SUFFIX_LETTERS = frozenset("eEinumkKMGTP")
_BINARY = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_DECIMAL = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_INT64_MAX = 2**63 - 1
# Beyond these the exact value never changes a verdict: tiny values round up to 1n, and huge
# ones only meet other huge ones (where treating them as equal errs towards accepting).
_EXPONENT_FLOOR, _EXPONENT_CEILING = -30, 40
_NANO = 10**9


def _split(text: str) -> tuple[bool, str, str, str] | None:
    """parseQuantityString: (positive, integer digits, fraction digits, suffix), or None when the
    text is not a number followed by suffix letters, an optional sign and digits."""
    end = len(text)
    pos = 0
    positive = True
    if text[0] in "+-":
        positive = text[0] == "+"
        pos = 1
    while pos < end and text[pos] == "0":
        pos += 1
    start = pos
    while pos < end and text[pos] in _DIGITS:
        pos += 1
    whole = text[start:pos] or "0"
    fraction = ""
    if pos < end and text[pos] == ".":
        pos += 1
        start = pos
        while pos < end and text[pos] in _DIGITS:
            pos += 1
        fraction = text[start:pos]
    suffix_start = pos
    while pos < end and text[pos] in _SUFFIX_LETTERS:
        pos += 1
    if pos < end and text[pos] in "+-":
        pos += 1
    while pos < end and text[pos] in _DIGITS:
        pos += 1
    if pos < end:
        return None
    return positive, whole, fraction, text[suffix_start:]


def _exponent(suffix: str) -> tuple[int, int, bool] | None:
    """The suffixer: (base, exponent, binary) for a known suffix, None otherwise."""
    if suffix in _DECIMAL:
        return 10, _DECIMAL[suffix], False
    if suffix in _BINARY:
        return 2, _BINARY[suffix], True
    if len(suffix) > 1 and suffix[0] in "eE":
        digits = suffix[1:]
        unsigned = digits[1:] if digits[0] in "+-" else digits
        if unsigned and all(c in _DIGITS for c in unsigned) and -(2**63) <= int(digits) < 2**63:
            return 10, int(digits), False
    return None


def _parse(text: str) -> Fraction | None:
    if not text:
        return None
    parts = _split(text)
    if parts is None:
        return None
    positive, whole, fraction, suffix = parts
    found = _exponent(suffix)
    if found is None:
        return None
    base, exponent, binary = found
    magnitude = Fraction(int(whole + fraction), 10 ** len(fraction))
    if magnitude == 0:
        return Fraction(0)
    if base == 2:
        magnitude *= 2**exponent
    else:
        exponent = min(max(exponent, _EXPONENT_FLOOR), _EXPONENT_CEILING)
        magnitude *= Fraction(10) ** exponent
    magnitude = Fraction(math.ceil(magnitude * _NANO), _NANO)  # round up to the nano
    if binary and magnitude > _INT64_MAX:
        magnitude = Fraction(_INT64_MAX)
    return magnitude if positive else -magnitude


_cache: dict[str, Fraction | None] = {}


def parse_quantity(value: Any) -> Fraction | None:
    """The value of a quantity field (a string or a JSON number), or None when the API server
    cannot decode it. Booleans, lists and other types are the schema's business: None too."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, float):
        return _parse(repr(value)) if math.isfinite(value) else None
    if not isinstance(value, str):
        return None
    if value in _cache:
        return _cache[value]
    if len(_cache) > 10_000:
        _cache.clear()
    answer = _cache[value] = _parse(value.strip())
    return answer


def is_quantity_value(value: Any) -> bool:
    """Whether the value has a type a quantity field accepts (a string or a number)."""
    return isinstance(value, (str, int, float)) and not isinstance(value, bool)


def quantity_problem(value: Any) -> str | None:
    """Why a quantity field's value cannot be decoded, or None (also for values of the wrong type,
    which the schema reports)."""
    if not is_quantity_value(value) or parse_quantity(value) is not None:
        return None
    return f"{value!r} is not valid: expected {QUANTITY}{_hint(value)}"


def _hint(value: Any) -> str:
    """A guess for byte units written the usual way: 256MB is 256M (or 256Mi), 100b is 100."""
    if not isinstance(value, str):
        return ""
    text = value.strip()
    for wrong, right in (("kb", "k"), ("mb", "M"), ("gb", "G"), ("tb", "T"), ("b", "")):
        head = text[: -len(wrong)]
        if text.lower().endswith(wrong) and head and parse_quantity(head) is not None:
            if not right:
                return f"; did you mean {head}?"
            return f"; did you mean {head}{right} or {head}{right}i?"
    return ""


def format_quantity(value: Fraction) -> str:
    """A readable rendering for messages (not Kubernetes' canonical form)."""
    if value.denominator == 1:
        return str(value.numerator)
    return f"{float(value):g}"
