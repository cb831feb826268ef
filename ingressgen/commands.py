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
    from ingressgen.errors import Problem
    from ingressgen.findings import Finding
    from ingressgen.init_profile import Request as InitRequest
    from ingressgen.pipeline import RenderResult
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
    quiet: bool = False,
    ignore: Sequence[str] = (),
    fail_on: str | None = None,
    verbose: bool = False,
) -> CommandReport:
    from ingressgen.errors import InputError
    from ingressgen.findings import Level, shown
    from ingressgen.loading import LoadOptions
    from ingressgen.output.guards import checked_out_folder
    from ingressgen.pipeline import render_profiles
    from ingressgen.validation.findings import ValidationFailed

    _check_rule_ids(ignore)
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
        return _render_report(output, EXIT_CHECK_FAILED, run=failed.run)
    except InputError as error:
        if output == "text":
            raise
        return _render_report(output, error.exit_code, errors=error.problems)
    findings = shown(
        result.findings,
        ignore=frozenset(ignore),
        ignored_by_profile=result.ignored_rules,
        quiet=quiet,
    )
    try:
        outcome = _write_or_check(result, out_dir, check=check, adopt=adopt)
    except InputError as error:  # out/ holds something a render must not touch
        if output == "text":
            raise
        return _render_report(output, error.exit_code, errors=error.problems, findings=findings)
    if verbose:
        skipped = [
            f"skipped {path}: not a profile (no apiVersion ingressgen.dev/...)"
            for path in result.ignored_files
        ]
        outcome.notes[:0] = skipped
    exit_code = outcome.exit_code
    threshold = Level.named(fail_on) if fail_on else None
    if threshold is not None and any(f.level >= threshold for f in findings):
        exit_code = EXIT_CHECK_FAILED  # the output is written as usual; the gate is the code
    return _render_report(
        output,
        exit_code,
        findings=findings,
        run=result.validation,
        drift=outcome.drift,
        human=outcome.lines,
        notes=outcome.notes,
    )


@dataclass
class _Outcome:
    exit_code: int = EXIT_OK
    lines: list[str] = field(default_factory=list)  # what happened to out/, for people
    notes: list[str] = field(default_factory=list)  # repairs the output layer made or found
    drift: list[tuple[str, str]] = field(default_factory=list)  # (path as shown, state)


def _write_or_check(result: RenderResult, out_dir: Path, *, check: bool, adopt: bool) -> _Outcome:
    from ingressgen.output import apply_output, check_output, plan_output
    from ingressgen.output.journal import JOURNAL_NAME

    plan = plan_output(out_dir, result.files, result.scope)
    shown = out_dir.as_posix().rstrip("/")
    objects = len(result.objects)
    outcome = _Outcome()
    if not check:
        applied = apply_output(plan, adopt=adopt)
        outcome.notes.extend(applied.notes)
        if applied.changed:
            outcome.lines.append(f"rendered {objects} objects into {shown}/")
        else:
            outcome.lines.append(f"{shown}/ already up to date ({objects} objects)")
        return outcome
    drift = check_output(plan)
    outcome.notes.extend(plan.notes)
    if drift.clean:
        outcome.lines.append(f"{shown}/ is up to date ({objects} objects)")
        return outcome
    outcome.exit_code = EXIT_CHECK_FAILED
    if drift.unfinished:
        outcome.drift.append((f"{shown}/{JOURNAL_NAME}", "unfinished"))
    for state, paths in (("changed", drift.changed), ("missing", drift.missing)):
        outcome.drift.extend((f"{shown}/{p}", state) for p in paths)
    outcome.drift.extend((f"{shown}/{p}", "extra") for p in drift.extra)
    for path, state in outcome.drift:
        hint = " (a render was interrupted while writing: run 'ingressgen render' to finish it)"
        outcome.lines.append(f"{state}: {path}{hint if state == 'unfinished' else ''}")
    outcome.lines.append(f"{shown}/ differs from the profiles: run 'ingressgen render' again")
    return outcome


def _render_report(
    output: str,
    exit_code: int,
    *,
    findings: Sequence[Finding] = (),
    errors: Sequence[Problem] = (),
    run: ValidationRun | None = None,
    drift: Sequence[tuple[str, str]] = (),
    human: Sequence[str] = (),
    notes: Sequence[str] = (),
) -> CommandReport:
    """The run in the chosen format: machine formats own stdout; people's lines go to stderr."""
    from ingressgen import render_report

    report = CommandReport(exit_code=exit_code)
    if output == "text":
        report.notes.extend(str(finding) for finding in findings)
        if run is not None:
            report.notes.extend(_warning_lines(run))
        report.notes.extend(f"note: {note}" for note in notes)
        report.lines.extend(human)
        return report
    if output == "json":
        report.lines.append(render_report.json_document(findings, errors, run, drift))
    else:
        report.lines.extend(render_report.github_lines(findings, errors, run, drift))
    report.notes.extend(f"note: {note}" for note in notes)
    report.notes.extend(human)
    return report


def _check_rule_ids(rules: Sequence[str]) -> None:
    from ingressgen.errors import InputError
    from ingressgen.findings import PROFILE_RULES, Level

    silenceable = sorted(r for r, rule in PROFILE_RULES.items() if rule.level != Level.ERROR)
    unknown = sorted(set(rules) - set(silenceable))
    if unknown:
        raise InputError(
            f"--ignore {', '.join(unknown)}: not a rule that can be ignored; expected one of: "
            + ", ".join(silenceable)
        )


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


def init(
    request: InitRequest, service_file: str | None, out: str, from_flags_only: bool
) -> CommandReport:
    """A new profile on stdout (`--out -`, the default) or in a new file, never overwritten."""
    import sys

    from ingressgen import init_profile
    from ingressgen.errors import InputError, Location, Problem

    if service_file is None and not from_flags_only:
        raise InputError("init needs a Service (--from-service FILE|-) or a NAME and flags")
    if service_file is not None:
        if service_file == "-":
            text, display = sys.stdin.read(), "<stdin>"
        else:
            try:
                text = Path(service_file).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as error:
                problem = Problem(Location(service_file), f"cannot read: {error}")
                raise InputError(problems=[problem]) from None
            display = service_file
        body, missing = init_profile.from_service(text, display, request)
    else:
        body, missing = init_profile.from_flags(request)
    target = None if out == "-" else Path(out)
    modeline = f"# yaml-language-server: $schema={init_profile.schema_reference(target)}\n"
    text = modeline + body
    report = CommandReport()
    todo = ", ".join(missing)
    if target is None:
        report.lines.append(text.rstrip("\n"))
    else:
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "x", encoding="utf-8") as file:
                file.write(text)
        except FileExistsError:
            message = "already exists; init never overwrites a file: choose another --out"
            raise InputError(problems=[Problem(Location(out), message)]) from None
        except OSError as error:
            raise InputError(problems=[Problem(Location(out), f"cannot write: {error}")]) from None
        report.notes.append(f"wrote {out}")
    if missing:
        report.notes.append(f"note: fill in the lines marked REQUIRED: {todo}")
    return report


def profile_schema() -> dict[str, Any]:
    from ingressgen.overlays import schema_with_overlays
    from ingressgen.profile import Profile

    return schema_with_overlays(Profile.model_json_schema(by_alias=True))
