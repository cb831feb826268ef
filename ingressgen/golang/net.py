"""Go's `net.SplitHostPort` and `net/url.Parse`, ported as checks.

cloudflared is written in Go: it reads a rule's `service` with `net/url.Parse` and its hostname
with `net.SplitHostPort`. These functions give the Go verdict (Go 1.22+) and Go's error text, so
a config ingressgen writes is one cloudflared accepts. They check; they build nothing else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingressgen.golang.fmt import quote

# ---------------------------------------------------------------- net.SplitHostPort


def split_host_port_ok(hostport: str) -> bool:
    """Whether Go's net.SplitHostPort accepts `hostport` (cloudflared refuses such hostnames)."""
    colon = hostport.rfind(":")
    if colon < 0:
        return False  # missing port in address
    start, end_bracket = 0, 0
    if hostport.startswith("["):
        end = hostport.find("]")
        if end < 0 or end + 1 != colon:
            return False  # missing ']', missing port, or too many colons
        start, end_bracket = 1, end + 1
    elif ":" in hostport[:colon]:
        return False  # too many colons
    return "[" not in hostport[start:] and "]" not in hostport[end_bracket:]


# ---------------------------------------------------------------- net/url.Parse


class GoURLError(ValueError):
    """What Go's url.Parse returns as an error; str() is Go's message."""


@dataclass(frozen=True)
class GoURL:
    scheme: str
    host: str  # with the port, as url.URL.Host
    path: str  # unescaped, as url.URL.Path

    @property
    def hostname(self) -> str:
        """url.URL.Hostname(): the host without port and IPv6 brackets."""
        host = self.host
        colon = host.rfind(":")
        if colon >= 0 and _valid_optional_port(host[colon:]):
            host = host[:colon]
        if host.startswith("[") and host.endswith("]"):
            host = host[1:-1]
        return host


def _valid_optional_port(port: str) -> bool:
    return port == "" or (port.startswith(":") and all("0" <= c <= "9" for c in port[1:]))


_HOST_PUNCTUATION = set("!$&'()*+,;=:[]<>\"-_.~")
_USERINFO_PUNCTUATION = set("-._:~!$&'()*+,;=%@")


def _is_alnum(char: str) -> bool:
    return char.isascii() and char.isalnum()


# ASCII with nothing to unescape and, in a host, only the characters Go allows there: what
# every service URL ingressgen writes is. Such text comes back from _unescape as it went in.
_PLAIN_HOST = re.compile(r"[A-Za-z0-9!$&'()*+,;=:\[\]<>\"\-_.~]*")


def _unescape(text: str, *, host: bool) -> str:
    """url.unescape in host or path mode; raises GoURLError like Go does."""
    if text.isascii() and "%" not in text and (not host or _PLAIN_HOST.fullmatch(text)):
        return text
    return _unescape_each(text, host=host)


def _unescape_each(text: str, *, host: bool) -> str:
    """_unescape, byte by byte."""
    out = bytearray()
    i = 0
    raw = text.encode("utf-8")
    while i < len(raw):
        byte = raw[i]
        if byte == ord("%"):
            chunk = raw[i : i + 3]
            if len(chunk) < 3 or not all(chr(b) in "0123456789abcdefABCDEF" for b in chunk[1:]):
                raise GoURLError(f"invalid URL escape {quote(chunk.decode(errors='replace'))}")
            # In a host, only %25 and escapes of non-ASCII bytes are allowed (RFC 6874 zones).
            if host and int(chunk[1:2], 16) < 8 and chunk != b"%25":
                raise GoURLError(f"invalid URL escape {quote(chunk.decode())}")
            out.append(int(chunk[1:], 16))
            i += 3
            continue
        char = chr(byte)
        if host and byte < 0x80 and not (_is_alnum(char) or char in _HOST_PUNCTUATION):
            raise GoURLError(f"invalid character {quote(char)} in host name")
        out.append(byte)
        i += 1
    return out.decode("utf-8", errors="replace")


def _parse_host(host: str) -> str:
    if host.startswith("["):
        end = host.rfind("]")
        if end < 0:
            raise GoURLError("missing ']' in host")
        colon_port = host[end + 1 :]
        if not _valid_optional_port(colon_port):
            raise GoURLError(f"invalid port {quote(colon_port)} after host")
    else:
        colon = host.rfind(":")
        if colon >= 0 and not _valid_optional_port(host[colon:]):
            raise GoURLError(f"invalid port {quote(host[colon:])} after host")
    return _unescape(host, host=True)


def _get_scheme(raw: str) -> tuple[str, str]:
    for index, char in enumerate(raw):
        if char.isascii() and char.isalpha():
            continue
        if char.isascii() and (char.isdigit() or char in "+-."):
            if index == 0:
                return "", raw
            continue
        if char == ":":
            if index == 0:
                raise GoURLError("missing protocol scheme")
            return raw[:index], raw[index + 1 :]
        return "", raw
    return "", raw


def parse_url(raw_url: str) -> GoURL:
    """Go's url.Parse (not via a request). Raises GoURLError with Go's message."""
    without_fragment, _, fragment = raw_url.partition("#")
    try:
        parsed = _parse(without_fragment)
        if fragment:
            _unescape(fragment, host=False)
    except GoURLError as error:
        shown = raw_url if fragment else without_fragment
        raise GoURLError(f"parse {quote(shown)}: {error}") from None
    return parsed


_CONTROL_CHARACTER = re.compile(r"[\x00-\x1f\x7f]")


def _parse(raw: str) -> GoURL:
    if _CONTROL_CHARACTER.search(raw):
        raise GoURLError("net/url: invalid control character in URL")
    if raw == "*":
        return GoURL("", "", "*")
    scheme, rest = _get_scheme(raw)
    scheme = scheme.lower()
    # The query goes; a lone trailing '?' is a "forced" empty query.
    rest = rest[:-1] if rest.endswith("?") and rest.count("?") == 1 else rest.partition("?")[0]
    if not rest.startswith("/"):
        if scheme:
            return GoURL(scheme, "", "")  # rootless: an opaque URL, no host
        if ":" in rest.partition("/")[0]:
            raise GoURLError("first path segment in URL cannot contain colon")
    host = ""
    if (scheme or not rest.startswith("///")) and rest.startswith("//"):
        authority, slash, tail = rest[2:].partition("/")
        rest = slash + tail
        at = authority.rfind("@")
        host = _parse_host(authority[at + 1 :])
        if at >= 0:
            userinfo = authority[:at]
            if not all(_is_alnum(c) or c in _USERINFO_PUNCTUATION for c in userinfo):
                raise GoURLError("net/url: invalid userinfo")
            _unescape(userinfo, host=False)
    return GoURL(scheme, host, _unescape(rest, host=False))
