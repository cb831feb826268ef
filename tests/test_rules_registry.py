"""The rule registry (validation/rules/__init__.py, base.py): every rule documented, listed in
the README and tested on both sides, and no rule crashing on malformed objects."""

from __future__ import annotations

import copy
import importlib
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ingressgen.validation.rules import all_rules, check_object
from tests.conftest import REPO
from tests.rules_helpers import (
    CONFIGMAP,
    DEPLOYMENT,
    INGRESS,
    LB,
    PDB,
    SERVICE,
    json_values,
    patched,
)


def _cases_of_every_rule_module() -> list[Any]:
    """The CASES of each tests/test_rules_<module>.py: one per rule module."""
    cases: list[Any] = []
    for path in sorted(Path(__file__).parent.glob("test_rules_*.py")):
        cases += getattr(importlib.import_module(f"tests.{path.stem}"), "CASES", [])
    return cases


CASES = _cases_of_every_rule_module()


def test_every_rule_is_tested_on_both_sides() -> None:
    accepted = {rule for rule, _, _, expected in CASES if expected is None}
    refused = {rule for rule, _, _, expected in CASES if expected is not None}
    ids = {rule.id for rule in all_rules()}
    assert ids - accepted == set(), "rules without a case they accept"
    assert ids - refused == set(), "rules without a case they refuse"
    assert (accepted | refused) - ids == set(), "cases for rules that do not exist"


def test_every_rule_documents_itself() -> None:
    for rule in all_rules():
        assert len(rule.doc) > 40, rule.id
        assert rule.severity in ("error", "warning")


def test_the_readme_lists_every_rule() -> None:
    readme = (REPO / "README.md").read_text()
    table = readme.split("### The rules", 1)[1].split("###", 1)[0]
    listed = {line.split("`")[1] for line in table.splitlines() if line.startswith("| `")}
    assert listed == {rule.id for rule in all_rules()}


def test_the_example_objects_are_valid_everywhere() -> None:
    for obj in (SERVICE, LB, INGRESS, CONFIGMAP, DEPLOYMENT, PDB):
        for version in ("1.25", "1.31", "1.32", "1.35", "1.36", "1.37"):
            assert check_object(obj, version) == [], (obj["kind"], version)


def test_messages_say_what_would_be_valid() -> None:
    [finding] = check_object(patched(SERVICE, metadata__name="1abc"), "1.35")
    assert finding.message.startswith("'1abc' is not valid: expected a DNS-1035 label")
    assert "1.36" in finding.message
    [cidr] = check_object(patched(LB, spec__loadBalancerSourceRanges=["10.1.2.3/8"]), "1.36")
    assert "did you mean 10.0.0.0/8?" in cidr.message


def test_rules_only_apply_to_their_group() -> None:
    """A custom resource that happens to be called Service is not a core Service."""
    custom = patched(SERVICE, apiVersion="serving.knative.dev/v1", spec={"template": {}})
    assert [f.rule for f in check_object(custom, "1.35")] == []


SHAPES = [SERVICE, INGRESS, CONFIGMAP, DEPLOYMENT, PDB]


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(SHAPES),
    st.lists(st.tuples(st.sampled_from(["metadata", "spec", "data"]), json_values), max_size=3),
)
def test_rules_never_crash_on_malformed_objects(
    base: dict[str, Any], replacements: list[tuple[str, Any]]
) -> None:
    """Schema-invalid input (any type anywhere) gives findings or none, never an exception."""
    obj = copy.deepcopy(base)
    for key, value in replacements:
        obj[key] = value
    for version in ("1.31", "1.36"):
        check_object(obj, version)
