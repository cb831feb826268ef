"""The probe's options, checked before anything connects: every mistake is exit 2 with what
would be valid."""

from __future__ import annotations

import re
import ssl
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from ingressgen.errors import InputError
from ingressgen.golang.duration import duration_seconds

DEFAULT_HOLD_SECONDS = 130.0  # longer than Cloudflare's reported idle cut of about 100 s
DEFAULT_TIMEOUT_SECONDS = 10.0
DEFAULT_PINGS = 5

# The handshake sets these itself; a second copy from -H would make an invalid request.
_HANDSHAKE_HEADERS = {
    "host": "the URL's host is sent (use --connect-to to reach another address)",
    "upgrade": "the handshake sets it",
    "connection": "the handshake sets it",
    "sec-websocket-key": "the handshake sets it",
    "sec-websocket-version": "the handshake sets it",
    "sec-websocket-extensions": "the handshake sets it",
    "sec-websocket-protocol": "use --subprotocol",
}
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # an HTTP token (RFC 9110 5.6.2)


@dataclass(frozen=True)
class ProbeSettings:
    """What to do once connected, the same for a URL and a profile."""

    headers: tuple[tuple[str, str], ...] = ()
    subprotocols: tuple[str, ...] = ()
    insecure: bool = False
    ca_file: Path | None = None
    pings: int = DEFAULT_PINGS
    hold: float = DEFAULT_HOLD_SECONDS
    heartbeat: float | None = None  # None: hold idle
    reconnects: int = 0
    connections: int = 1
    send: str | None = None
    expect: str | None = None
    timeout: float = DEFAULT_TIMEOUT_SECONDS

    @property
    def expected_reply(self) -> str | None:
        """What the echo check waits for: --expect, else the --send text echoed back."""
        return self.expect if self.expect is not None else self.send

    @property
    def mode(self) -> str:
        return "idle" if self.heartbeat is None else "heartbeat"


def seconds(option: str, text: str, *, allow_zero: bool = True) -> float:
    """Plain seconds (`130`, `2.5`) or a Go duration (`130s`, `2m`, `1m30s`, `500ms`)."""
    value: Decimal | None
    try:
        value = Decimal(text.strip())
        if not value.is_finite():
            value = None
    except InvalidOperation:
        try:
            value = duration_seconds(text.strip())
        except ValueError:
            value = None
    if value is None or value < 0 or (value == 0 and not allow_zero):
        least = "0 or more" if allow_zero else "more than 0"
        raise InputError(
            f"{option} {text!r} is not a duration; expected seconds ({least}, e.g. 130 or 2.5) "
            "or a duration such as 130s, 2m, 1m30s, 500ms"
        )
    return float(value)


def header(text: str) -> tuple[str, str]:
    """One -H 'Name: value'."""
    name, colon, value = text.partition(":")
    name = name.strip()
    if not colon or not _TOKEN.fullmatch(name):
        raise InputError(
            f"-H {text!r} is not a header; expected 'Name: value' with a name of letters, "
            "digits and !#$%&'*+.^_`|~-"
        )
    reason = _HANDSHAKE_HEADERS.get(name.lower())
    if reason:
        raise InputError(f"-H {name}: this header cannot be set by hand: {reason}")
    value = value.strip()
    if any((ord(c) < 0x20 and c != "\t") or ord(c) == 0x7F for c in value):
        raise InputError(f"-H {name}: the value holds a control character; expected plain text")
    return name, value


def subprotocol(text: str) -> str:
    if not _TOKEN.fullmatch(text):
        raise InputError(
            f"--subprotocol {text!r} is not a valid subprotocol name; expected an HTTP token "
            "(letters, digits and !#$%&'*+.^_`|~-), e.g. chat.v1"
        )
    return text


def check_tls_options(insecure: bool, ca_file: Path | None, *, secure: bool) -> None:
    if insecure and ca_file is not None:
        raise InputError(
            "--insecure and --ca-file exclude each other: --ca-file verifies the certificate "
            "against that CA, --insecure does not verify it"
        )
    if (insecure or ca_file is not None) and not secure:
        option = "--insecure" if insecure else "--ca-file"
        raise InputError(f"{option} applies to wss:// only; this probe uses ws:// (no TLS)")
    if ca_file is not None:
        tls_context(False, ca_file)  # an unreadable or empty CA file is a usage error


def tls_context(insecure: bool, ca_file: Path | None) -> ssl.SSLContext:
    """The client's TLS settings: the system's trust store, a CA file, or no verification."""
    context = ssl.create_default_context()
    if insecure:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    elif ca_file is not None:
        try:
            context = ssl.create_default_context(cafile=str(ca_file))
        except (OSError, ssl.SSLError) as error:
            reason = error.strerror if isinstance(error, OSError) and error.strerror else error
            raise InputError(
                f"--ca-file {ca_file}: cannot be read as PEM certificates ({reason}); expected "
                "a file holding the CA certificate (or the self-signed certificate) in PEM form"
            ) from None
    return context
