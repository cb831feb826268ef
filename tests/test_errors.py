"""The error model: problems sort by file, line and column, whatever is known of them."""

from __future__ import annotations

from ingressgen.errors import InputError, Location, Problem, format_field_path


def test_problems_with_and_without_lines_sort_together() -> None:
    error = InputError(
        problems=[
            Problem(Location("b.yaml", 3, 1), "third"),
            Problem(Location("a.yaml", 10, 2), "second"),
            Problem(Location("a.yaml"), "first"),
            Problem(Location("b.yaml", 3), "between"),
        ]
    )
    assert [p.message for p in error.problems] == ["first", "second", "between", "third"]
    assert str(error.problems[0]) == "a.yaml: first"
    assert error.lines()[1] == "a.yaml:10:2: second"


def test_one_field_path_format_for_every_message() -> None:
    """Profile errors, validation findings and reports all write paths this way."""
    from ingressgen.validation.findings import Finding

    assert format_field_path(("spec", "ports", 0, "targetPort")) == "spec.ports[0].targetPort"
    assert format_field_path(("x-kubernetes", "a_b")) == "x-kubernetes.a_b"
    labels = ("metadata", "labels", "app.kubernetes.io/name")
    assert format_field_path(labels) == 'metadata.labels["app.kubernetes.io/name"]'
    assert format_field_path(("data", "..a", "b")) == 'data["..a"].b'
    assert format_field_path(("a b", 'say "hi"')) == '["a b"]["say \\"hi\\""]'
    assert format_field_path((0,)) == "[0]"
    assert format_field_path(()) == ""
    problem = Problem(Location("p.yaml", 7, 5), "is set by ingressgen", labels)
    assert (
        str(problem)
        == 'p.yaml:7:5: metadata.labels["app.kubernetes.io/name"]: is set by ingressgen'
    )
    assert str(Finding(labels, "bad", "metadata-labels")).startswith(
        'metadata.labels["app.kubernetes.io/name"]: bad'
    )
