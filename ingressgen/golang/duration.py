"""Go's time.ParseDuration: cloudflared reads its originRequest durations and MetalLB (through
metav1.Duration) its BGP timers with it, so this is the one duration parser of the project.

Go also accepts a leading '+' or '-'. This port refuses both: no timeout or timer ingressgen
writes can be negative. Everything else is Go's (Go 1.22+): '0' alone, or numbers with a unit,
each number with digits before or after an optional '.', e.g. '1m30s', '1.5h', '.5s', '1.s';
at most 2**63-1 nanoseconds in all.
"""

from __future__ import annotations

import re
from decimal import Decimal

from ingressgen.golang.fmt import quote

SECOND = 1_000_000_000  # nanoseconds, as Go's time.Second

_UNITS = {
    "ns": 1,
    "us": 1_000,
    "µs": 1_000,  # U+00B5 MICRO SIGN
    "μs": 1_000,  # U+03BC GREEK SMALL LETTER MU
    "ms": 1_000_000,
    "s": SECOND,
    "m": 60 * SECOND,
    "h": 3600 * SECOND,
}
_PART = r"([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h)"
_PARTS = re.compile(_PART)
_DURATION = re.compile(rf"0|(?:{_PART})+")
_MAX_NS = 2**63 - 1
_MAX_FRACTION_DIGITS = 18  # Go stops reading a fraction's digits once they overflow an int64

# The same grammar as a JSON-schema pattern (it cannot hold the 2**63-1 ns limit).
PATTERN = rf"^(0|({_PART})+)$"


def parse_duration_ns(text: str) -> int:
    """Go's time.ParseDuration for non-negative values, in nanoseconds.

    ValueError with Go's message ('time: invalid duration "30"') when Go refuses `text` or
    it is negative.
    """
    if not _DURATION.fullmatch(text):
        raise ValueError(f"time: invalid duration {quote(text)}")
    total = 0
    for number, unit in _PARTS.findall(text):
        whole, _, fraction = number.partition(".")
        if len(whole.lstrip("0")) > len(str(_MAX_NS)):
            raise ValueError(f"time: invalid duration {quote(text)}")
        fraction = fraction[:_MAX_FRACTION_DIGITS]
        scale = _UNITS[unit]
        total += int(whole or "0") * scale + int(fraction or "0") * scale // 10 ** len(fraction)
    if total > _MAX_NS:
        raise ValueError(f"time: invalid duration {quote(text)}")
    return total


def duration_seconds(text: str) -> Decimal:
    """The seconds in a Go duration string, exactly ('1m30s' -> 90, '500ms' -> 0.5)."""
    return Decimal(parse_duration_ns(text)) / SECOND
