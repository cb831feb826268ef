"""The Go parsers ported as checks (ingressgen/golang/): regexp, url.Parse, SplitHostPort and
durations, each with Go's verdicts and error texts."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingressgen.golang.duration import parse_duration_ns
from ingressgen.golang.net import GoURLError, parse_url, split_host_port_ok
from ingressgen.golang.regexp import regexp_error
from ingressgen.profile import Profile

GO_REGEXPS = [
    # (pattern, Go's verdict: None when it compiles, else a fragment of the error)
    ("^/ws(/|$)", None),
    ("", None),
    ("a*?", None),
    ("^*", None),  # repeating an anchor is allowed in Go
    ("()*", None),
    ("a(?i)*", None),  # a flag group leaves the previous operand repeatable
    ("(?i)abc", None),
    ("(?P<n>x)", None),
    ("(?<n>x)", None),
    ("[]a]", None),
    ("[^]a]", None),
    ("[[:alpha:]]", None),
    ("\\pL\\p{Lu}\\PN", None),
    ("\\Qa.b(\\E*", None),
    ("\\x41\\x{263a}\\07\\0", None),
    ("a{,3}", None),  # not a repeat: a literal '{'
    ("a{01}", None),  # leading zero: not a repeat either
    ("(a{100}){10}", None),
    ("\\A\\z\\b\\B\\_", None),
    ("(", "missing closing )"),
    (")", "unexpected )"),
    ("a**", "invalid nested repetition operator: `**`"),
    ("x{2}{3}", "invalid nested repetition operator"),
    ("*a", "missing argument to repetition operator: `*`"),
    ("(?i)*", "missing argument to repetition operator"),
    ("|*", "missing argument to repetition operator"),
    ("a{1001}", "invalid repeat count: `{1001}`"),
    ("a{2,1}", "invalid repeat count"),
    ("(a{100}){11}", "invalid repeat count: `{11}`"),
    ("[z-a]", "invalid character class range: `z-a`"),
    ("[[:foo:]]", "invalid character class range: `[:foo:]`"),
    ("\\p{Greek}", "invalid character class range"),  # stricter than Go (scripts refused)
    ("[a-", "missing closing ]"),
    ("[]", "missing closing ]"),
    ("\\1", "invalid escape sequence: `\\1`"),
    ("\\8", "invalid escape sequence"),
    ("\\x4", "invalid escape sequence"),
    ("\\C", "invalid escape sequence: `\\C`"),
    ("\\q", "invalid escape sequence"),
    ("\\", "trailing backslash at end of expression"),
    ("(?=x)", "invalid or unsupported Perl syntax: `(?=`"),
    ("(?#comment)", "invalid or unsupported Perl syntax"),
    ("(?P<1-x>y)", "invalid named capture"),
]


@pytest.mark.parametrize(("pattern", "error"), GO_REGEXPS, ids=[p for p, _ in GO_REGEXPS])
def test_go_regexp_verdicts(pattern: str, error: str | None) -> None:
    found = regexp_error(pattern)
    if error is None:
        assert found is None
    else:
        assert found is not None and error in found and found.startswith("error parsing regexp: ")


@pytest.mark.parametrize(
    ("url", "scheme", "hostname", "path"),
    [
        ("http://svc.ns.svc.cluster.local:8080", "http", "svc.ns.svc.cluster.local", ""),
        ("HTTPS://h:1", "https", "h", ""),
        ("http://[::1]:80", "http", "::1", ""),
        ("http://u:p@h", "http", "h", ""),
        ("http://h:1?x#frag", "http", "h", ""),
        ("localhost:8000", "localhost", "", ""),  # opaque: no host
        ("", "", "", ""),
        ("http://h/a%20b", "http", "h", "/a b"),
    ],
)
def test_go_url_parse(url: str, scheme: str, hostname: str, path: str) -> None:
    parsed = parse_url(url)
    assert (parsed.scheme, parsed.hostname, parsed.path) == (scheme, hostname, path)


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("http://bad host:80", 'invalid character " " in host name'),
        ("http://h:port", 'invalid port ":port" after host'),
        ("://h", "missing protocol scheme"),
        ("1.2.3.4:80", "first path segment in URL cannot contain colon"),
        ("http://h%41", 'invalid URL escape "%41"'),
        ("http://h/%zz", "invalid URL escape"),
        ("http://[::1", "missing ']' in host"),
        ("http://h\n", "invalid control character"),
    ],
)
def test_go_url_parse_errors(url: str, error: str) -> None:
    with pytest.raises(GoURLError) as raised:
        parse_url(url)
    assert error in str(raised.value) and str(raised.value).startswith("parse ")


@pytest.mark.parametrize(
    ("hostport", "ok"),
    [
        ("a.example.com:443", True),
        ("a.example.com:", True),
        (":80", True),
        ("[::1]:80", True),
        ("a.example.com", False),
        ("[::1]", False),
        ("::1", False),
        ("a:b:c", False),
        ("", False),
    ],
)
def test_go_split_host_port(hostport: str, ok: bool) -> None:
    assert split_host_port_ok(hostport) is ok


@pytest.mark.parametrize(
    ("text", "nanoseconds"),
    [
        ("0", 0),
        ("30s", 30 * 10**9),
        ("1m30s", 90 * 10**9),
        ("1.5s", 1_500_000_000),
        ("2h", 7200 * 10**9),
    ],
)
def test_go_durations(text: str, nanoseconds: int) -> None:
    assert parse_duration_ns(text) == nanoseconds


@pytest.mark.parametrize("text", ["", "30", "1x", ".s"])
def test_go_duration_errors(text: str) -> None:
    with pytest.raises(ValueError, match="invalid duration"):
        parse_duration_ns(text)


def _duration_patterns() -> set[str]:
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "pattern" and "ms|s|m|h" in value:
                    found.add(value)
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(Profile.model_json_schema(by_alias=True))
    return found


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        *(
            (text, True)
            for text in ("0", "30s", "1m30s", "1.5h", "500ms", ".5s", "1.s", "1µs", "1μs")
        ),
        *((text, False) for text in ("30", "-1s", "+1s", "s", "1d", "", ".s", "1h 2m")),
    ],
)
def test_duration_schema_pattern_agrees_with_the_parser(text: str, valid: bool) -> None:
    # cloudflared's originRequest durations and MetalLB's BGP timers share one grammar.
    (pattern,) = _duration_patterns()
    assert (re.search(pattern, text) is not None) is valid
    try:
        parse_duration_ns(text)
    except ValueError:
        assert not valid
    else:
        assert valid


def test_go_duration_range() -> None:
    assert parse_duration_ns("9223372036854775807ns") == 2**63 - 1
    for text in ("9223372036854775808ns", "2562048h", "1" * 5000 + "s"):
        with pytest.raises(ValueError, match="invalid duration"):
            parse_duration_ns(text)


@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.characters(min_codepoint=0x20, max_codepoint=0x7F),
            st.sampled_from(["%", "%2", "%25", "%41", "é", "\t"]),
        )
    ).map("".join),
    st.booleans(),
)
def test_unescape_fast_path_matches_the_byte_loop(text: str, host: bool) -> None:
    """Text the fast path returns as it is must be exactly what the byte loop makes of it."""
    from ingressgen.golang.net import GoURLError, _unescape, _unescape_each

    try:
        expected: str | None = _unescape_each(text, host=host)
    except GoURLError:
        expected = None
    try:
        found: str | None = _unescape(text, host=host)
    except GoURLError:
        found = None
    assert found == expected


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet="/ws.-_~a1\\+*?()|[]{}^$:é\ud800", max_size=12))
def test_the_plain_pattern_shortcut_matches_the_parser(pattern: str) -> None:
    """A pattern the shortcut lets through must be one the full parser accepts."""
    from ingressgen.golang.regexp import _compile_error

    assert regexp_error(pattern) == _compile_error(pattern)
