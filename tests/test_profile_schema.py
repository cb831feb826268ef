"""The profile schema editors complete from: a description and an example for every field, no
stale example, and the committed copy in step with the models."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jsonschema
import jsonschema_rs
import pytest
import yaml

from ingressgen.profile_schema import EXAMPLES, TOP, profile_schema
from tests.conftest import REPO, Result

# Keywords whose values are data (an example, a default), never schemas with properties.
_DATA_KEYWORDS = frozenset({"examples", "default", "const", "enum"})
# `if` only tests a document (overlay or full profile?); editors document from then and else.
_CONDITIONS = frozenset({"if"})


def _properties() -> dict[str, dict[str, object]]:
    schema = profile_schema()
    # A full profile's root (overlays and bases get a partial copy of every definition).
    found = {f"{TOP}.{name}": d for name, d in schema["else"]["properties"].items()}
    for owner, definition in schema["$defs"].items():
        if not owner.endswith("Partial"):
            found.update({f"{owner}.{n}": d for n, d in definition.get("properties", {}).items()})
    return found


def test_every_property_has_an_example_and_every_example_a_property() -> None:
    properties = _properties()
    assert sorted(set(properties) - set(EXAMPLES)) == [], "properties without an example"
    assert sorted(set(EXAMPLES) - set(properties)) == [], "examples of no property"
    assert all(properties[key]["examples"] == EXAMPLES[key] for key in properties)


def test_every_example_is_valid_for_its_property() -> None:
    schema = profile_schema()
    for key, definition in _properties().items():
        # The property's own schema, with the definitions its $refs point into.
        validator = jsonschema_rs.validator_for({**definition, "$defs": schema["$defs"]})
        for example in EXAMPLES[key]:
            errors = [e.message for e in validator.iter_errors(example)]
            assert errors == [], (key, example, errors)


def _every_property(node: Any, where: str = "#") -> Iterator[tuple[str, Any]]:
    """(JSON pointer, schema) of every property declared anywhere below `node`: the root's, the
    overlay branch's, every definition's, and any nested in anyOf, items or another property."""
    if isinstance(node, list):
        for index, item in enumerate(node):
            yield from _every_property(item, f"{where}/{index}")
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if key in _DATA_KEYWORDS | _CONDITIONS:
            continue
        if key == "properties" and isinstance(value, dict):
            for name, sub in value.items():
                yield f"{where}/properties/{name}", sub
                yield from _every_property(sub, f"{where}/properties/{name}")
        else:
            yield from _every_property(value, f"{where}/{key}")


def _undocumented(schema: dict[str, Any]) -> list[str]:
    """Properties an editor would show bare: no description, or no example, where they are."""
    return [
        where
        for where, definition in _every_property(schema)
        if not (isinstance(definition, dict) and str(definition.get("description", "")).strip())
        or not (isinstance(definition, dict) and definition.get("examples"))
    ]


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, list):
        for item in node:
            yield from _refs(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            elif key not in _DATA_KEYWORDS:
                yield from _refs(value)


def test_every_property_at_every_depth_has_a_description_and_an_example() -> None:
    schema = profile_schema()
    # Every $ref points at a definition, so walking the definitions reaches every property a
    # $ref leads to (full profiles and the Partial copies overlays use).
    assert {ref.removeprefix("#/$defs/") for ref in _refs(schema)} <= set(schema["$defs"])
    found = dict(_every_property(schema))
    for deep in (
        "#/else/properties/spec",
        "#/then/properties/extends",
        "#/$defs/Spec/properties/metallb",
        "#/$defs/OriginRequest/properties/access",
        "#/$defs/AccessSettings/properties/teamName",
        "#/$defs/IPRulePartial/properties/prefix",
    ):
        assert deep in found, deep
    assert _undocumented(schema) == []
    # Editors head the hover with a title: pydantic's ("Matchsnitohost") would hide the key.
    assert [where for where, d in found.items() if "title" in d] == []


def test_the_check_finds_a_bare_property_however_deep() -> None:
    bare = {
        "properties": {"a": {"description": "documented", "examples": [1]}},
        "$defs": {
            "Inner": {"properties": {"b": {"anyOf": [{"description": "in a branch only"}]}}},
            "Other": {"properties": {"c": {"description": " ", "examples": ["x"]}}},
            "Data": {"properties": {"d": {"description": "d", "examples": []}}},
        },
    }
    assert _undocumented(bare) == [
        "#/$defs/Inner/properties/b",
        "#/$defs/Other/properties/c",
        "#/$defs/Data/properties/d",
    ]


def test_the_committed_schema_is_the_generated_one() -> None:
    committed = (REPO / "schema/profile.schema.json").read_text()
    generated = json.dumps(profile_schema(), indent=2, ensure_ascii=False) + "\n"
    assert committed == generated, "run `ingressgen schema > schema/profile.schema.json`"


def test_every_example_profile_starts_with_the_schema_modeline() -> None:
    examples = sorted((REPO / "profiles").rglob("*.yaml"))
    assert examples
    for profile in examples:
        first = profile.read_text().splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema="), profile
        target = (profile.parent / first.split("=", 1)[1]).resolve()
        assert target == (REPO / "schema/profile.schema.json").resolve(), profile


# Keywords of JSON Schema draft 7 and older, which yaml-language-server (VS Code's YAML extension)
# validates and completes with; `$defs` is only a place its $refs point into, which it resolves
# as a JSON pointer like any other.
_DRAFT_7_KEYWORDS = frozenset(
    {
        "$schema", "$ref", "$defs", "title", "description", "examples", "default", "type",
        "enum", "const", "properties", "additionalProperties", "required", "items",
        "minItems", "maxItems", "minLength", "maxLength", "minimum", "maximum", "pattern",
        "anyOf", "oneOf", "allOf", "not", "if", "then", "else",
    }
)  # fmt: skip


def _keywords(node: Any) -> Iterator[str]:
    if isinstance(node, list):
        for item in node:
            yield from _keywords(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            yield key
            if key in ("properties", "$defs"):
                yield from _keywords(list(value.values()))
            elif key not in _DATA_KEYWORDS:
                yield from _keywords(value)


def test_the_schema_uses_only_keywords_editors_understand() -> None:
    """The README says editors complete and check profiles with it: VS Code's YAML extension
    implements draft 7, so a newer keyword (prefixItems, unevaluatedProperties...) would be
    ignored there, silently."""
    assert set(_keywords(profile_schema())) - _DRAFT_7_KEYWORDS == set()


Run = Callable[..., Result]

_KUBECTL_SERVICE = """\
apiVersion: v1
kind: Service
metadata: {name: chat, namespace: apps}
spec:
  ports: [{name: ws, port: 8080, protocol: TCP, targetPort: websocket}]
  selector: {app: chat}
