"""How times, ranges and closes read in the probe's text and messages."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ingressgen.probe.client import Hold

_CLOSE_CODES = {
    1000: "normal closure",
    1001: "going away",
    1002: "protocol error",
    1003: "unsupported data",
    1005: "no status code",
    1006: "abnormal closure",
    1007: "invalid payload",
    1008: "policy violation",
    1009: "message too big",
    1010: "mandatory extension",
    1011: "internal error",
    1012: "service restart",
    1013: "try again later",
    1014: "bad gateway",
}


def duration(seconds: float) -> str:
    """`0.42 ms`, `18.3 ms`, `2.04 s`, `130 s`."""
    if seconds < 0.01:
        return f"{seconds * 1000:.2f} ms"
    if seconds < 1:
        return f"{seconds * 1000:.1f} ms"
    return f"{seconds:.2f} s" if seconds < 100 else f"{seconds:.0f} s"


def seconds_range(values: Sequence[float]) -> str:
    """One time, or `min-max` when several differ."""
    low, high = min(values), max(values)
    if duration(low) == duration(high):
        return duration(low)
    return f"{duration(low)} to {duration(high)}"


def spread(values: Sequence[float]) -> str:
    """`min 1.2 ms, median 1.5 ms, max 3.0 ms`."""
    return (
        f"min {duration(min(values))}, median {duration(statistics.median(values))}, "
        f"max {duration(max(values))}"
    )


def stats(values: Sequence[float]) -> dict[str, float] | None:
    """min, median and max in milliseconds, for JSON."""
    if not values:
        return None
    return {
        "minMs": round(min(values) * 1000, 3),
        "medianMs": round(statistics.median(values) * 1000, 3),
        "maxMs": round(max(values) * 1000, 3),
    }


def close_code(code: int | None) -> str:
    if code is None:
        return "no code"
    name = _CLOSE_CODES.get(code)
    return f"{code} {name}" if name else str(code)


def close_text(hold: Hold) -> str:
    if hold.close_frame:
        reason = f", reason {hold.reason!r}" if hold.reason else ""
        return f"close frame from the server: {close_code(hold.code)}{reason}"
    return f"the TCP connection ended without a close frame: {close_code(hold.code)}"


def quoted(text: str | None, limit: int = 80) -> str:
    if text is None:
        return "nothing"
    return repr(text if len(text) <= limit else text[:limit] + "...")
