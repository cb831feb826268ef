"""The explain report in its three formats (text, markdown, json), and the comparison table.

Every writer returns the lines for stdout; none prints. The output depends only on the profiles:
profiles sorted by id, risks by level (most severe first), then position.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from ingressgen.explain import compare, diagram
from ingressgen.explain.model import ProfileReport, Risk
from ingressgen.findings import Level

REPORT_VERSION = 1
LEVELS = [level for level in sorted(Level, reverse=True) if level != Level.ERROR]


def _exposure(report: ProfileReport) -> str:
    return report.loaded.profile.spec.exposure if report.loaded else "-"


def summary(reports: Sequence[ProfileReport]) -> dict[str, int]:
    counts = {str(level): 0 for level in LEVELS}
    for report in reports:
        for risk in report.risks:
            counts[str(risk.level)] += 1
    return counts


def _summary_line(reports: Sequence[ProfileReport]) -> str:
    counts = summary(reports)
    total = sum(counts.values())
    parts = [f"{n} {level}" for level, n in counts.items() if n]
    return f"{total} risk(s) in {len(reports)} profile(s)" + (
        f": {', '.join(parts)}" if parts else ""
    )


def text(reports: Sequence[ProfileReport]) -> list[str]:
    lines: list[str] = []
    for report in reports:
        lines.append(f"{report.id} ({_exposure(report)})")
        for risk in report.risks:
            lines += [
                f"  {risk.level}: {risk.title} ({risk.rule})",
                f"    field:  {risk.field} at {risk.location}",
                f"    impact: {risk.impact}",
                f"    fix:    {risk.fix}",
            ]
        if not report.risks:
            lines.append("  no risks found")
        lines.append("")
    lines.append(_summary_line(reports))
    return lines


def _cell(value: str) -> str:
    return value.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _table(headings: Sequence[str], cells: Sequence[Sequence[str]]) -> list[str]:
    lines = [
        "| " + " | ".join(_cell(h) for h in headings) + " |",
        "|" + "|".join(" --- " for _ in headings) + "|",
    ]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in cells]
    return lines


def markdown(reports: Sequence[ProfileReport]) -> list[str]:
    lines = ["# ingressgen explain", "", _summary_line(reports), ""]
    for report in reports:
        lines += [f"## `{report.id}` ({_exposure(report)})", ""]
        if report.loaded is not None:
            lines += [*diagram.flowchart(report.loaded), ""]
        if not report.risks:
            lines += ["No risks found.", ""]
            continue
        cells = [
            [
                str(risk.level),
                f"**{risk.title}** (`{risk.rule}`)",
                f"`{risk.field}` at `{risk.location}`",
                risk.impact,
                risk.fix,
            ]
            for risk in report.risks
        ]
        lines += [*_table(["Level", "Risk", "Field", "Impact", "Fix"], cells), ""]
    return lines[:-1] if lines[-1] == "" else lines


def _risk_json(risk: Risk) -> dict[str, Any]:
    position: dict[str, Any] = {"file": risk.location.file}
    if risk.location.line is not None:
        position["line"] = risk.location.line
    if risk.location.column is not None:
        position["column"] = risk.location.column
    return {
        "rule": risk.rule,
        "level": str(risk.level),
        "title": risk.title,
        "impact": risk.impact,
        "fix": risk.fix,
        "field": risk.field,
        **position,
    }


def json_report(reports: Sequence[ProfileReport]) -> list[str]:
    document = {
        "version": REPORT_VERSION,
        "profiles": [
            {
                "profile": report.id,
                "exposure": _exposure(report),
                "risks": [_risk_json(risk) for risk in report.risks],
            }
            for report in reports
        ],
        "summary": summary(reports),
    }
    return [json.dumps(document, indent=2, ensure_ascii=False)]


def compare_text(reports: Sequence[ProfileReport]) -> list[str]:
    lines: list[str] = []
    for report in reports:
        if report.loaded is None:
            continue
        headings, cells = compare.table(report.loaded)
        lines.append(f"{report.id} ({_exposure(report)})")
        for row in cells:
            lines.append(f"  {row[0]}")
            for heading, cell in zip(headings[1:], row[1:], strict=True):
                lines.append(f"    {heading}: {cell}")
        lines.append("")
    return lines[:-1]


def compare_markdown(reports: Sequence[ProfileReport]) -> list[str]:
    lines = ["# Cloudflare Tunnel or MetalLB", ""]
    for report in reports:
        if report.loaded is None:
            continue
        headings, cells = compare.table(report.loaded)
        lines += [f"## `{report.id}` ({_exposure(report)})", "", *_table(headings, cells), ""]
    return lines[:-1]


def compare_json(reports: Sequence[ProfileReport]) -> list[str]:
    document = {
        "version": REPORT_VERSION,
        "comparison": [
            {
                "profile": report.id,
                "exposure": _exposure(report),
                "rows": [
                    dict(zip(("aspect", *compare.COLUMNS), row, strict=True))
                    for row in compare.table(report.loaded)[1]
                ],
            }
            for report in reports
            if report.loaded is not None
        ],
    }
    return [json.dumps(document, indent=2, ensure_ascii=False)]


Writer = Callable[[Sequence[ProfileReport]], list[str]]

# -o name -> (risk report writer, comparison writer)
FORMATS: dict[str, tuple[Writer, Writer]] = {
    "text": (text, compare_text),
    "markdown": (markdown, compare_markdown),
    "json": (json_report, compare_json),
}
