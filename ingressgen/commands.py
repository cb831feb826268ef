"""One function per subcommand: each does the work and returns a report; none prints.

Imports of the heavy parts (pydantic, Jinja, the profile models) happen inside the commands
that need them, so `validate` starts without paying for `render`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ingressgen.errors import EXIT_CHECK_FAILED, EXIT_OK
from ingressgen.kube_versions import DEFAULT_KUBERNETES_VERSION

if TYPE_CHECKING:
    from ingressgen.validation.findings import ValidationRun
    from ingressgen.validation.settings import ValidationSettings


@dataclass
class CommandReport:
    exit_code: int = EXIT_OK
    lines: list[str] = field(default_factory=list)  # for stdout
    notes: list[str] = field(default_factory=list)  # for stderr


def render(
    paths: Sequence[Path],
    out: str,
    *,
    exposure: str | None = None,
    kubernetes_version: str | None = None,
    validator: str = "auto",
    check: bool = False,
    output: str = "text",
    crd_files: Sequence[Path] = (),
    skip_kinds: Sequence[str] = (),
    adopt: bool = False,
) -> CommandReport:
    from ingressgen.loading import LoadOptions
    from ingressgen.output import apply_output, check_output, plan_output
    from ingressgen.output.guards import checked_out_folder
    from ingressgen.output.journal import JOURNAL_NAME
    from ingressgen.pipeline import render_profiles
    from ingressgen.validation.findings import ValidationFailed

    out_dir = checked_out_folder(out, paths)
    options = LoadOptions(
        base_dir=Path(os.path.abspath(out_dir)).parent,
        out_dir=out_dir,
        exposure=exposure,
        kubernetes_version=kubernetes_version,
    )
    try:
        result = render_profiles(
            paths, out_dir, options, _settings(validator, crd_files, skip_kinds)
        )
    except ValidationFailed as failed:
        if output == "text":
            raise  # printed like every other error: on stderr, nothing written
        return _report(failed.run, output)
    report = CommandReport(notes=[str(n) for n in result.notes])
    human = report.lines
    if result.validation is not None:
        if output == "text":
            report.notes.extend(_warning_lines(result.validation))
        else:
            # stdout carries the machine-readable report alone; the usual lines go to stderr.
            report.lines = _report(result.validation, output).lines
            human = report.notes
    plan = plan_output(out_dir, result.files, result.scope)
    shown = out_dir.as_posix().rstrip("/")
    objects = len(result.objects)
    if check:
        drift = check_output(plan)
        report.notes.extend(plan.notes)
        if drift.clean:
            human.append(f"{shown}/ is up to date ({objects} objects)")
            return report
        report.exit_code = EXIT_CHECK_FAILED
        if drift.unfinished:
            human.append(
                f"unfinished: {shown}/{JOURNAL_NAME} (a render was interrupted while writing: "
                "run 'ingressgen render' to finish it)"
            )
        human.extend(f"changed: {shown}/{p}" for p in drift.changed)
        human.extend(f"missing: {shown}/{p}" for p in drift.missing)
        human.extend(f"extra: {shown}/{p}" for p in drift.extra)
        human.append(f"{shown}/ differs from the profiles: run 'ingressgen render' again")
        return report
    applied = apply_output(plan, adopt=adopt)
    report.notes.extend(applied.notes)
    if applied.changed:
        human.append(f"rendered {objects} objects into {shown}/")
    else:
        human.append(f"{shown}/ already up to date ({objects} objects)")
    return report


def validate(
    paths: Sequence[Path],
    *,
    kubernetes_version: str | None = None,
    validator: str = "auto",
    output: str = "text",
    crd_files: Sequence[Path] = (),
    skip_kinds: Sequence[str] = (),
) -> CommandReport:
    from ingressgen.validation.manifests import validate_manifests

    version = kubernetes_version or DEFAULT_KUBERNETES_VERSION
    settings = _settings(validator, crd_files, skip_kinds)
    return _report(validate_manifests(paths, version, settings), output)


def _settings(
    validator: str, crd_files: Sequence[Path], skip_kinds: Sequence[str]
) -> ValidationSettings:
    from ingressgen.validation.settings import ValidationSettings

    return ValidationSettings(validator, tuple(crd_files), frozenset(skip_kinds))


def _report(run: ValidationRun, output: str) -> CommandReport:
    """The run in the chosen format on stdout; exit 1 when anything failed."""
    from ingressgen.validation import reports

    report = CommandReport(exit_code=EXIT_CHECK_FAILED if run.failed else EXIT_OK)
    if output == "json":
        report.lines.append(reports.json_report(run))
    elif output == "github":
        report.lines.extend(reports.github_lines(run))
        report.lines.append(reports.summary_line(run))
    else:
        report.lines.extend(reports.text_lines(run))
        report.lines.append(reports.summary_line(run))
    return report


def _warning_lines(run: ValidationRun) -> list[str]:
    from ingressgen.validation import reports

    return [line for line in reports.text_lines(run) if line.startswith("warning: ")]


def profile_schema() -> dict[str, Any]:
    from ingressgen.profile import Profile

    return Profile.model_json_schema(by_alias=True)
