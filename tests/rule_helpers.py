"""What the per-module rule tests (tests/test_rules_<module>.py) share.

Each of those modules holds a CASES list in the shape tests/test_rules.py uses: (rule id,
Kubernetes version, object, None when the rule must not fire or the field path it must report).
The meta-test in tests/test_rules.py gathers them all to check every rule is tested on both sides.
"""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import strategies as st

from ingressgen.validation.rules import check_object
from tests.test_rules import DELETE, patched

__all__ = ["DELETE", "Case", "case_id", "check_case", "json_values", "mangle", "p", "patched"]

Case = tuple[str, str, dict[str, Any], tuple[str | int, ...] | None]
VERSIONS = ("1.25", "1.27", "1.29", "1.31", "1.33", "1.34", "1.36", "1.37")


def p(*parts: str | int) -> tuple[str | int, ...]:
    return parts


def case_id(case: Case) -> str:
    rule, version, obj, expected = case
    return f"{rule}-{version}-{obj.get('kind')}-{'ok' if expected is None else 'bad'}"


def check_case(case: Case) -> None:
    rule, version, obj, expected = case
    fired = [f for f in check_object(obj, version) if f.rule == rule]
    if expected is None:
        assert fired == [], fired
    else:
        assert expected in [f.path for f in fired], fired
        assert all(f.message for f in fired)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**40), 2**40)
    | st.floats(allow_nan=True)
    | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                ["name", "spec", "template", "containers", "type", "port", "x", "0", "data"]
            ),
            children,
            max_size=3,
        )
    ),
    max_leaves=12,
)


def mangle(base: dict[str, Any], replacements: list[tuple[str, Any]]) -> dict[str, Any]:
    """A copy of base with values replaced at dotted paths (parents created as mappings)."""
    obj = copy.deepcopy(base)
    for dotted, value in replacements:
        *parents, last = dotted.split(".")
        node: Any = obj
        for part in parents:
            child = node.get(part) if isinstance(node, dict) else None
            if not isinstance(child, dict):
                child = {}
                if isinstance(node, dict):
                    node[part] = child
            node = child
        if isinstance(node, dict):
            node[last] = value
    return obj
