"""Three views of a `ValidationRun`: text for people, JSON for programs, GitHub annotations.

text:   FILE:LINE:COL: KIND/NAME: field.path: message (rule)
json:   {"files": [{"path", "objects": [...], "errors": [...]}], "summary": {...}} (README)
github: ::error file=FILE,line=LINE,col=COL,title=ingressgen (rule)::KIND/NAME: ...
"""

from __future__ import annotations

import json
from typing import Any

from ingressgen.errors import Location, Problem, bounded, format_field_path, shown_file_name
from ingressgen.validation.findings import (
    WARNING,
    FileResult,
    Finding,
    ObjectResult,
    ValidationRun,
    finding_text,
)


def text_lines(run: ValidationRun) -> list[str]:
    """One line per file problem and per finding, in file order."""
    lines: list[str] = []
    for file in run.files:
        if file.problems:
            lines.extend(str(problem) for problem in file.problems)
        for result in file.objects:
            for finding in result.findings:
                line = f"{result.location_of(finding)}: {finding_text(result, finding)}"
                lines.append(f"warning: {line}" if finding.severity == WARNING else line)
    return lines


def summary_line(run: ValidationRun) -> str:
    counts = run.counts()
    text = (
        f"{counts['files']} files, {counts['objects']} objects: {counts['valid']} valid, "
        f"{counts['invalid']} invalid"
    )
    if counts["skipped"]:
        text += f", {counts['skipped']} skipped"
    if counts["invalidFiles"]:
        text += f"; {counts['invalidFiles']} files could not be read"
    versions = run.versions()
    if versions:
        text += f" (Kubernetes {', '.join(versions)})"
    return text


def _position(location: Location) -> dict[str, int]:
    found: dict[str, int] = {}
    if location.line is not None:
        found["line"] = location.line
    if location.column is not None:
        found["column"] = location.column
    return found


def _finding_json(result: ObjectResult, finding: Finding) -> dict[str, Any]:
    entry = {
        "path": format_field_path(finding.path),
        "message": bounded(finding.message),
        "rule": finding.rule,
        **_position(result.location_of(finding)),
    }
    origin = result.origin
    if origin is not None:
        entry["source"] = str(origin)
    return entry


def _object_json(result: ObjectResult) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "apiVersion": result.api_version,
        "kind": result.kind,
        "name": result.name,
        "namespace": result.namespace,
        "kubernetesVersion": result.kubernetes_version,
        **_position(result.start),
        "valid": result.valid,
        "skipped": result.skipped,
        "errors": [_finding_json(result, f) for f in result.errors],
        "warnings": [_finding_json(result, f) for f in result.warnings],
    }
    if result.source is not None:
        entry["source"] = result.source
    return entry


def _problem_json(problem: Problem) -> dict[str, Any]:
    return {"message": bounded(problem.message), **_position(problem.location)}


def json_report(run: ValidationRun) -> str:
    """One JSON document, indented down to the objects, each of which takes one line: as easy
    to read and grep, and three times faster to write, since the json module indents with
    Python code but writes compact JSON in C."""
    files = ",\n".join(_file_json(file) for file in run.files)
    return f'{{\n  "files": [{_block(files, 2)}],\n  "summary": {_compact(run.counts())}\n}}'


def _file_json(file: FileResult) -> str:
    objects = ",\n".join(f"        {_compact(_object_json(result))}" for result in file.objects)
    errors = ",\n".join(f"        {_compact(_problem_json(problem))}" for problem in file.problems)
    return (
        f'    {{\n      "path": {_compact(file.path)},\n'
        f'      "objects": [{_block(objects, 6)}],\n'
        f'      "errors": [{_block(errors, 6)}]\n    }}'
    )


def _block(lines: str, indent: int) -> str:
    """The inside of a JSON list: nothing when empty, else its lines and the closing indent."""
    return f"\n{lines}\n{' ' * indent}" if lines else ""


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def annotation(level: str, location: Location, title: str, message: str) -> str:
    # Escaped: a file name with a terminal escape sequence in it must not reach the terminal.
    properties = [f"file={_escape_property(shown_file_name(location.file))}"]
    if location.line is not None:
        properties.append(f"line={location.line}")
    if location.column is not None:
        properties.append(f"col={location.column}")
    properties.append(f"title={_escape_property(title)}")
    return f"::{level} {','.join(properties)}::{_escape_data(bounded(message))}"


def github_lines(run: ValidationRun) -> list[str]:
    """GitHub Actions workflow commands; under render they point at the profile to edit."""
    lines: list[str] = []
    for file in run.files:
        for problem in file.problems:
            lines.append(annotation("error", problem.location, "ingressgen", problem.message))
        for result in file.objects:
            for finding in result.findings:
                message = finding_text(result, finding)
                where = result.location_of(finding)
                origin = result.origin
                if origin is not None:  # the generated file may not exist: point at the profile
                    message, where = f"{where}: {message}", origin
                level = "warning" if finding.severity == WARNING else "error"
                title = f"ingressgen ({finding.rule})"
                lines.append(annotation(level, where, title, message))
    return lines
