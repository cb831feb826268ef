"""The error model: problems sort by file, line and column, whatever is known of them."""

from __future__ import annotations

from ingressgen.errors import InputError, Location, Problem


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
