"""cloudflared's own ingress rules (reference section 1.6, V1-V13), checked on rule lists.

Each rule set below is derived from one line of the table: accepted sets show what a rule
allows (including what cloudflared deliberately does not check), refused sets name the rule
that refuses them. The Go parsers the checker relies on are tested in test_golang.py.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ingressgen.errors import InputError, InternalError
from ingressgen.golang.regexp import regexp_error
from ingressgen.targets.cloudflare.cloudflared_rules import Violation, check_ingress
from ingressgen.targets.cloudflare.common import (
    CATCH_ALL,
    Route,
    enforce_cloudflared_rules,
    path_regex,
)

SVC = "http://chat.apps.svc.cluster.local:8080"


def rule(hostname: str | None = None, service: str = SVC, **extra: Any) -> dict[str, Any]:
    result: dict[str, Any] = {} if hostname is None else {"hostname": hostname}
    result["service"] = service
    result.update(extra)
    return result


HOST = rule("chat.example.com")
ACCESS = {"required": True, "teamName": "acme", "audTag": ["abc123"]}

# (id, rules, defaults) -> every one is accepted by cloudflared
ACCEPTED: list[tuple[str, list[dict[str, Any]] | None, dict[str, Any] | None]] = [
    ("catch-all-only", [CATCH_ALL], None),
    ("host-then-catch-all", [HOST, CATCH_ALL], None),
    ("wildcard-host", [rule("*.example.com"), CATCH_ALL], None),
    ("star-catch-all", [HOST, rule("*", "http_status:404")], None),
    ("empty-hostname-catch-all", [HOST, rule("", "http_status:503")], None),
    ("anchored-path", [rule("chat.example.com", path="^/ws(/|$)"), HOST, CATCH_ALL], None),
    ("unanchored-path-is-valid", [rule("chat.example.com", path="/ws"), CATCH_ALL], None),
    ("https-origin", [rule("a.example.com", "https://a.apps.svc:8443"), CATCH_ALL], None),
    ("ws-scheme", [rule("a.example.com", "ws://a.apps.svc:80"), CATCH_ALL], None),
    ("tcp-origin", [rule("db.example.com", "tcp://db.apps.svc:5432"), CATCH_ALL], None),
    ("ssh-without-port", [rule("ssh.example.com", "ssh://bastion.local"), CATCH_ALL], None),
    ("unix-socket-not-validated", [rule("u.example.com", "unix:"), CATCH_ALL], None),
    ("unix-tls-socket", [rule("u.example.com", "unix+tls:/run/app.sock"), CATCH_ALL], None),
    ("hello-world", [rule("h.example.com", "hello_world"), rule(None, "hello-world")], None),
    ("query-string-has-no-path", [rule("q.example.com", "http://h:1?x=1"), CATCH_ALL], None),
    (
        "status-bounds",
        [rule("s.example.com", "http_status:100"), rule(None, "http_status:999")],
        None,
    ),
    ("status-with-plus-sign", [rule("s.example.com", "http_status:+404"), CATCH_ALL], None),
    (
        "bastion-rule-ignores-service",
        [rule("b.example.com", "", originRequest={"bastionMode": True}), CATCH_ALL],
        None,
    ),
    ("bastion-from-defaults", [rule("b.example.com", ""), CATCH_ALL], {"bastionMode": True}),
    ("bastion-service", [rule("b.example.com", "bastion"), CATCH_ALL], None),
    (
        "socks-proxy-ip-rules",
        [
            rule(
                "s.example.com",
                "socks-proxy",
                originRequest={
                    "ipRules": [
                        {"prefix": "10.0.0.0/8", "ports": [80, 443], "allow": True},
                        {"prefix": "2001:db8::/32", "allow": False},
                    ]
                },
            ),
            CATCH_ALL,
        ],
        None,
    ),
    (
        "bad-ip-rules-ignored-off-socks",
        [rule("a.example.com", originRequest={"ipRules": [{"prefix": "nope"}]}), CATCH_ALL],
        None,
    ),
    (
        "access-initial-setup-without-tags",
        [rule("a.example.com", originRequest={"access": {"required": True}}), CATCH_ALL],
        None,
    ),
    ("access-complete", [rule("a.example.com", originRequest={"access": ACCESS}), CATCH_ALL], None),
    (
        "access-not-required",
        [rule("a.example.com", originRequest={"access": {"audTag": ["x"]}}), CATCH_ALL],
        None,
    ),
    ("duplicate-hosts-not-checked", [HOST, HOST, CATCH_ALL], None),
    ("wildcard-without-dot-passes", [rule("*example.com"), CATCH_ALL], None),
    ("named-group-path", [rule("a.example.com", path="^/(?P<v>v[0-9]+)/"), CATCH_ALL], None),
]

# (id, rules, expected (code, rule index, field) of each violation)
REFUSED: list[
    tuple[str, list[dict[str, Any]] | None, list[tuple[str, int | None, tuple[str, ...]]]]
]
REFUSED = [
    ("no-rules", [], [("V1", None, ())]),
    ("no-ingress-key", None, [("V1", None, ())]),
    ("status-not-a-number", [rule(None, "http_status:abc")], [("V2", 0, ("service",))]),
    ("status-empty", [rule(None, "http_status:")], [("V2", 0, ("service",))]),
    ("status-too-low", [rule(None, "http_status:99")], [("V3", 0, ("service",))]),
    ("status-too-high", [rule(None, "http_status:1000")], [("V3", 0, ("service",))]),
    (
        "socks-no-prefix",
        [rule("s.example.com", "socks-proxy", originRequest={"ipRules": [{}]}), CATCH_ALL],
        [("V4", 0, ("originRequest", "ipRules"))],
    ),
    (
        "socks-bad-cidr",
        [
            rule(
                "s.example.com", "socks-proxy", originRequest={"ipRules": [{"prefix": "10.0.0.0"}]}
            ),
            CATCH_ALL,
        ],
        [("V4", 0, ("originRequest", "ipRules"))],
    ),
    (
        "socks-bad-port",
        [
            rule(
                "s.example.com",
                "socks-proxy",
                originRequest={"ipRules": [{"prefix": "10.0.0.0/8", "ports": [0]}]},
            ),
            CATCH_ALL,
        ],
        [("V4", 0, ("originRequest", "ipRules"))],
    ),
    (
        "space-in-host",
        [rule("a.example.com", "http://bad host:80"), CATCH_ALL],
        [("V5", 0, ("service",))],
    ),
    (
        "port-not-numeric",
        [rule("a.example.com", "http://h:web"), CATCH_ALL],
        [("V5", 0, ("service",))],
    ),
    (
        "no-scheme-doc-caveat",
        [rule("a.example.com", "localhost:8000"), CATCH_ALL],
        [("V6", 0, ("service",))],
    ),
    ("empty-service", [rule("a.example.com", ""), CATCH_ALL], [("V6", 0, ("service",))]),
    ("scheme-only", [rule("a.example.com", "http://"), CATCH_ALL], [("V6", 0, ("service",))]),
    ("trailing-slash", [rule("a.example.com", SVC + "/"), CATCH_ALL], [("V7", 0, ("service",))]),
    ("origin-path", [rule("a.example.com", SVC + "/api"), CATCH_ALL], [("V7", 0, ("service",))]),
    (
        "access-tags-without-team",
        [
            rule(
                "a.example.com",
                originRequest={"access": {"required": True, "audTag": ["abc"]}},
            ),
            CATCH_ALL,
        ],
        [("V8", 0, ("originRequest", "access", "teamName"))],
    ),
    ("hostname-with-port", [rule("a.example.com:443"), CATCH_ALL], [("V9", 0, ("hostname",))]),
    ("hostname-empty-port", [rule("a.example.com:"), CATCH_ALL], [("V9", 0, ("hostname",))]),
    ("wildcard-inside", [rule("a.*.example.com"), CATCH_ALL], [("V10", 0, ("hostname",))]),
    ("two-wildcards", [rule("*.*.example.com"), CATCH_ALL], [("V10", 0, ("hostname",))]),
    ("last-rule-has-host", [HOST], [("V11", 0, ("hostname",))]),
    (
        "last-rule-has-path",
        [HOST, rule(None, "http_status:404", path="^/")],
        [("V11", 1, ("path",))],
    ),
    ("catch-all-first", [CATCH_ALL, HOST, CATCH_ALL], [("V12", 0, ("hostname",))]),
    ("star-catch-all-first", [rule("*"), HOST, CATCH_ALL], [("V12", 0, ("hostname",))]),
    ("unclosed-group", [rule("a.example.com", path="^/ws("), CATCH_ALL], [("V13", 0, ("path",))]),
    ("look-ahead", [rule("a.example.com", path="^/(?=ws)"), CATCH_ALL], [("V13", 0, ("path",))]),
    ("back-reference", [rule("a.example.com", path="(a)\\1"), CATCH_ALL], [("V13", 0, ("path",))]),
    # cloudflared checks the service first, then access, then the hostname, then the path.
    (
        "service-before-hostname",
        [rule("a.example.com:80", "localhost:8000", path="("), CATCH_ALL],
        [("V6", 0, ("service",))],
    ),
    (
        "hostname-before-path",
        [rule("a.*.example.com", path="("), CATCH_ALL],
        [("V10", 0, ("hostname",))],
    ),
    # One violation per rule, every rule reported.
    (
        "every-rule-reported",
        [rule("a.example.com:1"), rule("b.example.com", path="["), rule("c.example.com")],
        [("V9", 0, ("hostname",)), ("V13", 1, ("path",)), ("V11", 2, ("hostname",))],
    ),
]


def test_there_are_at_least_twenty_of_each() -> None:
    assert len(ACCEPTED) >= 20 and len(REFUSED) >= 20
    codes = {code for _, _, expected in REFUSED for code, _, _ in expected}
    assert codes == {f"V{n}" for n in range(1, 14)}


@pytest.mark.parametrize(("case", "ingress", "defaults"), ACCEPTED, ids=[a[0] for a in ACCEPTED])
def test_accepted_rule_sets(
    case: str, ingress: list[dict[str, Any]], defaults: dict[str, Any] | None
) -> None:
    assert check_ingress(ingress, defaults) == [], case


@pytest.mark.parametrize(("case", "ingress", "expected"), REFUSED, ids=[r[0] for r in REFUSED])
def test_refused_rule_sets(
    case: str,
    ingress: list[dict[str, Any]] | None,
    expected: list[tuple[str, int | None, tuple[str, ...]]],
) -> None:
    found = [(v.code, v.rule, v.field) for v in check_ingress(ingress)]
    assert found == expected, case


@pytest.mark.parametrize(
    ("ingress", "message"),
    [
        ([], "The config file doesn't contain any ingress rules"),
        ([rule(None, "http_status:abc")], 'strconv.Atoi: parsing "abc": invalid syntax'),
        ([rule(None, "http_status:42")], "invalid HTTP status code: 42"),
        (
            [rule("a.example.com", "localhost:8000"), CATCH_ALL],
            "localhost:8000 is an invalid address, please make sure it has a scheme and a hostname",
        ),
        (
            [rule("a.example.com", SVC + "/"), CATCH_ALL],
            "ingress rules don't support proxying to a different path on the origin service",
        ),
        ([rule("a:1"), CATCH_ALL], "Hostname cannot contain a port"),
        (
            [CATCH_ALL, CATCH_ALL],
            "Rule #1 is matching the hostname '', but this will match every hostname",
        ),
        (
            [rule("a.example.com", path="a**"), CATCH_ALL],
            "Rule #1 has an invalid regex: error parsing regexp: invalid nested repetition "
            "operator: `**`",
        ),
    ],
)
def test_messages_are_cloudflareds(ingress: list[dict[str, Any]], message: str) -> None:
    (violation,) = check_ingress(ingress)
    assert message in violation.message
    assert str(violation).endswith(f"({violation.code})")


# ---------------------------------------------------------------- enforcing on generated rules


def _route(loaded: Any, **changes: Any) -> Route:
    values: dict[str, Any] = {
        "hostname": "chat.example.com",
        "path": None,
        "service": SVC,
        "origin_request": {},
        "source": loaded,
        "origins": {"originRequest": ("spec", "cloudflareTunnel", "originRequest")},
    }
    values.update(changes)
    return Route(**values)


class _FakeSource:
    display = "p/a.yaml"

    def problem(
        self, path: tuple[str | int, ...], message: str, *, at_key: bool = False, rule: str = ""
    ) -> Any:
        from ingressgen.errors import Location, Problem

        return Problem(Location("p/a.yaml", 7, 3), message, path, rule)


def test_a_profile_value_cloudflared_refuses_is_bad_input_at_that_field() -> None:
    access = {"access": {"required": True, "audTag": ["abc"]}}
    with pytest.raises(InputError) as raised:
        enforce_cloudflared_rules([_route(_FakeSource(), origin_request=access)], "the config")
    (problem,) = raised.value.problems
    assert problem.field_path == ("spec", "cloudflareTunnel", "originRequest", "access", "teamName")
    assert "access.TeamName cannot be blank" in problem.message and "(V8)" in problem.message
    assert problem.rule == "cloudflared-rule-refused"


def test_a_generated_value_cloudflared_refuses_is_an_internal_error() -> None:
    with pytest.raises(InternalError, match=r"bug in ingressgen") as raised:
        enforce_cloudflared_rules([_route(_FakeSource(), path="^/ws(")], "the config")
    assert "V13" in str(raised.value)


def test_rules_that_pass_are_left_alone() -> None:
    enforce_cloudflared_rules([_route(_FakeSource(), path="^/ws(/|$)")], "the config")


# ---------------------------------------------------------------- the anchored WebSocket path

_SEGMENT = st.text(alphabet="abcXYZ019-._~!$&'()*+,;=:@", min_size=1, max_size=8).filter(
    lambda s: s not in (".", "..")
)


@given(st.lists(_SEGMENT, min_size=1, max_size=4), st.booleans())
def test_every_websocket_path_becomes_a_valid_anchored_prefix(
    segments: list[str], trailing_slash: bool
) -> None:
    path = "/" + "/".join(segments) + ("/" if trailing_slash else "")
    regex = path_regex(path)
    assert regex is not None
    assert regexp_error(regex) is None
    assert check_ingress([rule("a.example.com", path=regex), CATCH_ALL]) == []
    # The escaped characters mean the same in RE2 and Python's re: test the match with the latter.
    prefix = path.rstrip("/")
    compiled = re.compile(regex)
    assert compiled.search(prefix) and compiled.search(prefix + "/x")
    assert not compiled.search(prefix + "x")
    assert not compiled.search("/other" + prefix)


def test_root_path_has_no_filter() -> None:
    assert path_regex("/") is None


def test_violation_text_names_rule_and_field() -> None:
    violation = Violation("V9", 2, ("hostname",), "Hostname cannot contain a port")
    assert str(violation) == "ingress[2].hostname: Hostname cannot contain a port (V9)"
