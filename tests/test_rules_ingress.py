"""The Ingress rules (validation/rules/ingress.py).

For each rule, a case it must accept and a case it must refuse.
"""

from __future__ import annotations

import pytest

from tests.rules_helpers import (
    DELETE,
    INGRESS,
    OK,
    PATH0,
    V35,
    V36,
    Case,
    case_ids,
    check_case,
    p,
    patched,
)

CASES: list[Case] = [
    ("ingress-rules-or-default", V35, INGRESS, OK),
    (
        "ingress-rules-or-default",
        V35,
        patched(
            INGRESS,
            spec__rules=DELETE,
            spec__defaultBackend={"service": {"name": "web", "port": {"number": 80}}},
        ),
        OK,
    ),
    ("ingress-rules-or-default", V35, patched(INGRESS, spec__rules=[]), p("spec")),
    *[
        ("ingress-host", V35, patched(INGRESS, **{"spec.rules.0.host": good}), OK)
        for good in ("a.example.com", "*.example.com", "1.2.3", "a" * 64 + ".example.com")
    ],
    *[
        (
            "ingress-host",
            V35,
            patched(INGRESS, **{"spec.rules.0.host": bad}),
            p("spec", "rules", 0, "host"),
        )
        for bad in (
            "1.2.3.4",
            "010.001.002.003",
            "::1",
            "*",
            "*.*.example.com",
            "f*.example.com",
            "*bar.com",
            "example.com:443",
            "Example.com",
            "example.com.",
            "https://example.com",
        )
    ],
    ("ingress-paths", V35, INGRESS, OK),
    *[
        (
            "ingress-paths",
            V35,
            patched(INGRESS, **{f"{PATH0}.path": good, f"{PATH0}.pathType": kind}),
            OK,
        )
        for good, kind in (
            ("/.well-known", "Exact"),
            ("/foo/..bar", "Prefix"),
            ("", "ImplementationSpecific"),
            ("/([a-z0-9]*)[", "ImplementationSpecific"),
        )
    ],
    *[
        (
            "ingress-paths",
            V35,
            patched(INGRESS, **{f"{PATH0}.path": bad, f"{PATH0}.pathType": kind}),
            p("spec", "rules", 0, "http", "paths", 0, "path"),
        )
        for bad, kind in (
            ("ws", "Prefix"),
            ("", "Exact"),
            ("/a//b", "Prefix"),
            ("/a/./b", "Prefix"),
            ("/a/../b", "Exact"),
            ("/a%2Fb", "Prefix"),
            ("/a%2fb", "Prefix"),
            ("/a/..", "Prefix"),
            ("/a/.", "Exact"),
            ("ws", "ImplementationSpecific"),
        )
    ],
    (
        "ingress-paths",
        V35,
        patched(INGRESS, **{f"{PATH0}.pathType": DELETE}),
        p("spec", "rules", 0, "http", "paths", 0, "pathType"),
    ),
    (
        "ingress-paths",
        V35,
        patched(INGRESS, **{f"{PATH0}.pathType": "prefix"}),
        p("spec", "rules", 0, "http", "paths", 0, "pathType"),
    ),
    (
        "ingress-paths",
        V35,
        patched(INGRESS, **{"spec.rules.0.http.paths": []}),
        p("spec", "rules", 0, "http", "paths"),
    ),
    ("ingress-backend", V35, INGRESS, OK),
    ("ingress-backend", V36, patched(INGRESS, **{f"{PATH0}.backend.service.name": "1abc"}), OK),
    (
        "ingress-backend",
        V35,
        patched(INGRESS, **{f"{PATH0}.backend.service.name": "1abc"}),
        p("spec", "rules", 0, "http", "paths", 0, "backend", "service", "name"),
    ),
    (
        "ingress-backend",
        V35,
        patched(INGRESS, **{f"{PATH0}.backend.service.port": {"name": "http", "number": 80}}),
        p("spec", "rules", 0, "http", "paths", 0, "backend", "service", "port"),
    ),
    (
        "ingress-backend",
        V35,
        patched(INGRESS, **{f"{PATH0}.backend.service.port": {"number": 0}}),
        p("spec", "rules", 0, "http", "paths", 0, "backend", "service", "port"),
    ),
    (
        "ingress-backend",
        V35,
        patched(INGRESS, **{f"{PATH0}.backend.service.port": {"name": "http"}}),
        OK,
    ),
    (
        "ingress-backend",
        V35,
        patched(INGRESS, **{f"{PATH0}.backend.service.port": {"name": "HTTP"}}),
        p("spec", "rules", 0, "http", "paths", 0, "backend", "service", "port", "name"),
    ),
    (
        "ingress-backend",
        V35,
        patched(INGRESS, **{f"{PATH0}.backend.service.port": {"number": 70000}}),
        p("spec", "rules", 0, "http", "paths", 0, "backend", "service", "port", "number"),
    ),
    (
        "ingress-backend",
        V35,
        patched(INGRESS, **{f"{PATH0}.backend.resource": {"kind": "Bucket", "name": "b"}}),
        p("spec", "rules", 0, "http", "paths", 0, "backend"),
    ),
    (
        "ingress-backend",
        V35,
        patched(
            INGRESS,
            **{
                f"{PATH0}.backend": {
                    "resource": {"apiGroup": "example.com", "kind": "Bucket", "name": "b"}
                }
            },
        ),
        OK,
    ),
    (
        "ingress-backend",
        V35,
        patched(INGRESS, **{f"{PATH0}.backend": {"resource": {"kind": "Bucket"}}}),
        p("spec", "rules", 0, "http", "paths", 0, "backend", "resource", "name"),
    ),
    (
        "ingress-backend",
        V35,
        patched(INGRESS, spec__defaultBackend={"service": {"name": "web"}}),
        p("spec", "defaultBackend", "service", "port"),
    ),
    (
        "ingress-tls",
        V35,
        patched(
            INGRESS,
            spec__tls=[
                {"hosts": ["a.example.com", "*.example.com", "192.0.2.1"], "secretName": "tls"}
            ],
        ),
        OK,
    ),
    ("ingress-tls", V35, patched(INGRESS, spec__tls=[{}]), OK),
    (
        "ingress-tls",
        V35,
        patched(INGRESS, spec__tls=[{"hosts": ["Bad_host"]}]),
        p("spec", "tls", 0, "hosts", 0),
    ),
    (
        "ingress-tls",
        V35,
        patched(INGRESS, spec__tls=[{"secretName": "Bad"}]),
        p("spec", "tls", 0, "secretName"),
    ),
    ("ingress-class-name", V35, INGRESS, OK),
    (
        "ingress-class-name",
        V35,
        patched(INGRESS, spec__ingressClassName=""),
        p("spec", "ingressClassName"),
    ),
    (
        "ingress-class-name",
        V35,
        patched(INGRESS, spec__ingressClassName="Nginx"),
        p("spec", "ingressClassName"),
    ),
    (
        "ingress-class-name",
        V35,
        patched(INGRESS, metadata__annotations={"kubernetes.io/ingress.class": "traefik"}),
        p("spec", "ingressClassName"),
    ),
    (
        "ingress-class-name",
        V35,
        patched(INGRESS, metadata__annotations={"kubernetes.io/ingress.class": "nginx"}),
        OK,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=case_ids(CASES))
def test_rule(case: Case) -> None:
    check_case(case)
