"""The ConfigMap rules (validation/rules/configmap.py).

For each rule, a case it must accept and a case it must refuse.
"""

from __future__ import annotations

import base64

import pytest

from tests.rules_helpers import (
    CONFIGMAP,
    OK,
    V35,
    Case,
    case_ids,
    check_case,
    p,
    patched,
)

CASES: list[Case] = [
    ("configmap-keys", V35, patched(CONFIGMAP, data={"config.yaml": "", "A_b-c": ""}), OK),
    *[
        ("configmap-keys", V35, patched(CONFIGMAP, data={bad: ""}), p("data", bad))
        for bad in ("a b", ".", "..", "..x", "a/b", "k" * 254)
    ],
    (
        "configmap-keys",
        V35,
        patched(CONFIGMAP, data={"k": ""}, binaryData={"k": ""}),
        p("binaryData", "k"),
    ),
    ("configmap-size", V35, patched(CONFIGMAP, data={"a": "x" * (1024 * 1024)}), OK),
    ("configmap-size", V35, patched(CONFIGMAP, data={"a": "x" * (1024 * 1024 + 1)}), p()),
    (
        "configmap-size",
        V35,
        patched(
            CONFIGMAP,
            data={"a": "x" * 1024 * 1023},
            binaryData={"b": base64.b64encode(b"y" * 1025).decode()},
        ),
        p(),
    ),
    (
        "configmap-size",
        V35,
        patched(
            CONFIGMAP,
            data={"a": "x" * 1024 * 1023},
            binaryData={"b": base64.b64encode(b"y" * 1024).decode()},
        ),
        OK,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=case_ids(CASES))
def test_rule(case: Case) -> None:
    check_case(case)
