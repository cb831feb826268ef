"""Option types of the command line that click does not have."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import click

# click.ParamType is generic for type checkers from click 8.2; at run time 8.1 must work too.
if TYPE_CHECKING:
    _ParamType = click.ParamType[int, Any]
else:
    _ParamType = click.ParamType

_SIZE = re.compile(r"([0-9]+)\s*(?:(K|M|G)(?:i?B)?|B)?", re.IGNORECASE)
_FACTORS = {None: 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
# Past this, "no limit" is what is meant, and a file that large must not be read into memory.
_MAX_SIZE = 1 << 40


class ByteSize(_ParamType):
    """A size in bytes: 1048576, 512KiB, 64MiB, 2GiB (K, M and G are powers of 1024)."""

    name = "size"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        match = _SIZE.fullmatch(str(value).strip())
        if match is None:
            self.fail(f"{value!r} is not a size: write bytes, or a number and KiB, MiB or GiB")
            raise AssertionError("click's fail() raises")  # for the type checker
        size = int(match.group(1)) * _FACTORS[(match.group(2) or "").lower() or None]
        if not 0 < size <= _MAX_SIZE:
            self.fail(f"{value!r} is out of range: more than 0 bytes and at most 1024 GiB")
        return size
