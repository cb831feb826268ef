"""Secret rules and the base64 reading of Secret data and ConfigMap binaryData
(ingressgen/validation/rules/secrets.py) on both sides."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingressgen.validation.rules import check_object
from ingressgen.validation.rules.secrets import is_base64
from tests.rules_helpers import (
    CONFIGMAP,
    DELETE,
    VERSIONS,
    Case,
    case_id,
    check_case,
    json_values,
    mangle,
    p,
    patched,
)


def b64(text: str | bytes) -> str:
    return base64.b64encode(text.encode() if isinstance(text, str) else text).decode()


OPAQUE: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "Secret",
    "metadata": {"name": "app-credentials", "namespace": "apps"},
    "data": {"username": b64("admin"), "password": b64("s3cr=t!")},
    "stringData": {"api-token": "plain text is fine here"},
}
TLS: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "Secret",
    "metadata": {"name": "web-tls", "namespace": "apps"},
    "type": "kubernetes.io/tls",
    "data": {"tls.crt": b64("certificate"), "tls.key": b64("key")},
}
DOCKER: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "Secret",
    "metadata": {"name": "regcred", "namespace": "apps"},
    "type": "kubernetes.io/dockerconfigjson",
    "data": {
        ".dockerconfigjson": b64('{"auths":{"registry.example.com":{"auth":"Y2k6Y2hhbmdlbWU="}}}')
    },
}
BINARY = patched(CONFIGMAP, binaryData={"blob.bin": b64(b"\x00\x01binary\xff")})
V35 = "1.35"
OK = None

CASES: list[Case] = [
    # ---- base64 ----
    ("base64-data", V35, OPAQUE, OK),
    ("base64-data", V35, BINARY, OK),
    ("base64-data", V35, patched(OPAQUE, data__password="s3cr=t!"), p("data", "password")),
    ("base64-data", V35, patched(OPAQUE, data__password="YWRtaW4"), p("data", "password")),
    ("base64-data", V35, patched(OPAQUE, data__password="YWRt aW4="), p("data", "password")),
    ("base64-data", V35, patched(OPAQUE, data__password="YWRtaW4=\n"), OK),
    ("base64-data", V35, patched(OPAQUE, data__password="YWRt\r\naW4="), OK),
    ("base64-data", V35, patched(OPAQUE, data__password=""), OK),
    ("base64-data", V35, patched(OPAQUE, data__password="YWRtaW4_"), p("data", "password")),
    (
        "base64-data",
        V35,
        patched(BINARY, binaryData={"blob.bin": "not base64"}),
        p("binaryData", "blob.bin"),
    ),
    # ConfigMap data is plain text
    ("base64-data", V35, patched(CONFIGMAP, data={"x": "not base64"}), OK),
    # ---- keys and size ----
    ("secret-keys", V35, OPAQUE, OK),
    ("secret-keys", V35, patched(OPAQUE, data={"bad key": b64("x")}), p("data", "bad key")),
    (
        "secret-keys",
        V35,
        patched(OPAQUE, stringData={"..hidden": "x"}),
        p("stringData", "..hidden"),
    ),
    (
        "secret-keys",
        V35,
        patched(OPAQUE, data={"a": b64("x" * 1024 * 1024)}, stringData=DELETE),
        OK,
    ),
    (
        "secret-keys",
        V35,
        patched(OPAQUE, data={"a": b64("x" * 1024 * 1024)}, stringData={"b": "y"}),
        p(),
    ),
    # a stringData key replaces the data key of the same name: counted once
    (
        "secret-keys",
        V35,
        patched(OPAQUE, data={"a": b64("x" * 1024 * 1024)}, stringData={"a": "short"}),
        OK,
    ),
    # ---- type-specific keys ----
    ("secret-type", V35, OPAQUE, OK),
    ("secret-type", V35, TLS, OK),
    ("secret-type", V35, DOCKER, OK),
    ("secret-type", V35, patched(TLS, data={"tls.crt": b64("c")}), p("data", "tls.key")),
    ("secret-type", V35, patched(TLS, data={"tls.crt": b64("c")}, stringData={"tls.key": "k"}), OK),
    # present but empty is enough for tls
    ("secret-type", V35, patched(TLS, data={"tls.crt": "", "tls.key": ""}), OK),
    (
        "secret-type",
        V35,
        patched(TLS, data={"cert.pem": b64("c"), "key.pem": b64("k")}),
        p("data", "tls.crt"),
    ),
    (
        "secret-type",
        V35,
        patched(
            OPAQUE, type="kubernetes.io/basic-auth", data={"user": b64("admin")}, stringData=DELETE
        ),
        p("data", "username"),
    ),
    (
        "secret-type",
        V35,
        patched(
            OPAQUE, type="kubernetes.io/basic-auth", data={"password": b64("x")}, stringData=DELETE
        ),
        OK,
    ),
    (
        "secret-type",
        V35,
        patched(
            OPAQUE, type="kubernetes.io/ssh-auth", data={"ssh-privatekey": ""}, stringData=DELETE
        ),
        p("data", "ssh-privatekey"),
    ),
    (
        "secret-type",
        V35,
        patched(DOCKER, data={".dockercfg": b64("{}")}),
        p("data", ".dockerconfigjson"),
    ),
    (
        "secret-type",
        V35,
        patched(DOCKER, data={".dockerconfigjson": b64("{auths: }")}),
        p("data", ".dockerconfigjson"),
    ),
    (
        "secret-type",
        V35,
        patched(DOCKER, data={".dockerconfigjson": b64("[]")}),
        p("data", ".dockerconfigjson"),
    ),
    (
        "secret-type",
        V35,
        patched(DOCKER, data=DELETE, stringData={".dockerconfigjson": '{"auths": {}}'}),
        OK,
    ),
    (
        "secret-type",
        V35,
        patched(
            DOCKER,
            type="kubernetes.io/dockercfg",
            data={".dockercfg": b64('{"registry.example.com": {}}')},
        ),
        OK,
    ),
    (
        "secret-type",
        V35,
        patched(OPAQUE, type="kubernetes.io/service-account-token"),
        p("metadata", "annotations", "kubernetes.io/service-account.name"),
    ),
    (
        "secret-type",
        V35,
        patched(
            OPAQUE,
            type="kubernetes.io/service-account-token",
            metadata__annotations={"kubernetes.io/service-account.name": "builder"},
        ),
        OK,
    ),
    # types Kubernetes does not know are free-form
    ("secret-type", V35, patched(OPAQUE, type="example.com/custom"), OK),
]


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_rule(case: Case) -> None:
    check_case(case)


@pytest.mark.parametrize("obj", [OPAQUE, TLS, DOCKER, BINARY], ids=lambda o: o["metadata"]["name"])
def test_the_example_objects_are_valid_everywhere(obj: dict[str, Any]) -> None:
    for version in VERSIONS:
        assert check_object(obj, version) == [], version


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=40))
def test_everything_python_encodes_is_base64(raw: bytes) -> None:
    encoded = base64.b64encode(raw).decode()
    assert is_base64(encoded)
    assert is_base64(base64.encodebytes(raw).decode())  # with line breaks
    assert not is_base64(encoded + "=") or not encoded


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from([OPAQUE, TLS, DOCKER, BINARY]),
    st.lists(
        st.tuples(
            st.sampled_from(
                ["data", "stringData", "binaryData", "type", "metadata", "data.tls.crt"]
            ),
            json_values,
        ),
        max_size=3,
    ),
)
def test_rules_never_crash_on_malformed_objects(
    base: dict[str, Any], replacements: list[tuple[str, Any]]
) -> None:
    check_object(mangle(base, replacements), V35)
