"""What a person checks on a server certificate: subject, alternative names, issuer, expiry.

Read from the certificate's DER bytes, which the ssl module hands out whether or not the
certificate was verified (its parsed form is empty under --insecure, exactly when a person most
wants to see who answered). Only the few fields shown are decoded; anything unexpected gives
None rather than a guess.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

_ATTRIBUTE_NAMES = {
    "2.5.4.3": "CN",
    "2.5.4.5": "serialNumber",
    "2.5.4.6": "C",
    "2.5.4.7": "L",
    "2.5.4.8": "ST",
    "2.5.4.10": "O",
    "2.5.4.11": "OU",
    "1.2.840.113549.1.9.1": "emailAddress",
    "0.9.2342.19200300.100.1.25": "DC",
}
_SUBJECT_ALT_NAME = "2.5.29.17"
_STRING_TAGS = {0x0C: "utf-8", 0x13: "ascii", 0x16: "ascii", 0x14: "latin-1", 0x1E: "utf-16-be"}


@dataclass(frozen=True)
class Certificate:
    subject: str
    issuer: str
    not_after: str  # ISO 8601, UTC
    alt_names: tuple[str, ...]
    sha256: str


class _Malformed(ValueError):
    pass


def describe(der: bytes) -> Certificate | None:
    """The certificate's shown fields, or None when it does not read as X.509."""
    try:
        return _describe(der)
    except (_Malformed, IndexError, UnicodeDecodeError, ValueError):
        return None


def _describe(der: bytes) -> Certificate:
    certificate, _ = _element(der, 0, 0x30)
    tbs, _ = _element(certificate, 0, 0x30)
    fields = list(_children(tbs))
    if fields and fields[0][0] == 0xA0:  # [0] version
        fields = fields[1:]
    # serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo, ...
    if len(fields) < 6:
        raise _Malformed("too few fields")
    issuer, validity, subject = fields[2][1], fields[3][1], fields[4][1]
    times = list(_children(validity))
    alt_names: tuple[str, ...] = ()
    for tag, content in fields[6:]:
        if tag == 0xA3:  # [3] extensions
            alt_names = _alt_names(content)
    return Certificate(
        subject=_name(subject),
        issuer=_name(issuer),
        not_after=_time(*times[1]),
        alt_names=alt_names,
        sha256=hashlib.sha256(der).hexdigest(),
    )


def _element(data: bytes, offset: int, tag: int | None = None) -> tuple[bytes, int]:
    """The content of the DER element at `offset` and the offset after it."""
    found = data[offset]
    if tag is not None and found != tag:
        raise _Malformed(f"tag {found:#x} where {tag:#x} was expected")
    length = data[offset + 1]
    start = offset + 2
    if length & 0x80:
        count = length & 0x7F
        if not 1 <= count <= 4:
            raise _Malformed("length")
        length = int.from_bytes(data[start : start + count], "big")
        start += count
    end = start + length
    if end > len(data):
        raise _Malformed("truncated")
    return data[start:end], end


def _children(data: bytes) -> list[tuple[int, bytes]]:
    children = []
    offset = 0
    while offset < len(data):
        tag = data[offset]
        content, offset = _element(data, offset)
        children.append((tag, content))
    return children


def _oid(content: bytes) -> str:
    first = content[0]
    parts = [min(first // 40, 2), first - 40 * min(first // 40, 2)]
    value = 0
    for byte in content[1:]:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            parts.append(value)
            value = 0
    return ".".join(str(p) for p in parts)


def _name(content: bytes) -> str:
    """A Name as `CN=chat.example.com, O=Example`, in the certificate's own order."""
    parts = []
    for tag, relative in _children(content):
        if tag != 0x31:
            raise _Malformed("RDN")
        for _, attribute in _children(relative):
            (oid_tag, oid), (value_tag, value) = _children(attribute)[:2]
            if oid_tag != 0x06:
                raise _Malformed("attribute type")
            key = _oid(oid)
            encoding = _STRING_TAGS.get(value_tag)
            text = value.decode(encoding) if encoding else value.hex()
            parts.append(f"{_ATTRIBUTE_NAMES.get(key, key)}={text}")
    return ", ".join(parts)


def _time(tag: int, content: bytes) -> str:
    text = content.decode("ascii")
    if tag == 0x17:  # UTCTime, YYMMDDHHMMSSZ (RFC 5280: 50-99 are 19xx)
        year = int(text[:2])
        text = f"{1900 + year if year >= 50 else 2000 + year}{text[2:]}"
    elif tag != 0x18:  # GeneralizedTime, YYYYMMDDHHMMSSZ
        raise _Malformed("time")
    moment = datetime.strptime(text, "%Y%m%d%H%M%SZ").replace(tzinfo=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _alt_names(extensions: bytes) -> tuple[str, ...]:
    (_, sequence), *_ = _children(extensions)
    for _, extension in _children(sequence):
        parts = _children(extension)
        if parts[0][0] == 0x06 and _oid(parts[0][1]) == _SUBJECT_ALT_NAME:
            value = parts[-1][1]  # extnValue: an OCTET STRING holding GeneralNames
            names = []
            for tag, name in _children(_element(value, 0, 0x30)[0]):
                if tag == 0x82:  # dNSName
                    names.append(f"DNS:{name.decode('ascii')}")
                elif tag == 0x87:  # iPAddress
                    names.append(f"IP:{_ip(name)}")
            return tuple(names)
    return ()


def _ip(raw: bytes) -> str:
    import ipaddress

    return str(ipaddress.ip_address(raw))