"""


@pytest.mark.parametrize(
    "args",
    [
        ("--from-service", "svc.yaml", "--exposure", "metallb", "--address-pool", "public"),
        ("--from-service", "svc.yaml", "--exposure", "cloudflare-tunnel", "--hostname",
         "chat.example.com", "--tunnel", "edge", "--credentials-secret", "creds"),
        ("chat", "--namespace", "apps", "--port", "8080", "--exposure", "metallb",
         "--selector", "app=chat", "--address-pool", "public", "--protocol", "websocket"),
    ],
)  # fmt: skip
def test_what_init_writes_is_valid_for_the_committed_schema(
    args: tuple[str, ...], workdir: Path, run: Run
) -> None:
    (workdir / "svc.yaml").write_text(_KUBECTL_SERVICE)
    made = run("init", *args)
    assert made.code == 0, made.err
    schema = json.loads((REPO / "schema/profile.schema.json").read_text())
    errors = [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(
        yaml.safe_load(made.out)
    )]  # fmt: skip
    assert errors == [], made.out


def test_an_unfinished_init_profile_is_flagged_by_the_schema_only_where_marked(
    workdir: Path, run: Run
) -> None:
    """An editor flags an unfinished profile only at a line marked REQUIRED, never at what init
    wrote (selector and addressPool are required by the exposure, a rule the schema leaves to
    ingressgen's own checks)."""
    made = run("init", "chat", "--port", "8080", "--exposure", "metallb")
    marked = set(re.findall(r"# (\w+): +# REQUIRED", made.out))
    assert marked == {"namespace", "selector", "addressPool"}
    schema = json.loads((REPO / "schema/profile.schema.json").read_text())
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(yaml.safe_load(made.out)))
    assert [e.message for e in errors] == ["'namespace' is a required property"]
