"""`-o junit`: JUnit XML, the report GitLab, Jenkins and Azure Pipelines show per test.

The shape is the common subset those tools read:

    <testsuites name tests failures errors skipped>
      <testsuite name tests failures errors skipped>     one per file
        <testcase classname name file line>               one per object (validate, render)
          <failure type message>body</failure>            its findings, one line each
          <error type message>body</error>                a file that could not be read
          <skipped message/>                              --skip-kind
          <system-out>warnings</system-out>               findings that do not fail

`validate` writes one testsuite per manifest file. `render` writes the same for the files it
would write (validation), plus one testsuite per profile file for its profile findings (a
failure at level high and above, the levels `-o github` makes errors) and one for `--check`
drift. No `time` attributes: the report is deterministic, same input, same bytes.

XML 1.0 cannot hold most control characters, even escaped; messages quote user values, so
those characters are written as `\\uXXXX` text rather than making the report unreadable.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from ingressgen.errors import Location, Problem, format_field_path
from ingressgen.findings import Finding, Level
from ingressgen.validation.findings import WARNING, ObjectResult, ValidationRun, finding_text

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_FAILING_LEVEL = Level.HIGH  # as -o github: an "error" annotation from here up


def _clean(text: str) -> str:
    return _NOT_XML.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


class _Suite:
    """One testsuite being filled, with the counts its attributes need."""

    def __init__(self, name: str) -> None:
        self.element = ET.Element("testsuite", {"name": _clean(name)})
        self.counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}

    def case(self, classname: str, name: str, location: Location | None) -> ET.Element:
        attributes = {"classname": _clean(classname), "name": _clean(name)}
        if location is not None:
            attributes["file"] = _clean(location.file)
            if location.line is not None:
                attributes["line"] = str(location.line)
        self.counts["tests"] += 1
        return ET.SubElement(self.element, "testcase", attributes)

    def outcome(self, case: ET.Element, tag: str, message: str, kind: str, body: str) -> None:
        """A failure, an error or a skip of `case`."""
        attributes = {"message": _clean(message)}
        if kind:
            attributes["type"] = _clean(kind)
        child = ET.SubElement(case, tag, attributes)
        if body:
            child.text = _clean(body)
        self.counts[{"failure": "failures", "error": "errors", "skipped": "skipped"}[tag]] += 1

    def output(self, case: ET.Element, lines: Sequence[str]) -> None:
        if lines:
            ET.SubElement(case, "system-out").text = _clean("\n".join(lines))


def _document(suites: Sequence[_Suite], name: str) -> str:
    root = ET.Element("testsuites", {"name": name})
    totals = dict.fromkeys(("tests", "failures", "errors", "skipped"), 0)
    for suite in suites:
        for key, value in suite.counts.items():
            suite.element.set(key, str(value))
            totals[key] += value
        root.append(suite.element)
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")


def _finding_line(result: ObjectResult, finding_index: int) -> str:
    finding = result.findings[finding_index]
    where = result.location_of(finding)
    position = f"{where.line}:{where.column}" if where.line is not None else "?"
    return f"{where.file}:{position}: {finding_text(result, finding)}"


def _object_case(suite: _Suite, path: str, result: ObjectResult) -> None:
    case = suite.case(path, result.label, result.start)
    if result.skipped:
        suite.outcome(case, "skipped", "skipped: --skip-kind names its kind", "", "")
        return
    errors = [i for i, f in enumerate(result.findings) if f.severity != WARNING]
    warnings = [i for i, f in enumerate(result.findings) if f.severity == WARNING]
    if errors:
        first = result.findings[errors[0]]
        field = format_field_path(first.path)
        summary = f"{field}: {first.message}" if field else first.message
        if len(errors) > 1:
            summary += f" (and {len(errors) - 1} more)"
        body = "\n".join(_finding_line(result, i) for i in errors)
        suite.outcome(case, "failure", summary, first.rule, body)
    suite.output(case, [f"warning: {_finding_line(result, i)}" for i in warnings])


def _validation_suites(run: ValidationRun) -> list[_Suite]:
    suites = []
    for file in run.files:
        suite = _Suite(file.path)
        if file.problems:
            first = file.problems[0]
            case = suite.case(file.path, "(the file)", first.location)
            body = "\n".join(str(problem) for problem in file.problems)
            suite.outcome(case, "error", first.message, "unreadable", body)
        for result in file.objects:
            _object_case(suite, file.path, result)
        suites.append(suite)
    return suites


def validate_document(run: ValidationRun) -> str:
    return _document(_validation_suites(run), "ingressgen validate")


def render_document(
    findings: Sequence[Finding],
    errors: Sequence[Problem],
    run: ValidationRun | None,
    drift: Sequence[tuple[str, str]],
) -> str:
    suites: dict[str, _Suite] = {}

    def suite_of(file: str) -> _Suite:
        if file not in suites:
            suites[file] = _Suite(f"profile {file}")
        return suites[file]

    for problem in errors:
        suite = suite_of(problem.location.file)
        text = str(problem)
        case = suite.case(problem.location.file, problem.rule, problem.location)
        suite.outcome(case, "failure", text[len(str(problem.location)) + 2 :], problem.rule, text)
    for finding in findings:
        location = finding.location or Location(finding.profiles[0] if finding.profiles else ".")
        suite = suite_of(location.file)
        case = suite.case(location.file, finding.rule, location)
        if finding.level >= _FAILING_LEVEL:
            suite.outcome(case, "failure", finding.message, finding.rule, str(finding))
        else:
            suite.output(case, [str(finding)])
    ordered = list(suites.values())
    if run is not None:
        ordered.extend(_validation_suites(run))
    if drift:
        suite = _Suite("drift (render --check)")
        for path, state in drift:
            case = suite.case("drift", path, Location(path))
            message = f"{state}: {path} differs from what the profiles render"
            suite.outcome(case, "failure", message, "drift", f"{message}: run 'ingressgen render'")
        ordered.append(suite)
    return _document(ordered, "ingressgen render")
