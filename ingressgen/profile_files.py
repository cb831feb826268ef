"""Reading a profile file's text: a regular file, bounded in size, UTF-8, or a located error.

The checks come before the text is read whole, so a wrong path (a FIFO that never ends, a
device, a disk image named .yaml) costs neither a hang nor memory.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ingressgen.bounded_read import read_at_most
from ingressgen.errors import InputError, Location, Problem

# The largest example profile is about 2 KB; a profile of 1 MiB would be hundreds of services.
MAX_PROFILE_BYTES = 1024 * 1024
_MIB = 1024 * 1024


def read_profile_text(file: Path, display: str) -> str:
    """The text of `file`; InputError located in `display` when it cannot be a profile."""
    try:
        data = _read_bounded(file, display)
    except OSError as error:
        raise _error(Location(display), f"cannot read: {error.strerror or error}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _error(_byte_location(data, error.start, display), _not_utf8(data, error)) from None


def read_profile_prefix(file: Path) -> str | None:
    """At most the first MAX_PROFILE_BYTES of `file` as text (undecodable bytes replaced), for a
    look at what it is; None when it cannot be read or is not a regular file."""
    try:
        descriptor = os.open(file, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            return None
        return os.read(descriptor, MAX_PROFILE_BYTES).decode("utf-8", "replace")
    finally:
        os.close(descriptor)


def _read_bounded(file: Path, display: str) -> bytes:
    # O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused just below.
    descriptor = os.open(file, os.O_RDONLY | os.O_NONBLOCK)
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            message = "not a regular file (a FIFO, device or socket): a profile is a file"
            raise _error(Location(display), message)
        if status.st_size > MAX_PROFILE_BYTES:
            raise _too_large(display)
        data = read_at_most(descriptor, MAX_PROFILE_BYTES, 1 << 16)
    finally:
        os.close(descriptor)
    if data is None:  # it grew while it was read
        raise _too_large(display)
    return data


def _too_large(display: str) -> InputError:
    return _error(
        Location(display),
        f"larger than {MAX_PROFILE_BYTES // _MIB} MiB, far more than any profile: not read",
    )


def _byte_location(data: bytes, offset: int, display: str) -> Location:
    """The line and column (in characters) of the byte at `offset`."""
    line_start = data.rfind(b"\n", 0, offset) + 1
    column = len(data[line_start:offset].decode("utf-8", "replace")) + 1
    return Location(display, data.count(b"\n", 0, offset) + 1, column)


def _not_utf8(data: bytes, error: UnicodeDecodeError) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16 text (it starts with a UTF-16 byte-order mark); save the profile as UTF-8"
    return (
        f"not UTF-8 text: byte 0x{data[error.start]:02x} cannot start or continue a character "
        "here; save the profile as UTF-8"
    )


def _error(where: Location, message: str) -> InputError:
    return InputError(problems=[Problem(where, message)])
