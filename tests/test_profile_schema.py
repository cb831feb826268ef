"""The profile schema editors complete from: an example for every field, and no stale example."""

from __future__ import annotations

import jsonschema_rs

from ingressgen.profile_schema import EXAMPLES, TOP, profile_schema


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


def test_every_example_profile_starts_with_the_schema_modeline() -> None:
    from tests.conftest import REPO

    examples = sorted((REPO / "profiles").rglob("*.yaml"))
    assert examples
    for profile in examples:
        first = profile.read_text().splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema="), profile
        target = (profile.parent / first.split("=", 1)[1]).resolve()
        assert target == (REPO / "schema/profile.schema.json").resolve(), profile
