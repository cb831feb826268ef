"""The `-o` formats, in one table: each name with the writers of `validate`'s and `render`'s
reports in that format. The command line offers the table's names; the commands write with its
writers.

The command line reads the table before it knows which command runs, so this module imports
nothing heavy: each writer imports its report module when it writes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from typing import TypeAlias

    from ingressgen.errors import Problem
    from ingressgen.findings import Finding
    from ingressgen.validation.findings import ValidationRun

    # render's report: profile findings, profile errors, the validation run and the drift, as
    # lines for stdout.
    RenderWriter: TypeAlias = Callable[
        [
            Sequence[Finding],
            Sequence[Problem],
            ValidationRun | None,
            Sequence[tuple[str, str]],
        ],
        list[str],
    ]


class ReportFormat(NamedTuple):
    description: str  # for --help
    validate: Callable[[ValidationRun], list[str]]  # validate's report: stdout lines
    # render's report on stdout; None for a format meant for people, in which render reports
    # as it does by default: errors and findings on stderr, what it did to out/ on stdout.
    render: RenderWriter | None

    @property
    def for_people(self) -> bool:
        return self.render is None


def _validate_text(run: ValidationRun) -> list[str]:
    from ingressgen.validation import reports

    return [*reports.text_lines(run), reports.summary_line(run)]


def _validate_json(run: ValidationRun) -> list[str]:
    from ingressgen.validation import reports

    return [reports.json_report(run)]


def _validate_github(run: ValidationRun) -> list[str]:
    from ingressgen.validation import reports

    return [*reports.github_lines(run), reports.summary_line(run)]


def _render_json(
    findings: Sequence[Finding],
    errors: Sequence[Problem],
    run: ValidationRun | None,
    drift: Sequence[tuple[str, str]],
) -> list[str]:
    from ingressgen import render_report

    return [render_report.json_document(findings, errors, run, drift)]


def _render_github(
    findings: Sequence[Finding],
    errors: Sequence[Problem],
    run: ValidationRun | None,
    drift: Sequence[tuple[str, str]],
) -> list[str]:
    from ingressgen import render_report

    return render_report.github_lines(findings, errors, run, drift)


def _validate_junit(run: ValidationRun) -> list[str]:
    from ingressgen import junit

    return [junit.validate_document(run)]


def _render_junit(
    findings: Sequence[Finding],
    errors: Sequence[Problem],
    run: ValidationRun | None,
    drift: Sequence[tuple[str, str]],
) -> list[str]:
    from ingressgen import junit

    return [junit.render_document(findings, errors, run, drift)]


REPORT_FORMATS: dict[str, ReportFormat] = {
    "text": ReportFormat("for people", _validate_text, None),
    "json": ReportFormat("one JSON document", _validate_json, _render_json),
    "github": ReportFormat("GitHub Actions annotations", _validate_github, _render_github),
    "junit": ReportFormat("JUnit XML for GitLab, Jenkins, Azure", _validate_junit, _render_junit),
}
