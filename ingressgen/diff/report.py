"""The diff in its three formats. Every writer returns the lines for stdout; none prints.

markdown is made to be posted as a pull-request comment: the summary table first, then what
the change does to traffic and the findings, then each file's diff folded in `<details>`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from typing import Any

from ingressgen.diff.comparison import ObjectChange
from ingressgen.diff.run import DiffResult
from ingressgen.diff.sides import SideFinding

REPORT_VERSION = 1
_SIGN = {"added": "+", "removed": "-", "changed": "~"}


def _count(result: DiffResult, change: str) -> int:
    return sum(1 for c in result.objects if c.change == change)


def summary_line(result: DiffResult) -> str:
    if not result.differs:
        return f"{result.old} -> {result.new}: no difference"
    parts = [
        f"{_count(result, 'added')} added",
        f"{_count(result, 'removed')} removed",
        f"{_count(result, 'changed')} changed",
    ]
    findings = result.findings
    return (
        f"{result.old} -> {result.new}: objects {', '.join(parts)}; findings "
        f"{len(findings.appeared)} appear, {len(findings.disappeared)} disappear"
    )


def _fields(change: ObjectChange) -> list[str]:
    return [f.path for f in change.fields]


def _owner(finding: SideFinding) -> str | None:
    """The profile a finding belongs to when its location does not say it: a finding located
    in a base is listed once for each overlay built on it."""
    if finding.source != "profile" or finding.owner in finding.location:
        return None
    return finding.owner


def _finding_line(sign: str, finding: SideFinding) -> str:
    owner = _owner(finding)
    tail = f" [for {owner}]" if owner else ""
    return f"{sign} {finding.location}: {finding.level}: {finding.message} ({finding.rule}){tail}"


def text(result: DiffResult) -> list[str]:
    lines = [summary_line(result)]
    if result.objects:
        lines += ["", "objects:"]
        for change in result.objects:
            lines.append(f"  {_SIGN[change.change]} {change.current.label}  ({change.path})")
            lines += [f"      {path}" for path in _fields(change)]
    if result.impacts:
        lines += ["", "traffic:"]
        lines += [f"  {impact.kind}: {impact.message}" for impact in result.impacts]
    if result.findings.appeared or result.findings.disappeared:
        lines += ["", "findings:"]
        lines += [_finding_line("  +", f) for f in result.findings.appeared]
        lines += [_finding_line("  -", f) for f in result.findings.disappeared]
    for change in result.objects:
        lines += ["", *change.diff]
    return lines


def _cell(value: str) -> str:
    return value.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _code(value: str) -> str:
    """Inline code that survives backticks in the value."""
    longest = max((len(run) for run in re.findall(r"`+", value)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if value.startswith("`") or value.endswith("`") else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def _table(headings: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(headings) + " |", "|" + "|".join(" --- " for _ in headings) + "|"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines


def markdown(result: DiffResult) -> list[str]:
    lines = ["# ingressgen diff", "", f"{_code(result.old)} -> {_code(result.new)}", ""]
    if not result.differs:
        return [*lines, "No difference: the rendered objects and the findings are the same."]
    rows = [
        ["objects added", str(_count(result, "added"))],
        ["objects removed", str(_count(result, "removed"))],
        ["objects changed", str(_count(result, "changed"))],
        ["findings that appear", str(len(result.findings.appeared))],
        ["findings that disappear", str(len(result.findings.disappeared))],
    ]
    lines += [*_table(["Summary", "Count"], rows), ""]
    if result.objects:
        object_rows = [
            [
                _code(change.current.label),
                change.change,
                _field_list(_fields(change)),
            ]
            for change in result.objects
        ]
        lines += [*_table(["Object", "Change", "Fields changed"], object_rows), ""]
    if result.impacts:
        lines += ["## Traffic impact", ""]
        lines += [f"- **{impact.kind}**: {impact.message}" for impact in result.impacts]
        lines.append("")
    findings = result.findings
    if findings.appeared or findings.disappeared:
        finding_rows = [
            [
                state,
                finding.level,
                _code(finding.rule),
                _code(finding.location)
                + (f" for {_code(owner)}" if (owner := _owner(finding)) else ""),
                finding.message,
            ]
            for state, group in (
                ("appears", findings.appeared),
                ("disappears", findings.disappeared),
            )
            for finding in group
        ]
        lines += ["## Findings", ""]
        lines += [*_table(["Change", "Level", "Rule", "Where", "Finding"], finding_rows), ""]
    if result.objects:
        lines += ["## Files", ""]
        for change in result.objects:
            body = "\n".join(change.diff)
            longest = max((len(run) for run in re.findall(r"`{3,}", body)), default=0)
            fence = "`" * max(3, longest + 1)
            lines += [
                f"<details><summary><code>{_html(change.path)}</code> ({change.change})</summary>",
                "",
                f"{fence}diff",
                *change.diff,
                fence,
                "",
                "</details>",
                "",
            ]
    return lines[:-1] if lines[-1] == "" else lines


# A comment stays readable: past this many fields a row says how many more (the diff has them).
MARKDOWN_FIELDS = 8


def _field_list(paths: Sequence[str]) -> str:
    shown = ", ".join(_code(p) for p in paths[:MARKDOWN_FIELDS]) or "-"
    more = len(paths) - MARKDOWN_FIELDS
    return f"{shown} and {more} more" if more > 0 else shown


def _html(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _finding_json(finding: SideFinding) -> dict[str, Any]:
    return {
        "source": finding.source,
        "rule": finding.rule,
        "level": finding.level,
        "subject": finding.subject,
        "profile": finding.owner or None,
        "field": finding.field,
        "location": finding.location,
        "message": finding.message,
    }


def json_report(result: DiffResult) -> list[str]:
    objects = []
    for change in result.objects:
        group, kind, namespace, name = change.current.identity
        objects.append(
            {
                "change": change.change,
                "group": group,
                "kind": kind,
                "namespace": namespace,
                "name": name,
                "oldPath": change.old.path if change.old else None,
                "newPath": change.new.path if change.new else None,
                "fields": [{"path": f.path, "change": f.change} for f in change.fields],
                "diff": "\n".join(change.diff) + "\n",
            }
        )
    document = {
        "version": REPORT_VERSION,
        "old": result.old,
        "new": result.new,
        "differs": result.differs,
        "summary": {
            "added": _count(result, "added"),
            "removed": _count(result, "removed"),
            "changed": _count(result, "changed"),
            "findingsAppeared": len(result.findings.appeared),
            "findingsDisappeared": len(result.findings.disappeared),
        },
        "objects": objects,
        "impact": [
            {"kind": i.kind, "subject": i.subject, "message": i.message} for i in result.impacts
        ],
        "findings": {
            "appeared": [_finding_json(f) for f in result.findings.appeared],
            "disappeared": [_finding_json(f) for f in result.findings.disappeared],
        },
    }
    return [json.dumps(document, indent=2, ensure_ascii=False)]


FORMATS: dict[str, Callable[[DiffResult], list[str]]] = {
    "text": text,
    "markdown": markdown,
    "json": json_report,
}
