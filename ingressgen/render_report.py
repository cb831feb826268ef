"""`render`'s machine-readable reports: profile findings, validation and drift in one place.

`-o json` is one document on stdout:
  {"version": 1, "findings": [...], "drift": [...], "files": [...], "summary": {...}}
where "files" and "summary" are exactly `validate -o json`'s, "findings" the profile findings
(errors included, level "error") and "drift" what `--check` found. `-o github` prints one
workflow command per finding, per validation finding and per drifted file.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from ingressgen.errors import Location, Problem, bounded
from ingressgen.findings import Finding, Level
from ingressgen.validation import reports
from ingressgen.validation.findings import ValidationRun

REPORT_VERSION = 1


def json_document(
    findings: Sequence[Finding],
    errors: Sequence[Problem],
    run: ValidationRun | None,
    drift: Sequence[tuple[str, str]],
) -> str:
    """`drift`: (path as shown, state) pairs, state one of changed, missing, extra, unfinished."""
    entries = [_error_json(problem) for problem in errors]
    entries.extend(_finding_json(finding) for finding in findings)
    head = (
        f'{{\n  "version": {REPORT_VERSION},\n'
        f'  "findings": [{_lines(entries)}],\n'
        f'  "drift": [{_lines([{"path": p, "state": s} for p, s in drift])}],\n'
    )
    validation = reports.json_report(run if run is not None else ValidationRun([]))
    # validate's document, whose first line is "{": its keys follow ours in one object.
    return head + validation[2:]


def github_lines(
    findings: Sequence[Finding],
    errors: Sequence[Problem],
    run: ValidationRun | None,
    drift: Sequence[tuple[str, str]],
) -> list[str]:
    lines = [
        reports.annotation(
            "error", problem.location, f"ingressgen ({problem.rule})", _text(problem)
        )
        for problem in errors
    ]
    for finding in findings:
        location = finding.location or Location(finding.profiles[0] if finding.profiles else ".")
        title = f"ingressgen {finding.level} ({finding.rule})"
        lines.append(reports.annotation(_command(finding.level), location, title, finding.message))
    if run is not None:
        lines.extend(reports.github_lines(run))
    for path, state in drift:
        message = f"{state}: {path} differs from what the profiles render: run 'ingressgen render'"
        lines.append(reports.annotation("error", Location(path), "ingressgen (drift)", message))
    return lines


def _command(level: Level) -> str:
    if level >= Level.HIGH:
        return "error"
    return "warning" if level >= Level.LOW else "notice"


def _text(problem: Problem) -> str:
    return str(problem)[len(str(problem.location)) + 2 :]


def _finding_json(finding: Finding) -> dict[str, Any]:
    return {
        "rule": finding.rule,
        "level": str(finding.level),
        "message": bounded(finding.message),
        **_position(finding.location),
        "profiles": list(finding.profiles),
    }


def _error_json(problem: Problem) -> dict[str, Any]:
    return {
        "rule": problem.rule,
        "level": str(Level.ERROR),
        "message": _text(problem),
        **_position(problem.location),
        "profiles": [problem.location.file],
    }


def _position(location: Location | None) -> dict[str, Any]:
    if location is None:
        return {}
    position: dict[str, Any] = {"file": location.file}
    if location.line is not None:
        position["line"] = location.line
    if location.column is not None:
        position["column"] = location.column
    return position


def _lines(values: Sequence[dict[str, Any]]) -> str:
    if not values:
        return ""
    body = ",\n".join(f"    {json.dumps(v, ensure_ascii=False)}" for v in values)
    return f"\n{body}\n  "
