"""Reading an open file without trusting its size (shared by profile and manifest reading)."""

from __future__ import annotations

import os


def read_at_most(descriptor: int, limit: int, chunk_size: int) -> bytes | None:
    """Everything `descriptor` holds, or None as soon as more than `limit` bytes have come: a
    file can grow after its size was checked, and some report no size at all (/proc)."""
    chunks: list[bytes] = []
    total = 0
    while total <= limit and (chunk := os.read(descriptor, chunk_size)):
        chunks.append(chunk)
        total += len(chunk)
    return None if total > limit else b"".join(chunks)
